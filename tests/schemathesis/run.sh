#!/usr/bin/env bash
# API conformance: schemathesis generates requests from /api/openapi.json of a running service (SQLite, a fresh
# database seeded by prepare.py) and checks every answer against the document: no 5xx, status codes, content types,
# headers and bodies as documented, invalid input refused, valid input accepted. Fails unless at least
# TRYGGHET_CONFORMANCE_REQUESTS (default 10,000) requests reached the API and none of them got a 5xx, counted by the
# service's own /metrics.
#
# Needs: the Rust toolchain and Python 3 with venv (schemathesis, pinned in requirements.txt, is installed into
# a virtual environment under the build directory). Usage: tests/schemathesis/run.sh
# Reports (JUnit and the run's requests as a cassette) are written to $TRYGGHET_CONFORMANCE_REPORTS (default
# the build directory's conformance-report/).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/schemathesis
target="${CARGO_TARGET_DIR:-target}"
minimum="${TRYGGHET_CONFORMANCE_REQUESTS:-10000}"
reports="${TRYGGHET_CONFORMANCE_REPORTS:-$target/conformance-report}"

venv="$target/conformance-venv"
if [ ! -x "$venv/bin/st" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

# The same build as the README's test command (`cargo test --workspace`): after it, as in CI, this builds nothing.
cargo build --locked --workspace --all-targets
binary="$target/debug/trygghet"

work="$(mktemp -d)"
port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/trygghet.db" TRYGGHET_DATA_DIR="$work" PORT="$port" TRYGGHET_LOG=warn
export TRYGGHET_PUBLIC_URL="$base"
service=""
cleanup() {
  if [ -n "$service" ]; then kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

email=konformans@trygghet.test
password="conformance-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
"$binary" migrate >/dev/null
printf '%s\n' "$password" | "$binary" admin create --email "$email" --name "Konformans" >/dev/null
"$binary" serve >"$work/service.log" 2>&1 &
service=$!
for _ in $(seq 1 100); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$base/readyz" >/dev/null

"$venv/bin/python" "$here/prepare.py" "$base" "$email" "$password" "$work/schemathesis.toml"
cat "$here/checks.toml" >>"$work/schemathesis.toml"

# Requests and 5xx answers to /api so far, from the service's own counters.
api_requests() {
  curl -fs "$base/metrics" | awk -v class="$1" '
    /^trygghet_http_requests_total\{/ && /endpoint="\/api/ {
      if (class == "" || $0 ~ "status=\"" class) total += $NF
    }
    END { printf "%d\n", total }'
}
before="$(api_requests "")"

mkdir -p "$reports"
# Two schemathesis processes side by side, one per core: generating cases is what takes the time (one Python process
# keeps a core busy while the service idles), and within one process two workers are not safe here. One worker per
# process: with two, the threads generating cases sometimes parse source at the same moment, which Python 3.11 up to
# 3.11.7 cannot do ("SystemError: AST constructor recursion depth mismatch", CPython gh-106905), and the run ends with
# a runtime error although every check passed. The operations are split by method into halves that take about as
# long: POST and PUT in one; GET, PATCH and DELETE in the other, followed by the stateful phase over all operations.
schemathesis() {
  local name="$1"
  shift
  "$venv/bin/st" --config-file "$work/schemathesis.toml" run \
    "$base/api/openapi.json" \
    --max-examples "${TRYGGHET_CONFORMANCE_EXAMPLES:-250}" \
    --seed "${TRYGGHET_CONFORMANCE_SEED:-20261205}" \
    --workers 1 \
    --request-timeout 30 \
    --report junit \
    --report-junit-path "$reports/junit-$name.xml" \
    --warnings off \
    "$@" >"$work/schemathesis-$name.log" 2>&1
}
schemathesis writes --phases examples,coverage,fuzzing --include-method POST --include-method PUT &
writes=$!
status=0
schemathesis others --phases examples,coverage,fuzzing --exclude-method POST --exclude-method PUT || status=$?
schemathesis stateful --phases stateful || status=$?
wait "$writes" || status=$?
for name in writes others stateful; do
  echo "conformance ($name):"
  cat "$work/schemathesis-$name.log"
done

if ! kill -0 "$service" 2>/dev/null || ! curl -fs "$base/healthz" >/dev/null; then
  echo "conformance: the service stopped during the run; the end of its log:" >&2
  tail -40 "$work/service.log" >&2
  exit 1
fi
requests=$(($(api_requests "") - before))
server_errors="$(api_requests 5)"
echo "conformance: $requests requests to /api, $server_errors answered 5xx (minimum $minimum requests)"
if [ "$server_errors" -ne 0 ]; then
  echo "conformance: 5xx answers; the service's log:" >&2
  grep -iE "error|panic" "$work/service.log" | tail -20 >&2 || true
  status=1
fi
if [ "$requests" -lt "$minimum" ]; then
  echo "conformance: fewer than $minimum requests reached the API" >&2
  status=1
fi
exit "$status"
