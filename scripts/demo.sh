#!/usr/bin/env bash
# The README's first command: installs what is missing (scripts/setup.sh), builds, then runs
# scripts/run_demo.sh with the same arguments (--once to print and stop; --scale S for Jambi at S
# times its size; --national N for the national dataset with N registered people; --store postgres
# for registry and award on a private PostgreSQL 15 the demo starts and stops).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -eq 0 ]]; then bash scripts/setup.sh; else sudo bash scripts/setup.sh; fi
bash scripts/install_tools.sh  # the national region catalogue, for --national
cmake --preset default >/dev/null
cmake --build --preset default >/dev/null
exec bash scripts/run_demo.sh "$@"
