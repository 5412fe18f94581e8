#!/usr/bin/env bash
# The one-command demo at a small scale: it must run end to end and print Jambi's published
# figures (they hold at any scale because potentials scale with people).
# Usage: demo_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
out=$(mktemp) data=$(mktemp -d)
trap 'rm -rf "$out" "$data"' EXIT
bash "$src/scripts/run_demo.sh" --once --scale 0.01 --build-dir "$build" --data "$data" >"$out" 2>&1 || {
  cat "$out"; echo "FAIL: the demo exited with an error"; exit 1; }
cat "$out"
fail=0
expect() {
  if ! grep -qE "$1" "$out"; then echo "FAIL: the demo did not print: $2"; fail=1; fi
}
expect '^Jambi \(regions/15\) on 2024-08-12 +[0-9,]+ +[0-9,]+ +39\.5[0-9]%$' "Jambi at 39.5% on 12 Aug 2024"
expect '^15\.04 +Kabupaten Batanghari +50\.7[0-9]% +55\.00%' "Batanghari at 50.7%, first by coverage"
expect '^15\.71 +Kota Jambi +48\.[56][0-9]%' "Kota Jambi at about 48.6%"
expect '^15\.09 +Kabupaten Tebo +31\.[45][0-9]%' "Tebo at about 31.5%"
expect '^15\.07 +Kabupaten Tanjung Jabung Timur +26\.[67][0-9]%' "Tanjung Jabung Timur at about 26.7%"
expect 'paid by provincial_budget \(dumisake\)' "the Dumisake-funded workers"
expect ' 0 rejected' "an import without rejected rows"
[[ $fail == 0 ]] && echo "demo figures: as published"
exit $fail
