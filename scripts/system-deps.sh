#!/usr/bin/env bash
# Debian packages jishi needs: venv for Python, Pango for PDFs, CJK fonts for Chinese in PDFs
# and screenshots, Chromium for browser tests, poppler to turn PDFs into images in tests,
# gettext to collect and compile the UI's translations, and npm (with Node.js) to fetch the
# front-end assets.
set -euo pipefail
need=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk chromium poppler-utils gettext)
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Front-end assets are installed with npm; a machine with its own Node.js keeps it.
command -v npm >/dev/null || missing+=(npm)
# A pyenv or other non-Debian Python brings its own venv module.
if python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "jishi needs these Debian packages; ask an administrator to install them: ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
