#!/usr/bin/env bash
# Installs every Debian package Paritrana needs to build, test, benchmark and run its demo.
# Non-interactive and idempotent: packages already present are skipped, so a second run is quick.
# Run as root on Debian 12 (bookworm); the versions below are the bookworm ones the project is
# built and tested against, and the script refuses to go on if apt offers a different major.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # RPC stack: gRPC 1.51, protobuf 3.21, Abseil 20220623
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libabsl-dev
  # storage and cache
  libsqlite3-dev sqlite3 libhiredis-dev redis-server redis-tools libpq-dev postgresql
  # libraries for JSON, logging, CLI parsing and the metrics HTTP endpoint
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libcpp-httplib-dev libssl-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # openssl makes the test CA and certificates of the mutual TLS test (cli_tls_test.sh)
  openssl
  # the asan preset and fuzzing (scripts/fuzz.sh): clang++ with libFuzzer and the sanitizer
  # runtimes; clang-format checks the C++ formatting (.clang-format)
  clang libclang-rt-14-dev clang-format
  # the gateway (paritrana-gateway): Boost.Beast and Asio for HTTP/1.1, nghttp2 for HTTP/2,
  # zlib for gzip; its dashboard test drives Debian's headless Chromium (with a font to draw text)
  libboost-dev libnghttp2-dev zlib1g-dev chromium fonts-dejavu-core
  # buf (lint) and helm checks come from the npm registry
  nodejs npm unzip curl python3-yaml
)

# Major versions the code is written against; a different major is a porting job, not an install.
declare -A expected=(
  [libgrpc++-dev]='^1\.51\.'
  [libprotobuf-dev]='^3\.21\.'
  [libabsl-dev]='^20220623'
)

if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: run as root (it calls apt-get install)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# node/npm may come from elsewhere on some machines; a working npm is all the CI needs.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup.sh: all packages already installed"
fi

for p in "${!expected[@]}"; do
  v=$(dpkg-query -W -f='${Version}' "$p")
  if ! [[ $v =~ ${expected[$p]} ]]; then
    echo "setup.sh: $p is $v, expected ${expected[$p]}" >&2
    exit 1
  fi
done

# The distribution starts redis-server and postgresql as system services; the project's tests and
# demo start their own instances on free ports, so the system ones are left as they are.
echo "setup.sh: done"
