#!/usr/bin/env bash
# The README's test command: installs what is missing, then
#   1. builds warning-free (GCC), checks the C++ formatting, lints the contracts, checks the Helm
#      chart and runs every test with ctest;
#   2. builds again with clang++, AddressSanitizer and UndefinedBehaviorSanitizer (preset asan)
#      and runs every test there;
#   3. runs each libFuzzer target of that build for a bounded time (scripts/fuzz.sh);
# Extra arguments go to the ctest of step 1 only (e.g. -R Nik), and then steps 2 and 3 are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -eq 0 ]]; then bash scripts/setup.sh; else sudo bash scripts/setup.sh; fi
bash scripts/install_tools.sh

step() { echo "== test.sh: $* ($(date -u +%H:%M:%S))"; }

step "1. default build and every test"
cmake --preset default >/dev/null
cmake --build --preset default
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
echo "clang-format: clean"
tools/node_modules/.bin/buf lint protos
echo "buf lint: clean"
bash scripts/check_chart.sh
ctest --preset default -j2 "$@"
[[ $# -eq 0 ]] || exit 0

step "2. AddressSanitizer + UndefinedBehaviorSanitizer build and every test"
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan -j2

step "3. fuzz targets, 20 s each"
bash scripts/fuzz.sh 20

step "done"
