#!/usr/bin/env bash
# Benchmark: from a stored submission to the dashboards, with 1,000 event streams open
# (GET /api/v1/surveys/{id}/rates/stream) while paper forms are keyed in at 200 a second for 30 s, then at 100 a
# second. Target: p99 under 250 ms. Starts the release service in-process on a fresh database; see
# examples/bench_live.rs for what is measured.
#
# Runs on SQLite; with POSTGRES_URL (a server on which it may create and drop a database, e.g.
# postgres://postgres@127.0.0.1:5432/postgres) on PostgreSQL too, in a database trygghet_bench_live it drops again.
#
# Needs: the Rust toolchain (and libpq). Usage: bench/live.sh [rates]   (default "200 100" forms a second)
set -euo pipefail
cd "$(dirname "$0")/.."
rates="${1:-200 100}"
# Two sockets per stream in one process (the client's and the service's), plus the forms in flight.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release --example bench_live
bin="${CARGO_TARGET_DIR:-target}/release/examples/bench_live"
echo "trygghet $(git rev-parse --short HEAD 2>/dev/null || echo '?'), rates: $rates forms a second"
for rate in $rates; do
  "$bin" --rate "$rate"
  if [ -n "${POSTGRES_URL:-}" ]; then
    "$bin" --rate "$rate" --database "$POSTGRES_URL"
  fi
done
