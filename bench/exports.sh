#!/usr/bin/env bash
# Benchmark: a survey's exports with 10k and 100k stored responses in four municipalities: the open-data CSV
# (GET /api/v1/surveys/{id}/responses.csv, streamed) and the results workbook (GET /api/v1/surveys/{id}/results.xlsx).
# Target: the CSV of 100,000 responses in under 5 s, with the service's memory flat in the number of responses.
# Seeds a fresh database per size with the results benchmark's seeding (30 % of respondents write a comment), starts
# the release service in-process and times 5 downloads of each export after one untimed, with how far the process's
# memory rose during a download. See examples/bench_exports.rs.
#
# Runs on SQLite; with POSTGRES_URL (a server on which it may create and drop databases, e.g.
# postgres://postgres@127.0.0.1:5432/postgres) on PostgreSQL too, in databases trygghet_bench_exports_<size> it drops
# again.
#
# Needs: the Rust toolchain (and libpq, as for the service). Usage: bench/exports.sh [sizes]   (default 10000,100000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-10000,100000}"
cargo build --release --example bench_exports --example bench_results
bin="${CARGO_TARGET_DIR:-target}/release/examples/bench_exports"
echo "trygghet $(git rev-parse --short HEAD 2>/dev/null || echo '?'), sizes $sizes"
"$bin" --responses "$sizes"
if [ -n "${POSTGRES_URL:-}" ]; then
  "$bin" --responses "$sizes" --database "$POSTGRES_URL"
fi
