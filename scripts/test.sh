#!/usr/bin/env bash
# The README's test command: installs what is missing, builds warning-free, lints the contracts and
# runs every test with ctest. Extra arguments go to ctest (e.g. -R Nik).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -eq 0 ]]; then bash scripts/setup.sh; else sudo bash scripts/setup.sh; fi
[[ -x tools/node_modules/.bin/buf ]] || npm ci --prefix tools --no-audit --no-fund --loglevel=error

cmake --preset default >/dev/null
cmake --build --preset default
tools/node_modules/.bin/buf lint protos
echo "buf lint: clean"
bash scripts/check_chart.sh
ctest --preset default -j2 "$@"
