#!/usr/bin/env bash
# The dashboard in a real browser (issue 18): the suite with the demo data (synthetic Jambi at a
# small scale, and the Paritrana Award 2024 round of scripts/run_award_demo.sh), the gateway in
# front of it with the synthetic Jambi boundary file, the reference answers taken over gRPC with
# the `paritrana` CLI, then tests/browser/dashboard.test.mjs in headless Chromium compares the
# page with them and saves screenshots to $ARTIFACT_DIR.
# Usage: dashboard_test.sh SOURCE_DIR REGISTRY COVERAGE AWARD GATEWAY CLI BENCH_IMPORT
#   (the binaries' paths). UPDATE_SCREENSHOT=1 also refreshes docs/images/dashboard.png.
set -euo pipefail
src=$(cd "$1" && pwd)
registry_bin=$2 coverage_bin=$3 award_bin=$4 gateway_bin=$5 cli=$6 import_bin=$7
export ARTIFACT_DIR=${ARTIFACT_DIR:-$src/build/tests/artifacts/dashboard}
source "$src/tests/support/servers.sh"

for tool in /usr/bin/chromium node redis-server; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)"; exit 1; }
done

# Tokens: the CLI acts as admin (imports, the award round), the services call each other as
# analyst, and the browser signs in with its own analyst token (what a dashboard viewer holds).
admin=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
service=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
viewer=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
(umask 077 && printf '%s\n' "admin $admin test-operator" "analyst $service test-services" \
  "analyst $viewer dashboard-viewer" >"$dir/tokens.txt")

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start "$dir/redis.log" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no
common=(--listen=127.0.0.1:0 --plaintext --drain_grace=0s --tokens_file="$dir/tokens.txt")
start "$dir/registry.log" "$registry_bin" "${common[@]}" --store="sqlite:$dir/registry.db" \
  --nik_key_file="$dir/nik.key" --create_nik_key --redis="127.0.0.1:$redis_port"
registry=127.0.0.1:$(port_of "$dir/registry.log")
start "$dir/coverage.log" "$coverage_bin" "${common[@]}" --registry="$registry" \
  --redis="127.0.0.1:$redis_port" --cache_key_file="$dir/cache.key" --create_cache_key \
  --token="$service"
coverage=127.0.0.1:$(port_of "$dir/coverage.log")
start "$dir/award.log" "$award_bin" "${common[@]}" --store="sqlite:$dir/award.db" \
  --registry="$registry" --coverage="$coverage" --token="$service"
award=127.0.0.1:$(port_of "$dir/award.log")

export PARITRANA_REGISTRY=$registry PARITRANA_COVERAGE=$coverage PARITRANA_AWARD=$award
export PARITRANA_PLAINTEXT=true PARITRANA_TOKEN=$admin PARITRANA_CLI=$cli

# The demo data as scripts/run_demo.sh loads it (a smaller scale: the ratios hold at any scale),
# then the demo's award round, published.
date=2024-08-12 year=2025 cycle=2024-jambi
"$import_bin" --target="$registry" --token="$admin" --part=all --shape=demo --scale=0.01 \
  --import_id=dashboard-test >"$dir/import.log" 2>&1 ||
  { cat "$dir/import.log"; echo "FAIL: the demo import failed"; exit 1; }
bash "$src/scripts/run_award_demo.sh" >"$dir/award_demo.log" 2>&1 ||
  { cat "$dir/award_demo.log"; echo "FAIL: the award round failed"; exit 1; }

start "$dir/gateway.log" "$gateway_bin" --listen=127.0.0.1:0 --registry="$registry" \
  --coverage="$coverage" --award="$award" --plaintext \
  --boundaries_file="$src/tests/browser/jambi_regencies.geojson"
gateway=http://127.0.0.1:$(port_of "$dir/gateway.log")/

# The reference answers, over gRPC.
"$cli" coverage 15 --date "$date" -o json >"$dir/coverage_15.json"
"$cli" coverage 15.08 --date "$date" -o json >"$dir/coverage_15.08.json"
"$cli" rank 15 --date "$date" -o json >"$dir/rank_15.json"
"$cli" gap 15 --year "$year" --date "$date" -o csv >"$dir/gap_15.csv"
"$cli" gap 15.08 --year "$year" --date "$date" -o csv >"$dir/gap_15.08.csv"
"$cli" award show "$cycle" -o json >"$dir/award.json"
python3 - "$dir" "$date" "$year" "$cycle" >"$dir/reference.json" <<'PY'
import csv, json, sys
d, date, year, cycle = sys.argv[1:5]
load = lambda name: json.load(open(f"{d}/{name}"))
gap, target = {}, None
for name in ("gap_15.csv", "gap_15.08.csv"):
    for row in csv.DictReader(open(f"{d}/{name}")):
        if row["to enroll"] != "-":
            gap[row["region"]] = int(row["to enroll"].replace(",", ""))
            target = float(row[f"target {year}"].rstrip("%"))
json.dump({"date": date, "year": int(year), "cycle": cycle, "target_ratio_percent": target,
           "coverage": {"15": load("coverage_15.json"), "15.08": load("coverage_15.08.json")},
           "rank": {"15": load("rank_15.json")}, "gap": gap, "award": load("award.json")},
          sys.stdout, indent=1)
PY

mkdir -p "$ARTIFACT_DIR"
cp "$dir/reference.json" "$ARTIFACT_DIR/reference.json"
echo "dashboard_test: gateway $gateway, screenshots in $ARTIFACT_DIR"
status=0
DASHBOARD_URL=$gateway DASHBOARD_TOKEN=$viewer REFERENCE_FILE=$dir/reference.json \
  timeout 240 node "$src/tests/browser/dashboard.test.mjs" || status=$?
if [[ $status != 0 ]]; then
  echo "--- gateway log (last 40 lines)"
  tail -n 40 "$dir/gateway.log"
  echo "FAIL: the dashboard test failed (status $status)"
fi
exit $status
