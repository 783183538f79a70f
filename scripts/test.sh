#!/usr/bin/env bash
# Every check, in the order a failure is cheapest to see: format, lints, the core's dependency
# rule, core tests (with interop), UI type-check and tests, the desktop build, and the
# end-to-end test in the real window under Xvfb. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache_dir/gloss-target}"
export GLOSS_PYTHON="${GLOSS_PYTHON:-$cache_dir/gloss-pyenv/bin/python}"
export TAURI_DRIVER="${TAURI_DRIVER:-$cache_dir/gloss-tools/bin/tauri-driver}"
step() { printf '\n==> %s\n' "$*" >&2; }

step "format"
cargo fmt --all -- --check

step "the core crate has no tauri in its dependency tree"
if cargo tree -p gloss -e normal --prefix none 2>/dev/null | grep -E '^tauri( |-)' ; then
  echo "error: the core crate (gloss) depends on tauri; only src-tauri may" >&2
  exit 1
fi

step "UI build (the desktop crate embeds ui/dist)"
npm --prefix ui run build

step "clippy -D warnings"
cargo clippy --workspace --all-targets --features gloss-desktop/custom-protocol -- -D warnings

step "core tests (unit, integration, CLI, bindings drift, hf interop)"
cargo test -p gloss

step "keychain: API keys through a real Secret Service (dbus-run-session + gnome-keyring-daemon)"
keyring_dir="$(mktemp -d)"
XDG_DATA_HOME="$keyring_dir" GLOSS_TEST_KEYRING=1 dbus-run-session -- sh -c \
  'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test -p gloss --test prelabel_keys && cargo test -p gloss-desktop --bins commands::prelabel'
rm -rf "$keyring_dir"

step "UI type-check and component tests"
npm --prefix ui run typecheck
npm --prefix ui test

step "UI in Chromium with mockIPC"
npm --prefix ui run test:browser

step "desktop shell tests and end-to-end test in the real window"
scripts/e2e.sh

echo "all checks passed" >&2
