#!/usr/bin/env bash
# Front-end assets come from the npm registry at set-up and are served locally (no CDN).
#
# Only the built files pages load are copied into $JISHI_VAR_DIR/vendor (default var/vendor),
# which settings add to STATICFILES_DIRS under the "vendor/" prefix. Pointing
# STATICFILES_DIRS at node_modules would also publish ECharts' 45 MB of source maps and
# module builds through collectstatic; the copy keeps the served set to what is listed here.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f package.json ] || exit 0
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --silent --no-audit --no-fund
  touch node_modules
fi

vendor="${JISHI_VAR_DIR:-var}/vendor"
# source (under node_modules) -> destination (under $vendor)
files=(
  "htmx.org/dist/htmx.min.js:htmx/htmx.min.js"
  "htmx.org/LICENSE:htmx/LICENSE"
  "echarts/dist/echarts.min.js:echarts/echarts.min.js"
  "echarts/LICENSE:echarts/LICENSE"
)
for pair in "${files[@]}"; do
  src="node_modules/${pair%%:*}"
  dst="$vendor/${pair#*:}"
  if [ ! -f "$src" ]; then
    echo "assets: $src is missing; is package.json's version still shipping it?" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$dst")"
  cp -p "$src" "$dst"
done
