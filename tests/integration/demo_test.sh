#!/usr/bin/env bash
# The one-command demo at a small scale: it must run end to end and print Jambi's published
# figures (they hold at any scale because potentials scale with people), then keep serving with
# the dashboard's URL printed: the URL must answer, and the JSON API behind it, signed in with the
# URL's token, must give the coverage the demo printed. Ctrl-C (here SIGTERM) stops it all.
# Usage: demo_test.sh SOURCE_DIR BUILD_DIR [--store postgres]
# With --store postgres the demo starts its own PostgreSQL 15; the test fails (never skips) when
# that server cannot start, and checks that the demo stopped it and removed its folder.
set -euo pipefail
src=$1 build=$2
shift 2
out=$(mktemp) data=$(mktemp -d) body=$(mktemp)
demo=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  if [[ -n $demo ]] && kill -0 "$demo" 2>/dev/null; then
    kill -TERM "$demo" 2>/dev/null || true
    wait "$demo" 2>/dev/null || true
  fi
  rm -rf "$out" "$data" "$body"
}
trap cleanup EXIT
# The serving demo (no --once), in the background, until it says it keeps serving.
bash "$src/scripts/run_demo.sh" --scale 0.01 --build-dir "$build" --data "$data" "$@" \
  >"$out" 2>&1 &
demo=$!
for _ in $(seq 2400); do
  grep -q '^Press Ctrl-C to stop everything' "$out" && break
  kill -0 "$demo" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q '^Press Ctrl-C to stop everything' "$out"; then
  cat "$out"; echo "FAIL: the demo exited with an error, or did not reach serving in 240 s"; exit 1
fi
fail=0

# The dashboard: the printed URL answers (curl, like a browser, sends no fragment), and its
# token reads Jambi's coverage through the gateway, the same figures the CLI printed.
url=$(sed -n 's/^Dashboard: //p' "$out")
origin=${url%%/#*}
token=$(sed -n 's/.*[#&?]token=\([A-Za-z0-9_-]*\).*/\1/p' <<<"$url")
if [[ ! $url =~ ^http://127\.0\.0\.1:[0-9]+/#/regions/15\?date=2024-08-12\&year=2025\&token=[A-Za-z0-9_-]{16,}$ ]]; then
  echo "FAIL: the demo did not print the dashboard's URL with Jambi's route and a token: '$url'"; fail=1
else
  status=$(curl -sS -o "$body" -w '%{http_code} %{content_type}' "$url") || status="no answer"
  if [[ $status != "200 text/html"* ]] || ! grep -qi '<html' "$body"; then
    echo "FAIL: the dashboard's URL answered '$status', not 200 with its HTML page"; fail=1
  fi
  status=$(curl -sS -o "$body" -w '%{http_code}' "$origin/v1/regions/15/coverage?date=2024-08-12") ||
    status="no answer"
  if [[ $status != 401 ]]; then
    echo "FAIL: the API answered $status to a call without a token, not 401"; fail=1
  fi
  status=$(curl -sS -o "$body" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "$origin/v1/regions/15/coverage?date=2024-08-12") || status="no answer"
  printed=$(grep -E '^Jambi \(regions/15\) on 2024-08-12 ' "$out" | head -1 |
    awk '{gsub(",", "", $5); gsub(",", "", $6); print $5, $6, $7}')
  served=$(python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
print(c["activePersons"], c["potentialWorkers"], "%.2f%%" % c["coverageRatioPercent"])' "$body" 2>&1) ||
    served="unreadable: $served"
  if [[ $status != 200 || -z $printed || $served != "$printed" ]]; then
    echo "FAIL: GET /v1/regions/15/coverage?date=2024-08-12 with the dashboard's token answered" \
      "$status with (active, potential, ratio) '$served'; the demo printed '$printed'"
    fail=1
  fi
fi

# Ctrl-C: the demo stops every process it started (the gateway among them) and exits.
kill -TERM "$demo"
wait "$demo" 2>/dev/null || true
demo=""
cat "$out"
if [[ -n $origin ]] && curl -s -o /dev/null --max-time 2 "$origin/healthz"; then
  echo "FAIL: the gateway still answers after the demo stopped"; fail=1
fi

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
