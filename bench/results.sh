#!/usr/bin/env bash
# Benchmark: a survey's results (GET /api/v1/surveys/{id}/results) with 10k and 100k counted responses in four
# municipalities. Target: under 0.5 s per request at 100,000 responses, weighted or not. Seeds a fresh database per
# size (responses with complete answers, written with multi-row INSERTs), starts the release service in-process,
# stores population margins through the API and times, with an API token: the first request after start (which reads
# every answer); then of ?weights=none, ?weights=population and ?by=age_band 20 sequential requests after 2 warm-up,
# 5 right after a change (margins stored again) and 5 right after a new paper form, with the process's peak memory;
# then the steps of the first request (the read, decoding, compute, protect, JSON) in-process. See
# examples/bench_results.rs.
#
# Runs on SQLite; with POSTGRES_URL (a server on which it may create and drop databases, e.g.
# postgres://postgres@127.0.0.1:5432/postgres) on PostgreSQL too, in databases trygghet_bench_results_<size> it
# drops again.
#
# Needs: the Rust toolchain (and libpq, as for the service). Usage: bench/results.sh [sizes]   (default 10000,100000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-10000,100000}"
cargo build --release --example bench_results
bin="${CARGO_TARGET_DIR:-target}/release/examples/bench_results"
echo "trygghet $(git rev-parse --short HEAD 2>/dev/null || echo '?'), sizes $sizes"
"$bin" --responses "$sizes"
if [ -n "${POSTGRES_URL:-}" ]; then
  "$bin" --responses "$sizes" --database "$POSTGRES_URL"
fi
