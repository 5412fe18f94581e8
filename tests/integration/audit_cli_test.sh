#!/usr/bin/env bash
# `paritrana audit verify` against a real registry binary: an import and reads are recorded, the
# chain verifies for an auditor (and only for an auditor), and once an event is altered or removed
# in the SQLite file (the trigger dropped first, as someone holding the file would) verify exits
# non-zero naming the first bad seq. No audit event holds a NIK.
# Usage: audit_cli_test.sh BUILD_DIR
set -euo pipefail
build=$1
source "$(dirname "$0")/../support/servers.sh"
cat >"$dir/tokens" <<'TOKENS'
registrar registrar-token-0123456789 clerk
auditor auditor-token-0123456789ab inspector
admin admin-token-0123456789abcd ops
TOKENS
chmod 600 "$dir/tokens"
start "$dir/r.log" "$build/services/registry/paritrana-registry" --listen=127.0.0.1:0 --plaintext \
  --drain_grace=0s --store="sqlite:$dir/registry.db" --nik_key_file="$dir/nik.key" \
  --create_nik_key --tokens_file="$dir/tokens"
export PARITRANA_REGISTRY=127.0.0.1:$(port_of "$dir/r.log") PARITRANA_PLAINTEXT=true
cli=$build/cli/paritrana

cat >"$dir/workers.csv" <<'CSV'
kpj,nik,name,sex,birth_date,domicile_region,segment,employer,programmes,region,start_date,funding_source,subsidy_scheme,paid_date,covers_through,amount_rupiah
24000000001,1504011505900001,Budi,M,1990-05-15,15.04,BPU,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
24000000002,1504015505900002,Siti,F,1990-05-15,15.04,BPU,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
24000000003,1504011505900003,Andi,M,1990-05-15,15.04,BPU,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
CSV
"$cli" --token registrar-token-0123456789 import "$dir/workers.csv" --batch-size 2 \
  --import-id audit-test -q >/dev/null

fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }
auditor=(--token auditor-token-0123456789ab)

# Only an auditor may read the trail (the refusal is itself recorded).
check '! "$cli" --token admin-token-0123456789abcd audit verify 2>"$dir/admin.err"' \
  "an admin read the audit trail"
check 'grep -q "auditor" "$dir/admin.err"' "the refusal does not name the auditor role"

"$cli" "${auditor[@]}" audit list -o csv >"$dir/list.csv"
check 'grep -q "clerk,token,paritrana.registry.v1.RegistryService/ImportRecords,imports/audit-test,OK" "$dir/list.csv"' \
  "the import batches are not recorded under the import id"
check '[[ $(grep -c ImportRecords "$dir/list.csv") == 2 ]]' "not one event per import batch"
check 'grep -q "ops,token,paritrana.audit.v1.AuditService/ListAuditEvents,,PERMISSION_DENIED" "$dir/list.csv"' \
  "the refused ListAuditEvents is not recorded"
check '! grep -q 150401 "$dir/list.csv"' "an audit event holds a NIK"
check '! sqlite3 "$dir/registry.db" "SELECT * FROM audit_events" | grep -q 150401' \
  "an audit row holds a NIK"

"$cli" "${auditor[@]}" audit verify >"$dir/ok.txt"
check 'grep -q "verified 3 events" "$dir/ok.txt"' "verify did not check every event: $(cat "$dir/ok.txt")"
last=$(grep -o '[0-9a-f]\{64\}$' "$dir/ok.txt")

# Altered in the file: verify names seq 1.
sqlite3 "$dir/registry.db" "DROP TRIGGER audit_events_no_update;
  UPDATE audit_events SET principal = 'someone-else' WHERE seq = 1;"
check '! "$cli" "${auditor[@]}" audit verify 2>"$dir/altered.err"' "verify accepted an altered event"
check 'grep -q "broken at seq 1" "$dir/altered.err"' "verify did not name seq 1: $(cat "$dir/altered.err")"
sqlite3 "$dir/registry.db" "UPDATE audit_events SET principal = 'clerk' WHERE seq = 1;"
"$cli" "${auditor[@]}" audit verify --last_hash "$last" >/dev/null || {
  echo "FAIL: verify refused the restored trail"
  fail=1
}

# Removed from the middle: verify names the missing seq.
sqlite3 "$dir/registry.db" "DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq = 2;"
check '! "$cli" "${auditor[@]}" audit verify 2>"$dir/removed.err"' "verify accepted a removed event"
check 'grep -q "broken at seq 2" "$dir/removed.err"' "verify did not name seq 2: $(cat "$dir/removed.err")"

# The tail cut: only the exported last hash tells.
sqlite3 "$dir/registry.db" "DELETE FROM audit_events WHERE seq >= 2;"
"$cli" "${auditor[@]}" audit verify >/dev/null || { echo "FAIL: a prefix of the chain failed"; fail=1; }
check '! "$cli" "${auditor[@]}" audit verify --last_hash "$last" 2>/dev/null' \
  "verify --last_hash accepted a truncated trail"

[[ $fail == 0 ]] && echo "audit verify detects altered, removed and truncated events"
exit $fail
