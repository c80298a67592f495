#!/usr/bin/env bash
# Crash test: kills the release service with SIGKILL 20 times while residents answer and clerks key in paper forms,
# then checks that every acknowledged submission is stored exactly once and that `trygghet reconcile` finds no
# difference. What it does and checks: examples/crash_test.rs.
#
# Runs on SQLite; with --postgres URL (a server on which it may create and drop a database, e.g.
# postgres://postgres@127.0.0.1:5432/postgres) on PostgreSQL, in a database trygghet_crash_<pid> it drops again.
# Any other option goes to the example (--kills, --residents, --clerks, --letters, --up-ms; see --help).
#
# Needs: the Rust toolchain (and libpq). Usage: tests/crash.sh [--postgres URL] [options]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin trygghet --example crash_test
exec "${CARGO_TARGET_DIR:-target}/release/examples/crash_test" "$@"
