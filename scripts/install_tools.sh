#!/usr/bin/env bash
# Installs tools/ from the npm registry when missing: buf, helm, dockerfile-utils, kubernetes-models,
# the national region catalogue (idn-area-data), chart.js (built into the gateway's dashboard) and
# puppeteer-core (drives Debian's chromium in the dashboard's browser test; it downloads no browser). Run as the user who owns the checkout (not through sudo, so
# node_modules is not root's); scripts/test.sh and scripts/demo.sh call it after scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x tools/node_modules/.bin/buf && -f tools/node_modules/idn-area-data/data/villages.csv &&
  -f tools/node_modules/kubernetes-models/package.json &&
  -f tools/node_modules/puppeteer-core/package.json && -f tools/node_modules/chart.js/package.json ]] ||
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
