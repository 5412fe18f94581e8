# shellcheck shell=bash
# The soak of scripts/bench.sh (issue 20): sourced by it, and uses its functions and variables
# (start, start_grpc, start_registry, stop, record, values, med, fmt, log, yes_no, COMMON, WORK,
# QUICK, REDIS_ADDR, REGISTRY, COVERAGE, IMPORT, BIN, PIDS).
#
#   soak_run MINUTES   a registry of its own (the Jambi skeleton and SOAK_N participants), a
#                      coverage service with --redis (its in-process cache in front of Redis) on a
#                      redis-server of its own, and paritrana-bench-soak for MINUTES (reads at
#                      SOAK_READ_RATE/s, writes at SOAK_WRITE_RATE/s); meanwhile VmRSS of the
#                      registry, the coverage service and redis-server every SOAK_SAMPLE_S seconds
#                      into $WORK/soak-memory.txt. Records one line, label "soak".
#   soak_report        the report's section "## Soak (N minutes, mixed reads and writes)".
#   soak_goal_rows     its goals as rows of the report's Goals table.
#
# Its own redis-server (a Unix socket only, nothing to race for): the other sections' registries
# hold province 15 too and publish its generation to the shared Redis, whose answer keys would be
# shared with this coverage service's; and Redis's memory is then the soak's alone.

SOAK=${SOAK:-$BIN/bench/paritrana-bench-soak}
SOAK_READ_RATE=${SOAK_READ_RATE:-400}
SOAK_WRITE_RATE=${SOAK_WRITE_RATE:-5}
SOAK_STALE_BOUND=${SOAK_STALE_BOUND:-1s}
SOAK_DATE=${SOAK_DATE:-2025-06-30}
SOAK_GROWTH_MAX=${SOAK_GROWTH_MAX:-1.10}
# The coverage service's --cache_ttl; empty: its default (1 h). Answers of a province's older
# generations stay in Redis until it expires them, so Redis grows with every write for that long
# before it levels off (write rate x answers per generation x TTL). 2 minutes, so that the level
# is reached before the "early" samples (10-20% of a 30-minute run) and the soak shows whether it
# holds; with the default, 30 minutes would only show the climb.
SOAK_CACHE_TTL=${SOAK_CACHE_TTL-2m}
if [[ -z ${SOAK_N:-} ]]; then
  if [[ ${QUICK:-0} == 1 ]]; then SOAK_N=500; else SOAK_N=5000; fi
fi

# soak_rss PID: VmRSS of a process in kB (0 once it has exited).
soak_rss() { awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# soak_redis_used SOCKET: Redis's used_memory in bytes.
soak_redis_used() { redis-cli -s "$1" info memory 2>/dev/null | tr -d '\r' | sed -n 's/^used_memory:\([0-9]*\)$/\1/p'; }

# soak_mem_stats COLUMN: "first early late max growth" of a column of soak-memory.txt (1-based
# after the time): early is the median of the samples between 10% and 20% of the run (after the
# warm-up), late the median of the last 10%, growth late / early.
soak_mem_stats() {
  awk -v c="$(( $1 + 1 ))" '
    function med(lo, hi,   i, k, t, a) { k = 0
      for (i = lo; i < hi; i++) a[++k] = v[i]
      for (i = 2; i <= k; i++) { t = a[i]; j = i - 1; while (j > 0 && a[j] > t) { a[j + 1] = a[j]; j-- } a[j + 1] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
    !/^#/ { v[n++] = $c; if ($c > m) m = $c }
    END {
      if (n == 0) { print "0 0 0 0 nan"; exit }
      lo = int(0.1 * n); hi = int(0.2 * n); if (hi <= lo) hi = lo + 1; if (hi > n) hi = n
      l0 = int(0.9 * n); if (l0 > n - 1) l0 = n - 1
      e = med(lo, hi); l = med(l0, n)
      printf "%d %d %d %d %s\n", v[0], e, l, m, (e > 0 ? sprintf("%.3f", l / e) : "nan") }' \
    "$WORK/soak-memory.txt"
}

soak_run() {
  local minutes=$1
  [[ -x $SOAK ]] || { echo "bench.sh: $SOAK missing; build paritrana-bench-soak" >&2; exit 1; }
  SOAK_MINUTES=$minutes
  log "soak: $minutes min of mixed reads ($SOAK_READ_RATE/s) and writes ($SOAK_WRITE_RATE/s), registry of $SOAK_N participants"

  # Redis of its own, on a Unix socket only.
  local sock=$WORK/soak-redis.sock
  rm -f "$sock"
  start soak_redis redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --save "" \
    --appendonly no --maxmemory 1gb --maxmemory-policy allkeys-lru
  local redis_pid=$LAST_PID
  for _ in $(seq 100); do
    [[ $(redis-cli -s "$sock" ping 2>/dev/null) == PONG ]] && break
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ $(redis-cli -s "$sock" ping 2>/dev/null) == PONG ]] ||
    { echo "bench.sh: the soak's redis-server did not start:" >&2; tail -5 "$WORK/soak_redis.log" >&2; exit 1; }
  local redis_addr=unix:$sock

  REDIS_ADDR=$redis_addr start_registry soak
  local reg_addr=$ADDR reg_pid=$LAST_PID
  "$IMPORT" --target="$reg_addr" --part=skeleton >>"$WORK/import.log"
  "$IMPORT" --target="$reg_addr" --participants="$SOAK_N" --rows_per_message=1000 >>"$WORK/import.log"
  start_grpc soak_coverage "$COVERAGE" "${COMMON[@]}" --registry="$reg_addr" --redis="$redis_addr" \
    --cache_key_file="$WORK/soak/cache.key" --create_cache_key \
    ${SOAK_CACHE_TTL:+--cache_ttl="$SOAK_CACHE_TTL"}
  local cov_addr=$ADDR cov_pid=$LAST_PID

  # Samples: every 10 s, or about 60 over a run shorter than 10 minutes (at least every second).
  local interval
  interval=$(awk -v m="$minutes" 'BEGIN { s = m * 60 / 60; if (s > 10) s = 10; if (s < 1) s = 1; printf "%d", s }')
  SOAK_SAMPLE_S=$interval
  echo "# seconds registry_rss_kb coverage_rss_kb redis_rss_kb (every ${interval} s)" >"$WORK/soak-memory.txt"
  local deadline_s used0 used1 keys
  used0=$(soak_redis_used "$sock")
  deadline_s=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 + 120 }')
  timeout "$deadline_s" "$SOAK" --registry="$reg_addr" --coverage="$cov_addr" --duration="${minutes}m" \
    --read_rate="$SOAK_READ_RATE" --write_rate="$SOAK_WRITE_RATE" --date="$SOAK_DATE" \
    --stale_bound="$SOAK_STALE_BOUND" --report_every="$(awk -v m="$minutes" 'BEGIN { s = m * 60 / 10; if (s > 30) s = 30; if (s < 1) s = 1; printf "%d", s }')s" \
    >"$WORK/soak.log" 2>&1 &
  local soak_pid=$! t0 now next k=0 shown=0 lines
  PIDS+=("$soak_pid")
  t0=$(date +%s.%N)
  while kill -0 "$soak_pid" 2>/dev/null; do
    now=$(date +%s.%N)
    printf '%s %s %s %s\n' "$(awk -v a="$t0" -v b="$now" 'BEGIN { printf "%.1f", b - a }')" \
      "$(soak_rss "$reg_pid")" "$(soak_rss "$cov_pid")" "$(soak_rss "$redis_pid")" >>"$WORK/soak-memory.txt"
    # The soak's progress lines as they come.
    lines=$(grep -ac '^PROGRESS' "$WORK/soak.log" || true)
    if ((lines > shown)); then
      grep -a '^PROGRESS' "$WORK/soak.log" | tail -n $((lines - shown)) | while read -r l; do
        log "soak: $(echo "$l" | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^(elapsed_s|reads|writes|read_errors|write_errors|stale_beyond_bound|visible_p99_us|read_p99_us)=/) printf "%s ", $i }')"
      done
      shown=$lines
    fi
    k=$((k + 1))
    next=$(awk -v a="$t0" -v i="$interval" -v k="$k" 'BEGIN { printf "%.3f", a + i * k }')
    while kill -0 "$soak_pid" 2>/dev/null &&
          awk -v n="$next" -v t="$(date +%s.%N)" 'BEGIN { exit !(t < n) }'; do
      sleep 0.2
    done
  done
  local rc=0
  wait "$soak_pid" || rc=$?
  used1=$(soak_redis_used "$sock")
  keys=$(redis-cli -s "$sock" dbsize 2>/dev/null || echo nan)
  local line
  line=$(grep -a '^RESULT' "$WORK/soak.log" | sed 's/^RESULT //' || true)
  if [[ -z $line || ($rc != 0 && $rc != 3) ]]; then
    echo "bench.sh: paritrana-bench-soak failed (exit $rc):" >&2; tail -20 "$WORK/soak.log" >&2; exit 1
  fi
  local mem="" p s
  for p in registry:1 coverage:2 redis:3; do
    read -r -a s <<<"$(soak_mem_stats "${p#*:}")"
    mem+=" ${p%:*}_rss_first_kb=${s[0]} ${p%:*}_rss_early_kb=${s[1]} ${p%:*}_rss_late_kb=${s[2]} ${p%:*}_rss_max_kb=${s[3]} ${p%:*}_growth=${s[4]}"
  done
  record 1 soak "$line minutes=$minutes participants=$SOAK_N samples=$(grep -vc '^#' "$WORK/soak-memory.txt") sample_s=$interval exit=$rc redis_used_before=$used0 redis_used_after=$used1 redis_keys=$keys cache_ttl=${SOAK_CACHE_TTL:-default}$mem"
  log "soak: $(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(reads|writes|read_errors|write_errors|poll_errors|stale_beyond_bound|too_high|final_mismatch|visible_p50_us|visible_p99_us|visible_max_us|read_p99_us)=/) printf "%s ", $i }')"
  log "soak memory (first/early/late/max kB, growth):$mem"
  stop "$cov_pid"; stop "$reg_pid"; stop "$redis_pid"
}

# soak_growth_ok: 1 when every process's growth is at most SOAK_GROWTH_MAX.
soak_growth_ok() {
  awk -v a="$(med soak registry_growth)" -v b="$(med soak coverage_growth)" -v c="$(med soak redis_growth)" \
    -v m="$SOAK_GROWTH_MAX" 'BEGIN { print (a != "nan" && b != "nan" && c != "nan" && a <= m && b <= m && c <= m) }'
}
soak_errors() {
  awk -v a="$(med soak read_errors)" -v b="$(med soak write_errors)" -v c="$(med soak poll_errors)" \
    'BEGIN { print a + b + c }'
}
soak_no_errors_ok() {
  awk -v e="$(soak_errors)" -v f="$(med soak final_mismatch)" -v w="$(med soak writes)" \
    'BEGIN { print (e == 0 && f == 0 && w > 0) }'
}
soak_fresh_ok() {
  awk -v s="$(med soak stale_beyond_bound)" -v h="$(med soak too_high)" -v n="$(med soak never_visible)" \
    -v r="$(med soak reads)" 'BEGIN { print (s == 0 && h == 0 && n == 0 && r > 0) }'
}
soak_bound_text() { awk -v b="$(med soak stale_bound_ms)" 'BEGIN { if (b >= 1000 && b % 1000 == 0) printf "%d s", b / 1000; else printf "%d ms", b }'; }

# soak_mib KB: KiB as MiB with one decimal.
soak_mib() { awk -v k="$1" 'BEGIN { if (k == "" || k == "nan") print "—"; else printf "%.1f", k / 1024 }'; }

soak_goal_rows() {
  [[ -n $(values soak reads) ]] || return 0
  local m; m=$(med soak minutes)
  cat <<EOF
| soak, $m min of mixed reads and writes: no errors, the registry counts exactly what was written | $(fmt "$(soak_errors)") errors ($(fmt "$(med soak reads)") reads, $(fmt "$(med soak writes)") writes); final counts off in $(fmt "$(med soak final_mismatch)") regions | $(yes_no "$(soak_no_errors_ok)") |
| soak: no answer through the caches stale beyond $(soak_bound_text) after a write, none too high | $(fmt "$(med soak stale_beyond_bound)") stale beyond, $(fmt "$(med soak too_high)") too high, $(fmt "$(med soak never_visible)") never visible; visibility p99 $(fmt "$(med soak visible_p99_us)") µs, max $(fmt "$(med soak visible_max_us)") µs | $(yes_no "$(soak_fresh_ok)") |
| soak: memory flat (late ÷ early VmRSS ≤ ${SOAK_GROWTH_MAX} for each process) | registry $(fmt "$(med soak registry_growth)" 2)x, coverage $(fmt "$(med soak coverage_growth)" 2)x, redis-server $(fmt "$(med soak redis_growth)" 2)x | $(yes_no "$(soak_growth_ok)") |
EOF
}

soak_report() {
  [[ -n $(values soak reads) ]] || return 0
  local m; m=$(med soak minutes)
  cat <<EOF

## Soak ($m minutes, mixed reads and writes)

A registry of its own (SQLite, the Jambi skeleton and $(fmt "$(med soak participants)") participants), a coverage
service with its in-process cache in front of Redis, and a redis-server of their own (a Unix socket;
the other sections' registries publish province 15's generation too), all on 127.0.0.1. For
$m minutes \`paritrana-bench-soak\` reads GetCoverage of province 15 and its 11 regencies/cities in
turn on $SOAK_DATE at a fixed rate (open loop: latency from each call's intended send time) while
it writes, one at a time at a fixed rate, a new participant per \`ImportRecords\` call (one row:
participant, enrollment active on that date, first contribution covering it) in the next
regency/city in turn. The counts are known: the registry's \`QueryAggregates\` gives every region's
count before the soak, and each acknowledged write adds one to its regency and to the province.
A read sent more than the bound after a write was acknowledged must show it, or it is **stale
beyond the bound**; the bound is $(soak_bound_text): the in-process cache may answer from before a write
for as long as the registry's pub/sub message takes (well under a millisecond here), or about a
second if the link to Redis breaks silently (\`services/coverage/local_cache.h\`). A count above
what was written is **too high**. After each write its regency is polled through the coverage
service until the new count shows: **visibility** is the time from the write's acknowledgement to
that answer (a round trip at least). At the end the registry's counts are compared with what was
written. Memory: \`VmRSS\` of each process every $(fmt "$(med soak sample_s)") s
(\`soak-memory.txt\` in the work directory, kept with \`--keep\`); "early" is the median of the samples between 10% and 20% of the
run (after the warm-up), "late" the median of the last 10%.

| process | command |
|---|---|
| redis-server | \`redis-server --port 0 --unixsocket DIR/soak-redis.sock --save "" --appendonly no --maxmemory 1gb --maxmemory-policy allkeys-lru\` |
| registry | \`paritrana-registry --plaintext --listen=127.0.0.1:0 --store=sqlite:DIR/soak/registry.db --redis=unix:DIR/soak-redis.sock ...\`, then \`paritrana-bench-import --part=skeleton\` and \`--participants=$(med soak participants)\` |
| coverage | \`paritrana-coverage --plaintext --listen=127.0.0.1:0 --registry=REGISTRY --redis=unix:DIR/soak-redis.sock --cache_key_file=DIR/soak/cache.key --create_cache_key$([[ $(values soak cache_ttl | tail -1) != default ]] && echo " --cache_ttl=$(values soak cache_ttl | tail -1)")\` |
| soak | \`paritrana-bench-soak --registry=REGISTRY --coverage=COVERAGE --duration=${m}m --read_rate=$(fmt "$(med soak read_rate)") --write_rate=$(fmt "$(med soak write_rate)" 1) --date=$SOAK_DATE --stale_bound=$(soak_bound_text | tr -d ' ')\` |

| reads | writes | reads/s | writes/s | read errors | write errors | poll errors | stale beyond the bound | stale within it | too high | never visible | final counts off |
|---|---|---|---|---|---|---|---|---|---|---|---|
| $(fmt "$(med soak reads)") | $(fmt "$(med soak writes)") | $(fmt "$(med soak read_qps)" 1) | $(fmt "$(med soak write_qps)" 2) | $(fmt "$(med soak read_errors)") | $(fmt "$(med soak write_errors)") | $(fmt "$(med soak poll_errors)") | $(fmt "$(med soak stale_beyond_bound)") | $(fmt "$(med soak stale_within_bound)") | $(fmt "$(med soak too_high)") | $(fmt "$(med soak never_visible)") | $(fmt "$(med soak final_mismatch)") |

| | p50 µs | p99 µs | max µs |
|---|---|---|---|
| read (GetCoverage, from its intended send time) | $(fmt "$(med soak read_p50_us)") | $(fmt "$(med soak read_p99_us)") | $(fmt "$(med soak read_max_us)") |
| write (ImportRecords of one row) | $(fmt "$(med soak write_p50_us)") | $(fmt "$(med soak write_p99_us)") | — |
| visibility (write acknowledged → first answer showing it) | $(fmt "$(med soak visible_p50_us)") | $(fmt "$(med soak visible_p99_us)") | $(fmt "$(med soak visible_max_us)") |

$(fmt "$(med soak fresh_on_first_poll)") of $(fmt "$(med soak writes)") writes showed on the first poll after their acknowledgement ($(fmt "$(med soak polls)") polls in all).
Errors by method and code: $(values soak error_codes | tail -1).
Redis held $(fmt "$(med soak redis_keys)") keys at the end, \`used_memory\` $(soak_mib "$(med soak redis_used_before | awk '{ print $1 / 1024 }')") MiB before the soak and
$(soak_mib "$(med soak redis_used_after | awk '{ print $1 / 1024 }')") MiB after, about $(fmt "$(awk -v a="$(med soak redis_used_before)" -v b="$(med soak redis_used_after)" -v w="$(med soak writes)" 'BEGIN { if (w > 0) print (b - a) / w; else print "nan" }')") bytes per write: each write moves province 15 to a new
generation, and the answers cached under the older ones stay until \`--cache_ttl\`
($(values soak cache_ttl | tail -1 | sed 's/^default$/1h, the default/')) expires them, so Redis grows with the writes for that long before it levels off.

| process | VmRSS first MiB | early (10-20%) MiB | late (last 10%) MiB | max MiB | late ÷ early |
|---|---|---|---|---|---|
EOF
  local p name
  for p in registry coverage redis; do
    name=$p; [[ $p == redis ]] && name=redis-server
    printf '| %s | %s | %s | %s | %s | %sx |\n' "$name" "$(soak_mib "$(med soak ${p}_rss_first_kb)")" \
      "$(soak_mib "$(med soak ${p}_rss_early_kb)")" "$(soak_mib "$(med soak ${p}_rss_late_kb)")" \
      "$(soak_mib "$(med soak ${p}_rss_max_kb)")" "$(fmt "$(med soak ${p}_growth)" 3)"
  done
  cat <<EOF

| goal | measured | |
|---|---|---|
$(soak_goal_rows)
EOF
}
