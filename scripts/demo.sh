#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the whole suite on
# embedded defaults (SQLite files under data/, a private redis-server), all on loopback.
#   bash scripts/demo.sh          run, print the suite's state, keep serving until Ctrl-C
#   bash scripts/demo.sh --once   the same, then stop everything and exit (used by CI)
# Ctrl-C (or the end of --once) stops every process this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
once=false
[[ ${1:-} == --once ]] && once=true

if [[ $(id -u) -eq 0 ]]; then bash scripts/setup.sh; else sudo bash scripts/setup.sh; fi
[[ -x tools/node_modules/.bin/buf ]] || npm ci --prefix tools --no-audit --no-fund --loglevel=error
cmake --preset default >/dev/null
cmake --build --preset default >/dev/null
bin=build/services
data=data
mkdir -p "$data/logs"

pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 130' INT TERM

# port_of LOG: waits for a service's "listening" log line and prints its port.
port_of() {
  for _ in $(seq 200); do
    p=$(grep -o '"msg":"listening".*"port":[0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || true)
    [[ -n $p ]] && { echo "$p"; return; }
    sleep 0.05
  done
  echo "demo: no port in $1" >&2
  cat "$1" >&2
  exit 1
}

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  >"$data/logs/redis.log" 2>&1 &
pids+=($!)

common=(--listen=127.0.0.1:0 --plaintext --drain_grace=0s)
"$bin/registry/paritrana-registry" "${common[@]}" --store="sqlite:$data/registry.db" \
  --nik_key_file="$data/registry-nik.key" --create_nik_key \
  --redis="127.0.0.1:$redis_port" >"$data/logs/registry.log" &
pids+=($!)
registry_port=$(port_of "$data/logs/registry.log")
"$bin/coverage/paritrana-coverage" "${common[@]}" --registry="127.0.0.1:$registry_port" \
  --redis="127.0.0.1:$redis_port" >"$data/logs/coverage.log" &
pids+=($!)
coverage_port=$(port_of "$data/logs/coverage.log")
"$bin/award/paritrana-award" "${common[@]}" --store="sqlite:$data/award.db" \
  --registry="127.0.0.1:$registry_port" --coverage="127.0.0.1:$coverage_port" \
  >"$data/logs/award.log" &
pids+=($!)
award_port=$(port_of "$data/logs/award.log")

buf=tools/node_modules/.bin/buf
echo
echo "Paritrana suite on loopback (redis on $redis_port); logs in $data/logs/"
for svc in registry:$registry_port coverage:$coverage_port award:$award_port; do
  name=${svc%%:*} port=${svc##*:}
  health=$("$buf" curl --protocol grpc --http2-prior-knowledge \
    "http://127.0.0.1:$port/grpc.health.v1.Health/Check" | tr -d ' \n')
  methods=$("$buf" curl --protocol grpc --http2-prior-knowledge --list-methods \
    "http://127.0.0.1:$port" | grep -c "^paritrana\.")
  printf '  %-9s 127.0.0.1:%-6s health %s, %s Paritrana methods\n' "$name" "$port" "$health" "$methods"
done

if $once; then exit 0; fi
echo
echo "Serving until Ctrl-C."
wait
