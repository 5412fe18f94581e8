# shellcheck shell=bash
# Two coverage replicas behind one client channel (issue 20): sourced by scripts/bench.sh, whose
# functions and variables it uses (start_grpc, stop, load, record, values, med, ratio_med, fmt,
# procstat, yes_no, log, COMMON, COVERAGE, SMALL, SMALL_ADDR, REDIS_ADDR, WORK, REPS, CONC,
# DURATION, WARMUP, REGIONS, DATE, CLOSED, CORES).
#
#   replicas_run         two more cached coverage processes on the registry and Redis of section 1;
#                        per repetition, cache hits in a closed loop against one of them, then
#                        against both through one round-robin channel (ipv4:A,B); stops them.
#   replicas_report      the section "## Two coverage replicas".
#   replicas_goal_rows   rows for the Goals table.
#
# A write's visibility through each replica is not measured here: it is asserted, and its time
# printed, by tests/integration/coverage_replicas_test.cc.

# replicas_cpu_snapshot: "machine_busy_ticks machine_idle_ticks replica_a_cpu_s replica_b_cpu_s".
replicas_cpu_snapshot() {
  local machine a b
  machine=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
  a=$(procstat "$REPLICA_A_PID" | cut -d' ' -f1)
  b=$(procstat "$REPLICA_B_PID" | cut -d' ' -f1)
  echo "$machine $a $b"
}

# replicas_load REP LABEL ARGS...: load REP LABEL ARGS..., and the CPU the machine and each
# replica used meanwhile (warm-up included), recorded as LABEL_cpu in cores.
replicas_load() {
  local rep=$1 label=$2 before after t0 t1
  before=$(replicas_cpu_snapshot) t0=$(date +%s.%N)
  load "$@"
  after=$(replicas_cpu_snapshot) t1=$(date +%s.%N)
  record "$rep" "${label}_cpu" "$(awk -v b="$before" -v a="$after" -v t0="$t0" -v t1="$t1" \
    -v cores="$CORES" 'BEGIN { split(b, x, " "); split(a, y, " "); s = t1 - t0
      busy = y[1] - x[1]; idle = y[2] - x[2]
      printf "machine_cores=%.2f a_cores=%.2f b_cores=%.2f", (busy + idle > 0 ? cores * busy / (busy + idle) : 0),
        (y[3] - x[3]) / s, (y[4] - x[4]) / s }')"
}

replicas_run() {
  CORES=${CORES:-$(nproc)}
  # As coverage_hit runs: the Redis cache (same MAC key) and the in-process cache, which the
  # registry's invalidations keep fresh in each process on its own.
  start_grpc replica_a "$COVERAGE" "${COMMON[@]}" --registry="$SMALL_ADDR" --redis="$REDIS_ADDR" \
    --cache_key_file="$WORK/cache.key"
  REPLICA_A=$ADDR REPLICA_A_PID=$LAST_PID
  start_grpc replica_b "$COVERAGE" "${COMMON[@]}" --registry="$SMALL_ADDR" --redis="$REDIS_ADDR" \
    --cache_key_file="$WORK/cache.key"
  REPLICA_B=$ADDR REPLICA_B_PID=$LAST_PID
  REPLICAS_TARGET="ipv4:$REPLICA_A,$REPLICA_B"
  for rep in $(seq "$REPS"); do
    log "two coverage replicas, repetition $rep/$REPS (closed loop, $CONC callers, ${DURATION}s)"
    replicas_load "$rep" replicas_one --target="$REPLICA_A" --method=coverage --regions="$REGIONS" \
      --date="$DATE" "${CLOSED[@]}"
    replicas_load "$rep" replicas_two --target="$REPLICAS_TARGET" --method=coverage \
      --regions="$REGIONS" --date="$DATE" "${CLOSED[@]}"
  done
  stop "$REPLICA_A_PID"
  stop "$REPLICA_B_PID"
}

replicas_report() {
  [[ -n $(values replicas_one qps) ]] || return 0  # not measured in this run
  local cores=${CORES:-$(nproc)}
  local ratio p99_ratio
  ratio=$(ratio_med replicas_two qps replicas_one)
  p99_ratio=$(ratio_med replicas_two p99_us replicas_one)
  row() {  # LABEL NAME
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$(fmt "$(med "$1" qps)")" \
      "$(fmt "$(med "$1" p50_us)")" "$(fmt "$(med "$1" p99_us)")" "$(fmt "$(med "$1" errors)")" \
      "$(fmt "$(med "${1}_cpu" a_cores)" 2)" "$(fmt "$(med "${1}_cpu" b_cores)" 2)" \
      "$(fmt "$(med "${1}_cpu" machine_cores)" 2)" "$(fmt "$(ratio_med "$1" qps replicas_one)" 2)x"
  }
  local why one_m one_a two_m two_a two_b
  one_m=$(med replicas_one_cpu machine_cores) one_a=$(med replicas_one_cpu a_cores)
  two_m=$(med replicas_two_cpu machine_cores)
  two_a=$(med replicas_two_cpu a_cores) two_b=$(med replicas_two_cpu b_cores)
  if ((cores <= 2)); then
    why="Why not 2x: on $cores cores a second replica adds a process, not CPU. The machine was
$(fmt "$one_m" 1) of $cores cores busy with one replica and $(fmt "$two_m" 1) with two; the replicas
had $(fmt "$one_a" 2) cores with one and $(fmt "$two_a" 2) + $(fmt "$two_b" 2) with two, the rest
went to the load generator (its $CONC callers share the same cores) and anything else running. A
second replica can only take CPU time from the load generator, not add cores: $(awk -v r="$ratio" 'BEGIN {
  if (r == "nan" || r == "") print "the ratio is missing";
  else if (r < 0.95) print "here it came out lower, the price of a second process (its own threads, connections and cache) on the same cores";
  else if (r <= 1.05) print "here it came out about the same";
  else print "here it came out higher, because the two replicas took more of the shared CPU from the rest, not because cores were added" }').
What the table does show: the round-robin channel spreads the calls over both replicas (their CPU)
without errors. Scaling needs the replicas on cores, or machines, of their own."
  else
    why="On $cores cores the replicas and the load generator need not share: hits per second grow
with the second replica until the load generator or the cores run out (the machine was
$(fmt "$two_m" 1) of $cores cores busy with two replicas, $(fmt "$one_m" 1) with one)."
  fi
  cat <<EOF

## Two coverage replicas

Two more cached coverage processes (both tiers, the MAC key of section 1) on the registry of
$SMALL participants and the Redis of section 1. Closed loop, $CONC callers, the regions of
section 1, medians of $REPS repetition(s); the ratio is taken within one repetition. "cores" is CPU
time over the run (warm-up included) per second: of replica A, of replica B, and of the whole
machine ($cores cores).

| process | command |
|---|---|
| replica A, B | \`paritrana-coverage --plaintext --listen=127.0.0.1:0 --registry=REGISTRY --redis=unix:DIR/redis.sock --cache_key_file=DIR/cache.key\` (each) |
| one replica | \`paritrana-bench-load --target=A --method=coverage --regions=REGIONS --date=$DATE --mode=closed --concurrency=$CONC\` |
| two replicas | \`paritrana-bench-load --target=ipv4:A,B --method=coverage --regions=REGIONS --date=$DATE --mode=closed --concurrency=$CONC\` (several addresses: round robin, as \`ConnectToService\` balances) |

| | calls/s | p50 µs | p99 µs | errors | replica A cores | replica B cores | machine cores | calls/s vs one |
|---|---|---|---|---|---|---|---|---|
$(row replicas_one "one replica")
$(row replicas_two "two replicas, one round-robin channel")

Two replicas: $(fmt "$ratio" 2)x the hits per second of one, p99 $(fmt "$p99_ratio" 2)x.
$why

A write's visibility through each replica is checked by
\`tests/integration/coverage_replicas_test.cc\` (\`AWriteIsVisibleThroughEachReplicaWithinTheBound\`):
each replica subscribes to the registry's invalidations itself, so the bound of one process
(docs/architecture.md, "Coverage: the read path") holds for each.
EOF
}

# Rows for the Goals table (| goal | measured | |).
replicas_goal_rows() {
  [[ -n $(values replicas_one qps) ]] || return 0
  local cores=${CORES:-$(nproc)}
  local ratio p99_ratio a b verdict
  ratio=$(ratio_med replicas_two qps replicas_one)
  p99_ratio=$(ratio_med replicas_two p99_us replicas_one)
  a=$(med replicas_two_cpu a_cores) b=$(med replicas_two_cpu b_cores)
  if ((cores >= 4)); then
    verdict=$(yes_no "$(awk -v r="$ratio" 'BEGIN { print (r >= 1.5) }')")
  else
    verdict="reported ($cores cores: no CPU to add)"
  fi
  echo "| two coverage replicas behind one channel: both serve | replica A $(fmt "$a" 2) cores, B $(fmt "$b" 2) cores, errors $(fmt "$(med replicas_two errors)") | $(yes_no "$(awk -v a="$a" -v b="$b" -v e="$(med replicas_two errors)" 'BEGIN { lo = a < b ? a : b; hi = a < b ? b : a; print (hi > 0 && lo >= 0.5 * hi && e == 0) }')") |"
  echo "| two replicas' hits/s vs one ($( ((cores >= 4)) && echo "≥ 1.5x on $cores cores" || echo "ratio reported")) | $(fmt "$ratio" 2)x (p99 $(fmt "$p99_ratio" 2)x) | $verdict |"
}
