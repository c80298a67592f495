#!/usr/bin/env bash
# Benchmark: reading a survey's live response rates (GET /api/v1/surveys/{id}/rates) with 10k, 100k and 1M stored
# responses. Target: p99 under 2 ms, flat as responses grow. Seeds a fresh database per size (responses with their
# answers, letters, drafts and counters, written with multi-row INSERTs), starts the release service in-process and
# times 2,000 sequential requests with an API token after 200 warm-up, the same again with a change to the survey
# before each (so each reads the counters instead of the snapshot kept in memory), and the counter read in-process.
# See examples/bench_rates.rs.
#
# Runs on SQLite; with POSTGRES_URL (a server on which it may create and drop databases, e.g.
# postgres://postgres@127.0.0.1:5432/postgres) on PostgreSQL too, in databases trygghet_bench_<size> it drops again.
#
# Needs: the Rust toolchain (and libpq, as for the service). Usage: bench/rates.sh [sizes]   (default 10000,100000,1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="${1:-10000,100000,1000000}"
cargo build --release --example bench_rates
bin="${CARGO_TARGET_DIR:-target}/release/examples/bench_rates"
echo "trygghet $(git rev-parse --short HEAD 2>/dev/null || echo '?'), sizes $sizes"
"$bin" --responses "$sizes"
if [ -n "${POSTGRES_URL:-}" ]; then
  "$bin" --responses "$sizes" --database "$POSTGRES_URL"
fi
