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

# The award rounds (scripts/run_award_demo.sh), read back through the gateway as the CLI's admin:
# every default rubric (province, regency/city, village, large, medium and micro/small business)
# was evaluated on the demo data, every candidate ranked, and no indicator of any evaluation went
# without a value (NO_DATA, or a jury indicator without scores); the national round's regency
# candidates are the top 3 of the published provincial round, linked to it.
admin=$(awk '$1 == "admin" {print $2}' "$data/tokens.txt")
if [[ -z $origin || -z $admin ]]; then
  echo "FAIL: no gateway or admin token to read the award rounds back"; fail=1
elif ! award=$(python3 - "$origin" "$admin" <<'EOF' 2>&1
import json, sys, urllib.request
origin, token = sys.argv[1:3]
def get(path):
    request = urllib.request.Request(f"{origin}/v1/{path}",
                                     headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(request, timeout=30))
problems, judged = [], {}
for cycle in ("2024-jambi", "2024-jambi-usaha", "2024-jambi-desa", "2024-sumatera"):
    try:
        evaluation = get(f"cycles/{cycle}/evaluations/1")
    except Exception as e:
        problems.append(f"{cycle}: no evaluation ({e})")
        continue
    for result in evaluation.get("results", []):
        category, ranked = result["category"], result.get("ranked", [])
        if not ranked:
            problems.append(f"{cycle} {category}: nobody ranked")
        if result.get("screenedOutCount", 0) or result.get("excludedCount", 0):
            problems.append(f"{cycle} {category}: {result.get('screenedOutCount', 0)} screened "
                            f"out, {result.get('excludedCount', 0)} excluded")
        values = 0
        for entry in ranked:
            for indicator in entry.get("indicators", []):
                status = indicator.get("valueStatus")
                values += 1
                if status != "INDICATOR_VALUE_STATUS_AVAILABLE":
                    problems.append(f"{cycle} {category} {entry['subject']} "
                                    f"{indicator['indicatorId']}: {status}")
        judged.setdefault(category, []).append(f"{cycle} ({len(ranked)} ranked, {values} values)")
for category in ("PROVINCIAL_GOVERNMENT", "REGENCY_GOVERNMENT", "VILLAGE_GOVERNMENT",
                 "LARGE_BUSINESS", "MEDIUM_BUSINESS", "MICRO_SMALL_BUSINESS"):
    if "AWARD_CATEGORY_" + category not in judged:
        problems.append(f"no round evaluated the {category} rubric")
for cycle in ("2024-jambi", "2024-jambi-usaha", "2024-jambi-desa"):
    if get(f"cycles/{cycle}").get("state") != "STATE_PUBLISHED":
        problems.append(f"{cycle} is not published")
source = get("cycles/2024-jambi").get("publishedEvaluation", "")
top = []
if source:
    top = [(e["subject"], e["rank"], source) for e in get(source)["results"][0]["ranked"][:3]]
candidates = get("cycles/2024-sumatera/candidates?pageSize=100").get("candidates", [])
promoted = [(c["subject"], c.get("promotedRank", 0), c.get("promotedFrom", ""))
            for c in candidates if c["category"] == "AWARD_CATEGORY_REGENCY_GOVERNMENT"]
if len(top) != 3 or sorted(promoted) != sorted(top):
    problems.append(f"2024-sumatera's regency candidates {sorted(promoted)} are not the top 3 of "
                    f"2024-jambi's published ranking {sorted(top)}")
if not any(c["subject"] == "regions/15" and c["category"] == "AWARD_CATEGORY_PROVINCIAL_GOVERNMENT"
           for c in candidates):
    problems.append("2024-sumatera has no provincial candidate regions/15")
for category, rounds in sorted(judged.items()):
    print(f"award: {category} evaluated in {', '.join(rounds)}")
print("award: promoted to 2024-sumatera: " + ", ".join(f"{s} (rank {r})" for s, r, _ in promoted))
if problems:
    print("\n".join(problems))
    sys.exit(1)
EOF
); then
  echo "$award"; echo "FAIL: the award rounds above are incomplete or lack values"; fail=1
else
  echo "$award"
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
# The other rounds: businesses and villages published, and the national round of Zona Sumatera
# with the provincial winners promoted (the figures themselves are checked above).
expect '^== Paritrana Award 2024, businesses in Jambi \(jury scores synthetic\) ==$' "the business round"
expect '^cycles/2024-jambi-usaha/evaluations/1 +published ' "the business ranking published"
expect '^== Paritrana Award 2024, village governments of Kecamatan 15\.08\.01 \(jury scores synthetic\) ==$' \
  "the village round"
expect '^cycles/2024-jambi-desa/evaluations/1 +published ' "the village ranking published"
expect '^== Paritrana Award 2024, national round, Zona Sumatera \(jury scores synthetic\) ==$' \
  "the national round"
expect '^[a-z0-9-]+ +15\.08 +Kabupaten Bungo +regency government +cycles/2024-jambi/evaluations/1 +1 +promoted$' \
  "Kabupaten Bungo promoted from rank 1"
expect '^cycles/2024-sumatera/evaluations/1 \(draft\)' "the national round evaluated"
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
