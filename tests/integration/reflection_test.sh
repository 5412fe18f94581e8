#!/usr/bin/env bash
# A client that knows only server reflection (buf curl) must list every RPC the contract declares.
# Usage: reflection_test.sh BUF BINARY PROTO_FILE... [-- EXTRA_FLAG...]
# In extra flags, $DIR stands for a fresh temporary folder.
set -euo pipefail
buf=$1 binary=$2
shift 2
protos=()
while [[ $# -gt 0 && $1 != -- ]]; do protos+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
source "$(dirname "$0")/../support/servers.sh"
extra=()
for a in "$@"; do extra+=("${a//\$DIR/$dir}"); done
if [[ ! -x $buf ]]; then
  echo "FAIL: buf not found at $buf; run: npm ci --prefix tools" >&2
  exit 1
fi

log=$dir/server.log
start "$log" "$binary" --listen=127.0.0.1:0 --plaintext --drain_grace=0s "${extra[@]}"
port=$(port_of "$log")

listed=$("$buf" curl --protocol grpc --http2-prior-knowledge --list-methods "http://127.0.0.1:$port")
missing=0
for proto in "${protos[@]}"; do
  package=$(sed -n 's/^package \(.*\);/\1/p' "$proto")
  service=""
  while read -r kind name; do
    if [[ $kind == service ]]; then service=$name; continue; fi
    if ! grep -qx "$package.$service/$name" <<<"$listed"; then
      echo "FAIL: reflection does not list $package.$service/$name" >&2
      missing=1
    fi
  done < <(sed -n 's/^service \([A-Za-z0-9]*\).*/service \1/p; s/^ *rpc \([A-Za-z0-9]*\).*/rpc \1/p' "$proto")
done
[[ $missing == 0 ]] || { echo "listed:" >&2; echo "$listed" >&2; exit 1; }
echo "reflection lists all $(grep -c . <<<"$listed") methods of $(basename "$binary")"
