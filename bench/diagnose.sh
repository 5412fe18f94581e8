#!/usr/bin/env bash
# Where a read's cost goes: runs the read-path loads of scripts/bench.sh one at a time and reports,
# for each, the CPU time every process involved spent per answered call (from /proc/PID/stat
# before and after), the server's thread count, and optionally (--perf) a profile of the coverage
# service answering from cache. Uses the binaries of build-release (run scripts/bench.sh, or build
# the release preset, first). Everything listens on 127.0.0.1 and is stopped by a trap.
#
#   bench/diagnose.sh [--participants N] [--duration SECONDS] [--concurrency N] [--perf] [--strace]
# --strace: system calls per call of the echo floor and of GetCoverage answered from cache
# (strace -c -f on the server during 3,000 calls sent at 1,000/s).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/build-release
N=10000 DURATION=5 CONC=16 PERF=0 STRACE=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --participants) N=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --concurrency) CONC=$2; shift ;;
    --perf) PERF=1 ;;
    --strace) STRACE=1 ;;
    *) echo "diagnose.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
WORK=$(mktemp -d /tmp/paritrana-diagnose.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

start_grpc() {  # NAME CMD...: sets ADDR and LAST_PID
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!; PIDS+=("$LAST_PID")
  for _ in $(seq 200); do
    ADDR=$(grep -o '"msg":"listening","address":"[^"]*"' "$WORK/$name.log" | head -1 |
           sed 's/.*"address":"\([^"]*\)"/\1/') || true
    [[ -n $ADDR ]] && return 0
    sleep 0.1
  done
  echo "diagnose.sh: $name did not start" >&2; exit 1
}
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.3f\n", ($12 + $13) / hz }' "/proc/$1/stat"; }

PORT=$((20000 + RANDOM % 40000))
redis-server --port $PORT --bind 127.0.0.1 --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!; PIDS+=("$REDIS_PID")
for _ in $(seq 50); do redis-cli -p $PORT ping >/dev/null 2>&1 && break; sleep 0.1; done
COMMON=(--plaintext --listen=127.0.0.1:0 --drain_grace=0s --shutdown_deadline=1s)
mkdir -p "$WORK/reg"
start_grpc registry "$BIN/services/registry/paritrana-registry" "${COMMON[@]}" \
  --store="sqlite:$WORK/reg/registry.db" --nik_key_file="$WORK/reg/nik.key" --create_nik_key \
  --redis=127.0.0.1:$PORT
REG=$ADDR REG_PID=$LAST_PID
"$BIN/bench/paritrana-bench-import" --target="$REG" --part=skeleton >/dev/null
"$BIN/bench/paritrana-bench-import" --target="$REG" --participants="$N" >/dev/null
start_grpc echo "$BIN/bench/paritrana-bench-echo" "${COMMON[@]}"; ECHO=$ADDR ECHO_PID=$LAST_PID
start_grpc hit "$BIN/services/coverage/paritrana-coverage" "${COMMON[@]}" --registry="$REG" \
  --redis=127.0.0.1:$PORT --cache_key_file="$WORK/cache.key" --create_cache_key
HIT=$ADDR HIT_PID=$LAST_PID
start_grpc miss "$BIN/services/coverage/paritrana-coverage" "${COMMON[@]}" --registry="$REG"
MISS=$ADDR MISS_PID=$LAST_PID
REGIONS=regions/15
for r in 15.01 15.02 15.03 15.04 15.05 15.06 15.07 15.08 15.09 15.71 15.72; do REGIONS=$REGIONS,regions/$r; done
ARGS=(--date=2025-06-30 --regions="$REGIONS" --mode=closed --concurrency="$CONC" --warmup=1s
      --duration="${DURATION}s")

# measure NAME SERVER_PID LOAD-ARGS...: CPU-µs per call of the client, the server, Redis and the
# registry, over the whole run (warm-up included, so divided by all calls made).
printf '%-26s %9s %10s %10s %10s %10s %10s %8s\n' path calls/s client_us server_us redis_us \
  registry_us total_us threads
measure() {
  local name=$1 server=$2; shift 2
  local s0 r0 g0 s1 r1 g1 out
  s0=$(cpu "$server"); r0=$(cpu "$REDIS_PID"); g0=$(cpu "$REG_PID")
  /usr/bin/time -f '%U %S' -o "$WORK/time" "$BIN/bench/paritrana-bench-load" "$@" "${ARGS[@]}" \
    >"$WORK/out"
  s1=$(cpu "$server"); r1=$(cpu "$REDIS_PID"); g1=$(cpu "$REG_PID")
  [[ $server == "$REG_PID" ]] && g1=$g0  # the registry is the server: count it once
  out=$(grep '^RESULT' "$WORK/out")
  local qps ok
  qps=$(echo "$out" | grep -o ' qps=[0-9.]*' | cut -d= -f2)
  # all calls made, warm-up included: qps covers the measured window only
  ok=$(awk -v q="$qps" -v d="$DURATION" 'BEGIN { printf "%d", q * (d + 1) }')
  awk -v n="$name" -v q="$qps" -v ok="$ok" -v c="$(awk '{ print $1 + $2 }' "$WORK/time")" \
      -v s="$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')" \
      -v r="$(awk -v a="$r0" -v b="$r1" 'BEGIN { print b - a }')" \
      -v g="$(awk -v a="$g0" -v b="$g1" 'BEGIN { print b - a }')" \
      -v t="$(ls "/proc/$server/task" | wc -l)" \
      'BEGIN { f = 1e6 / ok; printf "%-26s %9.0f %10.1f %10.1f %10.1f %10.1f %10.1f %8d\n",
        n, q, c * f, s * f, r * f, g * f, (c + s + r + g) * f, t }'
}
measure "echo (floor)" "$ECHO_PID" --target="$ECHO" --method=echo --echo_reply_bytes=200
measure "GetCoverage cache hit" "$HIT_PID" --target="$HIT" --method=coverage
measure "GetCoverage no cache" "$MISS_PID" --target="$MISS" --method=coverage
measure "QueryAggregates direct" "$REG_PID" --target="$REG" --method=aggregates
echo "(redis_us and registry_us also count what those processes did for other reasons, e.g."
echo " the registry's 5 s health probes; the client's figure includes its start-up.)"

if [[ $PERF == 1 ]]; then
  perf record -F 999 --call-graph dwarf,16384 -p "$HIT_PID" -o "$WORK/perf.data" >/dev/null 2>&1 &
  PERF_PID=$!
  sleep 0.5
  "$BIN/bench/paritrana-bench-load" --target="$HIT" --method=coverage "${ARGS[@]}" | head -1
  kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true
  echo "coverage service answering from cache: inclusive share of its CPU samples"
  perf report -i "$WORK/perf.data" --children --stdio -g none --percent-limit 2 2>/dev/null |
    grep -E '^ +[0-9]' | grep -E 'paritrana|redis|Sigpipe|sigmask|SHA256|Parse|Serialize|RoundTrip' |
    awk '{ $2 = ""; $3 = ""; $4 = ""; print }' | cut -c1-150 | head -40
fi

if [[ $STRACE == 1 ]]; then
  for t in "echo $ECHO_PID $ECHO" "coverage $HIT_PID $HIT"; do
    set -- $t
    strace -c -f -p "$2" -o "$WORK/strace-$1.txt" 2>/dev/null &
    SPID=$!
    sleep 0.5
    "$BIN/bench/paritrana-bench-load" --target="$3" --method="$1" --regions="$REGIONS" \
      --date=2025-06-30 --mode=open --rate=1000 --duration=3s --warmup=0s >/dev/null
    sleep 0.3
    kill -INT "$SPID"; wait "$SPID" 2>/dev/null || true
    echo "system calls per call, $1 (3,000 calls):"
    awk '$NF != "total" && $NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $4 >= 300 { printf "  %-16s %5.2f\n", $NF, $4 / 3000; t += $4 / 3000 }
      END { printf "  %-16s %5.2f\n", "total", t }' "$WORK/strace-$1.txt"
  done
fi
