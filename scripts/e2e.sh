#!/usr/bin/env bash
# End-to-end test of the desktop app in a real WebKitGTK window under Xvfb:
# builds the UI and the app (with the test's dev-dependencies, so tauri is built once),
# then runs src-tauri/tests/e2e.rs (demo, three tasks) and e2e_ner.rs (mouse and keyboard spans,
# a relation, hf/jsonl offsets) and e2e_perf.rs (a 50,000-character task with 2,000 spans, key
# press to next task: prints figures, asserts no timing) and e2e_audio.rs (a waveform from the
# core's peaks, a segment cut by mouse, labelled by key, transcribed and nudged; the stored
# result) and e2e_folders.rs (a watched folder: reconcile on open, a file written while open
# becomes a task and the progress updates; the import_folder command's report) and e2e_llm.rs
# (Pairwise by key, Ranker by mouse drag, a chat message rated per message, a message added,
# the stored result and the SFT export) and e2e_image.rs (a box and a polygon drawn by mouse,
# a vertex dragged, checked in the COCO export; then figures for a 10,000 px image with 1,000
# polygons) and e2e_prelabel.rs (the Pre-label dialog against a local fake model server: progress
# bar, cancel, resume; one prediction per task; the planted key in no file) and e2e_suggestions.rs
# (a seeded project: lowest confidence first, a suggestion corrected, one accepted with K; the
# origins in the store) and e2e_builtin_model.rs (the built-in model switched on: trained in the
# background, every task pre-labelled) and e2e_review.rs (Review: a task adjudicated, an annotation
# rejected with a comment; the reviews in the store) through tauri-driver,
# and e2e_packages.rs (Packages…: a package made for one annotator, another's merged twice).
# Needs: xvfb-run (xvfb, xauth), WebKitWebDriver (webkit2gtk-driver), tauri-driver
# (`cargo install tauri-driver --version '^2' --locked`, or set TAURI_DRIVER).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d ui/node_modules ]; then npm --prefix ui ci; fi
npm --prefix ui run build
cargo build -p gloss   # the CLI the test also checks the project file with
cargo test -p gloss-desktop --features custom-protocol --no-run
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  env GLOSS_E2E=1 cargo test -p gloss-desktop --features custom-protocol --test e2e --test e2e_ner --test e2e_perf --test e2e_audio --test e2e_folders --test e2e_llm --test e2e_image --test e2e_prelabel --test e2e_suggestions --test e2e_builtin_model --test e2e_review --test e2e_packages -- --nocapture
