#!/usr/bin/env bash
# The one-command demo at a small scale: it must run end to end and print Jambi's published
# figures (they hold at any scale because potentials scale with people).
# Usage: demo_test.sh SOURCE_DIR BUILD_DIR [--store postgres]
# With --store postgres the demo starts its own PostgreSQL 15; the test fails (never skips) when
# that server cannot start, and checks that the demo stopped it and removed its folder.
set -euo pipefail
src=$1 build=$2
shift 2
out=$(mktemp) data=$(mktemp -d)
trap 'rm -rf "$out" "$data"' EXIT
bash "$src/scripts/run_demo.sh" --once --scale 0.01 --build-dir "$build" --data "$data" "$@" \
  >"$out" 2>&1 || { cat "$out"; echo "FAIL: the demo exited with an error"; exit 1; }
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
# The award round (scripts/run_award_demo.sh): the published 2024 provincial result for
# regency/city governments, with synthetic jury scores said to be synthetic, and the reasons.
expect '^== Paritrana Award 2024, regency/city governments \(jury scores synthetic\) ==$' \
  "the award header marking the jury scores synthetic"
expect '^1 +15\.08 +Kabupaten Bungo +[0-9]+\.[0-9]{2} .*regional_regulation 95 \(\+[0-9.]+\)' \
  "rank 1 Kabupaten Bungo, with its top reasons"
expect '^2 +15\.05 +Kabupaten Muaro Jambi +[0-9]+\.[0-9]{2} ' "rank 2 Kabupaten Muaro Jambi"
expect '^3 +15\.71 +Kota Jambi +[0-9]+\.[0-9]{2} ' "rank 3 Kota Jambi"
expect '^[4-9] +15\.04 +Kabupaten Batanghari .*coverage_ratio 50\.7[0-9]% \(\+' \
  "Batanghari, first by coverage, below the top three"
expect '^cycles/2024-jambi/evaluations/1 +published ' "the award ranking published"
if [[ " $* " == *" --store postgres "* ]]; then
  pg_dir=$(sed -n 's/^Store: PostgreSQL 15 on a Unix socket in \(.*\), databases registry and award$/\1/p' "$out")
  if [[ -z $pg_dir ]]; then
    echo "FAIL: the demo did not say it ran on its own PostgreSQL 15"; fail=1
  else
    if [[ -e $pg_dir ]]; then echo "FAIL: the demo left its PostgreSQL folder $pg_dir"; fail=1; fi
    if pgrep -f -- "-D $pg_dir/data" >/dev/null; then
      echo "FAIL: the demo left PostgreSQL running on $pg_dir"; fail=1
    fi
  fi
fi
[[ $fail == 0 ]] && echo "demo figures: as published"
exit $fail
