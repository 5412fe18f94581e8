#!/usr/bin/env bash
# Installs tools/ from the npm registry when missing: buf, helm, dockerfile-utils, kubernetes-models
# and the national region catalogue (idn-area-data). Run as the user who owns the checkout (not through sudo, so
# node_modules is not root's); scripts/test.sh and scripts/demo.sh call it after scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x tools/node_modules/.bin/buf && -f tools/node_modules/idn-area-data/data/villages.csv &&
  -f tools/node_modules/kubernetes-models/package.json ]] ||
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
