#!/usr/bin/env bash
# The paritrana CLI against real servers: a CSV with good and bad rows is imported, the
# rejected-rows report must list exactly the bad ones, and coverage must count the good ones.
# Usage: cli_test.sh BUILD_DIR
set -euo pipefail
build=$1
source "$(dirname "$0")/../support/servers.sh"
# At debug level, so that the check at the end covers the most the registry ever logs.
"$build/services/registry/paritrana-registry" --listen=127.0.0.1:0 --plaintext --drain_grace=0s \
  --log_level=debug --store="sqlite:$dir/registry.db" --nik_key_file="$dir/nik.key" \
  --create_nik_key >"$dir/r.log" 2>&1 &
pids+=($!)
export PARITRANA_REGISTRY=127.0.0.1:$(port_of "$dir/r.log") PARITRANA_PLAINTEXT=true
"$build/services/coverage/paritrana-coverage" --listen=127.0.0.1:0 --plaintext --drain_grace=0s \
  --registry="$PARITRANA_REGISTRY" >"$dir/c.log" &
pids+=($!)
export PARITRANA_COVERAGE=127.0.0.1:$(port_of "$dir/c.log")
cli=$build/cli/paritrana

cat >"$dir/baselines.csv" <<'CSV'
region,year,source,potential_workers,source_note
15.04,2025,bpjs-potential,100,test figure
CSV
cat >"$dir/workers.csv" <<'CSV'
kpj,nik,name,sex,birth_date,domicile_region,segment,employer,programmes,region,start_date,funding_source,subsidy_scheme,paid_date,covers_through,amount_rupiah
24000000001,1504011505900001,Budi,M,1990-05-15,15.04,BPU,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
24000000002,1504015505900002,Siti,F,1990-05-15,15.04,BPU,,JKK;JKM,15.04,2025-01-01,PROVINCIAL_BUDGET,dumisake,2025-01-01,2025-12-31,201600
24000000003,150401150590003,Andi,M,1990-05-15,15.04,BPU,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
24000000004,1504011505900004,Dewi,F,1990-05-15,15.04,XYZ,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
24000000005,1504011505900005,Rudi,M,1990-05-15,15.04,BPU,,JKK;JKM;JP,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
24000000006,1504011505900006,Eka,M,1990-05-15,15.99,BPU,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600
CSV
"$cli" import "$dir/baselines.csv" -q
"$cli" import "$dir/workers.csv" --rejects "$dir/rejects.csv" -q | tee "$dir/summary.txt"

fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }
expected='row_number,field,code,reason
4,participant.nik,INVALID_ARGUMENT,"NIK must have 16 digits, got 15 characters"
5,segment,INVALID_ARGUMENT,"must be PU, BPU, JAKON or PMI"
6,enrollment.programmes,INVALID_ARGUMENT,"PROGRAMME_JP is not available to SEGMENT_BPU participants"
7,participant.domicile_region,NOT_FOUND,"regions/15.99 does not exist"'
check '[[ "$(cat "$dir/rejects.csv")" == "$expected" ]]' "rejects report differs:
$(cat "$dir/rejects.csv")"
check 'grep -q "2 accepted, 0 unchanged, 4 rejected (1 before sending)" "$dir/summary.txt"' "summary counts"
# The NIK must not appear in the report, not even a rejected one's.
check '! grep -q 150401150590003 "$dir/rejects.csv"' "a NIK in the rejects report"

"$cli" coverage 15.04 --date 2025-06-30 -o csv >"$dir/coverage.csv"
cat "$dir/coverage.csv"
check 'grep -q "^Kabupaten Batanghari (regions/15.04) on 2025-06-30,2,100,2.00%$" "$dir/coverage.csv"' \
  "coverage of 15.04: 2 of 100"
check 'grep -q "^  paid by provincial_budget (dumisake),1,," "$dir/coverage.csv"' "Dumisake count"

# Issue 19: a province figure below its one regency's alone (90 < 100) is accepted, reported by
# `baselines check` and beside the province's coverage; --target-year reaches the service.
cat >"$dir/province.csv" <<'CSV'
region,year,source,potential_workers,source_note
15,2025,bpjs-potential,90,test figure that does not add up
CSV
"$cli" import "$dir/province.csv" -q >"$dir/province.txt"
check 'grep -q "1 accepted" "$dir/province.txt"' "a disagreeing province baseline is accepted"
"$cli" baselines check --year 2025 -o csv >"$dir/check.csv"
cat "$dir/check.csv"
expected='province,code,baseline,given,children sum,children with baseline,difference
Jambi,15,2025-bpjs-potential,90,100,1 / 11,-11.11%'
check '[[ "$(cat "$dir/check.csv")" == "$expected" ]]' "baselines check lists Jambi's -11.11%"
"$cli" baselines check --year 2025 --source bps-sakernas -o csv >"$dir/check_sakernas.csv"
check '[[ "$(cat "$dir/check_sakernas.csv")" == "province,code,baseline,given,children sum,children with baseline,difference" ]]' \
  "baselines check --source bps-sakernas lists nothing"
"$cli" baselines check --year 2025 >"$dir/check.txt"
check 'grep -Eq "^Jambi +15 +2025-bpjs-potential +90 +100 +1 / 11 +-11.11%$" "$dir/check.txt"' \
  "baselines check table"
"$cli" coverage 15 --date 2025-06-30 -o csv >"$dir/province_coverage.csv"
check 'grep -q "^  regencies/cities sum (1 of 11) differ by -11.11%,,100,$" "$dir/province_coverage.csv"' \
  "coverage of 15 shows the disagreement"
if "$cli" coverage 15 --date 2025-06-30 --target-year 1999 >"$dir/bad_year.txt" 2>&1; then
  echo "FAIL: --target-year 1999 was accepted"; fail=1
fi
check 'grep -q "target_year: when set, must be a year from 2000 to 2100" "$dir/bad_year.txt"' \
  "--target-year reaches the coverage service: $(cat "$dir/bad_year.txt")"

# Importing the same file again changes nothing.
"$cli" import "$dir/workers.csv" -q | tee "$dir/again.txt"
check 'grep -q "0 accepted, 2 unchanged" "$dir/again.txt"' "re-import is idempotent"
# Issue 13, item 2: rows the CLI cannot send whole are rejected by row and column, never dropped.
# A byte-order mark (Excel) before the header; a row with an extra cell; a name that is not UTF-8;
# a 10 MB cell; then a good row, which must still be imported.
header='kpj,nik,name,sex,birth_date,domicile_region,segment,employer,programmes,region,start_date,funding_source,subsidy_scheme,paid_date,covers_through,amount_rupiah'
row() { echo "240000000$1,15040115059000$1,$2,M,1990-05-15,15.04,BPU,,JKK;JKM,15.04,2025-01-01,WORKER,,2025-01-01,2025-12-31,201600${3:-}"; }
{
  printf '\xEF\xBB\xBF%s\n' "$header"
  row 11 Ahmad ",extra"
  row 12 "$(printf 'Bad\xC3\x28Name')"
  row 13 "$(head -c 10000000 /dev/zero | tr '\0' a)"
  row 14 Wati
} >"$dir/messy.csv"
if "$cli" import "$dir/messy.csv" --rejects "$dir/messy_rejects.csv" -q >"$dir/messy.txt" 2>&1; then
  cut -c1-300 "$dir/messy.txt"
  check 'grep -q "4 rows read, 1 accepted, 0 unchanged, 3 rejected (3 before sending)" "$dir/messy.txt"' \
    "messy summary"
  check 'grep -q "^2,record,INVALID_ARGUMENT,\"has 17 cells but the header has 16 columns\"$" "$dir/messy_rejects.csv"' \
    "extra cell reject"
  check 'grep -q "^3,name,INVALID_ARGUMENT,\"is not valid UTF-8 text\"$" "$dir/messy_rejects.csv"' \
    "UTF-8 reject"
  check 'grep -q "^4,name,INVALID_ARGUMENT,\"is 10000000 bytes long" "$dir/messy_rejects.csv"' \
    "oversized cell reject"
else
  echo "FAIL: the messy import failed:"; cut -c1-300 "$dir/messy.txt"; fail=1
fi

# Every import above sent NIKs, valid and not: none may reach the registry's log, at any level.
check 'grep -q "\"level\":\"debug\"" "$dir/r.log"' "the registry logged nothing at debug level"
check '! grep -Eq "15040[0-9]{10,11}" "$dir/r.log"' "a NIK in the registry's debug log: $(grep -Eo "15040[0-9]{10,11}" "$dir/r.log" | head -1)"

[[ $fail == 0 ]] && echo "cli round trip: ok"
exit $fail
