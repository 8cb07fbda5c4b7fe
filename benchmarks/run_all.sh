#!/usr/bin/env bash
# Every row of the performance benchmark (benchmarks/perf.py), from the repository root.
#   benchmarks/run_all.sh                          quick sizes, 3 pairs a row (about 2 minutes)
#   benchmarks/run_all.sh --full                   the performance issue's sizes, 5 pairs (about 15 minutes)
#   benchmarks/run_all.sh --full --json runs.json  also keep every run
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python benchmarks/perf.py all "$@"
