# Sourced by the shell tests that start service binaries: a temporary folder $dir removed at exit
# with every process started by `start` (so none outlives the test), and `port_of LOG`, the port a
# service bound (it listens on port 0 and logs it; no port is picked in advance, so none races).
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait; rm -rf "$dir"' EXIT

# start LOG COMMAND...: runs COMMAND in the background with its output in LOG.
start() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  pids+=($!)
}

port_of() {
  for _ in $(seq 200); do
    p=$(grep -o '"msg":"listening".*"port":[0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || true)
    [[ -n $p ]] && { echo "$p"; return; }
    sleep 0.05
  done
  echo "FAIL: no port in $1" >&2
  cat "$1" >&2
  exit 1
}
