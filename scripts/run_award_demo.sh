#!/usr/bin/env bash
# The award part of the demo, run with the paritrana CLI against the demo's services: the
# Paritrana Award 2024 provincial rounds of Jambi for its 11 regencies and cities, for businesses
# (large, medium, micro/small) and for the villages of one district, then the national round of
# "Zona Sumatera" that takes the top 3 regencies of the published provincial round and Jambi's
# provincial government. scripts/run_demo.sh runs it after importing the synthetic Jambi dataset,
# with PARITRANA_REGISTRY, PARITRANA_COVERAGE, PARITRANA_AWARD, PARITRANA_GATEWAY,
# PARITRANA_PLAINTEXT and an admin PARITRANA_TOKEN exported. The business round lists Jambi's
# employers through the gateway (PARITRANA_GATEWAY, HOST:PORT), or without one by server
# reflection with tools/node_modules/.bin/buf (scripts/install_tools.sh): the CLI has no command
# for it.
#   scripts/run_award_demo.sh [--build-dir DIR]
# Without --build-dir the CLI is $PARITRANA_CLI (run_demo.sh exports it), else build/.
#
# What is real and what is not:
# - the rubrics are the shipped defaults, services/award/default_rubric_*.json, whose every
#   weight, scale and threshold is a configurable assumption (no official ones are public);
# - the computed indicators come from the demo dataset (bench/national_dataset.h): coverage,
#   budget-funded workers, registered employers and bills of regions; worker coverage, programme
#   completeness, on-time bills and arrears of employers; coverage and village-budget (APBDes)
#   funded workers of villages. All of it is synthetic but calibrated (see that header);
# - EVERY JURY SCORE BELOW IS SYNTHETIC, invented for this demo. The regencies' are chosen so the
#   demo's ranking matches the published 2024 provincial result (1st Kabupaten Bungo, 2nd
#   Kabupaten Muaro Jambi, 3rd Kota Jambi): Batanghari has the highest coverage, but the jury
#   aspects (policy, implementation, interview: half of the rubric's weight) decide. The
#   businesses', villages' and the province's are drawn from a hash of the candidate and the
#   indicator: they decide nothing real.
set -euo pipefail
cd "$(dirname "$0")/.."

build=
while [[ $# -gt 0 ]]; do
  case $1 in
    --build-dir) build=$2; shift ;;
    *) echo "run_award_demo.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
cli=${PARITRANA_CLI:-${build:-build}/cli/paritrana}
[[ -n $build ]] && cli=$build/cli/paritrana
[[ -x $cli ]] || { echo "run_award_demo.sh: no CLI at $cli (give --build-dir)" >&2; exit 1; }
if [[ -z ${PARITRANA_GATEWAY:-} && ! -x tools/node_modules/.bin/buf ]]; then
  echo "run_award_demo.sh: set PARITRANA_GATEWAY (HOST:PORT) or install tools/node_modules/.bin/buf" >&2
  exit 1
fi

cycle=2024-jambi business=2024-jambi-usaha villages=2024-jambi-desa national=2024-sumatera
# The assessment period ends on the dataset's snapshot day, 12 Aug 2024: the synthetic dataset
# describes coverage on that day and models no contributions paid after it. EvaluateCycle needs
# the period to have ended (Asia/Jakarta), which it has.
period_start=2024-01-01 period_end=2024-08-12
period=(--period-start "$period_start" --period-end "$period_end")
# The village round judges the desa of this district (Tanah Tumbuh, Kabupaten Bungo): the dataset
# gives them a 2024 baseline and officials paid by their village budgets.
village_district=15.08.01
scores=$(mktemp)
trap 'rm -f "$scores"' EXIT

rubric=services/award/default_rubric
load() { "$cli" award rubric load "${rubric}_$1.json" -o csv | awk -F, 'NR == 2 {print $1}'; }
regency_version=$(load regency)
province_version=$(load province)
village_version=$(load village)
large_version=$(load large_business)
medium_version=$(load medium_business)
small_version=$(load micro_small_business)

# SYNTHETIC jury scores of the regencies: regional_regulation, planning_integration,
# budget_allocation, nik_data_use, presentation (0..100) and head_attends (1 = the head of region
# presented in person, 0 = represented). Three jurors score around each profile (-3, 0, +3).
profiles=(
  "15.01 55 50 48 52 58 0"   # Kabupaten Kerinci
  "15.02 60 58 55 50 62 1"   # Kabupaten Merangin
  "15.03 52 55 50 48 55 0"   # Kabupaten Sarolangun
  "15.04 62 58 55 65 64 0"   # Kabupaten Batanghari: top coverage, no Perda yet, head represented
  "15.05 88 86 84 86 88 1"   # Kabupaten Muaro Jambi
  "15.06 58 55 52 56 60 1"   # Kabupaten Tanjung Jabung Barat
  "15.07 50 48 52 45 52 0"   # Kabupaten Tanjung Jabung Timur
  "15.08 95 92 90 92 94 1"   # Kabupaten Bungo: Perda, budget for vulnerable workers, strong interview
  "15.09 56 52 50 54 58 1"   # Kabupaten Tebo
  "15.71 72 70 68 75 72 1"   # Kota Jambi
  "15.72 60 56 54 58 60 0"   # Kota Sungai Penuh
)
# regency_scores JUROR REGION...: the CSV rows of one juror for these regencies.
regency_scores() {
  local juror=$1 offset region s1 s2 s3 s4 s5 head profile
  shift
  offset=$(((juror - 2) * 3))
  local indicators=(regional_regulation planning_integration budget_allocation nik_data_use presentation)
  for profile in "${profiles[@]}"; do
    read -r region s1 s2 s3 s4 s5 head <<<"$profile"
    [[ " $* " == *" $region "* ]] || continue
    local values=("$s1" "$s2" "$s3" "$s4" "$s5")
    for i in "${!indicators[@]}"; do
      v=$((values[i] + offset)); ((v > 100)) && v=100; ((v < 0)) && v=0
      echo "$region,${indicators[i]},$v,synthetic demo score"
    done
    echo "$region,head_attends,$head,synthetic demo score"
  done
}
# synthetic_scores RUBRIC_FILE JUROR SUBJECT...: the CSV rows of one juror for every jury
# indicator of the rubric, SYNTHETIC: 45% to 95% of the indicator's scale by a hash of the
# subject and the indicator, the juror's offset (-3, 0, +3) added; 0/1 indicators are 1 for about
# two thirds of the subjects.
synthetic_scores() {
  python3 - "$@" <<'EOF'
import hashlib, json, sys
rubric, juror, subjects = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for subject in subjects:
    for aspect in json.load(open(rubric))["version"]["aspects"]:
        for indicator in aspect["indicators"]:
            if "jury" not in indicator:
                continue
            low = indicator["jury"].get("minScore", 0)
            high = indicator["jury"].get("maxScore", 100)
            key = f"{subject}|{indicator['id']}".encode()
            u = int(hashlib.sha256(key).hexdigest()[:8], 16) / 2**32
            if high - low <= 1:
                v = low if u < 0.35 else high
            else:
                v = round(low + (0.45 + 0.5 * u) * (high - low) + (juror - 2) * 3)
                v = min(high, max(low, v))
            print(f"{subject},{indicator['id']},{v},synthetic demo score")
EOF
}
# set_scores CYCLE JUROR_PREFIX FUNCTION ARGS...: three jurors' scores, FUNCTION JUROR ARGS
# printing each juror's rows.
set_scores() {
  local cycle=$1 prefix=$2 fn=$3
  shift 3
  for juror in 1 2 3; do
    { echo "candidate_region,indicator,score,comment"; "$fn" "$juror" "$@"; } >"$scores"
    "$cli" award scores set "$cycle" --assessor "$prefix-$juror" --file "$scores" >/dev/null
  done
}
# business_scores JUROR: the business candidates' rows, each by its category's rubric.
business_scores() {
  local category employer file
  while read -r category employer; do
    case $category in
      large-business) file=${rubric}_large_business.json ;;
      medium-business) file=${rubric}_medium_business.json ;;
      *) file=${rubric}_micro_small_business.json ;;
    esac
    synthetic_scores "$file" "$1" "$employer"
  done <<<"$chosen"
}
village_scores() { synthetic_scores "${rubric}_village.json" "$1" "${desa[@]}"; }
national_scores() {
  regency_scores "$1" "${promoted[@]}"
  synthetic_scores "${rubric}_province.json" "$1" 15
}

# 1. Regencies and cities.
"$cli" award cycle create "$cycle" --year 2024 --province 15 --rubric-version "$regency_version" \
  --category regency "${period[@]}" >/dev/null
candidates=$("$cli" award candidates add "$cycle" --category regency --all-children 15 -o csv |
  tail -n +2 | wc -l)
set_scores "$cycle" juri regency_scores 15.01 15.02 15.03 15.04 15.05 15.06 15.07 15.08 15.09 15.71 15.72

echo "== Paritrana Award 2024, regency/city governments (jury scores synthetic) =="
echo "Cycle $cycle: $candidates candidates, assessment period $period_start to $period_end."
echo "Rubric $regency_version: the shipped default, every weight and threshold a configurable assumption."
echo "Computed indicators come from the demo dataset; the 3 jurors' scores are SYNTHETIC."
"$cli" award evaluate "$cycle" >/dev/null
"$cli" award show "$cycle"
echo
echo "Batanghari has the highest coverage (performance aspect) but ranks lower: its jury aspects"
echo "(policy, implementation, interview) are weaker. Explain one candidate with:"
echo "  $cli award show $cycle --candidate 15.04"
echo
"$cli" award publish "$cycle"

# 2. Businesses: the three largest employers (by reported headcount) of each size class in Jambi
# registered before the period, so billed for all of it, as the registry lists them.
chosen=$(python3 - "${PARITRANA_GATEWAY:-}" "$PARITRANA_REGISTRY" "$PARITRANA_TOKEN" \
  "$period_start" <<'EOF'
import json, subprocess, sys, urllib.parse, urllib.request
gateway, registry, token, start = sys.argv[1:5]
employers, page = [], ""
while True:
    query = {"region": "regions/15", "pageSize": 1000}
    if page:
        query["pageToken"] = page
    if gateway:  # ListEmployers as JSON through the gateway
        request = urllib.request.Request(
            f"http://{gateway}/v1/employers?{urllib.parse.urlencode(query)}",
            headers={"Authorization": f"Bearer {token}"})
        body = json.load(urllib.request.urlopen(request, timeout=30))
    else:  # the same over gRPC, by server reflection
        body = json.loads(subprocess.run(
            ["tools/node_modules/.bin/buf", "curl", "--protocol", "grpc",
             "--http2-prior-knowledge", "-H", f"Authorization: Bearer {token}",
             "-d", json.dumps(query),
             f"http://{registry}/paritrana.registry.v1.RegistryService/ListEmployers"],
            check=True, capture_output=True, text=True, timeout=60).stdout)
    employers += body.get("employers", [])
    page = body.get("nextPageToken", "")
    if not page:
        break
category = {"EMPLOYER_SIZE_CLASS_LARGE": "large-business",
            "EMPLOYER_SIZE_CLASS_MEDIUM": "medium-business",
            "EMPLOYER_SIZE_CLASS_SMALL": "micro-small-business",
            "EMPLOYER_SIZE_CLASS_MICRO": "micro-small-business"}
by_category = {}
for e in employers:
    d = e.get("registrationDate", {})
    if "%04d-%02d-%02d" % (d.get("year", 0), d.get("month", 0), d.get("day", 0)) >= start:
        continue
    by_category.setdefault(category.get(e.get("sizeClass"), ""), []).append(e)
for c in ("large-business", "medium-business", "micro-small-business"):
    ranked = sorted(by_category.get(c, []), key=lambda e: (-int(e["workerCountDeclared"]), e["name"]))
    for e in ranked[:3]:
        print(c, e["name"])
EOF
)
"$cli" award cycle create "$business" --year 2024 --province 15 --rubric-version "$large_version" \
  --rubric-version "$medium_version" --rubric-version "$small_version" "${period[@]}" \
  --display-name "Paritrana Award 2024 Provinsi Jambi, Badan Usaha" >/dev/null
for category in large-business medium-business micro-small-business; do
  mapfile -t names < <(awk -v c="$category" '$1 == c {print $2}' <<<"$chosen")
  if [[ ${#names[@]} -eq 0 ]]; then
    echo "run_award_demo.sh: no $category candidate registered before $period_start" >&2
    exit 1
  fi
  "$cli" award candidates add "$business" --category "$category" "${names[@]}" >/dev/null
done
set_scores "$business" juri-usaha business_scores
echo
echo "== Paritrana Award 2024, businesses in Jambi (jury scores synthetic) =="
echo "Cycle $business: the 3 largest employers of each size class registered before the period,"
echo "$(wc -l <<<"$chosen") candidates. Rubrics $large_version, $medium_version, $small_version."
echo "Worker coverage, programme completeness, on-time bills and arrears come from the demo"
echo "dataset; the 3 jurors' scores are SYNTHETIC."
"$cli" award evaluate "$business" >/dev/null
"$cli" award show "$business"
echo
"$cli" award publish "$business"

# 3. Villages: the desa of one district.
"$cli" award cycle create "$villages" --year 2024 --province 15 --rubric-version "$village_version" \
  "${period[@]}" --display-name "Paritrana Award 2024 Provinsi Jambi, Pemerintah Desa" >/dev/null
mapfile -t desa < <("$cli" award candidates add "$villages" --category village \
  --all-children "$village_district" -o csv | tail -n +2 | cut -d, -f2)
set_scores "$villages" juri-desa village_scores
echo
echo "== Paritrana Award 2024, village governments of Kecamatan $village_district (jury scores synthetic) =="
echo "Cycle $villages: ${#desa[@]} candidates. Rubric $village_version."
echo "Village coverage and workers paid by the village budget (APBDes) come from the demo dataset;"
echo "the 3 jurors' scores are SYNTHETIC."
"$cli" award evaluate "$villages" >/dev/null
"$cli" award show "$villages"
echo
"$cli" award publish "$villages"

# 4. The national round of Zona Sumatera (only Jambi has data in the demo): the top 3 regencies
# of the published provincial round, and Jambi's provincial government.
"$cli" award cycle create "$national" --year 2024 --zone 11,12,13,14,15,16,17,18,19,21 \
  --zone-name "Zona Sumatera" --rubric-version "$regency_version" \
  --rubric-version "$province_version" "${period[@]}" >/dev/null
echo
echo "== Paritrana Award 2024, national round, Zona Sumatera (jury scores synthetic) =="
echo "Cycle $national: the top 3 of $cycle's published ranking go on, with Jambi's province."
promotion=$("$cli" award candidates promote "$national" --from "$cycle" --top 3)
echo "$promotion"
mapfile -t promoted < <(awk 'NR > 1 {print $2}' <<<"$promotion")
"$cli" award candidates add "$national" --category province 15 >/dev/null
set_scores "$national" juri-nasional national_scores
"$cli" award evaluate "$national" >/dev/null
"$cli" award show "$national"
