#!/usr/bin/env bash
# Front-end assets come from the npm registry at set-up and are served locally (no CDN).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f package.json ] || exit 0
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --silent --no-audit --no-fund
fi
