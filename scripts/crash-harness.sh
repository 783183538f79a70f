#!/usr/bin/env bash
# The crash-safety harness (issue 7, docs/RELIABILITY.md): kills the real `gloss` process with
# SIGKILL at random moments during import, annotate and export, GLOSS_CRASH_ROUNDS times (200 by
# default), checking integrity, acknowledged saves, all-or-nothing imports and complete-or-absent
# exports after every kill. GLOSS_CRASH_SEED=N replays a run. Release build: the figures are
# about the binary people run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gloss-target}"
export GLOSS_CRASH_ROUNDS="${GLOSS_CRASH_ROUNDS:-200}"
exec cargo test --release -p gloss --test crash_safety -- --ignored --nocapture crash_safety_full
