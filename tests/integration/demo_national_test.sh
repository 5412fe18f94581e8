#!/usr/bin/env bash
# The demo's national mode at a small scale, without the region catalogue (the national mix is
# then placed in Jambi's synthetic regions): it must load every row and print Jambi's figures on
# 28 Feb 2025, the dataset's coverage being the national UCJ (35.68%).
# Usage: demo_national_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
out=$(mktemp) data=$(mktemp -d)
trap 'rm -rf "$out" "$data"' EXIT
bash "$src/scripts/run_demo.sh" --once --national 3000 --region-catalog "$data/no-catalogue" \
  --build-dir "$build" --data "$data" >"$out" 2>&1 || {
  cat "$out"; echo "FAIL: the demo exited with an error"; exit 1; }
cat "$out"
fail=0
expect() {
  if ! grep -qE "$1" "$out"; then echo "FAIL: the demo did not print: $2"; fail=1; fi
}
expect '100% 3000/3000 persons' "the progress bar at 100%"
expect '^Imported [0-9]+ rows for 3000 people .* 0 rejected$' "an import without rejected rows"
expect '^Jambi \(regions/15\) on 2025-02-28 +[0-9,]+ +[0-9,]+ +35\.[67][0-9]%$' \
  "Jambi at about 35.68% on 28 Feb 2025"
expect 'paid by provincial_budget \(dumisake\)' "the Dumisake-funded workers"
[[ $fail == 0 ]] && echo "national demo: as expected"
exit $fail
