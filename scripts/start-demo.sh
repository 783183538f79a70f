#!/usr/bin/env bash
# Installs what is missing, builds the UI and the desktop app, and opens it on the bundled
# demo project (created on first use in the app's data folder).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gloss-target}"
npm --prefix ui run build
cargo build -p gloss-desktop --features custom-protocol
exec "$CARGO_TARGET_DIR/debug/gloss-desktop" --demo
