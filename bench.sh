#!/usr/bin/env bash
# Benchmarks: builds release binaries, runs the engine micro-benchmarks
# (criterion), then the Terraform-level comparison against hashicorp/null and
# terraform_data (benchmarks/run.py; its options pass through, e.g.
# ./bench.sh --sizes 100 --reps 1 for a quick look, --write-doc to update
# docs/performance.md). ./bench.sh --compare runs the behaviour comparison
# against the peer providers instead (benchmarks/compare.py).
set -euo pipefail
cd "$(dirname "$0")"
cargo build --locked --release -p terraform-provider-driver -p demo-api
if [ "${1:-}" = "--compare" ]; then
  shift
  exec python3 benchmarks/compare.py "$@"
fi
if [ "${BENCH_SKIP_MICRO:-}" = "" ]; then
  cargo bench --locked --bench engine -- --warm-up-time 1 --measurement-time 3 --sample-size 10 2>&1 | grep -E "^[a-z_]+/[a-z_0-9]+|time:|panicked" || true
fi
exec python3 benchmarks/run.py "$@"
