#!/usr/bin/env bash
# Builds the libFuzzer targets (the `asan` preset: clang++, ASan + UBSan, build-asan/) and runs
# each for SECONDS_PER_TARGET (default 20) on a copy of its seed corpus in tests/fuzz/corpus, so
# the committed corpus never grows. Crash inputs go to a temporary directory that is kept (and
# printed) when a target fails. Prints one line per target; exits 1 if any target crashed.
# Installs nothing: clang and libclang-rt-14-dev come from scripts/setup.sh.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail

seconds=${1:-20}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS_PER_TARGET]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

targets=(fuzz_validators fuzz_page_token fuzz_csv fuzz_jsonl_row fuzz_rubric_file
  fuzz_registry_requests fuzz_award_requests fuzz_gateway_requests)

start=$SECONDS
cmake --preset asan >/dev/null
cmake --build build-asan -j2 --target "${targets[@]}" >/dev/null
echo "fuzz.sh: built ${#targets[@]} targets in $((SECONDS - start)) s; ${seconds} s each"

work=$(mktemp -d "${TMPDIR:-/tmp}/paritrana-fuzz.XXXXXX")
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts" "$work/$t/tmp"
  cp -r "tests/fuzz/corpus/$t/." "$work/$t/corpus/"
  rc=0
  # The request targets keep their SQLite store under TMPDIR; it goes away with $work.
  TMPDIR="$work/$t/tmp" "build-asan/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" \
    "$work/$t/corpus" >"$work/$t/log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log" | tail -n 1)
  crashes=$(find "$work/$t/artifacts" -type f | wc -l)
  if [[ $rc -ne 0 || $crashes -gt 0 ]]; then
    failed=1
    echo "FAIL $t: exit $rc, ${runs:-?} runs, $crashes crash file(s) in $work/$t/artifacts (log: $work/$t/log)"
  else
    echo "ok   $t: ${runs:-?} runs, corpus $(find "$work/$t/corpus" -type f | wc -l) inputs"
  fi
done

if [[ $failed -ne 0 ]]; then
  echo "fuzz.sh: crashes found; reproduce with build-asan/tests/fuzz/<target> <crash file>" >&2
  exit 1
fi
rm -rf "$work"
echo "fuzz.sh: no crashes"
