#!/usr/bin/env bash
# Keeps scripts/bench.sh working: one tiny-scale run (--quick) on the binaries of this build. It
# times nothing; it fails if the script fails, if any benchmark row has errors, or if a section
# of the report came out without figures.
# Usage: bench_quick_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash "$src/scripts/bench.sh" --quick --no-build --bin "$build" --out "$out" >/dev/null 2>"$out.err" ||
  { echo "FAIL: bench.sh --quick exited $?" >&2; tail -30 "$out.err" >&2; rm -f "$out.err"; exit 1; }
rm -f "$out.err"
fail=0
# Every read-path row: a number of calls/s and 0 errors (column 8 of the closed-loop table).
for row in "(a) echo on ServiceHost" "(a″) echo answering with" "(b) GetCoverage, cache hit (in process, sent" \
           "(b′) GetCoverage, cache hit in Redis" "(c) GetCoverage, no cache" "(c′) QueryAggregates" \
           "(e) award evaluation"; do
  line=$(grep -F "| $row" "$out" | head -1)
  calls=$(awk -F'|' '{ gsub(/ /, "", $3); print $3 }' <<<"$line")
  errors=$(awk -F'|' '{ gsub(/ /, "", $8); print $8 }' <<<"$line")
  if [[ ! $calls =~ ^[0-9]+(\.[0-9]+)?$ || $calls =~ ^0(\.0*)?$ || $errors != 0 ]]; then
    echo "FAIL: row '$row': calls/s '$calls', errors '$errors'" >&2; fail=1
  fi
done
for section in "## 2. Scale independence" "## 3. Bulk import" "## 4. Award evaluation" "## 5. National scale" \
               "## Two coverage replicas" "## Soak" "## Goals"; do
  grep -qF "$section" "$out" || { echo "FAIL: no section '$section'" >&2; fail=1; }
done
# The (e) row has no percentiles by design (one caller, a few timed calls).
if grep -v '^| (e) ' "$out" | grep -q '| — |.*| — |.*| — |'; then
  echo "FAIL: rows without figures:" >&2; grep -v '^| (e) ' "$out" | grep '| — |.*| — |.*| — |' >&2; fail=1
fi
[[ $fail == 0 ]] || { cat "$out" >&2; exit 1; }
echo "bench.sh --quick: every section measured, no errors"
