#!/usr/bin/env bash
# Builds the Debian package of the desktop app from the root tauri.conf.json:
#   1. the UI (ui/dist), 2. the release shell binary with cargo, 3. `tauri bundle --bundles deb`.
# Why not `tauri build`: see docs/ARCHITECTURE.md, "Installers". Prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d ui/node_modules ]; then npm --prefix ui ci; fi
npm --prefix ui run build
cargo build --release -p gloss-desktop --features custom-protocol
cargo build --release -p gloss
# The `gloss` CLI ships in the package as /usr/bin/gloss (tauri.conf.json > bundle > linux >
# deb > files maps it from target-deb/, a git-ignored staging folder next to the config).
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
mkdir -p target-deb
cp "$target_dir/release/gloss" target-deb/gloss
# The config's "mainBinaryName": "gloss-desktop" points the bundler at the shell's binary.
ui/node_modules/.bin/tauri bundle --bundles deb --ci

ls -1 "$target_dir"/release/bundle/deb/*.deb
