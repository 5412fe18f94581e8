#!/usr/bin/env bash
# The award's two tiers from the paritrana CLI against the real binaries (registry, coverage,
# award; authentication off): a provincial round for Jambi judged by one jury indicator is
# evaluated and published, a national round for a zone is opened with `cycle create --zone`, and
# `candidates promote` makes the provincial top 2 its candidates, then reports them as already
# there when run again; the national round evaluates with them.
# Usage: award_cli_test.sh BUILD_DIR
set -euo pipefail
build=$1
source "$(dirname "$0")/../support/servers.sh"
start "$dir/r.log" "$build/services/registry/paritrana-registry" --listen=127.0.0.1:0 \
  --plaintext --drain_grace=0s --store="sqlite:$dir/registry.db" --nik_key_file="$dir/nik.key" \
  --create_nik_key
export PARITRANA_REGISTRY=127.0.0.1:$(port_of "$dir/r.log") PARITRANA_PLAINTEXT=true
start "$dir/c.log" "$build/services/coverage/paritrana-coverage" --listen=127.0.0.1:0 \
  --plaintext --drain_grace=0s --registry="$PARITRANA_REGISTRY"
export PARITRANA_COVERAGE=127.0.0.1:$(port_of "$dir/c.log")
start "$dir/a.log" "$build/services/award/paritrana-award" --listen=127.0.0.1:0 --plaintext \
  --drain_grace=0s --store="sqlite:$dir/award.db" --registry="$PARITRANA_REGISTRY" \
  --coverage="$PARITRANA_COVERAGE"
export PARITRANA_AWARD=127.0.0.1:$(port_of "$dir/a.log")
cli=$build/cli/paritrana

fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }

# One jury indicator: the ranking is the jury's order.
cat >"$dir/rubric.json" <<'JSON'
{
  "notice": "Test rubric: one jury indicator.",
  "rubric_id": "regency-test",
  "rubric": {"category": "AWARD_CATEGORY_REGENCY_GOVERNMENT", "displayName": "Test"},
  "version": {
    "declaredTotalWeight": 100,
    "aspects": [{"id": "interview", "displayName": "Wawancara", "weight": 100, "indicators": [
      {"id": "presentation", "displayName": "Presentation", "weight": 1,
       "jury": {"minScore": 0, "maxScore": 100}, "linear": {"lower": 0, "upper": 100}}]}]
  }
}
JSON
version=$("$cli" award rubric load "$dir/rubric.json" -o csv | awk -F, 'NR == 2 {print $1}')
"$cli" award cycle create 2025-jambi --year 2025 --province 15 --rubric-version "$version" \
  >/dev/null
"$cli" award candidates add 2025-jambi 15.01 15.04 15.08 15.09 >/dev/null
cat >"$dir/scores.csv" <<'CSV'
candidate_region,indicator,score
15.01,presentation,90
15.08,presentation,80
15.04,presentation,70
15.09,presentation,60
CSV
"$cli" award scores set 2025-jambi --assessor juri-1 --file "$dir/scores.csv" >/dev/null
"$cli" award evaluate 2025-jambi >/dev/null

# A national round for Jambi and South Sumatra.
"$cli" award cycle create 2025-sumatera --year 2025 --zone 15,16 --zone-name "Zona Sumatera" \
  --rubric-version "$version" -o csv >"$dir/national.csv"
check 'grep -q "^cycles/2025-sumatera,Paritrana Award 2025 Zona Sumatera,2025,Zona Sumatera," "$dir/national.csv"' \
  "cycle create --zone: $(cat "$dir/national.csv")"

# Not published yet: refused, with the reason.
if "$cli" award candidates promote 2025-sumatera --from 2025-jambi >"$dir/early.txt" 2>&1; then
  echo "FAIL: an unpublished provincial round was promoted"; fail=1
fi
check 'grep -q "SOURCE_CYCLE_NOT_PUBLISHED" "$dir/early.txt"' "early: $(cat "$dir/early.txt")"

"$cli" award publish 2025-jambi >/dev/null
"$cli" award candidates promote 2025-sumatera --from 2025-jambi --top 2 -o csv \
  >"$dir/promoted.csv"
cat "$dir/promoted.csv"
check '[[ "$(cut -d, -f2- "$dir/promoted.csv")" == "subject,name,category,promoted from,rank,result
15.01,Kabupaten Kerinci,regency government,cycles/2025-jambi/evaluations/1,1,promoted
15.08,Kabupaten Bungo,regency government,cycles/2025-jambi/evaluations/1,2,promoted" ]]' \
  "promote --top 2"
# Again, as a table: both already there, nothing added.
"$cli" award candidates promote 2025-sumatera --from 2025-jambi --top 2 >"$dir/again.txt"
cat "$dir/again.txt"
check '[[ $(grep -c "already a candidate" "$dir/again.txt") == 2 ]]' "promote again: 2 unchanged"
check '! grep -q " promoted$" "$dir/again.txt"' "promote again created a candidate"
if "$cli" award candidates promote 2025-sumatera --from 2025-jambi --category village \
    >"$dir/village.txt" 2>&1; then
  echo "FAIL: a category neither round judges was promoted"; fail=1
fi
check 'grep -q "categories\[0\]: AWARD_CATEGORY_VILLAGE_GOVERNMENT is not judged by both" "$dir/village.txt"' \
  "--category village: $(cat "$dir/village.txt")"

# The national jury reverses them; the national ranking follows it.
cat >"$dir/national_scores.csv" <<'CSV'
candidate_region,indicator,score
15.01,presentation,70
15.08,presentation,85
CSV
"$cli" award scores set 2025-sumatera --assessor juri-1 --file "$dir/national_scores.csv" >/dev/null
"$cli" award evaluate 2025-sumatera -o csv >"$dir/ranking.csv"
cat "$dir/ranking.csv"
check '[[ "$(awk -F, "NR > 1 && \$1 ~ /^[0-9]+$/ {print \$1 \" \" \$2}" "$dir/ranking.csv")" == "1 15.08
2 15.01" ]]' "national ranking"

exit $fail
