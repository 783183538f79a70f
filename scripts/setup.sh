#!/usr/bin/env bash
# Installs everything Gloss needs to build, run and test on Debian/Ubuntu: system packages,
# the UI's npm packages, tauri-driver (end-to-end tests) and a Python venv with `datasets`
# (interop checks only; never a runtime dependency). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(
  build-essential pkg-config curl wget file libssl-dev libxdo-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  librsvg2-dev libayatana-appindicator3-dev
  xvfb xauth webkit2gtk-driver imagemagick
  dbus gnome-keyring libsecret-tools libdbus-1-dev keyutils
  chromium python3-venv nodejs npm
)
missing=()
for package in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    # nodejs/npm may come from elsewhere (nodesource, nvm): only install them if absent.
    if [ "$package" = nodejs ] && command -v node >/dev/null; then continue; fi
    if [ "$package" = npm ] && command -v npm >/dev/null; then continue; fi
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

# npm packages of the UI, reinstalled only when package-lock.json changed.
lock_hash=$(sha256sum ui/package-lock.json | cut -d' ' -f1)
if [ ! -f ui/node_modules/.gloss-lock-hash ] || [ "$(cat ui/node_modules/.gloss-lock-hash)" != "$lock_hash" ]; then
  echo "setup: npm ci (ui/)" >&2
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > ui/node_modules/.gloss-lock-hash
fi

# tauri-driver drives the real window through WebKitWebDriver in end-to-end tests.
tools_dir="$cache_dir/gloss-tools"
if [ ! -x "$tools_dir/bin/tauri-driver" ]; then
  echo "setup: cargo install tauri-driver" >&2
  cargo install tauri-driver --version '^2' --locked --root "$tools_dir" --quiet
fi

# Python venv for interop checks (the hf export loaded by `datasets`).
# Reinstalled only when tests/interop/requirements.txt changed.
venv_dir="$cache_dir/gloss-pyenv"
requirements_hash=$(sha256sum tests/interop/requirements.txt | cut -d' ' -f1)
if [ ! -f "$venv_dir/.gloss-requirements-hash" ] \
  || [ "$(cat "$venv_dir/.gloss-requirements-hash")" != "$requirements_hash" ]; then
  echo "setup: Python venv for interop checks (tests/interop/requirements.txt)" >&2
  python3 -m venv "$venv_dir"
  "$venv_dir/bin/pip" install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
  echo "$requirements_hash" > "$venv_dir/.gloss-requirements-hash"
fi
echo "setup: ok" >&2
