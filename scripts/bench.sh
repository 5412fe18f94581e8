#!/usr/bin/env bash
# Paritrana benchmarks (issue: performance is a product feature). Builds the Release preset, starts
# everything each benchmark needs on 127.0.0.1 (redis-server on a Unix socket for the services
# and a free port for redis-benchmark, registry and coverage binaries with --plaintext and
# temporary data directories, the echo floor server), runs:
#   1. read path side by side: echo floor, GetCoverage from cache, GetCoverage without cache
#      (coverage without --redis: every call goes to QueryAggregates), QueryAggregates direct,
#      redis-benchmark GET and EVAL (the script the cache runs) on the same Redis;
#   2. scale: cache-miss latency with SMALL and LARGE participants in the registry;
#   3. bulk import: ImportRecords of generated participants (rows/s, registry CPU, VmHWM, memory
#      curve) against the same rows loaded by the sqlite3 shell into a plain table;
#   4. a profile of the import (perf, when the kernel allows it);
#   5. award evaluation: a national cycle (514 regency/city candidates, computed and jury
#      indicators) evaluated end to end through the award, coverage and registry services, against
#      a provincial cycle (Jambi, 11 candidates) evaluated in the same repetition;
#   6. national scale: for each size of --national, a registry started with the national region
#      catalogue (--region_catalog, idn-area-data), the national skeleton and N persons of the
#      national generator imported (10,000 rows per batch and per message), against the same rows
#      loaded by the sqlite3 shell; bytes per participant, memory; cache-miss GetCoverage latency
#      of a province, regency, district and village at each size;
#   9. a soak (last): mixed reads and writes at bounded rates on a registry, coverage service and
#      Redis of its own, checking errors, staleness against the documented bound and memory;
#   8. JSON over HTTP: a GET of a cached coverage answer through paritrana-gateway (plain and
#      gzip) and its 304 revalidation, against the gRPC cache hit of the same region measured in
#      the same repetition (paritrana-bench-http-load, a keep-alive connection per caller);
#   7. SQLite and PostgreSQL side by side: a registry on each backend (PostgreSQL 15 started here,
#      in the work directory, on a Unix socket only, stopped at exit), each with the national
#      catalogue and the same --postgres N persons; import rows/s against each engine's own floor
#      (the sqlite3 shell's .import, psql's \copy into a table with a primary key and an index),
#      cache-miss GetCoverage latency per region level, the national award evaluation with the
#      award store on the same backend, and single-write latency;
# and rewrites docs/benchmarks.md with medians of --reps repetitions and ratios against the
# baseline measured in the same repetition. Everything started is stopped by a trap at the end.
#
#   scripts/bench.sh                  full run: rewrites docs/benchmarks.md (sections 1-5 took about
#                                     25 minutes on 2 cores; section 6 adds two national imports,
#                                     their floors and 4 x 2 x REPS latency runs of DURATION + 1 s;
#                                     section 7 took 14 and 22 minutes with --postgres 500000, 8
#                                     and 15 of them PostgreSQL's import: give 1000000 25 to 40)
#   scripts/bench.sh --quick          tiny scale, 1 repetition, for CI: writes the report to the
#                                     work directory and prints it; docs/ is left alone
#   options: --reps N (default 5)  --large N  --small N  --import N  --duration SECONDS
#            --concurrency N  --eval-reps N (timed evaluations of each cycle)
#            --soak-minutes N (section 9, the soak: reads and writes at bounded rates for N
#            minutes, default 30; --quick: 0.2; scripts/bench_soak.sh)
#            --national N1,N2,... (section 6, "5. National scale" in the report: persons per
#            registry, default 1000000,10000000; --quick: 2000,5000; none: skip section 6)
#            --only national (section 6 alone; without --out its report goes to
#            docs/benchmarks-national.md, so docs/benchmarks.md is left alone)
#            --postgres N (section 7, "SQLite and PostgreSQL side by side": persons in each
#            backend's registry, default 1000000; none: skip it; --quick skips it unless
#            --postgres N or --only postgres is given, then 2000 by default)
#            --only gateway (section 8 alone, "JSON over HTTP": a small registry, a cached
#            coverage service and the gateway; without --out it replaces that section of
#            docs/benchmarks.md, or inserts it before "## Goals", and leaves the rest alone)
#            --only postgres (section 7 alone; without --out it replaces that section of
#            docs/benchmarks.md, or inserts it before "## Goals", and leaves the rest alone)
#            --pg-statements (section 7, diagnosis: PostgreSQL with pg_stat_statements loaded; the
#            statements that took the most time in each step go to WORK/pg-statements-STEP.txt;
#            use with --keep; it adds its own small cost to every statement)
#            --out FILE  --no-build  --no-profile  --keep (keep the work directory)
#            --bin DIR (binaries from another build directory, e.g. --no-build --bin build to
#            reuse the default preset's build in CI; figures from it are not Release figures)
#            --report-from DIR (with --only national and the run's --national, or --only postgres
#            and the run's --postgres: write the report of a run that stopped before writing one,
#            from its kept work directory's results)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_ARGS=""
if (($#)); then BENCH_ARGS=$(printf ' %s' "$@"); fi

QUICK=0 REPS=5 SMALL=10000 LARGE=1000000 IMPORT_N=50000 DURATION=5 WARMUP=1 CONC=16
BIN_DIR="" OPEN_SLOW=100 REDIS_N=200000 OUT="" BUILD=1 PROFILE=1 KEEP=0 PROFILE_N=10000
EVAL_REGENCIES=514 EVAL_PER=40 EVAL_ASSESSORS=3 EVAL_REPS=7
NATIONAL_SIZES=1000000,10000000 NATIONAL_SET=0 ONLY="" REPORT_FROM=""
PG_N=1000000 PG_SET=0 SPLICE=0 PG_STATEMENTS=0 SOAK_MINUTES=30
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) QUICK=1; REPS=1; SMALL=500; LARGE=2000; IMPORT_N=1000; DURATION=0.5; WARMUP=0.2
             [[ $NATIONAL_SET == 1 ]] || NATIONAL_SIZES=2000,5000
             OPEN_SLOW=50; REDIS_N=5000; PROFILE=0
             EVAL_PER=5; EVAL_ASSESSORS=1; EVAL_REPS=2 ;;
    --reps) REPS=$2; shift ;;
    --small) SMALL=$2; shift ;;
    --large) LARGE=$2; shift ;;
    --import) IMPORT_N=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --concurrency) CONC=$2; shift ;;
    --eval-reps) EVAL_REPS=$2; shift ;;
    --out) OUT=$2; shift ;;
    --no-build) BUILD=0 ;;
    --bin) BIN_DIR=$2; shift ;;
    --no-profile) PROFILE=0 ;;
    --keep) KEEP=1 ;;
    --national) NATIONAL_SIZES=$2; NATIONAL_SET=1; shift ;;
    --postgres) PG_N=$2; PG_SET=1; shift ;;
    --pg-statements) PG_STATEMENTS=1 ;;
    --soak-minutes) SOAK_MINUTES=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --report-from) REPORT_FROM=$2; BUILD=0; KEEP=1; shift ;;
    -h|--help) sed -n '2,66p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

case $ONLY in
  "") MAIN=1 ;;
  national) MAIN=0 PG_N=none ;;
  postgres) MAIN=0 NATIONAL_SIZES=none ;;
  gateway) MAIN=0 NATIONAL_SIZES=none PG_N=none ;;
  *) echo "bench.sh: --only takes national, postgres or gateway" >&2; exit 2 ;;
esac
# Section 7 under --quick: skipped (it needs a PostgreSQL server and about a minute) unless asked
# for by --postgres N or --only postgres; then 2,000 persons unless --postgres says otherwise.
if [[ $QUICK == 1 && $PG_SET == 0 ]]; then
  if [[ $ONLY == postgres ]]; then PG_N=2000; else PG_N=none; fi
fi
[[ $PG_N == none || $PG_N =~ ^[1-9][0-9]*$ ]] ||
  { echo "bench.sh: --postgres takes a number of persons or none" >&2; exit 2; }
[[ $ONLY == postgres && $PG_N == none ]] && { echo "bench.sh: --only postgres with --postgres none runs nothing" >&2; exit 2; }
# Section 6's sizes, ascending, without duplicates; empty with --national none.
if [[ $NATIONAL_SIZES == none ]]; then
  NATIONAL_LIST=()
else
  mapfile -t NATIONAL_LIST < <(tr ',' '\n' <<<"$NATIONAL_SIZES" | sed '/^$/d' | sort -gu)
  for n in "${NATIONAL_LIST[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --national takes sizes like 1000000,10000000 or none" >&2; exit 2; }
  done
fi
[[ $ONLY == national && ${#NATIONAL_LIST[@]} == 0 ]] && { echo "bench.sh: --only national with --national none runs nothing" >&2; exit 2; }
[[ -z $REPORT_FROM || $MAIN == 0 ]] || { echo "bench.sh: --report-from goes with --only national or --only postgres" >&2; exit 2; }
CATALOG=$ROOT/tools/node_modules/idn-area-data
if [[ (${#NATIONAL_LIST[@]} -gt 0 || $PG_N != none) && ! -f $CATALOG/data/villages.csv ]]; then
  echo "bench.sh: $CATALOG missing (scripts/setup.sh installs it); or pass --national none --postgres none" >&2; exit 1
fi
PG_BIN=/usr/lib/postgresql/15/bin
if [[ $PG_N != none && -z $REPORT_FROM ]]; then
  for b in initdb postgres pg_isready createdb psql; do
    [[ -x $PG_BIN/$b ]] || { echo "bench.sh: $PG_BIN/$b missing (scripts/setup.sh installs postgresql); or pass --postgres none" >&2; exit 1; }
  done
  if [[ $(id -u) == 0 ]] && ! id postgres >/dev/null 2>&1; then
    echo "bench.sh: running as root, and there is no postgres user to run PostgreSQL as; or pass --postgres none" >&2; exit 1
  fi
fi

BIN=${BIN_DIR:-$ROOT/build-release}
[[ $BIN == /* ]] || BIN=$ROOT/$BIN
if [[ -n $REPORT_FROM ]]; then
  WORK=$(cd "$REPORT_FROM" && pwd)
  [[ -f $WORK/results.txt ]] || { echo "bench.sh: no results.txt in $REPORT_FROM" >&2; exit 2; }
else
  WORK=$(mktemp -d /tmp/paritrana-bench.XXXXXX)
fi
if [[ -z $OUT ]]; then
  if [[ $QUICK == 1 ]]; then OUT=$WORK/benchmarks-quick.md
  elif [[ $ONLY == national ]]; then OUT=$ROOT/docs/benchmarks-national.md
  elif [[ $ONLY == postgres || $ONLY == gateway ]]; then OUT=$ROOT/docs/benchmarks.md SPLICE=1
  else OUT=$ROOT/docs/benchmarks.md; fi
fi
RESULTS=$WORK/results.txt
[[ -n $REPORT_FROM ]] || : > "$RESULTS"
# The command of the run measured (with --report-from, the one that made the results).
RUN_ARGS=$BENCH_ARGS
if [[ -z $REPORT_FROM ]]; then
  echo "$BENCH_ARGS" >"$WORK/bench-args.txt"
elif [[ -f $WORK/bench-args.txt ]]; then
  RUN_ARGS=$(cat "$WORK/bench-args.txt")
fi
PIDS=() PG_PID=""
T_START=$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
  local code=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # PostgreSQL (section 7) after the services that use it: SIGINT is its fast shutdown.
  if [[ -n $PG_PID ]]; then
    kill -INT "$PG_PID" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PG_PID" 2>/dev/null || true
  fi
  if [[ $KEEP == 1 || $code != 0 ]]; then
    log "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What is measured: the commit and whether tracked files differ from it, read before building.
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
CHANGED=$(git status --porcelain --untracked-files=no 2>/dev/null | awk '{ print $2 }' | paste -sd' ')
DIRTY="" DIRTY_CODE=""
[[ -n $CHANGED ]] && DIRTY=" plus uncommitted changes to $CHANGED"
# The same, shorter, for section 7's own header: how many files, and those that can change the
# measured binaries (sources outside tests/).
CHANGED_CODE=$(tr ' ' '\n' <<<"$CHANGED" | grep -E '\.(cc|h|proto)$|CMakeLists\.txt$' |
               grep -vE '^tests/|_test\.cc$' | paste -sd' ' || true)
if [[ -n $CHANGED ]]; then
  DIRTY_CODE=" plus uncommitted changes to $(wc -w <<<"$CHANGED") tracked files"
  if [[ -n $CHANGED_CODE ]]; then DIRTY_CODE+=", among them these sources of the measured binaries: $CHANGED_CODE"
  else DIRTY_CODE+=", none of them a source of the measured binaries"; fi
fi

# --- build -------------------------------------------------------------------------------------
if [[ $BUILD == 1 ]]; then
  log "building the release preset"
  cmake --preset release >"$WORK/cmake.log"
  cmake --build --preset release --target paritrana-registry paritrana-coverage \
    paritrana-award paritrana-bench-echo paritrana-bench-load paritrana-bench-import \
    paritrana-bench-evaluate paritrana-gateway paritrana-bench-http-load paritrana-bench-soak >>"$WORK/cmake.log" 2>&1 ||
    { tail -40 "$WORK/cmake.log" >&2; exit 1; }
fi
for b in services/registry/paritrana-registry services/coverage/paritrana-coverage \
         services/award/paritrana-award bench/paritrana-bench-echo bench/paritrana-bench-load \
         bench/paritrana-bench-import bench/paritrana-bench-evaluate gateway/paritrana-gateway \
         bench/paritrana-bench-http-load bench/paritrana-bench-soak; do
  [[ -x $BIN/$b ]] || { echo "bench.sh: $BIN/$b missing; build first" >&2; exit 1; }
done
for tool in redis-server redis-benchmark redis-cli sqlite3; do
  command -v $tool >/dev/null || { echo "bench.sh: $tool not found (scripts/setup.sh)" >&2; exit 1; }
done
REGISTRY=$BIN/services/registry/paritrana-registry
COVERAGE=$BIN/services/coverage/paritrana-coverage
ECHO=$BIN/bench/paritrana-bench-echo
LOAD=$BIN/bench/paritrana-bench-load
IMPORT=$BIN/bench/paritrana-bench-import
AWARD=$BIN/services/award/paritrana-award
EVALUATE=$BIN/bench/paritrana-bench-evaluate
GATEWAY=$BIN/gateway/paritrana-gateway
HTTP_LOAD=$BIN/bench/paritrana-bench-http-load
source "$ROOT/scripts/bench_soak.sh"

# --- processes ---------------------------------------------------------------------------------
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return; fi
  done
  echo "bench.sh: no free port" >&2; exit 1
}

# start NAME CMD...: starts CMD in the background with its log in $WORK/NAME.log; sets LAST_PID.
start() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# start_grpc NAME CMD...: start, then wait for the "listening" log line; sets ADDR and LAST_PID.
# Waits START_TRIES tenths of a second (default 200).
start_grpc() {
  local name=$1
  start "$@"
  for _ in $(seq "${START_TRIES:-200}"); do
    ADDR=$(grep -o '"msg":"listening","address":"[^"]*"' "$WORK/$name.log" 2>/dev/null |
           head -1 | sed 's/.*"address":"\([^"]*\)"/\1/') || true
    [[ -n $ADDR ]] && return 0
    kill -0 "$LAST_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench.sh: $name did not start:" >&2; tail -5 "$WORK/$name.log" >&2; exit 1
}

stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Services log at info: start_grpc reads the chosen port from the "listening" line.
COMMON=(--plaintext --listen=127.0.0.1:0 --drain_grace=0s --shutdown_deadline=1s)

# start_registry NAME: a registry on a fresh data directory, publishing generations to Redis.
start_registry() {
  local name=$1
  mkdir -p "$WORK/$name"
  start_grpc "$name" "$REGISTRY" "${COMMON[@]}" --store="sqlite:$WORK/$name/registry.db" \
    --nik_key_file="$WORK/$name/nik.key" --create_nik_key --redis="$REDIS_ADDR" \
    --max_message_bytes=67108864
}

# --- results -----------------------------------------------------------------------------------
# Each measurement is one line in $RESULTS: "REP LABEL key=value ...".
record() { local rep=$1 label=$2; shift 2; echo "$rep $label $*" >>"$RESULTS"; }

# values LABEL KEY: the KEY of every repetition of LABEL, one per line.
values() {
  awk -v l="$1" -v k="$2" '$2 == l { for (i = 3; i <= NF; i++) { split($i, kv, "=");
    if (kv[1] == k) print kv[2] } }' "$RESULTS"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
  if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med() { values "$1" "$2" | median; }
# ratio_med LABEL KEY BASE: median over repetitions of LABEL.KEY / BASE.KEY of the same repetition.
ratio_med() {
  awk -v l="$1" -v k="$2" -v b="$3" '
    { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) { if ($2 == l) x[$1] = kv[2];
      if ($2 == b) y[$1] = kv[2] } } }
    END { for (r in x) if (r in y && y[r] > 0) print x[r] / y[r] }' "$RESULTS" | median
}
fmt() { awk -v v="$1" -v d="${2:-0}" 'BEGIN { if (v == "nan" || v == "") print "—"; else printf "%.*f\n", d, v }'; }

# measure TOOL REP LABEL ARGS...: one run of a load generator (paritrana-bench-load or
# paritrana-bench-http-load, which print the same RESULT line), recorded.
measure() {
  local tool=$1 rep=$2 label=$3; shift 3
  local line
  line=$(timeout 120 "$tool" --label="$label" --duration="${DURATION}s" --warmup="${WARMUP}s" "$@" |
         tee -a "$WORK/load.log" | grep '^RESULT' | sed 's/^RESULT //') || {
    echo "bench.sh: load $label failed" >&2; exit 1; }
  record "$rep" "$label" "$line"
  log "$label: $(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(qps|p50_us|p99_us|errors|from_cache|not_modified)=/) printf "%s ", $i }')"
}
load() { measure "$LOAD" "$@"; }            # gRPC
http_load() { measure "$HTTP_LOAD" "$@"; }  # HTTP/1.1 GET of the gateway
source "$ROOT/scripts/bench_replicas.sh"

# start_award NAME REGISTRY COVERAGE [STORE]: an award service on a fresh store (default: SQLite in
# DIR/NAME) with the regency rubric.
start_award() {
  mkdir -p "$WORK/$1"
  start_grpc "$1" "$AWARD" "${COMMON[@]}" --store="${4:-sqlite:$WORK/$1/award.db}" --registry="$2" \
    --coverage="$3" --rubric_files="$ROOT/services/award/default_rubric_regency.json" \
    --max_message_bytes=67108864
}
# evaluate REGISTRY AWARD COVERAGE ARGS...: one paritrana-bench-evaluate run; every RESULT line is
# recorded. It fails (and so does the benchmark) when a cycle ranks fewer than half of its
# candidates: the others were screened out by the rubric's gate, and such a timing measures little
# (the Jambi cycle on the large registry did, unnoticed, before its baselines were fitted).
evaluate() {
  local registry=$1 award=$2 coverage=$3 out
  shift 3
  out=$(timeout 1800 "$EVALUATE" --registry="$registry" --award="$award" --coverage="$coverage" \
        --regencies="$EVAL_REGENCIES" --participants_per_regency="$EVAL_PER" \
        --assessors="$EVAL_ASSESSORS" --reps="$EVAL_REPS" --min_ranked_share=0.5 "$@" \
        2> >(tee -a "$WORK/evaluate.log" >&2)) || {
    echo "bench.sh: paritrana-bench-evaluate $* failed (see $WORK/evaluate.log)" >&2; exit 1; }
  echo "$out" >>"$WORK/evaluate.log"
  local few
  few=$(echo "$out" | awk '/^RESULT/ { c = -1; r = -1; for (i = 3; i <= NF; i++) { split($i, kv, "=");
    if (kv[1] == "candidates") c = kv[2]; if (kv[1] == "ranked") r = kv[2] }
    if (c > 0 && r >= 0 && 2 * r < c) print $3 " ranked " r " of " c }')
  [[ -z $few ]] || { echo "bench.sh: paritrana-bench-evaluate $*: fewer than half ranked: $few" >&2; exit 1; }
  while read -r _ rep label rest; do
    record "${rep#rep=}" "${label#label=}" "$rest"
  done < <(echo "$out" | grep '^RESULT')
  log "$(echo "$out" | awk '/^RESULT rep=1 / { for (i = 3; i <= NF; i++) if ($i ~ /^(label|candidates|ranked|screened_out|no_data)=/) printf "%s ", $i; printf "; " }')"
}

# redis_bench REP LABEL ARGS...: redis-benchmark (CSV), recorded with the same keys as load.
redis_bench() {
  local rep=$1 label=$2; shift 2
  local csv
  # Still ours? A redis-server of another job may hold the port if ours died; say so plainly.
  kill -0 "$REDIS_PID" 2>/dev/null || {
    echo "bench.sh: redis-server (pid $REDIS_PID) exited:" >&2; tail -5 "$WORK/redis.log" >&2; exit 1; }
  csv=$(timeout 120 redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CONC" -n "$REDIS_N" --csv "$@" |
        tail -1) || { echo "bench.sh: redis-benchmark failed" >&2; exit 1; }
  echo "$label $csv" >>"$WORK/load.log"
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  local fields
  fields=$(echo "$csv" | awk -F'","' '{ gsub(/"/, "", $NF); printf "qps=%s p50_us=%.1f p95_us=%.1f p99_us=%.1f max_us=%.1f errors=0",
    $2, $5 * 1000, $6 * 1000, $7 * 1000, $8 * 1000 }')
  record "$rep" "$label" "$fields"
  log "$label: $fields"
}

# procstat PID: "cpu_s rss_kb hwm_kb" of a process.
procstat() {
  local pid=$1 ticks
  ticks=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
    END { printf "%.2f %d %d\n", t / hz, r, h }' "/proc/$pid/status"
}

# sqlite_floor REP LABEL N [CSV]: the floor of an import: N participants of the Jambi set as CSV,
# generated by the same code, piped into the sqlite3 shell's .import (a plain table without
# index); with CSV, that file's rows instead (nothing generated while timed).
sqlite_floor() {
  local rep=$1 label=$2 n=$3 csv=${4:-}
  rm -f "$WORK/floor.db"
  local t0 t1
  t0=$(date +%s.%N)
  if [[ -n $csv ]]; then
    /usr/bin/time -f '%M' -o "$WORK/floor.time" sqlite3 "$WORK/floor.db" ".import --csv $csv participants"
  else
    /usr/bin/time -f '%M' -o "$WORK/floor.time" bash -c \
      "'$IMPORT' --format=csv --participants=$n | sqlite3 '$WORK/floor.db' '.import --csv /dev/stdin participants'"
  fi
  t1=$(date +%s.%N)
  local rows
  rows=$(sqlite3 "$WORK/floor.db" 'SELECT count(*) FROM participants')
  rm -f "$WORK/floor.db"
  record "$rep" "$label" "$(awk -v n="$rows" -v a="$t0" -v b="$t1" -v m="$(cat "$WORK/floor.time")" \
    'BEGIN { printf "rows=%d seconds=%.3f rows_per_s=%.1f sqlite3_maxrss_kb=%d", n, b - a, n / (b - a), m }')"
  log "$label: $rows rows in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ -z $REPORT_FROM ]]; then
  # What the report says about the run, kept with its results for --report-from.
  record 0 run "commit=$COMMIT t_start=$T_START load_start=${LOAD_START// /,}"
  echo "$DIRTY_CODE" >"$WORK/bench-source.txt"
else
  # A report of a run that stopped before writing one (its work directory kept): the run's own
  # commit, start and load, and the end of its last measurement.
  COMMIT=$(values run commit | tail -1) DIRTY=" (report written afterwards with --report-from)"
  DIRTY_CODE=$DIRTY
  [[ ! -f $WORK/bench-source.txt ]] || DIRTY_CODE="$(cat "$WORK/bench-source.txt")$DIRTY"
  T_START=$(values run t_start | tail -1)
  LOAD_START=$(values run load_start | tail -1 | tr ',' ' ')
  [[ -n $COMMIT && -n $T_START ]] || { echo "bench.sh: $RESULTS has no run line" >&2; exit 2; }
fi

# --- 0. Redis and the small registry ------------------------------------------------------------
# The services and redis-cli reach Redis on a Unix socket in $WORK, which no other process can
# take; only redis-benchmark needs TCP. A port found free can still be taken before redis-server
# binds it (by a test running beside this), so the server counts as started only when the one
# answering on the port is ours and its socket answers PING; otherwise it exited on the bind
# error, and another port is tried.
REDIS_SOCK=$WORK/redis.sock
if [[ -z $REPORT_FROM ]]; then
for attempt in $(seq 10); do
  REDIS_PORT=$(free_port)
  rm -f "$REDIS_SOCK"
  start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --unixsocket "$REDIS_SOCK" \
    --unixsocketperm 700 --save "" --appendonly no \
    --protected-mode yes --maxmemory 1gb --maxmemory-policy allkeys-lru
  REDIS_PID=$LAST_PID
  ours=0
  for _ in $(seq 100); do
    if [[ $(redis-cli -p "$REDIS_PORT" info server 2>/dev/null | tr -d '\r' |
            sed -n 's/^process_id://p') == "$REDIS_PID" &&
          $(redis-cli -s "$REDIS_SOCK" ping 2>/dev/null) == PONG ]]; then ours=1; break; fi
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ $ours == 1 ]] && break
  kill -KILL "$REDIS_PID" 2>/dev/null || true
  [[ $attempt == 10 ]] && { echo "bench.sh: redis-server did not start:" >&2; tail -5 "$WORK/redis.log" >&2; exit 1; }
done
fi
REDIS_ADDR=unix:$REDIS_SOCK

if [[ $MAIN == 1 || $ONLY == gateway ]]; then  # what sections 1 to 5 and 8 read
log "registry with $SMALL participants"
start_registry small
SMALL_ADDR=$ADDR SMALL_PID=$LAST_PID
"$IMPORT" --target="$SMALL_ADDR" --part=skeleton >>"$WORK/import.log"
"$IMPORT" --target="$SMALL_ADDR" --participants="$SMALL" --rows_per_message=1000 >>"$WORK/import.log"
start_grpc coverage_hit "$COVERAGE" "${COMMON[@]}" --registry="$SMALL_ADDR" --redis="$REDIS_ADDR" \
  --cache_key_file="$WORK/cache.key" --create_cache_key
HIT_ADDR=$ADDR
DATE=2025-06-30
CLOSED=(--mode=closed --concurrency="$CONC")
fi

# --- 8. JSON over HTTP ----------------------------------------------------------------------------
# The gateway in front of the cached coverage service above (its registry for the rest; no award
# calls are made); every caller asks province 15 on $DATE, over gRPC and as JSON.
if [[ $MAIN == 1 || $ONLY == gateway ]]; then
start_grpc gateway "$GATEWAY" --listen=127.0.0.1:0 --plaintext --registry="$SMALL_ADDR" \
  --coverage="$HIT_ADDR" --award="$SMALL_ADDR" --rate_limit=0
GATEWAY_PORT=${ADDR##*:}
JSON_PATH="/v1/regions/15/coverage?date=$DATE"
HTTP=(--port="$GATEWAY_PORT" --path="$JSON_PATH" --concurrency="$CONC")
for rep in $(seq "$REPS"); do
  log "JSON over HTTP, repetition $rep/$REPS (closed loop, $CONC callers, ${DURATION}s)"
  load "$rep" hit_one --target="$HIT_ADDR" --method=coverage --regions=regions/15 --date=$DATE "${CLOSED[@]}" --report_cache=false
  http_load "$rep" json_get "${HTTP[@]}"
  http_load "$rep" json_get_gzip "${HTTP[@]}" --gzip
  http_load "$rep" json_304 "${HTTP[@]}" --if_none_match
done
fi

if [[ $MAIN == 1 ]]; then  # sections 1 to 5 (not with --only national, postgres or gateway)
start_grpc echo "$ECHO" "${COMMON[@]}"; ECHO_ADDR=$ADDR
start_grpc echo_bare "$ECHO" "${COMMON[@]}" --bare; ECHO_BARE_ADDR=$ADDR
start_grpc echo_header "$ECHO" "${COMMON[@]}" --cache_header; ECHO_HEADER_ADDR=$ADDR
start_grpc coverage_hit_redis "$COVERAGE" "${COMMON[@]}" --registry="$SMALL_ADDR" --redis="$REDIS_ADDR" \
  --cache_key_file="$WORK/cache.key" --create_cache_key \
  --local_cache_entries=0
HIT_REDIS_ADDR=$ADDR
start_grpc coverage_miss "$COVERAGE" "${COMMON[@]}" --registry="$SMALL_ADDR"
MISS_ADDR=$ADDR

REGIONS=regions/15
for r in 15.01 15.02 15.03 15.04 15.05 15.06 15.07 15.08 15.09 15.71 15.72; do
  REGIONS=$REGIONS,regions/$r
done

# The answer the cache holds, to size the echo answer and the redis-benchmark value alike.
"$LOAD" --target="$HIT_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE \
  --duration=0.3s --warmup=0.2s --concurrency=1 >"$WORK/warm.txt"
ANSWER_BYTES=$(grep -o 'answer_bytes=[0-9]*' "$WORK/warm.txt" | cut -d= -f2)
GEN=$(redis-cli -s "$REDIS_SOCK" get paritrana:gen:15)
CACHE_KEY=$(redis-cli -s "$REDIS_SOCK" --scan --pattern "paritrana:cov:15:$GEN:coverage:*" | head -1)
CACHE_SUFFIX=":${CACHE_KEY#paritrana:cov:15:$GEN:}"
VALUE_BYTES=$(redis-cli -s "$REDIS_SOCK" strlen "$CACHE_KEY")
redis-cli -s "$REDIS_SOCK" set key:__rand_int__ "$(head -c "$VALUE_BYTES" /dev/zero | tr '\0' x)" >/dev/null
SCRIPT="local g = redis.call('GET', KEYS[1]) or '0' return {g, redis.call('GET', ARGV[1] .. g .. ARGV[2])}"

# --- 1. read path -------------------------------------------------------------------------------
for rep in $(seq "$REPS"); do
  log "read path, repetition $rep/$REPS (closed loop, $CONC callers, ${DURATION}s)"
  load "$rep" echo --target="$ECHO_ADDR" --method=echo --echo_reply_bytes="$ANSWER_BYTES" "${CLOSED[@]}"
  load "$rep" echo_bare --target="$ECHO_BARE_ADDR" --method=echo --echo_reply_bytes="$ANSWER_BYTES" "${CLOSED[@]}"
  load "$rep" echo_header --target="$ECHO_HEADER_ADDR" --method=echo --echo_reply_bytes="$ANSWER_BYTES" "${CLOSED[@]}"
  load "$rep" hit --target="$HIT_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE "${CLOSED[@]}" --report_cache=false
  load "$rep" hit_header --target="$HIT_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE "${CLOSED[@]}"
  load "$rep" hit_redis --target="$HIT_REDIS_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE "${CLOSED[@]}"
  load "$rep" miss --target="$MISS_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE "${CLOSED[@]}"
  load "$rep" aggregates --target="$SMALL_ADDR" --method=aggregates --regions="$REGIONS" --date=$DATE "${CLOSED[@]}"
  redis_bench "$rep" redis_get -t get -d "$VALUE_BYTES"
  redis_bench "$rep" redis_eval EVAL "$SCRIPT" 1 paritrana:gen:15 paritrana:cov:15: "$CACHE_SUFFIX"
  log "read path, repetition $rep/$REPS (open loop)"
  # At half the floor's capacity: half the calls/s the echo floor answered in this repetition.
  HALF=$(awk -v r="$rep" '$1 == r && $2 == "echo" { for (i = 3; i <= NF; i++) { split($i, kv, "=");
    if (kv[1] == "qps") printf "%d", kv[2] / 2 } }' "$RESULTS")
  record "$rep" open_half rate="$HALF"
  OPEN=(--mode=open --rate="$HALF")
  load "$rep" echo_open --target="$ECHO_ADDR" --method=echo --echo_reply_bytes="$ANSWER_BYTES" "${OPEN[@]}"
  load "$rep" hit_open --target="$HIT_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE "${OPEN[@]}" --report_cache=false
  OPEN=(--mode=open --rate="$OPEN_SLOW")
  load "$rep" echo_open_slow --target="$ECHO_ADDR" --method=echo --echo_reply_bytes="$ANSWER_BYTES" "${OPEN[@]}"
  load "$rep" miss_open --target="$MISS_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE "${OPEN[@]}"
done
replicas_run

# --- 3. bulk import (its last, largest registry then serves the scale benchmark) -----------------
# import_run REP LABEL N NAME: a fresh registry NAME, skeleton, then N participants timed.
import_run() {
  local rep=$1 label=$2 n=$3 name=$4
  start_registry "$name"
  IMPORT_ADDR=$ADDR IMPORT_PID=$LAST_PID
  "$IMPORT" --target="$IMPORT_ADDR" --part=skeleton >>"$WORK/import.log"
  local line
  line=$(timeout $((600 + n / 100)) "$IMPORT" --target="$IMPORT_ADDR" --participants="$n" \
         --registry_pid="$IMPORT_PID" | tee -a "$WORK/import.log" | grep '^RESULT' | sed 's/^RESULT //')
  record "$rep" "$label" "$line db_mib=$(du -sm "$WORK/$name" | cut -f1)"
  log "$label: $(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(rows|seconds|rows_per_s|rows_per_cpu_s|hwm_kb|rss_mib_by_tenth)=/) printf "%s ", $i }')"
}

for rep in $(seq "$REPS"); do
  log "import, repetition $rep/$REPS: $IMPORT_N participants"
  import_run "$rep" import "$IMPORT_N" "import$rep"
  stop "$IMPORT_PID"; rm -rf "${WORK:?}/import$rep"
  sqlite_floor "$rep" floor "$IMPORT_N"
done
gen_line=$(timeout 600 "$IMPORT" --format=null --participants="$IMPORT_N" | grep '^RESULT' | sed 's/^RESULT //')
record 1 generator "$gen_line"

log "import of $LARGE participants (one run; it builds the large registry)"
import_run 1 import_large "$LARGE" large
LARGE_ADDR=$IMPORT_ADDR LARGE_PID=$IMPORT_PID
sqlite_floor 1 floor_large "$LARGE"
rm -f "$WORK/floor.db"

# --- 2. scale: cache-miss latency, SMALL vs LARGE participants ----------------------------------
start_grpc coverage_miss_large "$COVERAGE" "${COMMON[@]}" --registry="$LARGE_ADDR"
MISS_LARGE_ADDR=$ADDR
deltas() {  # active_deltas rows of the province in a registry's database (read-only)
  sqlite3 -readonly "$WORK/$1/registry.db" "SELECT count(*) FROM active_deltas WHERE region = '15'"
}
DELTAS_SMALL=$(deltas small) DELTAS_LARGE=$(deltas large)
ONE=(--mode=closed --concurrency=1)
for rep in $(seq "$REPS"); do
  log "scale, repetition $rep/$REPS"
  load "$rep" scale_small_province --target="$MISS_ADDR" --method=coverage --regions=regions/15 --date=$DATE "${ONE[@]}"
  load "$rep" scale_large_province --target="$MISS_LARGE_ADDR" --method=coverage --regions=regions/15 --date=$DATE "${ONE[@]}"
  load "$rep" scale_small_mix --target="$MISS_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE "${ONE[@]}"
  load "$rep" scale_large_mix --target="$MISS_LARGE_ADDR" --method=coverage --regions="$REGIONS" --date=$DATE "${ONE[@]}"
done

# --- 5. award evaluation ------------------------------------------------------------------------
# A registry of its own with the national regions and data, a coverage service WITHOUT --redis (so
# every evaluation computes its indicators from the registry: the cold path, not a cache hit) and
# an award service on a fresh SQLite store with the shipped regency rubric.
log "award evaluation: $EVAL_REGENCIES regencies/cities, $EVAL_PER participants each"
start_registry national
NATIONAL_ADDR=$ADDR
start_grpc coverage_eval "$COVERAGE" "${COMMON[@]}" --registry="$NATIONAL_ADDR"
COVERAGE_EVAL_ADDR=$ADDR
start_award award "$NATIONAL_ADDR" "$COVERAGE_EVAL_ADDR"
AWARD_ADDR=$ADDR AWARD_PID=$LAST_PID
evaluate "$NATIONAL_ADDR" "$AWARD_ADDR" "$COVERAGE_EVAL_ADDR" --part=registry
evaluate "$NATIONAL_ADDR" "$AWARD_ADDR" "$COVERAGE_EVAL_ADDR" --part=award
EVAL_AWARD_STAT=$(procstat "$AWARD_PID")
stop "$AWARD_PID"
# The same provincial cycle on the $LARGE-participant registry, where each regency's history of
# active-count changes is (nearly) complete, as it is for every regency in production: what one
# candidate costs when the data is dense (the national data above is thin: EVAL_PER per regency).
# That registry's skeleton gives each regency a fixed 1.9 million / 11 potential workers, whatever
# LARGE is, so every regency would fall under the rubric's 20% gate (about 12% with 1,000,000
# participants, 0.03% with --quick's): --fit_baselines first sets each regency's potential workers
# from its persons active on the period's end (ratios 15% to 74%), so most candidates are ranked.
log "award evaluation: the Jambi cycle on the $LARGE-participant registry"
start_award award_large "$LARGE_ADDR" "$MISS_LARGE_ADDR"
AWARD_LARGE_PID=$LAST_PID
evaluate "$LARGE_ADDR" "$ADDR" "$MISS_LARGE_ADDR" --part=award --national=false --label=eval_large \
  --fit_baselines
stop "$AWARD_LARGE_PID"
DELTAS_REGENCY=$(sqlite3 -readonly "$WORK/large/registry.db" \
  "SELECT count(*) FROM active_deltas WHERE region = '15.08'")

# --- 4. profile of the import ---------------------------------------------------------------------
PROFILE_TXT=""
if [[ $PROFILE == 1 ]] && command -v perf >/dev/null && perf record -o "$WORK/perf-check.data" -- true >/dev/null 2>&1; then
  log "profiling an import of $PROFILE_N participants into the large registry (perf, DWARF call graphs)"
  perf record -F 199 --call-graph dwarf,16384 -p "$LARGE_PID" -o "$WORK/perf.data" \
    >"$WORK/perf.log" 2>&1 &
  PERF_PID=$!
  PIDS+=("$PERF_PID")
  sleep 0.5
  "$IMPORT" --target="$LARGE_ADDR" --participants="$PROFILE_N" --first="$LARGE" \
    --registry_pid="$LARGE_PID" >"$WORK/profile-import.txt"
  kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true
  perf report -i "$WORK/perf.data" --children --stdio -g none --percent-limit 0.5 2>/dev/null \
    >"$WORK/perf.txt" || true
  # Inclusive share of the import's CPU samples for each step of a row, in call order.
  PROFILE_TXT=$(awk '
    function share(pat,   i) { for (i = 1; i <= n; i++) if (line[i] ~ pat) return pct[i]; return "—" }
    /^ +[0-9.]+%/ { n++; pct[n] = $1; line[n] = $0 }
    END {
      printf "| %s | %s |\n", "Importer::Flush (all batch work)", share("Importer::Flush")
      printf "| %s | %s |\n", "  ApplyRow (one row, inside its SAVEPOINT)", share("ApplyRow")
      printf "| %s | %s |\n", "    Writer::PutParticipant (NIK HMAC + AES-GCM seal, 2 inserts)", share("Writer::PutParticipant")
      printf "| %s | %s |\n", "    Writer::PutEnrollment", share("Writer::PutEnrollment")
      printf "| %s | %s |\n", "    Writer::AddContribution", share("Writer::AddContribution")
      printf "| %s | %s |\n", "      Writer::RecountPerson", share("Writer::RecountPerson")
      printf "| %s | %s |\n", "        SqliteTx::AddDeltas (holds the deltas of a row until commit)", share("SqliteTx::AddDeltas")
      printf "| %s | %s |\n", "  SqliteTx::FlushDeltas (summed deltas of the batch, upserted at commit into 3 tables)", share("FlushDeltas")
      printf "| %s | %s |\n", "  sqlite::Database::Exec (SAVEPOINT/RELEASE per row, BEGIN/COMMIT)", share("sqlite::Database::Exec")
      printf "| %s | %s |\n", "    sqlite3_wal_checkpoint (WAL checkpoints at commit)", share("sqlite3_wal_checkpoint")
      printf "| %s | %s |\n", "sqlite3_step (all SQL statements)", share("sqlite3_step")
    }' "$WORK/perf.txt")
  PROFILE_IMPORT=$(grep '^RESULT' "$WORK/profile-import.txt" | sed 's/^RESULT //')
fi
fi  # sections 1 to 5

# --- 6. national scale ----------------------------------------------------------------------------
# For each size N of --national (ascending), in its own data directory: a registry started with the
# national region catalogue, the national skeleton, then N persons of the national generator
# through ImportRecords at the registry's largest batch and message (10,000 rows), timed; the same
# rows as CSV into the sqlite3 shell (the floor); the database's size per person; then cache-miss
# GetCoverage latency (an uncached coverage service) of one province, regency, district and village,
# the same four regions at every N: the regency/city holding the most enrollment spans in the
# smallest registry, its province, its first district and that district's first village (by code,
# from the catalogue). The generator spreads a regency's persons evenly over its villages, but
# which village gets which person depends on N, so a village picked for having people at one N
# could be empty at another; a village of the most populous regency has about the average. Each registry is stopped and its
# directory removed (unless --keep) before the next size starts, so only one holds disk at a time.
NATIONAL_DATE=2025-02-28  # the national dataset's query date (bench/national_dataset.h)
NAT_WRITES=2000 NAT_WRITE_LOAD_S=60  # single writes per size, and the read load's duration
[[ $QUICK == 1 ]] && NAT_WRITES=100 NAT_WRITE_LOAD_S=10
NATIONAL_LEVELS=(province regency district village)
NATIONAL_CODES=()
NAT_IMPORT=(--shape=national --region_catalog="$CATALOG" --batch_size=10000 --rows_per_message=10000)

# db_bytes NAME: registry.db plus registry.db-wal, in bytes.
nat_db_bytes() {
  local f sum=0
  for f in "$WORK/$1/registry.db" "$WORK/$1/registry.db-wal"; do
    [[ -f $f ]] && sum=$((sum + $(stat -c %s "$f")))
  done
  echo "$sum"
}

# spans NAME CODE: enrollment spans of a region (its code is a prefix of its villages' codes).
nat_spans() {
  sqlite3 -readonly "$WORK/$1/registry.db" \
    "SELECT count(*) FROM enrollment_spans WHERE region >= '$2' AND region < '$2' || '/'"
}

# nat_pick_regions DB: "PROVINCE REGENCY DISTRICT VILLAGE" of a national registry's SQLite database:
# the regency/city holding the most enrollment spans, its province, its first district and that
# district's first village by code (from the catalogue).
nat_pick_regions() {
  local regency district village
  regency=$(sqlite3 -readonly "$1" "SELECT substr(region, 1, 5) AS r
    FROM enrollment_spans GROUP BY r ORDER BY count(*) DESC, r LIMIT 1")
  district=$(awk -F, -v r="$regency" 'NR > 1 && $2 == r { print $1 }' "$CATALOG/data/districts.csv" | sort | head -1)
  village=$(awk -F, -v d="$district" 'NR > 1 && $2 == d { print $1 }' "$CATALOG/data/villages.csv" | sort | head -1)
  [[ $village =~ ^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$ && ${village:0:5} == "$regency" ]] ||
    { echo "bench.sh: no village found for regency '$regency' of the national registry" >&2; exit 1; }
  echo "${regency:0:2} $regency $district $village"
}

national_run() {
  local n=$1 name=national_$1 line addr pid
  mkdir -p "$WORK/$name"
  log "national scale, $n persons: registry with the region catalogue"
  start_grpc "$name" "$REGISTRY" "${COMMON[@]}" --store="sqlite:$WORK/$name/registry.db" \
    --nik_key_file="$WORK/$name/nik.key" --create_nik_key --redis="$REDIS_ADDR" \
    --max_message_bytes=67108864 --region_catalog="$CATALOG"
  addr=$ADDR pid=$LAST_PID
  line=$(timeout 3600 "$IMPORT" --target="$addr" "${NAT_IMPORT[@]}" --participants="$n" \
         --part=skeleton | tee -a "$WORK/import.log" | grep '^RESULT' | sed 's/^RESULT //')
  record 1 "nat_skeleton_$n" "$line db_bytes=$(nat_db_bytes "$name")"
  log "national scale, $n persons: import"
  line=$(timeout $((600 + n / 100)) "$IMPORT" --target="$addr" "${NAT_IMPORT[@]}" --participants="$n" \
         --part=participants --registry_pid="$pid" | tee -a "$WORK/import.log" | grep '^RESULT' |
         sed 's/^RESULT //')
  local db wal
  db=$(stat -c %s "$WORK/$name/registry.db")
  wal=0; [[ -f $WORK/$name/registry.db-wal ]] && wal=$(stat -c %s "$WORK/$name/registry.db-wal")
  record 1 "nat_import_$n" "$line db_bytes=$db wal_bytes=$wal bytes_per_person=$(awk -v a="$db" -v b="$wal" -v n="$n" 'BEGIN { printf "%.1f", (a + b) / n }') bytes_per_person_above_skeleton=$(awk -v a="$db" -v b="$wal" -v k="$(med nat_skeleton_$n db_bytes)" -v n="$n" 'BEGIN { printf "%.1f", (a + b - k) / n }')"
  log "nat_import_$n: $(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(rows|persons|seconds|rows_per_s|persons_per_s|cpu_s|hwm_kb|rejected)=/) printf "%s ", $i }')db+wal $(( (db + wal) / 1048576 )) MiB"

  # The floor: the same rows as CSV into a plain table. The generator's start-up (reading the
  # catalogue, apportioning) is timed alone and taken off, as the import's timer starts after it.
  log "national scale, $n persons: sqlite3 shell floor"
  local t0 t1 s0 s1 rows
  s0=$(date +%s.%N)
  "$IMPORT" "${NAT_IMPORT[@]}" --participants="$n" --first="$n" --format=csv >/dev/null
  s1=$(date +%s.%N)
  rm -f "$WORK/nat_floor.db"
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WORK/floor.time" bash -c \
    "'$IMPORT' --shape=national --region_catalog='$CATALOG' --participants=$n --format=csv | sqlite3 '$WORK/nat_floor.db' '.import --csv /dev/stdin participants'"
  t1=$(date +%s.%N)
  rows=$(sqlite3 "$WORK/nat_floor.db" 'SELECT count(*) FROM participants')
  rm -f "$WORK/nat_floor.db"
  record 1 "nat_floor_$n" "$(awk -v n="$rows" -v a="$t0" -v b="$t1" -v s="$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')" \
    -v m="$(cat "$WORK/floor.time")" 'BEGIN { t = b - a - s; printf "rows=%d seconds=%.3f wall_s=%.3f startup_s=%.3f rows_per_s=%s sqlite3_maxrss_kb=%d",
      n, t, b - a, s, (t > 0 ? sprintf("%.1f", n / t) : "nan"), m }')"
  log "nat_floor_$n: $rows rows in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"

  # The four regions, chosen once, in the smallest registry.
  if [[ ${#NATIONAL_CODES[@]} == 0 ]]; then
    local codes
    codes=$(nat_pick_regions "$WORK/$name/registry.db")
    read -r -a NATIONAL_CODES <<<"$codes"
    record 1 nat_regions "codes=$(IFS=,; echo "${NATIONAL_CODES[*]}")"
    log "national scale: regions ${NATIONAL_CODES[*]}"
  fi
  record 1 "nat_spans_$n" "province=$(nat_spans "$name" "${NATIONAL_CODES[0]}") regency=$(nat_spans "$name" "${NATIONAL_CODES[1]}") district=$(nat_spans "$name" "${NATIONAL_CODES[2]}") village=$(nat_spans "$name" "${NATIONAL_CODES[3]}")"

  start_grpc "nat_coverage_$n" "$COVERAGE" "${COMMON[@]}" --registry="$addr"
  local cov=$ADDR cov_pid=$LAST_PID rep i
  for rep in $(seq "$REPS"); do
    log "national scale, $n persons: cache misses, repetition $rep/$REPS"
    for i in 0 1 2 3; do
      load "$rep" "nat_${NATIONAL_LEVELS[i]}_$n" --target="$cov" --method=coverage \
        --regions="regions/${NATIONAL_CODES[i]}" --date=$NATIONAL_DATE --mode=closed --concurrency=1
    done
  done

  # A month of postings for every active enrollment, through ImportRecords, then the same postings
  # as CSV into the sqlite3 shell (the floor).
  log "national scale, $n persons: a month of contribution postings"
  line=$(timeout $((600 + n / 100)) "$IMPORT" --target="$addr" "${NAT_IMPORT[@]}" --participants="$n" \
         --part=postings --registry_pid="$pid" | tee -a "$WORK/import.log" | grep '^RESULT' |
         sed 's/^RESULT //')
  record 1 "nat_postings_$n" "$line"
  log "nat_postings_$n: $(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(rows|seconds|rows_per_s|rejected)=/) printf "%s ", $i }')"
  rm -f "$WORK/nat_floor.db"
  t0=$(date +%s.%N)
  "$IMPORT" "${NAT_IMPORT[@]}" --participants="$n" --part=postings --format=csv |
    sqlite3 "$WORK/nat_floor.db" '.import --csv /dev/stdin postings'
  t1=$(date +%s.%N)
  rows=$(sqlite3 "$WORK/nat_floor.db" 'SELECT count(*) FROM postings')
  rm -f "$WORK/nat_floor.db"
  record 1 "nat_postings_floor_$n" "$(awk -v n="$rows" -v a="$t0" -v b="$t1" 'BEGIN { t = b - a;
    printf "rows=%d seconds=%.3f rows_per_s=%s", n, t, (t > 0 ? sprintf("%.1f", n / t) : "nan") }')"

  # The national award cycle (the catalogue's regencies/cities as candidates, the shipped regency
  # rubric, jury scores) evaluated on this registry through the uncached coverage service: every
  # candidate's indicators are computed from this registry's counts. Before the single writes,
  # whose read load can leave the coverage service with a backlog. The period ends on the
  # dataset's date, which its baselines describe (coverage 35.68% x 0.6-1.4 per regency); by the
  # default end, 2025-06-30, most of its active persons' contributions have run out and nearly
  # every regency would fall under the rubric's 20% gate.
  log "national scale, $n persons: national award evaluation"
  start_award "nat_award_$n" "$addr" "$cov"
  local award_pid=$LAST_PID
  evaluate "$addr" "$ADDR" "$cov" --part=award --label="nat_eval_$n" --region_catalog="$CATALOG" \
    --period_end=$NATIONAL_DATE
  stop "$award_pid"

  # Single writes under read load: NAT_WRITES sampled persons each get one CreateContribution and
  # one CreateEnrollment, one call at a time, while 1,000 cache misses per second (the four regions
  # in turn, open loop) run against the same registry. The load runs long enough to cover the
  # writes (their set-up reads the persons' enrollments first).
  log "national scale, $n persons: single writes under 1,000 cache misses/s"
  "$LOAD" --label="nat_write_load_$n" --target="$cov" --method=coverage \
    --regions="$(printf 'regions/%s,' "${NATIONAL_CODES[@]}" | sed 's/,$//')" --date=$NATIONAL_DATE \
    --mode=open --rate=1000 --duration="${NAT_WRITE_LOAD_S}s" --warmup=1s >"$WORK/write_load_$n.txt" 2>&1 &
  local load_pid=$! writes
  PIDS+=("$load_pid")
  sleep 1.5
  writes=$(timeout 600 "$IMPORT" --target="$addr" "${NAT_IMPORT[@]}" --participants="$n" \
           --part=writes --writes="$NAT_WRITES" | tee -a "$WORK/import.log") ||
    { echo "bench.sh: single writes failed" >&2; exit 1; }
  wait "$load_pid" || { echo "bench.sh: the load under the writes failed" >&2; exit 1; }
  record 1 "nat_write_load_$n" "$(grep '^RESULT' "$WORK/write_load_$n.txt" | sed 's/^RESULT //')"
  record 1 "nat_write_contribution_$n" "$(echo "$writes" | grep 'method=CreateContribution' | sed 's/^RESULT //')"
  record 1 "nat_write_enrollment_$n" "$(echo "$writes" | grep 'method=CreateEnrollment' | sed 's/^RESULT //')"
  log "nat_write_$n: $(echo "$writes" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(method|p50_us|p99_us|failures)=/) printf "%s ", $i }')"

  stop "$cov_pid"
  stop "$pid"
  [[ $KEEP == 1 ]] || rm -rf "${WORK:?}/$name"
}

[[ -n $REPORT_FROM ]] || for n in "${NATIONAL_LIST[@]}"; do national_run "$n"; done
if [[ -n $REPORT_FROM ]]; then
  IFS=, read -r -a NATIONAL_CODES <<<"$(values nat_regions codes | head -1)"
fi

# --- 7. SQLite and PostgreSQL side by side -------------------------------------------------------
# A PostgreSQL 15 server in $WORK/pg (initdb, then postgres from $PG_BIN, as the postgres user when
# we are root, on a Unix socket there only: listen_addresses=''), databases registry, award and
# floor, PostgreSQL's defaults otherwise (fsync and synchronous_commit on: a commit waits for its
# WAL flush, as SQLite's synchronous=FULL waits for its fsync); stopped by the trap at exit. Then,
# for each backend in turn, a registry started with the national catalogue on that backend's
# store, the national skeleton and PG_N persons imported as in section 6 (10,000 rows per batch
# and message), timed, with the registry's and (PostgreSQL) the server's CPU; on PostgreSQL a
# VACUUM (ANALYZE) after it, as autovacuum would do within a minute, timed apart. Each engine's
# floor, REPS times: the same rows, written once to a CSV file before anything is timed, loaded by
# the sqlite3 shell's .import into a plain table without index, and by psql's \copy into a plain
# table with a primary key and an index on nik. With both registries up: cache-miss GetCoverage
# latency of the four regions of section 6 (picked in the SQLite registry) through an uncached
# coverage service per backend, the backends in turn within each repetition; the national award
# evaluation with the award store on the registry's backend; NAT_WRITES single writes, one at a
# time, without other load.
SIDE_BACKENDS=(sqlite postgres)
declare -A SIDE_ADDR SIDE_PID SIDE_COV SIDE_COV_PID
SIDE_CODES=()
AS_PG=() PSQL=()

pg_start() {
  PG_DIR=$WORK/pg
  mkdir -p "$PG_DIR"
  if [[ $(id -u) == 0 ]]; then
    # PostgreSQL refuses to run as root: the postgres user owns its folder and may pass through
    # the work directory (search, not listing).
    chown postgres: "$PG_DIR"
    chmod o+x "$WORK"
    AS_PG=(setpriv --reuid=postgres --regid=postgres --clear-groups --)
    "${AS_PG[@]}" test -x "$PG_DIR" ||
      { echo "bench.sh: the postgres user cannot reach $PG_DIR" >&2; exit 1; }
  fi
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U paritrana --auth=trust -E UTF8 --locale=C \
    --no-sync --no-instructions >"$WORK/initdb.log" 2>&1 ||
    { echo "bench.sh: initdb failed:" >&2; tail -20 "$WORK/initdb.log" >&2; exit 1; }
  local pg_opts=()
  [[ $PG_STATEMENTS == 0 ]] ||
    pg_opts=(-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on)
  "${AS_PG[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" -k "$PG_DIR" -c listen_addresses= "${pg_opts[@]}" \
    >"$WORK/postgres.log" 2>&1 &
  PG_PID=$!
  for _ in $(seq 600); do
    "$PG_BIN/pg_isready" -q -h "$PG_DIR" -U paritrana -d postgres && break
    kill -0 "$PG_PID" 2>/dev/null || break
    sleep 0.05
  done
  "$PG_BIN/pg_isready" -q -h "$PG_DIR" -U paritrana -d postgres ||
    { echo "bench.sh: PostgreSQL did not start:" >&2; tail -20 "$WORK/postgres.log" >&2; exit 1; }
  PSQL=(env PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -h "$PG_DIR" -U paritrana -X -q
        -v ON_ERROR_STOP=1)
  local db
  for db in registry award floor; do "$PG_BIN/createdb" -h "$PG_DIR" -U paritrana "$db"; done
  record 1 pg_server "$("${PSQL[@]}" -d postgres -At -F ' ' -c "SELECT
    'version=' || split_part(current_setting('server_version'), ' ', 1),
    'shared_buffers=' || current_setting('shared_buffers'),
    'max_wal_size=' || current_setting('max_wal_size'), 'fsync=' || current_setting('fsync'),
    'synchronous_commit=' || current_setting('synchronous_commit'),
    'wal_level=' || current_setting('wal_level')")"
  log "PostgreSQL $(values pg_server version) in $PG_DIR (pid $PG_PID)"
  [[ $PG_STATEMENTS == 0 ]] || "${PSQL[@]}" -d postgres -c 'CREATE EXTENSION pg_stat_statements'
}

# pg_statements STEP: with --pg-statements, the statements (of every database) that took the most
# time since the last call, into WORK/pg-statements-STEP.txt; then the counts start again.
pg_statements() {
  [[ $PG_STATEMENTS == 1 ]] || return 0
  "${PSQL[@]}" -d postgres -c "SELECT d.datname AS db, s.calls, round(s.total_exec_time) AS exec_ms,
      round(s.total_plan_time) AS plan_ms, round(s.mean_exec_time::numeric, 3) AS mean_exec_ms,
      s.rows, s.shared_blks_hit AS hit, s.shared_blks_read AS read,
      left(regexp_replace(s.query, '\s+', ' ', 'g'), 160) AS query
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    ORDER BY s.total_exec_time + s.total_plan_time DESC LIMIT 25" >"$WORK/pg-statements-$1.txt"
  "${PSQL[@]}" -d postgres -At -c "SELECT 'all statements: calls ' || sum(calls) || ', exec ms ' ||
      round(sum(total_exec_time)) || ', plan ms ' || round(sum(total_plan_time))
    FROM pg_stat_statements" >>"$WORK/pg-statements-$1.txt"
  "${PSQL[@]}" -d postgres -c 'SELECT pg_stat_statements_reset()' >/dev/null
  log "pg_stat_statements of step $1: $WORK/pg-statements-$1.txt"
}

pg_stop() {
  [[ -n $PG_PID ]] || return 0
  kill -INT "$PG_PID" 2>/dev/null || true  # fast shutdown
  for _ in $(seq 300); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PG_PID" 2>/dev/null || true
  PG_PID=""
}

# pg_cpu: CPU seconds the PostgreSQL server has used so far: the postmaster, its children still
# running and those it reaped.
pg_cpu() {
  local ticks p
  ticks=$(awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$PG_PID/stat")
  for p in $(pgrep -P "$PG_PID"); do
    ticks=$((ticks + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# side_store BACKEND DATABASE: the --store of a service keeping DATABASE on BACKEND.
side_store() {
  if [[ $1 == postgres ]]; then echo "postgres:host=$PG_DIR user=paritrana dbname=$2"
  else echo "sqlite:$WORK/side_$1/$2.db"; fi
}

# side_import BACKEND: a registry on BACKEND with the national catalogue, the skeleton, then PG_N
# persons through ImportRecords, timed.
side_import() {
  local b=$1 name=side_$1 line cpu0="" extra="" bytes t0 t1
  mkdir -p "$WORK/$name"
  log "side by side, $b: registry with the region catalogue"
  START_TRIES=1200 start_grpc "$name" "$REGISTRY" "${COMMON[@]}" --store="$(side_store "$b" registry)" \
    --nik_key_file="$WORK/$name/nik.key" --create_nik_key --redis="$REDIS_ADDR" \
    --max_message_bytes=67108864 --region_catalog="$CATALOG"
  SIDE_ADDR[$b]=$ADDR SIDE_PID[$b]=$LAST_PID
  line=$(timeout 3600 "$IMPORT" --target="${SIDE_ADDR[$b]}" "${NAT_IMPORT[@]}" --participants="$PG_N" \
         --part=skeleton | tee -a "$WORK/import.log" | grep '^RESULT' | sed 's/^RESULT //')
  if [[ $b == postgres ]]; then
    bytes=$("${PSQL[@]}" -d registry -At -c "SELECT pg_database_size('registry')")
  else
    bytes=$(nat_db_bytes "$name")
  fi
  record 1 "side_skeleton_$b" "$line db_bytes=$bytes"
  log "side by side, $b: import of $PG_N persons"
  if [[ $b == postgres ]]; then pg_statements skeleton; cpu0=$(pg_cpu); fi
  line=$(timeout $((600 + PG_N / 100)) "$IMPORT" --target="${SIDE_ADDR[$b]}" "${NAT_IMPORT[@]}" \
         --participants="$PG_N" --part=participants --registry_pid="${SIDE_PID[$b]}" |
         tee -a "$WORK/import.log" | grep '^RESULT' | sed 's/^RESULT //')
  if [[ $b == postgres ]]; then
    extra="server_cpu_s=$(awk -v a="$cpu0" -v b="$(pg_cpu)" 'BEGIN { printf "%.2f", b - a }')"
    pg_statements import
    t0=$(date +%s.%N)
    "${PSQL[@]}" -d registry -c 'VACUUM (ANALYZE)'
    t1=$(date +%s.%N)
    extra="$extra vacuum_analyze_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
    bytes=$("${PSQL[@]}" -d registry -At -c "SELECT pg_database_size('registry')")
    extra="$extra $("${PSQL[@]}" -d registry -At -F ' ' -c "SELECT
      'schema_version=' || (SELECT max(version) FROM schema_version WHERE store = 'registry'),
      'partitions=' || (SELECT count(*) FROM pg_inherits)")"
  else
    bytes=$(nat_db_bytes "$name")
  fi
  record 1 "side_import_$b" "$line $extra db_bytes=$bytes bytes_per_person=$(awk -v a="$bytes" -v n="$PG_N" 'BEGIN { printf "%.1f", a / n }') bytes_per_person_above_skeleton=$(awk -v a="$bytes" -v k="$(med "side_skeleton_$b" db_bytes)" -v n="$PG_N" 'BEGIN { printf "%.1f", (a - k) / n }')"
  log "side_import_$b: $(echo "$line $extra" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(rows|seconds|rows_per_s|cpu_s|server_cpu_s|vacuum_analyze_s|hwm_kb|rejected)=/) printf "%s ", $i }')database $((bytes / 1048576)) MiB"
}

# side_floors REP: the CSV file into the sqlite3 shell and into PostgreSQL with psql's \copy.
side_floors() {
  local rep=$1 csv=$WORK/side.csv cols t0 t1 rows
  sqlite_floor "$rep" side_floor_sqlite "$PG_N" "$csv"
  # The CSV's columns, all text but kpj; a person's 1 to 3 rows share a kpj, one per start date.
  cols=$(head -1 "$csv" | tr ',' '\n' | awk '{ print $1 ($1 == "kpj" ? " bigint" : " text") }' | paste -sd,)
  "${PSQL[@]}" -d floor -c 'DROP TABLE IF EXISTS participants' \
    -c "CREATE TABLE participants ($cols, PRIMARY KEY (kpj, start_date))" \
    -c 'CREATE INDEX ON participants (nik)'
  t0=$(date +%s.%N)
  "${PSQL[@]}" -d floor -c "\\copy participants FROM '$csv' CSV HEADER"
  t1=$(date +%s.%N)
  rows=$("${PSQL[@]}" -d floor -At -c 'SELECT count(*) FROM participants')
  "${PSQL[@]}" -d floor -c 'DROP TABLE participants'
  record "$rep" side_floor_postgres "$(awk -v n="$rows" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "rows=%d seconds=%.3f rows_per_s=%.1f", n, b - a, n / (b - a) }')"
  log "side_floor_postgres: $rows rows in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
}

# side_spans BACKEND CODE: enrollment spans of a region in BACKEND's registry.
side_spans() {
  if [[ $1 == postgres ]]; then
    "${PSQL[@]}" -d registry -At -c \
      "SELECT count(*) FROM enrollment_spans WHERE region >= '$2' AND region < '$2' || '/'"
  else
    nat_spans side_sqlite "$2"
  fi
}

side_run() {
  local b i rep line codes writes award_pid
  log "side by side: $PG_N persons of the national generator as CSV (the floors' input)"
  "$IMPORT" "${NAT_IMPORT[@]}" --participants="$PG_N" --format=csv >"$WORK/side.csv"
  pg_start
  for b in "${SIDE_BACKENDS[@]}"; do side_import "$b"; done
  for rep in $(seq "$REPS"); do
    log "side by side: floors, repetition $rep/$REPS"
    side_floors "$rep"
  done
  rm -f "$WORK/side.csv"

  codes=$(nat_pick_regions "$WORK/side_sqlite/registry.db")
  read -r -a SIDE_CODES <<<"$codes"
  record 1 side_regions "codes=$(IFS=,; echo "${SIDE_CODES[*]}")"
  log "side by side: regions ${SIDE_CODES[*]}"
  for b in "${SIDE_BACKENDS[@]}"; do
    record 1 "side_spans_$b" "province=$(side_spans "$b" "${SIDE_CODES[0]}") regency=$(side_spans "$b" "${SIDE_CODES[1]}") district=$(side_spans "$b" "${SIDE_CODES[2]}") village=$(side_spans "$b" "${SIDE_CODES[3]}")"
    start_grpc "side_coverage_$b" "$COVERAGE" "${COMMON[@]}" --registry="${SIDE_ADDR[$b]}"
    SIDE_COV[$b]=$ADDR SIDE_COV_PID[$b]=$LAST_PID
  done
  pg_statements floors
  for rep in $(seq "$REPS"); do
    for b in "${SIDE_BACKENDS[@]}"; do
      log "side by side, $b: cache misses, repetition $rep/$REPS"
      for i in 0 1 2 3; do
        load "$rep" "side_${b}_${NATIONAL_LEVELS[i]}" --target="${SIDE_COV[$b]}" --method=coverage \
          --regions="regions/${SIDE_CODES[i]}" --date=$NATIONAL_DATE --mode=closed --concurrency=1
      done
    done
  done

  pg_statements misses
  for b in "${SIDE_BACKENDS[@]}"; do
    log "side by side, $b: national award evaluation, the award store on $b"
    start_award "side_award_$b" "${SIDE_ADDR[$b]}" "${SIDE_COV[$b]}" \
      "$([[ $b == postgres ]] && side_store postgres award)"
    award_pid=$LAST_PID
    evaluate "${SIDE_ADDR[$b]}" "$ADDR" "${SIDE_COV[$b]}" --part=award --label="side_eval_$b" \
      --region_catalog="$CATALOG" --period_end=$NATIONAL_DATE
    stop "$award_pid"
  done

  pg_statements evaluation
  for b in "${SIDE_BACKENDS[@]}"; do
    log "side by side, $b: $NAT_WRITES single writes"
    writes=$(timeout 900 "$IMPORT" --target="${SIDE_ADDR[$b]}" "${NAT_IMPORT[@]}" --participants="$PG_N" \
             --part=writes --writes="$NAT_WRITES" | tee -a "$WORK/import.log") ||
      { echo "bench.sh: single writes on $b failed" >&2; exit 1; }
    record 1 "side_write_contribution_$b" "$(echo "$writes" | grep 'method=CreateContribution' | sed 's/^RESULT //')"
    record 1 "side_write_enrollment_$b" "$(echo "$writes" | grep 'method=CreateEnrollment' | sed 's/^RESULT //')"
    log "side_write_$b: $(echo "$writes" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(method|p50_us|p99_us|failures)=/) printf "%s ", $i }')"
  done

  pg_statements writes
  for b in "${SIDE_BACKENDS[@]}"; do stop "${SIDE_COV_PID[$b]}"; stop "${SIDE_PID[$b]}"; done
  pg_stop
  [[ $KEEP == 1 ]] || rm -rf "${WORK:?}/side_sqlite" "${WORK:?}/pg"
}

if [[ $PG_N != none ]]; then
  if [[ -z $REPORT_FROM ]]; then
    side_run
  else
    IFS=, read -r -a SIDE_CODES <<<"$(values side_regions codes | head -1)"
  fi
fi

# The "What runs" rows of section 5 (and, with --only national, the rows it shares with the others).
national_what_runs() {
  [[ ${#NATIONAL_LIST[@]} -gt 0 ]] || return 0
  if [[ $MAIN == 0 ]]; then
    cat <<EOF
| coverage, uncached | \`paritrana-coverage --plaintext --listen=127.0.0.1:0 --registry=REGISTRY\` (no \`--redis\`: every call asks \`QueryAggregates\`) |
| load | \`paritrana-bench-load --target=ADDR --method=coverage --mode=closed --concurrency=1 --duration=${DURATION}s --warmup=${WARMUP}s\` (callback API, 2 channels) |
EOF
  fi
  cat <<EOF
| registry, national (section 5) | the registry command above plus \`--region_catalog=tools/node_modules/idn-area-data\`: the catalogue's 38 provinces, 514 regencies/cities, 7,285 districts and 83,762 villages (idn-area-data 4.0.1, ODbL) loaded at first start, so no region rows are imported |
| national data (section 5) | \`paritrana-bench-import --target=REGISTRY --shape=national --region_catalog=tools/node_modules/idn-area-data --batch_size=10000 --rows_per_message=10000 --participants=N --part=skeleton\`, then the same with \`--part=participants --registry_pid=PID\` (10,000 rows per batch and per message: the registry's largest batch); floor: the same with \`--format=csv\` into \`sqlite3 DB '.import --csv /dev/stdin participants'\` |
EOF
}

# mib KB: KiB as MiB.
mib() { fmt "$(awk -v k="$1" 'BEGIN { if (k == "nan" || k == "") print "nan"; else print k / 1024 }')"; }
# ratio A B [DIGITS]: A / B, or nan.
ratio() { fmt "$(awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "nan"; else print a / b }')" "${3:-2}"; }

national_report() {
  [[ ${#NATIONAL_LIST[@]} -gt 0 ]] || return 0
  local lo=${NATIONAL_LIST[0]} hi=${NATIONAL_LIST[${#NATIONAL_LIST[@]} - 1]} n l i
  cat <<EOF

## 5. National scale

The national generator (\`bench/national_dataset.h\`, seed 2025) at ${#NATIONAL_LIST[@]} size(s), each into a
fresh registry started with \`--region_catalog\` (every person in a real village of the
idn-area-data catalogue; a person has 1 to 3 rows: earlier terminated enrollments, then the
current one). Skeleton first (employers, baselines and targets, scaled with N), then the persons,
through streaming \`ImportRecords\` (LENIENT) with \`--batch_size=10000 --rows_per_message=10000\`,
the registry's largest batch and message. One import per size; latencies are medians of $REPS
repetition(s). Registry memory is \`VmHWM\` since the process started (catalogue and skeleton
included); the curve is \`VmRSS\` at each tenth of the import. Size: \`registry.db\` plus
\`registry.db-wal\` right after the import, divided by the number of persons (aggregates and
indexes included; "above the skeleton" takes off the size after the skeleton import, which holds
the catalogue's regions, employers, baselines and targets).

Command, per size N: \`paritrana-bench-import --target=REGISTRY --shape=national
--region_catalog=tools/node_modules/idn-area-data --batch_size=10000 --rows_per_message=10000
--participants=N --part=participants --registry_pid=PID\` (after the same with \`--part=skeleton\`).

| persons | rows | skeleton rows | seconds | rows/s | persons/s | registry CPU-s | rows per CPU-s | VmHWM MiB | VmRSS MiB by tenth of the time | registry.db MiB | -wal MiB | bytes per participant | above the skeleton | rejected |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
  for n in "${NATIONAL_LIST[@]}"; do
    l=nat_import_$n
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
      "$(fmt "$(med $l rows)")" "$(fmt "$(med nat_skeleton_$n rows)")" "$(fmt "$(med $l seconds)" 1)" \
      "$(fmt "$(med $l rows_per_s)")" "$(fmt "$(med $l persons_per_s)")" "$(fmt "$(med $l cpu_s)" 1)" \
      "$(fmt "$(med $l rows_per_cpu_s)")" "$(mib "$(med $l hwm_kb)")" "$(values $l rss_mib_by_tenth | tail -1)" \
      "$(fmt "$(awk -v b="$(med $l db_bytes)" 'BEGIN { print b / 1048576 }')" 1)" \
      "$(fmt "$(awk -v b="$(med $l wal_bytes)" 'BEGIN { print b / 1048576 }')" 1)" \
      "$(fmt "$(med $l bytes_per_person)")" "$(fmt "$(med $l bytes_per_person_above_skeleton)")" \
      "$(fmt "$(med $l rejected)")"
  done
  cat <<EOF

Floor: the same rows (\`--format=csv\`, one line per row, generated by the same code) piped into
\`sqlite3 DB '.import --csv /dev/stdin participants'\`, a plain table without index, in the same
run. The generator's start-up (reading the catalogue, apportioning), timed alone, is taken off its
seconds, as the import's clock starts after it.

| persons | rows | seconds | generator start-up s | rows/s | sqlite3 max RSS MiB | import ÷ floor (rows/s) |
|---|---|---|---|---|---|---|
EOF
  for n in "${NATIONAL_LIST[@]}"; do
    l=nat_floor_$n
    printf '| %s | %s | %s | %s | %s | %s | %sx |\n' "$n" "$(fmt "$(med $l rows)")" "$(fmt "$(med $l seconds)" 2)" \
      "$(fmt "$(med $l startup_s)" 2)" "$(fmt "$(med $l rows_per_s)")" "$(mib "$(med $l sqlite3_maxrss_kb)")" \
      "$(ratio "$(med nat_import_$n rows_per_s)" "$(med $l rows_per_s)" 4)"
  done
  cat <<EOF

Cache-miss latency: \`GetCoverage\` of one region on $NATIONAL_DATE through a coverage service
without \`--redis\` (every call asks \`QueryAggregates\`), one caller at a time, ${DURATION} s after
${WARMUP} s warm-up. Regions: regency/city ${NATIONAL_CODES[1]:-—} (the one with the most enrollment spans in
the $lo-person registry), its province, its first district and that district's first village by
code; the same four at every size (the generator spreads a regency's persons evenly over its
villages, but which village holds whom depends on N, so the village's count differs by size). Provinces and regencies/cities keep counts by delta; districts and villages count
their enrollment spans on demand ("spans" is how many such a count reads). Latency in microseconds.

| level | region | persons | enrollment spans in the region | calls/s | p50 | p90 | p99 | errors |
|---|---|---|---|---|---|---|---|---|
EOF
  for i in 0 1 2 3; do
    for n in "${NATIONAL_LIST[@]}"; do
      l=nat_${NATIONAL_LEVELS[i]}_$n
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${NATIONAL_LEVELS[i]}" "${NATIONAL_CODES[i]:-—}" "$n" \
        "$(fmt "$(med nat_spans_$n "${NATIONAL_LEVELS[i]}")")" "$(fmt "$(med $l qps)")" "$(fmt "$(med $l p50_us)")" \
        "$(fmt "$(med $l p90_us)")" "$(fmt "$(med $l p99_us)")" "$(fmt "$(med $l errors)")"
    done
  done
  cat <<EOF

| level | p50 with $hi ÷ with $lo persons | p99 with $hi ÷ with $lo persons | within 1.2x (p50 and p99) |
|---|---|---|---|
EOF
  for i in 0 1 2 3; do
    local a b
    a=$(ratio "$(med nat_${NATIONAL_LEVELS[i]}_$hi p50_us)" "$(med nat_${NATIONAL_LEVELS[i]}_$lo p50_us)")
    b=$(ratio "$(med nat_${NATIONAL_LEVELS[i]}_$hi p99_us)" "$(med nat_${NATIONAL_LEVELS[i]}_$lo p99_us)")
    printf '| %s | %sx | %sx | %s |\n' "${NATIONAL_LEVELS[i]}" "$a" "$b" \
      "$(yes_no "$(awk -v a="$a" -v b="$b" 'BEGIN { print (a + 0 > 0 && a <= 1.2 && b <= 1.2) }')")"
  done
  cat <<EOF

Monthly postings: one contribution (the month after its first) for every enrollment still
active, as \`ImportRow.contribution\` rows through the same \`ImportRecords\` stream and batches
(\`--part=postings\`), after the measurements above; floor: the same postings as CSV
(\`--part=postings --format=csv\`) into \`sqlite3 DB '.import --csv /dev/stdin postings'\`.

| persons | postings | seconds | postings/s | registry CPU-s | rejected | floor postings/s | postings ÷ floor |
|---|---|---|---|---|---|---|---|
EOF
  for n in "${NATIONAL_LIST[@]}"; do
    l=nat_postings_$n
    printf '| %s | %s | %s | %s | %s | %s | %s | %sx |\n' "$n" "$(fmt "$(med $l rows)")" \
      "$(fmt "$(med $l seconds)" 1)" "$(fmt "$(med $l rows_per_s)")" "$(fmt "$(med $l cpu_s)" 1)" \
      "$(fmt "$(med $l rejected)")" "$(fmt "$(med nat_postings_floor_$n rows_per_s)")" \
      "$(ratio "$(med $l rows_per_s)" "$(med nat_postings_floor_$n rows_per_s)" 4)"
  done
  cat <<EOF

Award evaluation, after the postings: \`paritrana-bench-evaluate --part=award
--region_catalog=tools/node_modules/idn-area-data --period_end=$NATIONAL_DATE
--assessors=$EVAL_ASSESSORS --reps=$EVAL_REPS\` through the uncached coverage service and an award
service on a fresh SQLite store: the national cycle (the catalogue's regencies/cities as
candidates) and the provincial one (Jambi), on the shipped regency rubric (gate: coverage ≥ 20%),
period 2025-01-01 to $NATIONAL_DATE (the dataset's date, which its baselines describe: coverage
35.68% x 0.6-1.4 per regency). "Ranked / candidates": those that passed the gate and were scored
and ranked; the others were screened out (NO_DATA: no coverage figure, e.g. a regency without
persons). The benchmark fails when a cycle ranks fewer than half of its candidates.

| persons | cycle | ranked / candidates | screened out (NO_DATA) | median ms | slowest ms | answer KiB |
|---|---|---|---|---|---|---|
EOF
  for n in "${NATIONAL_LIST[@]}"; do
    for l in national province; do
      local v=nat_eval_${n}_$l
      printf '| %s | %s | %s / %s | %s (%s) | %s | %s | %s |\n' "$n" \
        "$([[ $l == national ]] && echo national || echo "provincial (Jambi)")" \
        "$(fmt "$(med $v ranked)")" "$(fmt "$(med $v candidates)")" "$(fmt "$(med $v screened_out)")" \
        "$(fmt "$(med $v no_data)")" "$(fmt "$(med $v ms)" 1)" "$(fmt "$(values $v ms | sort -g | tail -1)" 1)" \
        "$(fmt "$(awk -v b="$(med $v answer_bytes)" 'BEGIN { print b / 1024 }')")"
    done
  done
  cat <<EOF

Single writes under read load: $NAT_WRITES persons sampled evenly over the registry each get one
\`CreateContribution\` (a month beyond their current enrollment's paid-through date) and one
\`CreateEnrollment\` (a new BPU enrollment), one call at a time in random order (\`--part=writes\`),
while \`paritrana-bench-load --method=coverage --mode=open --rate=1000\` asks the uncached coverage
service about the four regions above (every call a cache miss). Each write commits with an fsync
(\`synchronous=FULL\`). Latency in microseconds.

| persons | method | calls | p50 | p90 | p99 | max | failures | misses/s answered meanwhile | miss p99 |
|---|---|---|---|---|---|---|---|---|---|
EOF
  for n in "${NATIONAL_LIST[@]}"; do
    for l in contribution enrollment; do
      local w=nat_write_${l}_$n
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$(values $w method | tail -1)" \
        "$(fmt "$(med $w calls)")" "$(fmt "$(med $w p50_us)")" "$(fmt "$(med $w p90_us)")" \
        "$(fmt "$(med $w p99_us)")" "$(fmt "$(med $w max_us)")" "$(fmt "$(med $w failures)")" \
        "$(fmt "$(med nat_write_load_$n qps)")" "$(fmt "$(med nat_write_load_$n p99_us)")"
    done
  done
  local hlo hhi bpp rate
  hlo=$(med nat_import_$lo hwm_kb) hhi=$(med nat_import_$hi hwm_kb)
  bpp=$(med nat_import_$hi bytes_per_person) rate=$(med nat_import_$hi rows_per_s)
  cat <<EOF

| goal (issue 15) | measured | |
|---|---|---|
| import ≥ 150,000 participant rows/s | $(fmt "$(med nat_import_$lo rows_per_s)") rows/s ($lo persons), $(fmt "$rate") rows/s ($hi persons) | $(yes_no "$(awk -v a="$(med nat_import_$lo rows_per_s)" -v b="$rate" 'BEGIN { print (a >= 150000 && b >= 150000) }')") |
| registry memory flat: VmHWM with $hi persons ≤ 1.5x with $lo | $(mib "$hhi") MiB ÷ $(mib "$hlo") MiB = $(ratio "$hhi" "$hlo")x | $(yes_no "$(awk -v a="$hhi" -v b="$hlo" 'BEGIN { print (b > 0 && a <= 1.5 * b) }')") |
| database ≤ 400 bytes per participant at $hi persons | $(fmt "$bpp") bytes | $(yes_no "$(awk -v b="$bpp" 'BEGIN { print (b <= 400) }')") |
| postings ≥ 300,000 per second at $hi persons | $(fmt "$(med nat_postings_$hi rows_per_s)") postings/s | $(yes_no "$(awk -v a="$(med nat_postings_$hi rows_per_s)" 'BEGIN { print (a >= 300000) }')") |
| national award evaluation (${EVAL_REGENCIES} regencies/cities) < 1 s on the $hi-person registry | $(fmt "$(med nat_eval_${hi}_national ms)") ms (median of $EVAL_REPS) | $(yes_no "$(awk -v a="$(med nat_eval_${hi}_national ms)" 'BEGIN { print (a > 0 && a < 1000) }')") |
| single writes p99 < 5 ms under 1,000 misses/s at $hi persons | CreateContribution $(fmt "$(med nat_write_contribution_$hi p99_us)") µs, CreateEnrollment $(fmt "$(med nat_write_enrollment_$hi p99_us)") µs | $(yes_no "$(awk -v a="$(med nat_write_contribution_$hi p99_us)" -v b="$(med nat_write_enrollment_$hi p99_us)" 'BEGIN { print (a > 0 && a < 5000 && b < 5000) }')") |
EOF
  if [[ $QUICK == 1 || $hi -lt 10000000 ]]; then
    echo
    echo "(Sizes below the issue's 1M and 10M: the goals above are checked at these sizes only.)"
  fi
}

# The section "JSON over HTTP" (section 8), whole in itself: it also goes alone into
# docs/benchmarks.md (--only gateway).
gateway_report() {
  [[ $MAIN == 1 || $ONLY == gateway ]] || return 0
  local get_ratio p99_ratio nm_ratio nm_p99
  get_ratio=$(ratio_med json_get qps hit_one) p99_ratio=$(ratio_med json_get p99_us hit_one)
  nm_ratio=$(ratio_med json_304 qps hit_one) nm_p99=$(ratio_med json_304 p99_us hit_one)
  row() {  # LABEL NAME
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %sx | %sx |\n' "$2" "$(fmt "$(med "$1" qps)")" \
      "$(fmt "$(med "$1" p50_us)")" "$(fmt "$(med "$1" p90_us)")" "$(fmt "$(med "$1" p99_us)")" \
      "$(fmt "$(med "$1" p999_us)")" "$(fmt "$(med "$1" errors)")" "$(fmt "$(med "$1" answer_bytes)")" \
      "$(fmt "$(ratio_med "$1" qps hit_one)" 2)" "$(fmt "$(ratio_med "$1" p99_us hit_one)" 2)"
  }
  cat <<EOF2

## JSON over HTTP (gateway)

Measured by \`scripts/bench.sh$RUN_ARGS\` on $(date -u -d "@$T_END" '+%Y-%m-%d %H:%M UTC'), from commit $COMMIT$DIRTY_CODE;
build: $BUILD_TEXT. Machine: $CORES cores ($CPU_MODEL), $MEM, kernel $(uname -r); load average
(1, 5, 15 min) at start $LOAD_START, at end $LOAD_END. Medians of $REPS repetition(s) of
${DURATION} s each after ${WARMUP} s of warm-up, $CONC callers in a closed loop; each ratio is taken
within one repetition against the gRPC cache hit of the same region, measured just before.

| process | command |
|---|---|
| coverage, cached | \`paritrana-coverage --plaintext --listen=127.0.0.1:0 --registry=REGISTRY --redis=unix:DIR/redis.sock --cache_key_file=DIR/cache.key --create_cache_key\` (a registry of $SMALL participants) |
| gateway | \`paritrana-gateway --listen=127.0.0.1:0 --plaintext --registry=REGISTRY --coverage=COVERAGE --rate_limit=0\` |
| gRPC hit | \`paritrana-bench-load --target=COVERAGE --method=coverage --regions=regions/15 --date=$DATE --mode=closed --concurrency=$CONC\` |
| JSON GET | \`paritrana-bench-http-load --port=GATEWAY --path='$JSON_PATH' --concurrency=$CONC\` (HTTP/1.1, a keep-alive connection per caller; \`--gzip\` adds \`Accept-Encoding: gzip\`; \`--if_none_match\` sends the first answer's ETag back, so every answer is a 304) |

| | calls/s | p50 µs | p90 µs | p99 µs | p99.9 µs | errors | bytes/answer | calls/s vs gRPC hit | p99 vs gRPC hit |
|---|---|---|---|---|---|---|---|---|---|
$(row hit_one "gRPC GetCoverage, cache hit")
$(row json_get "JSON GET through the gateway")
$(row json_get_gzip "JSON GET, gzip")
$(row json_304 "If-None-Match revalidation (304)")

| goal | measured | |
|---|---|---|
| JSON GET ≥ 0.5x the gRPC hit's calls/s | $(fmt "$get_ratio" 2)x (p99 $(fmt "$p99_ratio" 2)x) | $(yes_no "$(awk -v r="$get_ratio" 'BEGIN { print (r >= 0.5) }')") |
| a 304 revalidation at least as fast as the gRPC hit | $(fmt "$nm_ratio" 2)x the calls/s, p99 $(fmt "$nm_p99" 2)x | $(yes_no "$(awk -v r="$nm_ratio" -v p="$nm_p99" 'BEGIN { print (r >= 1 && p <= 1) }')") |

Every JSON answer goes through the gRPC hit it is compared with: the gateway makes the same
\`GetCoverage\` call to the same coverage service, then prints the answer as JSON (or, for a
matching ETag, only compares hashes). Both clients and the three servers share the machine's
$CORES cores, so the gateway's own work (HTTP parsing, JSON printing, the extra hop) comes out of
the same CPU the coverage service answers with.
EOF2
}

# The section "SQLite and PostgreSQL side by side" (section 7), whole in itself: it also goes alone
# into docs/benchmarks.md (--only postgres).
side_report() {
  [[ $PG_N != none ]] || return 0
  local b l i n=$PG_N name
  local sq=side_import_sqlite pg=side_import_postgres nat='"5. National scale" in docs/benchmarks-national.md'
  [[ ${#NATIONAL_LIST[@]} == 0 ]] || nat='"5. National scale" above'
  cat <<EOF2

## SQLite and PostgreSQL side by side

Measured by \`scripts/bench.sh$RUN_ARGS\` on $(date -u -d "@$T_END" '+%Y-%m-%d %H:%M UTC') (the run took $(( (T_END - T_START) / 60 )) min), from commit
$COMMIT$DIRTY_CODE; build: $BUILD_TEXT. Machine: $CORES cores ($CPU_MODEL), $MEM, kernel $(uname -r);
load average (1, 5, 15 min) at start $LOAD_START, at end $LOAD_END. This machine is shared and
noisy (other engineers build and test on it while benchmarks run; a load average above $CORES
means other work competed for the CPU): figures are medians of $REPS repetition(s) where a
repetition is cheap (floors, latencies) and of $EVAL_REPS evaluations, and each ratio of latencies
is taken within one repetition. Each backend has one import of $n persons, and one run of
$NAT_WRITES single writes of each kind.$( ((n >= 1000000)) || printf '%s' " The issue asks for 1,000,000 persons; this run has
$n (bench/analysis.md, \"SQLite and PostgreSQL side by side\", says why).")

The same $n persons of the national generator (\`bench/national_dataset.h\`, as in $nat) on each
backend, every person in a real village of the idn-area-data catalogue:

| process | command |
|---|---|
| PostgreSQL $(values pg_server version | tail -1) | registry schema version $(values side_import_postgres schema_version | tail -1) ($(values side_import_postgres partitions | tail -1) partitions); \`initdb -U paritrana --auth=trust -E UTF8 --locale=C\`, then \`postgres -D DIR/data -k DIR -c listen_addresses=\` (a Unix socket in the work directory, no TCP; as the \`postgres\` user), otherwise the defaults: shared_buffers $(values pg_server shared_buffers | tail -1), max_wal_size $(values pg_server max_wal_size | tail -1), fsync $(values pg_server fsync | tail -1), synchronous_commit $(values pg_server synchronous_commit | tail -1) (a commit waits for its WAL flush, as SQLite's \`synchronous=FULL\` waits for its fsync) |
| registry | \`paritrana-registry --plaintext --listen=127.0.0.1:0 --nik_key_file=DIR/nik.key --create_nik_key --redis=unix:DIR/redis.sock --max_message_bytes=67108864 --region_catalog=tools/node_modules/idn-area-data\` with \`--store=sqlite:DIR/registry.db\` or \`--store="postgres:host=DIR user=paritrana dbname=registry"\` |
| data | \`paritrana-bench-import --target=REGISTRY --shape=national --region_catalog=tools/node_modules/idn-area-data --batch_size=10000 --rows_per_message=10000 --participants=$n --part=skeleton\`, then the same with \`--part=participants --registry_pid=PID\` (timed) |
| coverage, uncached | \`paritrana-coverage --plaintext --listen=127.0.0.1:0 --registry=REGISTRY\` (no \`--redis\`: every call asks \`QueryAggregates\`) |
| award | \`paritrana-award --plaintext --listen=127.0.0.1:0 --registry=REGISTRY --coverage=COVERAGE --rubric_files=services/award/default_rubric_regency.json\` with \`--store=sqlite:DIR/award.db\` or \`--store="postgres:host=DIR user=paritrana dbname=award"\` (the registry's backend) |

### Import against each engine's floor

Streaming \`ImportRecords\` (LENIENT, 10,000 rows per batch and per message) into a registry that
holds the catalogue and the skeleton. "registry CPU" is the registry process's user + system
time during the import; "database server CPU" is PostgreSQL's (the postmaster and every backend,
\`/proc\`), which SQLite spends inside the registry. Database size after the import: SQLite's
\`registry.db\` plus \`-wal\`; PostgreSQL's \`pg_database_size('registry')\` after the import and a
\`VACUUM (ANALYZE)\` ($(fmt "$(med $pg vacuum_analyze_s)" 1) s, not counted; autovacuum would do the same within minutes); "above the
skeleton" takes off the size after the skeleton import (the catalogue's 91,599 regions, employers,
baselines and targets).

| backend | persons | rows | seconds | rows/s | registry CPU-s | database server CPU-s | registry VmHWM MiB | database MiB | bytes per person | above the skeleton | rejected |
|---|---|---|---|---|---|---|---|---|---|---|---|
EOF2
  for b in sqlite postgres; do
    l=side_import_$b
    name=SQLite; [[ $b == postgres ]] && name=PostgreSQL
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(fmt "$(med $l persons)")" \
      "$(fmt "$(med $l rows)")" "$(fmt "$(med $l seconds)" 1)" "$(fmt "$(med $l rows_per_s)")" \
      "$(fmt "$(med $l cpu_s)" 1)" "$([[ $b == postgres ]] && fmt "$(med $l server_cpu_s)" 1 || echo "(in the registry)")" \
      "$(mib "$(med $l hwm_kb)")" "$(fmt "$(awk -v x="$(med $l db_bytes)" 'BEGIN { print x / 1048576 }')")" \
      "$(fmt "$(med $l bytes_per_person)")" "$(fmt "$(med $l bytes_per_person_above_skeleton)")" \
      "$(fmt "$(med $l rejected)")"
  done
  cat <<EOF2

Floors, in the same run: the same rows as one CSV file (\`paritrana-bench-import --shape=national
--region_catalog=tools/node_modules/idn-area-data --participants=$n --format=csv\`, one line per
row, written before anything is timed), loaded by each engine's own bulk loader, median of $REPS.
PostgreSQL's table has a primary key on (kpj, start_date) rather than kpj alone, since a person's
1 to 3 rows share a KPJ and differ by start date; its columns are text but kpj (bigint).

| backend | floor | rows | seconds | rows/s | import rows/s ÷ floor rows/s |
|---|---|---|---|---|---|
EOF2
  printf '| %s | %s | %s | %s | %s | **%sx** |\n' SQLite \
    "\`sqlite3 DB '.import --csv FILE participants'\`: a plain table, no index" \
    "$(fmt "$(med side_floor_sqlite rows)")" "$(fmt "$(med side_floor_sqlite seconds)" 2)" \
    "$(fmt "$(med side_floor_sqlite rows_per_s)")" \
    "$(ratio "$(med $sq rows_per_s)" "$(med side_floor_sqlite rows_per_s)" 4)"
  printf '| %s | %s | %s | %s | %s | **%sx** |\n' PostgreSQL \
    "\`psql -c \"\\copy participants FROM 'FILE' CSV HEADER\"\` into a plain table with \`PRIMARY KEY (kpj, start_date)\` and an index on \`nik\`" \
    "$(fmt "$(med side_floor_postgres rows)")" "$(fmt "$(med side_floor_postgres seconds)" 2)" \
    "$(fmt "$(med side_floor_postgres rows_per_s)")" \
    "$(ratio "$(med $pg rows_per_s)" "$(med side_floor_postgres rows_per_s)" 4)"
  cat <<EOF2

PostgreSQL ÷ SQLite: import rows/s $(ratio "$(med $pg rows_per_s)" "$(med $sq rows_per_s)")x, floor rows/s $(ratio "$(med side_floor_postgres rows_per_s)" "$(med side_floor_sqlite rows_per_s)")x, bytes per person above the skeleton $(ratio "$(med $pg bytes_per_person_above_skeleton)" "$(med $sq bytes_per_person_above_skeleton)")x.

### Cache-miss latency by region level

\`GetCoverage\` of one region on $NATIONAL_DATE through each backend's uncached coverage service,
one caller at a time, ${DURATION} s after ${WARMUP} s warm-up, the backends in turn within each
repetition; median of $REPS. Regions chosen as in $nat: regency/city ${SIDE_CODES[1]:-—} (the most
enrollment spans), its province, its first district and that district's first village. Provinces
and regencies/cities keep counts by delta; districts and villages count their enrollment spans on
demand ("spans" is how many such a count reads). Latency in microseconds; "÷" is PostgreSQL ÷
SQLite, the median of the ratios within each repetition.

| level | region | spans | SQLite calls/s | p50 | p90 | p99 | PostgreSQL calls/s | p50 | p90 | p99 | p50 ÷ | p99 ÷ | errors |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF2
  for i in 0 1 2 3; do
    local lv=${NATIONAL_LEVELS[i]} s=side_sqlite_${NATIONAL_LEVELS[i]} p=side_postgres_${NATIONAL_LEVELS[i]}
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %sx | %sx | %s |\n' "$lv" "${SIDE_CODES[i]:-—}" \
      "$(fmt "$(med side_spans_sqlite "$lv")")" \
      "$(fmt "$(med $s qps)")" "$(fmt "$(med $s p50_us)")" "$(fmt "$(med $s p90_us)")" "$(fmt "$(med $s p99_us)")" \
      "$(fmt "$(med $p qps)")" "$(fmt "$(med $p p50_us)")" "$(fmt "$(med $p p90_us)")" "$(fmt "$(med $p p99_us)")" \
      "$(fmt "$(ratio_med $p p50_us $s)" 2)" "$(fmt "$(ratio_med $p p99_us $s)" 2)" \
      "$(fmt "$(awk -v a="$(med $s errors)" -v b="$(med $p errors)" 'BEGIN { print a + b }')")"
  done
  cat <<EOF2

### Single writes

$NAT_WRITES persons sampled evenly over the registry each get one \`CreateContribution\` and one
\`CreateEnrollment\`, one call at a time in random order (\`paritrana-bench-import --part=writes
--writes=$NAT_WRITES\`, as in $nat but with no read load beside them), on each backend after
the evaluations below. Each call is one transaction that waits for its commit to reach the disk.
Latency in microseconds.

| method | backend | calls | p50 | p90 | p99 | max | failures | p99 PostgreSQL ÷ SQLite |
|---|---|---|---|---|---|---|---|---|
EOF2
  for l in contribution enrollment; do
    for b in sqlite postgres; do
      local w=side_write_${l}_$b
      name=SQLite; [[ $b == postgres ]] && name=PostgreSQL
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(values $w method | tail -1)" "$name" \
        "$(fmt "$(med $w calls)")" "$(fmt "$(med $w p50_us)")" "$(fmt "$(med $w p90_us)")" \
        "$(fmt "$(med $w p99_us)")" "$(fmt "$(med $w max_us)")" "$(fmt "$(med $w failures)")" \
        "$([[ $b == postgres ]] && echo "$(ratio "$(med $w p99_us)" "$(med side_write_${l}_sqlite p99_us)")x" || echo "—")"
    done
  done
  cat <<EOF2

### Award evaluation

\`paritrana-bench-evaluate --part=award --region_catalog=tools/node_modules/idn-area-data
--period_end=$NATIONAL_DATE --assessors=$EVAL_ASSESSORS --reps=$EVAL_REPS\` against each backend's registry and uncached
coverage service, with the award service's store on the same backend: the national cycle (the
catalogue's regencies/cities as candidates, the shipped regency rubric, jury scores) and the
provincial one (Jambi), period 2025-01-01 to $NATIONAL_DATE (the dataset's date, which its
baselines describe). Set-up: cycles, candidates and assessments created over gRPC, one call
each. Then $EVAL_REPS timed \`EvaluateCycle\` calls of each cycle (each computes every candidate's
indicators from the registry and stores the whole evaluation). "Ranked / candidates": those that
passed the rubric's coverage gate (≥ 20%) and were scored and ranked; the others were screened out
(NO_DATA: no coverage figure, e.g. a regency without persons); the benchmark fails below half.

| | SQLite | PostgreSQL | PostgreSQL ÷ SQLite |
|---|---|---|---|
EOF2
  local a c
  a=$(values side_eval_sqlite_award_setup seconds | tail -1) c=$(values side_eval_postgres_award_setup seconds | tail -1)
  printf '| set-up: %s candidates, %s assessments, seconds | %s | %s | %sx |\n' \
    "$(fmt "$(med side_eval_sqlite_award_setup candidates)")" "$(fmt "$(med side_eval_sqlite_award_setup assessments)")" \
    "$(fmt "$a" 1)" "$(fmt "$c" 1)" "$(ratio "$c" "$a")"
  for l in national province; do
    name="national cycle, $(fmt "$(med side_eval_sqlite_national candidates)") candidates"
    [[ $l == province ]] && name="provincial cycle (Jambi), $(fmt "$(med side_eval_sqlite_province candidates)") candidates"
    printf '| %s: median ms (slowest) | %s (%s) | %s (%s) | %sx |\n' "$name" \
      "$(fmt "$(med side_eval_sqlite_$l ms)" 1)" "$(fmt "$(values side_eval_sqlite_$l ms | sort -g | tail -1)" 1)" \
      "$(fmt "$(med side_eval_postgres_$l ms)" 1)" "$(fmt "$(values side_eval_postgres_$l ms | sort -g | tail -1)" 1)" \
      "$(ratio "$(med side_eval_postgres_$l ms)" "$(med side_eval_sqlite_$l ms)")"
    printf '| %s: ranked / candidates (screened out, NO_DATA) | %s / %s (%s, %s) | %s / %s (%s, %s) | — |\n' "${name%%,*}" \
      "$(fmt "$(med side_eval_sqlite_$l ranked)")" "$(fmt "$(med side_eval_sqlite_$l candidates)")" \
      "$(fmt "$(med side_eval_sqlite_$l screened_out)")" "$(fmt "$(med side_eval_sqlite_$l no_data)")" \
      "$(fmt "$(med side_eval_postgres_$l ranked)")" "$(fmt "$(med side_eval_postgres_$l candidates)")" \
      "$(fmt "$(med side_eval_postgres_$l screened_out)")" "$(fmt "$(med side_eval_postgres_$l no_data)")"
  done
  printf '| %s | %s | %s | %sx |\n' "the national evaluation's \`BatchGetCoverage\` calls alone, median ms" \
    "$(fmt "$(med side_eval_sqlite_coverage ms)" 1)" "$(fmt "$(med side_eval_postgres_coverage ms)" 1)" \
    "$(ratio "$(med side_eval_postgres_coverage ms)" "$(med side_eval_sqlite_coverage ms)")"
  cat <<EOF2

What these figures mean, where PostgreSQL's time goes: bench/analysis.md, "SQLite and
PostgreSQL side by side". Reproduce: \`scripts/bench.sh --no-build --only postgres --postgres N\`
(this section alone, written into docs/benchmarks.md in place; \`--quick --only postgres\`: 2,000
persons, report in the work directory).

EOF2
}

# --- 9. soak (scripts/bench_soak.sh): last, on a registry, coverage service and Redis of its own --
if [[ $MAIN == 1 && -z $REPORT_FROM ]]; then
  soak_run "$([[ $QUICK == 1 ]] && echo 0.2 || echo "$SOAK_MINUTES")"
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
T_END=$(date +%s)
if [[ -z $REPORT_FROM ]]; then
  record 0 run_end "t_end=$T_END load_end=${LOAD_END// /,}"
elif [[ -n $(values run_end t_end) ]]; then
  T_END=$(values run_end t_end | tail -1)
  LOAD_END=$(values run_end load_end | tail -1 | tr ',' ' ')
else
  LOAD_END="(not recorded)"
  T_END=$(stat -c %Y "$RESULTS")
fi

# --- report --------------------------------------------------------------------------------------
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
CORES=$(nproc)
MEM=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)

row_closed() {  # LABEL NAME
  local l=$1 name=$2
  local fc nfc cache="—"
  fc=$(med "$l" from_cache); nfc=$(med "$l" not_from_cache)
  if [[ $fc != nan && $nfc != nan ]] && awk -v a="$fc" -v b="$nfc" 'BEGIN { exit !(a + b > 0) }'; then
    cache=$(awk -v a="$fc" -v b="$nfc" 'BEGIN { printf "%.0f%%", 100 * a / (a + b) }')
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %sx | %sx |\n' "$name" \
    "$(fmt "$(med "$l" qps)")" "$(fmt "$(med "$l" p50_us)")" "$(fmt "$(med "$l" p90_us)")" \
    "$(fmt "$(med "$l" p99_us)")" "$(fmt "$(med "$l" p999_us)")" "$(fmt "$(med "$l" errors)")" \
    "$cache" "$(fmt "$(ratio_med "$l" qps echo)" 2)" "$(fmt "$(ratio_med "$l" p99_us echo)" 2)"
}
row_open() {  # LABEL NAME RATE
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$3" "$(fmt "$(med "$1" qps)")" \
    "$(fmt "$(med "$1" p50_us)")" "$(fmt "$(med "$1" p90_us)")" "$(fmt "$(med "$1" p99_us)")" \
    "$(fmt "$(med "$1" p999_us)")" "$(fmt "$(med "$1" errors)")"
}
yes_no() { awk -v c="$1" 'BEGIN { print (c ? "**met**" : "**not met**") }'; }

if [[ $MAIN == 1 ]]; then
HIT_QPS_RATIO=$(ratio_med hit qps echo)
EVAL_MED=$(med eval_national ms)
EVAL_MAX=$(values eval_national ms | sort -g | tail -1)
# The national evaluation with its own coverage calls replaced by calls as costly per region as
# the Jambi regencies' on the large registry: what dense histories would cost.
EVAL_DENSE_MS=$(awk -v e="$(med eval_national ms)" -v c="$(med eval_coverage ms)" \
  -v l="$(med eval_large_coverage ms)" -v lr="$(med eval_large_coverage regions)" \
  -v n="$(med eval_national candidates)" 'BEGIN { if (lr > 0) print e - c + l / lr * n; else print "nan" }')
HIT_P99_RATIO=$(ratio_med hit p99_us echo)
HIT_OPEN_P99_RATIO=$(ratio_med hit_open p99_us echo_open)
HEADER_QPS_RATIO=$(ratio_med echo_header qps echo)
HIT_REDIS_QPS_RATIO=$(ratio_med hit_redis qps echo)
SCALE_P50=$(awk -v a="$(med scale_large_province p50_us)" -v b="$(med scale_small_province p50_us)" 'BEGIN { printf "%.2f", a / b }')
SCALE_P99=$(awk -v a="$(med scale_large_province p99_us)" -v b="$(med scale_small_province p99_us)" 'BEGIN { printf "%.2f", a / b }')
SCALE_MIX_P50=$(awk -v a="$(med scale_large_mix p50_us)" -v b="$(med scale_small_mix p50_us)" 'BEGIN { printf "%.2f", a / b }')
IMPORT_RATE=$(med import rows_per_s)
IMPORT_LARGE_RATE=$(med import_large rows_per_s)
fi

if [[ $BIN == "$ROOT/build-release" ]]; then
  BUILD_TEXT='`cmake --preset release && cmake --build --preset release` (Release, -O3)'
else
  BUILD_TEXT="binaries from \`$BIN\` (not the Release preset)"
fi

# splice_section FILE SECTION HEADING: SECTION (a file holding HEADING, e.g. "## SQLite and
# PostgreSQL side by side", and its text) in place of FILE's section of that name, up to the next
# "## " heading; without one, before "## Goals", or else at the end. The rest of FILE is left as
# it is.
splice_section() {
  local file=$1 sec=$2 heading=$3
  if grep -qxF "$heading" "$file"; then
    awk -v sec="$sec" -v h="$heading" '
      skip && /^## / { skip = 0 }
      $0 == h { while ((getline l < sec) > 0) print l; skip = 1; next }
      !skip { print }' "$file"
  elif grep -qx '## Goals' "$file"; then
    awk -v sec="$sec" '$0 == "## Goals" { while ((getline l < sec) > 0) print l } { print }' "$file"
  else
    cat "$file"; echo; cat "$sec"
  fi >"$file.tmp"
  mv "$file.tmp" "$file"
}

if [[ $SPLICE == 1 ]]; then
  # --only postgres or gateway without --out: that section alone, into docs/benchmarks.md.
  if [[ $ONLY == gateway ]]; then heading="## JSON over HTTP (gateway)" report=gateway_report
  else heading="## SQLite and PostgreSQL side by side" report=side_report; fi
  "$report" | sed '/./,$!d' >"$WORK/section.md"
  if [[ -f $OUT ]]; then splice_section "$OUT" "$WORK/section.md" "$heading"; else cp "$WORK/section.md" "$OUT"; fi
  log "raw results:"
  cat "$RESULTS" >&2
  log "section \"${heading#\#\# }\" written into $OUT ($(( $(date +%s) - T_START )) s in all)"
  exit 0
fi
{
  cat <<EOF
# Benchmarks

Generated by \`scripts/bench.sh$([[ $QUICK == 1 ]] && echo " --quick")\` on $(date -u '+%Y-%m-%d %H:%M UTC') in $(( (T_END - T_START) / 60 )) min.
Figures are **medians of $REPS repetitions**; every ratio is taken against the baseline measured in
the same repetition, then the median of those ratios is reported. None of this is a timed test in
CI: CI may run \`scripts/bench.sh --quick\` only to keep it working.

## Machine and build

| | |
|---|---|
| CPU | $CORES cores, $CPU_MODEL |
| memory | $MEM |
| kernel | $(uname -r) |
| load average (1, 5, 15 min) | at start $LOAD_START, at end $LOAD_END |
| source | commit $COMMIT$DIRTY |
| build | $BUILD_TEXT |

Everything runs on this one machine: the load generator, the services, Redis and SQLite share
the $CORES cores, so a server's throughput here is bounded by what the client leaves it. A load
average above $CORES means other work competed for the CPU during the run (this machine is shared
and noisy); the ratios, taken within one repetition, are the more stable figures.

## What runs

| process | command (ports are chosen at start; data in a temporary directory) |
|---|---|
| Redis | \`redis-server --port P --bind 127.0.0.1 --unixsocket DIR/redis.sock --save "" --appendonly no\` (the services use the socket, redis-benchmark the port) |
| registry | \`paritrana-registry --plaintext --listen=127.0.0.1:0 --store=sqlite:DIR/registry.db --nik_key_file=DIR/nik.key --create_nik_key --redis=unix:DIR/redis.sock\` |
EOF
  if [[ $MAIN == 1 ]]; then
    cat <<EOF
| coverage, cached | \`paritrana-coverage --plaintext --listen=127.0.0.1:0 --registry=REGISTRY --redis=unix:DIR/redis.sock\` (answers kept in process, dropped on the registry's change messages; (b′) adds \`--local_cache_entries=0\`: one Redis round trip per call) |
| coverage, uncached | \`paritrana-coverage --plaintext --listen=127.0.0.1:0 --registry=REGISTRY\` (no \`--redis\`: every call asks \`QueryAggregates\`) |
| echo floor | \`paritrana-bench-echo --plaintext --listen=127.0.0.1:0\`: an Echo service on the same \`ServiceHost\` as the services (RPC observer interceptor, health, reflection, keepalive), answering $ANSWER_BYTES bytes like GetCoverage; \`--bare\`: a plain \`grpc::ServerBuilder\` |
| load | \`paritrana-bench-load --target=ADDR --method=echo\|coverage\|aggregates --mode=closed --concurrency=$CONC --duration=${DURATION}s --warmup=${WARMUP}s\` (callback API, 2 channels; open loop: \`--mode=open --rate=R\`, latency from each call's intended send time) |
| data | \`paritrana-bench-import --target=REGISTRY --part=skeleton\`, then \`--participants=N\` (ImportRecords, 1,000 rows per message and per batch) |
| award (section 4) | \`paritrana-award --plaintext --listen=127.0.0.1:0 --store=sqlite:DIR/award.db --registry=REGISTRY --coverage=COVERAGE --rubric_files=services/award/default_rubric_regency.json\` (COVERAGE without \`--redis\`) |
| evaluation | \`paritrana-bench-evaluate --part=registry\` (national data through ImportRecords), then \`--part=award --reps=$EVAL_REPS\` (cycles, candidates, assessments, then timed \`EvaluateCycle\` calls) |
EOF
  fi
  national_what_runs
  if [[ $MAIN == 1 ]]; then
    cat <<EOF

Data (\`bench/dataset.h\`): Jambi (province 15), its 11 regencies/cities, 66 districts, 528
villages, 2,000 employers, 2025 baselines and target; participant *i* has a valid NIK (province
15, domicile regency and district, birth date 1965-2004, +40 for women), an 11-digit KPJ, one
enrollment (60% PU, 33% BPU of which a third paid by the provincial *dumisake* scheme, 4% JAKON,
3% PMI) starting 2019-01-01 to 2025-06-30 and a first contribution covering 1 to 36 months.
Questions asked: \`GetCoverage\` / \`QueryAggregates\` of the province and its 11 regencies/cities
in turn, on $DATE.

## 1. Read path, side by side ($SMALL participants)

Closed loop, $CONC concurrent callers, ${DURATION} s measured after ${WARMUP} s warm-up. Latency in
microseconds. "÷ floor" is the ratio to (a) in the same repetition.

| path | calls/s | p50 | p90 | p99 | p99.9 | errors | from cache | calls/s ÷ floor | p99 ÷ floor |
|---|---|---|---|---|---|---|---|---|---|
EOF
  row_closed echo "(a) echo on ServiceHost (floor)"
  row_closed echo_bare "(a′) echo on a bare grpc::Server"
  row_closed echo_header "(a″) echo answering with the \`paritrana-computed-from-cache\` header"
  row_closed hit "(b) GetCoverage, cache hit (in process, sent as kept bytes; no cache header asked)"
  row_closed hit_header "(b″) the same, asking for the cache header (\`paritrana-report-cache: true\`)"
  row_closed hit_redis "(b′) GetCoverage, cache hit in Redis (\`--local_cache_entries=0\`)"
  row_closed miss "(c) GetCoverage, no cache (QueryAggregates each call)"
  row_closed aggregates "(c′) QueryAggregates on the registry directly"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %sx | %sx |\n' "(d) redis-benchmark GET ($VALUE_BYTES B)" \
    "$(fmt "$(med redis_get qps)")" "$(fmt "$(med redis_get p50_us)")" "— (p95 $(fmt "$(med redis_get p95_us)"))" \
    "$(fmt "$(med redis_get p99_us)")" "—" "0" "—" "$(fmt "$(ratio_med redis_get qps echo)" 2)" "$(fmt "$(ratio_med redis_get p99_us echo)" 2)"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %sx | %sx |\n' "(d′) redis-benchmark EVAL of the cache's script" \
    "$(fmt "$(med redis_eval qps)")" "$(fmt "$(med redis_eval p50_us)")" "— (p95 $(fmt "$(med redis_eval p95_us)"))" \
    "$(fmt "$(med redis_eval p99_us)")" "—" "0" "—" "$(fmt "$(ratio_med redis_eval qps echo)" 2)" "$(fmt "$(ratio_med redis_eval p99_us echo)" 2)"
  # One caller, one national EvaluateCycle at a time (section 4 of the report): calls/s is 1000 / median ms.
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "(e) award evaluation, $(fmt "$(med eval_national candidates)") candidates (one caller; section 4)" \
    "$(awk -v m="$(med eval_national ms)" 'BEGIN { printf "%.1f", 1000 / m }')" \
    "$(fmt "$(awk -v m="$(med eval_national ms)" 'BEGIN { print m * 1000 }')")" "—" "—" "—" "0" "no" "—" "—"
  cat <<EOF

redis-benchmark runs $CONC connections, \`-n $REDIS_N\`, no pipelining; it reports p50, p95, p99
and max only.

Open loop (fixed arrival rate; latency counted from each call's intended send time, so queueing
is not hidden):

| path | offered calls/s | answered calls/s | p50 | p90 | p99 | p99.9 | errors |
|---|---|---|---|---|---|---|---|
EOF
  row_open echo_open "(a) echo floor, at half its capacity" "$(fmt "$(med open_half rate)") (median)"
  row_open hit_open "(b) GetCoverage, cache hit (in process), at the same rate" "$(fmt "$(med open_half rate)") (median)"
  row_open echo_open_slow "(a) echo floor" "$OPEN_SLOW"
  row_open miss_open "(c) GetCoverage, no cache" "$OPEN_SLOW"
  cat <<EOF

## 2. Scale independence of a cache miss

GetCoverage through the uncached coverage service, one caller at a time (pure latency), against
a registry holding $SMALL and one holding $LARGE participants (the same regions, employers,
baselines and questions). The province's \`active_deltas\` rows are its change days; a count
reads at most 32 of them per key, the rest from 32- and 1024-day sums (bench/analysis.md).

| question | participants | province active_deltas rows | calls/s | p50 µs | p90 µs | p99 µs |
|---|---|---|---|---|---|---|
EOF
  for s in small large; do
    n=$SMALL; d=$DELTAS_SMALL; [[ $s == large ]] && { n=$LARGE; d=$DELTAS_LARGE; }
    for q in province mix; do
      qn="province (regions/15)"; [[ $q == mix ]] && qn="province and 11 regencies in turn"
      printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$qn" "$n" "$d" "$(fmt "$(med scale_${s}_$q qps)")" \
        "$(fmt "$(med scale_${s}_$q p50_us)")" "$(fmt "$(med scale_${s}_$q p90_us)")" "$(fmt "$(med scale_${s}_$q p99_us)")"
    done
  done
  cat <<EOF

Latency with $LARGE ÷ with $SMALL participants: province p50 ${SCALE_P50}x, p99 ${SCALE_P99}x;
province-and-regencies p50 ${SCALE_MIX_P50}x.

## 3. Bulk import

Streaming \`ImportRecords\` (LENIENT, batches of 1,000 rows, 1,000 rows per message) of
participants with an enrollment and a first contribution each, into a registry that holds only
the skeleton. "registry CPU" is the registry process's user + system time during the import
(\`/proc/PID/stat\`), so "rows per CPU-second" is what the registry could do with a core to itself.
Memory is the registry's \`VmHWM\` (peak resident) from \`/proc/PID/status\`; the curve is \`VmRSS\`
at each tenth of the import's duration. Floor: the same rows as CSV (generated by the same code)
piped into \`sqlite3 DB '.import --csv /dev/stdin participants'\`, a plain table without index.

| run | rows | seconds | rows/s | registry CPU-s | rows per CPU-s | VmHWM MiB | VmRSS MiB by tenth of the time | database MiB |
|---|---|---|---|---|---|---|---|---|
EOF
  for l in import import_large; do
    n=$(med $l rows)
    [[ $l == import ]] && name="median of $REPS" || name="single run"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$(fmt "$n")" "$(fmt "$(med $l seconds)" 1)" \
      "$(fmt "$(med $l rows_per_s)")" "$(fmt "$(med $l cpu_s)" 1)" "$(fmt "$(med $l rows_per_cpu_s)")" \
      "$(fmt "$(awk -v k="$(med $l hwm_kb)" 'BEGIN { print k / 1024 }')")" \
      "$(values $l rss_mib_by_tenth | tail -1)" "$(fmt "$(med $l db_mib)")"
  done
  cat <<EOF

| floor (sqlite3 shell, plain table) | rows | seconds | rows/s | sqlite3 max RSS MiB | import ÷ floor (rows/s) |
|---|---|---|---|---|---|
EOF
  printf '| median of %s | %s | %s | %s | %s | %sx |\n' "$REPS" "$(fmt "$(med floor rows)")" "$(fmt "$(med floor seconds)" 2)" \
    "$(fmt "$(med floor rows_per_s)")" "$(fmt "$(awk -v k="$(med floor sqlite3_maxrss_kb)" 'BEGIN { print k / 1024 }')")" \
    "$(fmt "$(ratio_med import rows_per_s floor)" 4)"
  printf '| single run | %s | %s | %s | %s | %sx |\n' "$(fmt "$(med floor_large rows)")" "$(fmt "$(med floor_large seconds)" 2)" \
    "$(fmt "$(med floor_large rows_per_s)")" "$(fmt "$(awk -v k="$(med floor_large sqlite3_maxrss_kb)" 'BEGIN { print k / 1024 }')")" \
    "$(fmt "$(ratio_med import_large rows_per_s floor_large)" 4)"
  cat <<EOF

The generator alone (\`--format=null\`: build and serialize the rows, no network) makes
$(fmt "$(med generator rows_per_s)") rows/s, so the client is not what limits the import.
EOF
  if [[ -n $PROFILE_TXT ]]; then
    cat <<EOF

### Where the import's time goes

\`perf record -F 199 --call-graph dwarf\` on the registry while it imports $PROFILE_N more
participants into the $LARGE-participant database ($(echo "$PROFILE_IMPORT" | grep -o 'rows_per_s=[0-9.]*' | cut -d= -f2) rows/s,
$(echo "$PROFILE_IMPORT" | grep -o 'rows_per_cpu_s=[0-9.]*' | cut -d= -f2) rows per CPU-s during the profile).
Inclusive share of the registry's CPU samples:

| step | share of CPU samples |
|---|---|
$PROFILE_TXT
EOF
  fi
  cat <<EOF

## 4. Award evaluation

\`paritrana-bench-evaluate\` against a registry of its own, a coverage service **without**
\`--redis\` (every evaluation computes its indicators from the registry, as after any registry
write; a cache hit would be faster) and \`paritrana-award --store=sqlite:DIR/award.db
--rubric_files=services/award/default_rubric_regency.json\`. Data: $(fmt "$(med eval_national candidates)") regencies and cities
across the 38 provinces in the official count per province (synthetic names; Jambi's 11 from the
catalogue), each with one district, one village, one employer, a 2025 baseline and target and
$EVAL_PER participants ($(fmt "$(med eval_registry_setup participants)") in all; potential workers set from the participants active on
the period's end so coverage ratios fall between 15% and 74%, and about 1 regency in 12 fails the
gate). Cycles: a national one (a zone of the 38 provinces) and a provincial one (Jambi), both
on the shipped regency rubric (6 computed indicators, 6 jury indicators, gate coverage ≥ 20%),
period 2025-01-01 to 2025-06-30, $EVAL_ASSESSORS assessor(s) scoring every jury indicator of
every candidate. Set-up: registry data $(fmt "$(med eval_registry_setup seconds)" 1) s; cycles, candidates and
$(fmt "$(med eval_award_setup assessments)") assessments over gRPC $(fmt "$(med eval_award_setup seconds)" 1) s.

Each repetition times, as one client sees it, \`EvaluateCycle\` of the national cycle, then of
the provincial one (after one untimed evaluation of each), then the \`BatchGetCoverage\` calls the
national evaluation makes (period end and start, 100 regions a call), made directly. An
evaluation reads the cycle, candidates and assessments, fetches the computed indicators, scores,
ranks, stores the whole evaluation (every input) and returns it in full. $EVAL_REPS repetitions.
"Ranked / candidates": the candidates that passed the gate and were scored and ranked; the others
were screened out (NO_DATA: without a coverage figure to compare). The benchmark fails when a
cycle ranks fewer than half of its candidates. On the $LARGE-participant registry, whose skeleton
gives every regency a fixed 1.9 million / 11 potential workers whatever its participants, each
regency's potential workers are first set from its persons active on the period's end (ratios
15% to 74%; \`--fit_baselines\`), as otherwise every regency falls under the gate.

| cycle | ranked / candidates | screened out (NO_DATA) | median ms | slowest ms | answer KiB | median ÷ provincial |
|---|---|---|---|---|---|---|
EOF
  for l in eval_national eval_province eval_large_province; do
    case $l in
      eval_national) name="national (38 provinces)" ;;
      eval_province) name="provincial (Jambi), the baseline" ;;
      *) name="provincial (Jambi) on the $LARGE-participant registry" ;;
    esac
    printf '| %s | %s / %s | %s (%s) | %s | %s | %s | %sx |\n' "$name" "$(fmt "$(med $l ranked)")" \
      "$(fmt "$(med $l candidates)")" "$(fmt "$(med $l screened_out)")" "$(fmt "$(med $l no_data)")" \
      "$(fmt "$(med $l ms)" 1)" \
      "$(fmt "$(values $l ms | sort -g | tail -1)" 1)" \
      "$(fmt "$(awk -v b="$(med $l answer_bytes)" 'BEGIN { print b / 1024 }')")" \
      "$(fmt "$(ratio_med $l ms eval_province)" 2)"
  done
  cat <<EOF

Per candidate: national $(fmt "$(awk -v m="$(med eval_national ms)" -v n="$(med eval_national candidates)" 'BEGIN { print m / n }')" 2) ms, provincial $(fmt "$(awk -v m="$(med eval_province ms)" -v n="$(med eval_province candidates)" 'BEGIN { print m / n }')" 2) ms.
The national evaluation's \`BatchGetCoverage\` calls alone take $(fmt "$(med eval_coverage ms)" 1) ms (median), $(fmt "$(ratio_med eval_coverage ms eval_national)" 2)x
the evaluation's time. The award service used $(echo "$EVAL_AWARD_STAT" | awk '{ printf "%.1f CPU-s and %.0f MiB at peak (VmHWM)", $1, $3 / 1024 }')
over the set-up and every evaluation.

**The national data is thin.** $EVAL_PER participants per regency leave each regency's history of
active-count changes (\`active_deltas\`, which \`QueryAggregates\` sums for every region and
date) nearly empty; a real regency's is nearly complete, and the cost of a computed indicator
grows with it, not with the number of participants (section 2). The last row evaluates the
Jambi cycle on the $LARGE-participant registry, where regency 15.08 has $DELTAS_REGENCY such rows:
its evaluation's \`BatchGetCoverage\` calls take $(fmt "$(med eval_large_coverage ms)" 1) ms for the 11 regencies,
$(fmt "$(awk -v l="$(med eval_large_coverage ms)" -v r="$(med eval_large_coverage regions)" 'BEGIN { print l / r }')" 2) ms per regency against $(fmt "$(awk -v c="$(med eval_coverage ms)" -v n="$(med eval_national candidates)" 'BEGIN { print c / n }')" 2) ms with the thin national data. With every
regency that dense, the national evaluation would take about **$(fmt "$EVAL_DENSE_MS") ms**: the
measured national time with its coverage calls' share replaced by $(fmt "$(med eval_national candidates)") regencies at the dense
cost (an extrapolation, not a measurement; see the analysis).
EOF
  fi
  national_report
  gateway_report
  replicas_report
  side_report
  if [[ $MAIN == 1 ]]; then soak_report; fi
  if [[ $MAIN == 1 ]]; then
    cat <<EOF

## Goals

| goal | measured | |
|---|---|---|
| cache hit ≥ 0.95x the echo floor's calls/s at $CONC callers (median of $REPS per-repetition ratios) | $(fmt "$HIT_QPS_RATIO" 2)x in process ($(fmt "$HIT_REDIS_QPS_RATIO" 2)x from Redis alone; the cache header alone: echo with it $(fmt "$HEADER_QPS_RATIO" 2)x) | $(yes_no "$(awk -v r="$HIT_QPS_RATIO" 'BEGIN { print (r >= 0.95) }')") |
| cache hit p99 ≤ 1.1x the floor's p99 (closed loop) | $(fmt "$HIT_P99_RATIO" 2)x | $(yes_no "$(awk -v r="$HIT_P99_RATIO" 'BEGIN { print (r <= 1.1) }')") |
| open loop at half the floor's capacity: hit p99 ≤ 1.2x the floor's p99 at the same rate | $(fmt "$HIT_OPEN_P99_RATIO" 2)x | $(yes_no "$(awk -v r="$HIT_OPEN_P99_RATIO" 'BEGIN { print (r <= 1.2) }')") |
| cache-miss latency, $LARGE vs $SMALL participants, < 1.5x | p50 ${SCALE_P50}x, p99 ${SCALE_P99}x (province) | $(yes_no "$(awk -v a="$SCALE_P50" -v b="$SCALE_P99" 'BEGIN { print (a < 1.5 && b < 1.5) }')") |
| import ≥ 150,000 participants/s | $(fmt "$IMPORT_RATE") rows/s ($IMPORT_N rows), $(fmt "$IMPORT_LARGE_RATE") rows/s ($LARGE rows) | $(yes_no "$(awk -v r="$IMPORT_RATE" 'BEGIN { print (r >= 150000) }')") |
| import memory flat in the number of rows (peak with $LARGE rows ≤ 1.5x the peak with $IMPORT_N) | VmHWM $(fmt "$(awk -v k="$(med import hwm_kb)" 'BEGIN { print k / 1024 }')") MiB ($IMPORT_N rows), $(fmt "$(awk -v k="$(med import_large hwm_kb)" 'BEGIN { print k / 1024 }')") MiB ($LARGE rows): $(fmt "$(awk -v a="$(med import_large hwm_kb)" -v b="$(med import hwm_kb)" 'BEGIN { print a / b }')" 2)x | $(yes_no "$(awk -v a="$(med import_large hwm_kb)" -v b="$(med import hwm_kb)" 'BEGIN { print (a <= 1.5 * b) }')") |
| national award evaluation ($(fmt "$(med eval_national candidates)") candidates) under 1 s, end to end | median $(fmt "$EVAL_MED") ms, slowest $(fmt "$EVAL_MAX") ms ($EVAL_REPS evaluations, $EVAL_PER participants per regency) | $(yes_no "$(awk -v m="$EVAL_MAX" 'BEGIN { print (m < 1000) }')") |
| the same with every regency's history as dense as on the $LARGE-participant registry | about $(fmt "$EVAL_DENSE_MS") ms (extrapolated from the Jambi cycle there) | $(yes_no "$(awk -v m="$EVAL_DENSE_MS" 'BEGIN { print (m < 1000) }')") |
$(replicas_goal_rows)
$(soak_goal_rows)
EOF
  fi
  if [[ $MAIN == 1 && -f $ROOT/bench/analysis.md && $QUICK == 0 ]]; then
    echo
    cat "$ROOT/bench/analysis.md"
  fi
  cat <<EOF

## Reproduce

\`\`\`sh
scripts/bench.sh            # this report (about 25 minutes here); options: --reps N --large N --small N --import N
scripts/bench.sh --quick    # tiny scale, 1 repetition, report in a temporary directory (CI)
scripts/bench.sh --no-build --reps 1 --only national --national 1000000,10000000   # the national section alone
scripts/bench.sh --no-build --only postgres --postgres 1000000   # SQLite and PostgreSQL side by side, alone, into docs/benchmarks.md
\`\`\`
This run: \`scripts/bench.sh$BENCH_ARGS\`.
Raw lines of this run (\`REP LABEL key=value ...\`) are printed at the end of the script's output.
EOF
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"

log "raw results:"
cat "$RESULTS" >&2
log "report written to $OUT ($(( $(date +%s) - T_START )) s in all)"
if [[ $QUICK == 1 ]]; then cat "$OUT"; fi
