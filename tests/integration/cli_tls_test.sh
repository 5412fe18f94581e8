#!/usr/bin/env bash
# The paritrana CLI over mutual TLS: a test CA signs a certificate for the services and one for
# the CLI; the registry and coverage require client certificates (--tls_ca). The CLI with
# --tls_ca/--tls_cert/--tls_key imports and reads coverage (coverage calls the registry with the
# same flags); without its certificate, or with half a key pair, it fails with a clear message.
# Usage: cli_tls_test.sh BUILD_DIR
set -euo pipefail
build=$1
command -v openssl >/dev/null || { echo "FAIL: openssl not found (scripts/setup.sh installs it)"; exit 1; }
source "$(dirname "$0")/../support/servers.sh"

# A CA, then certificates it signs: the services' (server, and client when they call each
# other) for 127.0.0.1 and localhost, and the CLI's (client only). P-256 keys are quick to make.
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key" 2>/dev/null; }
key ca
openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=paritrana test CA" -days 1 -out "$dir/ca.crt"
sign() {  # sign NAME CN EXTENSIONS
  key "$1"
  openssl req -new -key "$dir/$1.key" -subj "/CN=$2" -out "$dir/$1.csr"
  printf '%s\n' "$3" >"$dir/$1.ext"
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 1 -extfile "$dir/$1.ext" -out "$dir/$1.crt" 2>/dev/null
}
sign service localhost 'subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth'
sign cli paritrana-cli 'extendedKeyUsage=clientAuth'
# Trusted by the CA but not listed in the registry's client certificates file.
sign unlisted unlisted-client 'extendedKeyUsage=clientAuth'
# A certificate from a CA the services do not trust.
key other-ca
openssl req -x509 -new -key "$dir/other-ca.key" -subj "/CN=other CA" -days 1 -out "$dir/other-ca.crt"
key stranger
openssl req -new -key "$dir/stranger.key" -subj "/CN=stranger" -out "$dir/stranger.csr"
printf 'extendedKeyUsage=clientAuth\n' >"$dir/stranger.ext"
openssl x509 -req -in "$dir/stranger.csr" -CA "$dir/other-ca.crt" -CAkey "$dir/other-ca.key" \
  -CAcreateserial -days 1 -extfile "$dir/stranger.ext" -out "$dir/stranger.crt" 2>/dev/null

tls=(--tls_ca="$dir/ca.crt" --tls_cert="$dir/service.crt" --tls_key="$dir/service.key")
# The registry knows callers by their certificates: the CLI's is a registrar, the services'
# (which coverage presents when it calls) an analyst.
(umask 077 && printf '%s\n' 'paritrana-cli cli-importer registrar' 'localhost svc-coverage analyst' \
  >"$dir/certificates.txt")
"$build/services/registry/paritrana-registry" --listen=127.0.0.1:0 "${tls[@]}" --drain_grace=0s \
  --client_certificates_file="$dir/certificates.txt" \
  --store="sqlite:$dir/registry.db" --nik_key_file="$dir/nik.key" --create_nik_key >"$dir/r.log" &
pids+=($!)
registry=127.0.0.1:$(port_of "$dir/r.log")
"$build/services/coverage/paritrana-coverage" --listen=127.0.0.1:0 "${tls[@]}" --drain_grace=0s \
  --registry="$registry" >"$dir/c.log" &
pids+=($!)
coverage=127.0.0.1:$(port_of "$dir/c.log")
grep -q '"tls":true' "$dir/r.log" || { echo "FAIL: the registry does not serve TLS"; exit 1; }

cli=$build/cli/paritrana
# No PARITRANA_* from the caller's environment may change what is tested here.
for v in $(env | grep -o '^PARITRANA_[A-Z_]*' || true); do unset "$v"; done
cat >"$dir/baselines.csv" <<'CSV'
region,year,source,potential_workers,source_note
15.04,2025,bpjs-potential,100,test figure
CSV
cat >"$dir/workers.csv" <<'CSV'
kpj,nik,name,sex,birth_date,domicile_region,segment,employer,programmes,region,start_date,funding_source,subsidy_scheme,paid_date,covers_through,amount_rupiah
24000000001,1504011505900001,Budi,M,1990-05-15,15.04,BPU,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
CSV

fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }
mtls=(--registry="$registry" --coverage="$coverage" --tls_ca="$dir/ca.crt"
  --tls_cert="$dir/cli.crt" --tls_key="$dir/cli.key")

# With its certificate the CLI imports and reads back what it imported.
"$cli" "${mtls[@]}" import "$dir/baselines.csv" -q
"$cli" "${mtls[@]}" import "$dir/workers.csv" -q >"$dir/import.txt"
check 'grep -q "1 accepted, 0 unchanged, 0 rejected" "$dir/import.txt"' \
  "mutual TLS import: $(cat "$dir/import.txt")"
"$cli" "${mtls[@]}" coverage 15.04 --date 2025-06-30 -o csv >"$dir/coverage.csv"
check 'grep -q "^Kabupaten Batanghari (regions/15.04) on 2025-06-30,1,100,1.00%$" "$dir/coverage.csv"' \
  "coverage through coverage and registry over mutual TLS: $(cat "$dir/coverage.csv")"

# The same from the environment, with the services' variable names.
PARITRANA_REGISTRY=$registry PARITRANA_TLS_CA=$dir/ca.crt PARITRANA_TLS_CERT=$dir/cli.crt \
  PARITRANA_TLS_KEY=$dir/cli.key "$cli" import "$dir/workers.csv" -q >"$dir/env.txt"
check 'grep -q "0 accepted, 1 unchanged" "$dir/env.txt"' "PARITRANA_TLS_* import: $(cat "$dir/env.txt")"

# The old spelling --tls-ca still works.
"$cli" --registry="$registry" --tls-ca="$dir/ca.crt" --tls_cert="$dir/cli.crt" \
  --tls_key="$dir/cli.key" import "$dir/workers.csv" -q >"$dir/alias.txt"
check 'grep -q "0 accepted, 1 unchanged" "$dir/alias.txt"' "--tls-ca alias: $(cat "$dir/alias.txt")"

# expect_failure NAME PATTERN ARGS...: the CLI must exit non-zero, saying PATTERN on stderr.
expect_failure() {
  local name=$1 pattern=$2
  shift 2
  if timeout 30 "$cli" "$@" >"$dir/$name.out" 2>"$dir/$name.err"; then
    echo "FAIL: $name succeeded"; fail=1; return
  fi
  check 'grep -Eqi -e "$pattern" "$dir/$name.err"' "$name: stderr does not match '$pattern':
$(cat "$dir/$name.err")"
}
expect_failure no_client_cert 'may require a client certificate.*--tls_cert and --tls_key' \
  --registry="$registry" --tls_ca="$dir/ca.crt" import "$dir/workers.csv" -q
expect_failure untrusted_client_cert 'may not accept this client certificate' --registry="$registry" \
  --tls_ca="$dir/ca.crt" --tls_cert="$dir/stranger.crt" --tls_key="$dir/stranger.key" \
  import "$dir/workers.csv" -q
# A certificate the CA signed but the certificates file does not list proves no identity.
expect_failure unlisted_client_cert 'unlisted-client.*is not in --client_certificates_file' \
  --registry="$registry" --tls_ca="$dir/ca.crt" --tls_cert="$dir/unlisted.crt" \
  --tls_key="$dir/unlisted.key" import "$dir/workers.csv" -q
expect_failure cert_without_key '--tls_cert needs --tls_key' --registry="$registry" \
  --tls_ca="$dir/ca.crt" --tls_cert="$dir/cli.crt" import "$dir/workers.csv" -q
expect_failure missing_ca "--tls_ca: cannot read $dir/nothing.crt" --registry="$registry" \
  --tls_ca="$dir/nothing.crt" import "$dir/workers.csv" -q
expect_failure plaintext_to_tls 'the service may require TLS' --registry="$registry" \
  --plaintext import "$dir/workers.csv" -q

[[ $fail == 0 ]] && echo "cli over mutual TLS: ok"
exit $fail
