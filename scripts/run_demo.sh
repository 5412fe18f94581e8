#!/usr/bin/env bash
# Runs the whole suite from an existing build on embedded defaults and tells Jambi's story:
# a private redis-server, the three services and the JSON/HTTP gateway on free loopback ports with
# SQLite files under data/demo/ (or, with --store postgres, a private PostgreSQL 15), bearer
# tokens, the synthetic Jambi dataset streamed into the registry with a progress bar, then coverage
# by regency against the 2025 target, the province's split, and the award's rankings (Jambi's
# regencies, businesses and villages, then the national round of Zona Sumatera:
# scripts/run_award_demo.sh); while it keeps serving, the dashboard's URL (signed in as an
# analyst by a token in the URL's fragment).
#   scripts/run_demo.sh [--once] [--scale S | --national N] [--store sqlite|postgres]
#                       [--build-dir DIR] [--data DIR] [--region-catalog DIR]
# --scale S: Jambi at S times its real size (1 = 580,868 people); --national N: the national
# dataset with N registered people (61,000,000 is the country's size) in the real regions of the
# idn-area-data catalogue (tools/node_modules/idn-area-data, installed by scripts/install_tools.sh).
# Both are the benchmarks' generator (bench/national_dataset.h), loaded by
# paritrana-bench-import. --store postgres: registry and award keep their data in two databases
# (registry, award) of a PostgreSQL 15 server this script starts (initdb, then postgres from
# /usr/lib/postgresql/15/bin) in a temporary folder, listening on a Unix socket there only (no
# TCP); as root it runs as the `postgres` user, since PostgreSQL refuses to run as root. --once
# prints and stops; otherwise the suite keeps serving until Ctrl-C. Either way every process this
# script started is stopped, PostgreSQL last, and its folder removed.
set -euo pipefail
cd "$(dirname "$0")/.."
once=false scale=0.05 national=0 build=build data=data/demo store=sqlite
catalog=tools/node_modules/idn-area-data
while [[ $# -gt 0 ]]; do
  case $1 in
    --once) once=true ;;
    --scale) scale=$2; shift ;;
    --national) national=$2; shift ;;
    --store) store=$2; shift ;;
    --region-catalog) catalog=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --data) data=$2; shift ;;
    *) echo "run_demo.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case $store in
  sqlite | postgres) ;;
  *) echo "run_demo.sh: --store must be sqlite or postgres, not $store" >&2; exit 2 ;;
esac

rm -rf "$data"
mkdir -p "$data/logs"
pids=() pg_pid="" pg_dir=""
stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # PostgreSQL after the services that use it: SIGINT is its fast shutdown.
  if [[ -n $pg_pid ]]; then
    kill -INT "$pg_pid" 2>/dev/null || true
    wait "$pg_pid" 2>/dev/null || true
  fi
  if [[ -n $pg_dir ]]; then rm -rf "$pg_dir"; fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# Waits for a service's "listening" log line and prints its port. Generous: a registry adding the
# national catalogue (91,550 regions in one transaction) before it listens took 6 s on PostgreSQL
# beside a build, and over 15 s in CI beside the SQLite demo doing the same; a process that exits
# ends the wait at once.
port_of() {
  for _ in $(seq 2400); do
    p=$(grep -o '"msg":"listening".*"port":[0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || true)
    [[ -n $p ]] && { echo "$p"; return; }
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "demo: $1 shows no listening port:" >&2
  cat "$1" >&2
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
token() { head -c 24 /dev/urandom | base64 | tr '+/' '-_'; }

# Development tokens (ROLE TOKEN PRINCIPAL): the CLI acts as admin (registry writes and the award:
# admin holds every role but pii_reader and auditor), the services call each other as analyst,
# pii_reader is the one role shown NIKs in clear, and the dashboard reads as an analyst of its own
# (the gateway holds no token: it forwards the browser's). The services refuse a tokens file that
# group or others may read. token() makes URL-safe tokens, so the dashboard's goes in a URL as is.
admin=$(token) pii=$(token) service=$(token) dashboard=$(token)
umask 077
printf '%s\n' "admin $admin demo-operator # the CLI: imports, award cycle" \
  "pii_reader $pii demo-pii-reader # reads NIKs in clear, finds participants by NIK" \
  "analyst $service demo-services # coverage and award calling the registry and coverage" \
  "analyst $dashboard demo-dashboard # the dashboard, in a browser, through the gateway" \
  >"$data/tokens.txt"
chmod 600 "$data/tokens.txt"
umask 022

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  >"$data/logs/redis.log" 2>&1 &
pids+=($!)

# The national region catalogue: the registry loads it (--region_catalog), and the generator then
# places people in its real regions and sends no region rows; without the catalogue the people live
# in Jambi's synthetic districts and villages.
registry_catalog=() generator=()
if [[ -f $catalog/data/villages.csv ]]; then
  generator=(--region_catalog="$catalog")
  registry_catalog=(--region_catalog="$catalog")
elif [[ $national != 0 ]]; then
  echo "demo: no $catalog (run scripts/install_tools.sh): the national mix is placed in Jambi only" >&2
fi

registry_store=sqlite:$data/registry.db award_store=sqlite:$data/award.db store_note=""
if [[ $store == postgres ]]; then
  # As tests/support/postgres_server.cc does: initdb and postgres in a fresh folder, a Unix socket
  # there only, trusted local connections of the user paritrana; run as `postgres` when we are root.
  pg_bin=/usr/lib/postgresql/15/bin
  if [[ ! -x $pg_bin/initdb ]]; then
    echo "demo: $pg_bin/initdb is not installed (scripts/setup.sh installs postgresql)" >&2
    exit 1
  fi
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/paritrana-demo-pg.XXXXXX")
  as_pg=()
  if [[ $(id -u) -eq 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
      echo "demo: running as root, and there is no postgres user to run PostgreSQL as" >&2
      exit 1
    fi
    chown postgres: "$pg_dir"
    as_pg=(setpriv --reuid=postgres --regid=postgres --clear-groups --)
    # That user must also reach the folder: every folder above it must be searchable.
    if ! "${as_pg[@]}" test -x "$pg_dir"; then
      echo "demo: the postgres user cannot reach $pg_dir; set TMPDIR to a folder it can reach, such as /tmp" >&2
      exit 1
    fi
  fi
  if ! "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U paritrana --auth=trust -E UTF8 \
      --locale=C --no-sync --no-instructions >"$data/logs/initdb.log" 2>&1; then
    echo "demo: initdb failed; its output:" >&2
    cat "$data/logs/initdb.log" >&2
    exit 1
  fi
  "${as_pg[@]}" "$pg_bin/postgres" -D "$pg_dir/data" -k "$pg_dir" -c listen_addresses= \
    -c max_connections=40 -c shared_buffers=32MB >"$data/logs/postgres.log" 2>&1 &
  pg_pid=$!
  for _ in $(seq 600); do
    "$pg_bin/pg_isready" -q -h "$pg_dir" -U paritrana -d postgres && break
    kill -0 "$pg_pid" 2>/dev/null || break
    sleep 0.05
  done
  if ! "$pg_bin/pg_isready" -q -h "$pg_dir" -U paritrana -d postgres; then
    echo "demo: PostgreSQL did not start (or stopped); its log:" >&2
    cat "$data/logs/postgres.log" >&2
    exit 1
  fi
  for db in registry award; do "$pg_bin/createdb" -h "$pg_dir" -U paritrana "$db"; done
  conninfo="host=$pg_dir port=5432 user=paritrana connect_timeout=5"
  registry_store="postgres:$conninfo dbname=registry" award_store="postgres:$conninfo dbname=award"
  store_note="PostgreSQL 15 on a Unix socket in $pg_dir, databases registry and award"
fi

common=(--listen=127.0.0.1:0 --plaintext --drain_grace=0s --tokens_file="$data/tokens.txt")
"$build/services/registry/paritrana-registry" "${common[@]}" --store="$registry_store" \
  --nik_key_file="$data/registry-nik.key" --create_nik_key --redis="127.0.0.1:$redis_port" \
  "${registry_catalog[@]}" >"$data/logs/registry.log" &
pids+=($!)
registry=127.0.0.1:$(port_of "$data/logs/registry.log")
"$build/services/coverage/paritrana-coverage" "${common[@]}" --registry="$registry" \
  --redis="127.0.0.1:$redis_port" --cache_key_file="$data/cache.key" --create_cache_key \
  --token="$service" >"$data/logs/coverage.log" &
pids+=($!)
coverage=127.0.0.1:$(port_of "$data/logs/coverage.log")
"$build/services/award/paritrana-award" "${common[@]}" --store="$award_store" \
  --registry="$registry" --coverage="$coverage" --token="$service" >"$data/logs/award.log" &
pids+=($!)
award=127.0.0.1:$(port_of "$data/logs/award.log")
# The JSON/HTTP gateway and the dashboard, in front of the three services. Plaintext: it presents
# no client certificate, so the services know each caller by the token the browser sends.
"$build/gateway/paritrana-gateway" --listen=127.0.0.1:0 --registry="$registry" \
  --coverage="$coverage" --award="$award" --plaintext >"$data/logs/gateway.log" &
pids+=($!)
gateway=127.0.0.1:$(port_of "$data/logs/gateway.log")

export PARITRANA_REGISTRY=$registry PARITRANA_COVERAGE=$coverage PARITRANA_AWARD=$award
export PARITRANA_PLAINTEXT=true PARITRANA_TOKEN=$admin
cli=$build/cli/paritrana
# The award demo lists the employers through the gateway (the CLI has no such command).
export PARITRANA_CLI=$cli PARITRANA_GATEWAY=$gateway

echo "Paritrana on loopback: registry $registry, coverage $coverage, award $award, gateway $gateway" \
  "(logs: $data/logs)"
if [[ $store == postgres ]]; then echo "Store: $store_note"; fi
echo
if [[ $national != 0 ]]; then
  echo "Loading the synthetic national dataset: $national registered people (61,000,000 is the country)..."
  shape=(--shape=national --participants="$national") import_id=national-demo-$national
  date=2025-02-28
else
  echo "Loading the synthetic Jambi dataset at scale $scale (1.0 = 580,868 participants)..."
  shape=(--shape=demo --scale="$scale") import_id=jambi-demo-$scale
  date=2024-08-12
fi
# One import: regions (when needed), employers, baselines, targets, then the people; the
# progress bar goes to stderr, the tool's report to the log.
if ! "$build/bench/paritrana-bench-import" --target="$registry" --token="$admin" --part=all \
    "${shape[@]}" "${generator[@]}" --import_id="${import_id//[^A-Za-z0-9._-]/-}" --progress \
    >"$data/logs/import.log"; then
  echo "demo: the import failed or rejected rows:" >&2
  cat "$data/logs/import.log" >&2
  exit 1
fi
result=$(grep '^RESULT' "$data/logs/import.log")
# Jambi on the demo's date, against the 2025 target, signed in as the dashboard's analyst. The
# token rides in the fragment, which a browser never sends; the dashboard moves it to the tab's
# sessionStorage and drops it from the address bar.
dashboard_url="http://$gateway/#/regions/15?date=$date&year=2025&token=$dashboard"
field() { grep -o " $1=[^ ]*" <<<"$result" | cut -d= -f2; }
printf 'Imported %s rows for %s people in %s s (%.0f rows/s): %s accepted, %s rejected\n' \
  "$(field rows)" "$(field persons)" "$(field seconds)" "$(field rows_per_s)" "$(field accepted)" \
  "$(field rejected)"

if [[ $national != 0 ]]; then
  echo
  echo "== Jambi's regencies on $date, against the 2025 target of 55% =="
  "$cli" gap 15 --year 2025 --date "$date"
  echo
  echo "== West Java's regencies and cities on $date, by coverage =="
  "$cli" rank 32 --date "$date" --order ratio
  echo
  echo "== Jambi on $date: who is covered and who pays =="
  "$cli" coverage 15 --date "$date"
  if $once; then exit 0; fi
  echo
  echo "The suite keeps serving; try: $cli rank 35 --date $date --order active"
  echo "Dashboard: $dashboard_url"
  echo "Press Ctrl-C to stop everything."
  wait
  exit 0
fi

echo
echo "== Coverage by regency on $date, against the 2025 target of 55% =="
"$cli" gap 15 --year 2025 --date "$date"
echo
echo "== Jambi on $date: who is covered and who pays =="
"$cli" coverage 15 --date "$date"

if [[ -x scripts/run_award_demo.sh ]]; then
  echo
  bash scripts/run_award_demo.sh
fi

if $once; then exit 0; fi
echo
echo "The suite keeps serving; try: $cli coverage 15.08 --date $date"
echo "Tokens (admin for the CLI, pii_reader to see NIKs, analyst for the services and the" \
  "dashboard): $data/tokens.txt"
echo "Dashboard: $dashboard_url"
echo "Press Ctrl-C to stop everything."
wait
