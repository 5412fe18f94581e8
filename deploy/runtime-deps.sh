#!/usr/bin/env bash
# Names the Debian packages that provide the shared libraries the given binaries load
# (ldd, then dpkg -S), one per line, sorted. Run on the machine (or image stage) that built them.
#   bash deploy/runtime-deps.sh BINARY...                    print the packages
#   bash deploy/runtime-deps.sh --expect "PKG ..." BINARY... also fail, naming each one that
#                                                            the list lacks
# deploy/Dockerfile runs the --expect form on the freshly built binaries against its
# RUNTIME_PACKAGES, and scripts/check_chart.sh on the local build, so that list cannot drift
# from what the binaries really link.
set -euo pipefail

expect=""
check=false
if [[ ${1:-} == --expect ]]; then
  [[ $# -ge 2 ]] || { echo "runtime-deps: --expect needs a package list" >&2; exit 2; }
  check=true
  expect=$2
  shift 2
fi
if [[ $# -eq 0 ]]; then
  echo "usage: runtime-deps.sh [--expect \"PKG ...\"] BINARY..." >&2
  exit 2
fi

# Every library path the binaries load, once.
declare -A libs=()
for bin in "$@"; do
  [[ -f $bin ]] || { echo "runtime-deps: $bin: no such file" >&2; exit 2; }
  out=$(ldd "$bin") || { echo "runtime-deps: ldd failed on $bin" >&2; exit 1; }
  if grep -q 'not found' <<<"$out"; then
    echo "runtime-deps: $bin has unresolved libraries:" >&2
    grep 'not found' <<<"$out" >&2
    exit 1
  fi
  # "libx.so.1 => /path (0x..)" and the loader line "/lib64/ld-linux-x86-64.so.2 (0x..)";
  # linux-vdso has no file.
  while read -r lib; do
    [[ -n $lib ]] && libs[$lib]=1
  done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$out")
done

# Bookworm registers most libraries under /lib while ldd may report /usr/lib (merged /usr), or a
# symlink to the real file, so every spelling is asked about, all in one dpkg -S call.
spellings() { printf '%s\n' "$1" "$(readlink -f "$1")" "${1#/usr}" "/usr$1"; }
declare -A owner=()
mapfile -t candidates < <(for lib in "${!libs[@]}"; do spellings "$lib"; done | sort -u)
while IFS= read -r line; do
  [[ $line == diversion* ]] && continue
  owner[${line#*: }]=${line%%:*}
done < <(dpkg -S "${candidates[@]}" 2>/dev/null || true)

declare -A needed=()
for lib in "${!libs[@]}"; do
  pkg=""
  while read -r spelling; do
    if [[ -n ${owner[$spelling]:-} ]]; then
      pkg=${owner[$spelling]}
      break
    fi
  done < <(spellings "$lib")
  if [[ -z $pkg ]]; then
    echo "runtime-deps: no Debian package owns $lib" >&2
    exit 1
  fi
  needed[${pkg%%,*}]=1
done

mapfile -t sorted < <(printf '%s\n' "${!needed[@]}" | sort)
printf '%s\n' "${sorted[@]}"

if $check; then
  missing=()
  for pkg in "${sorted[@]}"; do
    [[ " $expect " == *" $pkg "* ]] || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "runtime-deps: the runtime package list lacks: ${missing[*]} (add them to" \
      "RUNTIME_PACKAGES in deploy/Dockerfile)" >&2
    exit 1
  fi
fi
