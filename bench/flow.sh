#!/usr/bin/env bash
# Benchmark: residents answering the whole questionnaire through its pages, as browsers do (the welcome page, each of
# the 9 sections shown and saved, the review, the submit: 21 requests with cookies and form tokens), and paper forms
# keyed in through the API (POST /api/v1/surveys/{id}/paper), driven by goose (bench/load, `trygghet-load`).
#
# For each scenario asked for, it starts the release service on a fresh database (SQLite in a temporary directory, or
# a PostgreSQL database bench_flow_<pid> that it drops again) and times its start-up with migrations, creates an
# account (`trygghet admin create`), has `trygghet-seed` make an open survey of one municipality and hand out its
# letters through the API, then runs goose with USERS users for SECONDS seconds, each resident with a letter of its
# own. Around the run it reads the service's CPU time (utime + stime in /proc/PID/stat) and its peak resident memory
# (VmHWM in /proc/PID/status, reset just before the run), and prints what goose's users measured: completed responses
# a second, p50/p99/max of the pages and of the saves, failures, bytes per page, and the CPU per completed response.
#
# Targets (see BENCHMARKS.md): completed SQLite >= 500/s, PostgreSQL >= 300/s; page GET p99 < 20 ms and section save
# p99 < 40 ms at 32 residents at once; paper forms through the API >= 3,000/s; server CPU < 2 ms per completed
# response; RSS < 100 MB; start-up with migrations on an empty database < 1 s.
#
# Usage: bench/flow.sh [sqlite|postgres] [USERS] [SECONDS] [SCENARIOS]   (default: sqlite 32 30 resident)
#        SCENARIOS is resident, paper, or several as resident,paper; paper-oha sends the paper forms with oha
#        bench/flow.sh --smoke [sqlite|postgres]   2 users, 3 s of residents and 2 s of paper forms; exits non-zero
#                                                  when any request failed or nothing was completed (run by
#                                                  `cargo test -p trygghet-load`)
#
# Environment: POSTGRES_URL (a server on which it may create and drop a database; by default the local server through
# its Unix socket, postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres, when /var/run/postgresql/.s.PGSQL.5432 is
# there and lets it in, as the README advises for a server on the same host, and
# postgres://postgres@127.0.0.1:5432/postgres otherwise; the first line printed says which); PORT (default 18950; 0
# picks a free one); LETTERS (default 3,000, or 600 a second of the run for residents and 4,000 a second for paper
# forms when that is more: every resident needs a letter of its own);
# TRYGGHET_BIN, LOAD_BIN and SEED_BIN to use binaries already built (otherwise cargo builds them with --release);
# ADDRESSES=many to give each resident a client address of their own (X-Forwarded-For from 198.18.0.0/15, trusted by
# the service with TRYGGHET_TRUST_FORWARDED_FOR=true) instead of all coming from 127.0.0.1; OHA_BIN for paper-oha
# (otherwise oha on the PATH); BENCH_OUT, a directory where each run's goose report, summary and service log are kept;
# PROFILE, a directory: the service is profiled with perf for the middle half of each run (perf-*.data, a report of
# each function's share with what it calls in perf-*.txt, and a flame graph perf-*.svg when inferno-collapse-perf and
# inferno-flamegraph are on the PATH: cargo install inferno --locked). INSTRUCTIONS, a directory: the service runs under
# valgrind's callgrind, counting the instructions it executes while the load runs (not before: start-up and seeding
# are left out), and each user answers or sends ITERATIONS (default 40) instead of running for SECONDS; it prints the
# instructions per completed response and keeps callgrind-*.out with callgrind_annotate's list of each function's
# share (inclusive) in callgrind-*.txt. A count of instructions does not move with what else the machine does, so two
# builds can be compared on a busy machine; the times of such a run mean nothing (the service runs ~50 times slower).
#
# Needs: bash, curl, python3; psql for PostgreSQL; perf for PROFILE; valgrind for INSTRUCTIONS.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
if [ "${1:-}" = "--smoke" ]; then
  smoke=true
  shift
fi
backend="${1:-sqlite}"
users="${2:-32}"
seconds="${3:-30}"
scenarios="${4:-resident}"
if $smoke; then
  users=2
  scenarios="resident,paper"
fi
case "$backend" in
  sqlite | postgres) ;;
  *) echo "usage: bench/flow.sh [--smoke] [sqlite|postgres] [USERS] [SECONDS] [SCENARIOS]" >&2; exit 2 ;;
esac
postgres_socket_url="postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres"
if [ -z "${POSTGRES_URL:-}" ] && [ "$backend" = postgres ] && [ -S /var/run/postgresql/.s.PGSQL.5432 ] \
  && psql -q "$postgres_socket_url" -c 'SELECT 1' >/dev/null 2>&1; then
  postgres_url="$postgres_socket_url"
else
  postgres_url="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
fi
# How the service reaches PostgreSQL: through a Unix socket when the URL's host is a directory (percent-encoded).
case "${postgres_url,,}" in
  *@%2f* | *//%2f*) postgres_by="PostgreSQL by Unix socket" ;;
  *) postgres_by="PostgreSQL by TCP" ;;
esac

target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
if [ -z "${TRYGGHET_BIN:-}" ] || [ -z "${LOAD_BIN:-}" ] || [ -z "${SEED_BIN:-}" ]; then
  cargo build --release --bin trygghet
  cargo build --release -p trygghet-load
fi
service_bin="${TRYGGHET_BIN:-$target/release/trygghet}"
load_bin="${LOAD_BIN:-$target/release/trygghet-load}"
seed_bin="${SEED_BIN:-$target/release/trygghet-seed}"

work=$(mktemp -d)
server=""
database=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  fi
  if [ -n "$database" ]; then
    psql -q "$postgres_url" -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
clock_ticks=$(getconf CLK_TCK)
password="load suite passphrase 2026"
email="load@polisen.se"

# utime + stime of a process, in clock ticks (the fields after the command name, which may hold spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
memory_kb() { awk "/^$2:/ {print \$2}" "/proc/$1/status"; }
# Busy and total clock ticks of the whole machine (everything but idle and I/O wait is busy).
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
# "pid ticks" of each PostgreSQL server process serving this run's database (the pool's connections).
postgres_ticks() {
  [ -n "$database" ] || return 0
  for pid in $(psql -At "$postgres_url" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$database'"); do
    [ -r "/proc/$pid/stat" ] && echo "$pid $(cpu_ticks "$pid")"
  done
}

# Starts the service on a fresh database; sets server, base and startup_ms.
start_service() {
  local run=$1
  if [ "$backend" = postgres ]; then
    database="bench_flow_$$_${run//-/_}"
    psql -q "$postgres_url" -c "CREATE DATABASE $database" >/dev/null
    export DATABASE_URL="${postgres_url%/*}/$database"
  else
    mkdir -p "$work/$run"
    export DATABASE_URL="sqlite://$work/$run/trygghet.db"
  fi
  export TRYGGHET_DATA_DIR="$work" TRYGGHET_BIND=127.0.0.1 PORT="${PORT:-18950}"
  if [ "${ADDRESSES:-one}" = many ]; then
    export TRYGGHET_TRUST_FORWARDED_FOR=true TRYGGHET_LOAD_ADDRESSES=many
  fi
  export TRYGGHET_SECRET_KEY
  TRYGGHET_SECRET_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  local started
  started=$(date +%s%N)
  local launcher=()
  if [ -n "${INSTRUCTIONS:-}" ]; then
    mkdir -p "$INSTRUCTIONS"
    callgrind_out="$(realpath "$INSTRUCTIONS")/callgrind-$backend-$users-$run.out"
    # Counting starts with the load (callgrind_control -i on), and the count is written when the service exits.
    launcher=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$callgrind_out")
  fi
  TRYGGHET_LOG="warn,trygghet::startup=info" "${launcher[@]}" "$service_bin" serve >"$work/server-$run.log" 2>&1 &
  server=$!
  base=""
  for _ in $(seq 3000); do
    if [ -z "$base" ]; then
      base=$(grep -so 'http://127\.0\.0\.1:[0-9]*' "$work/server-$run.log" | head -1 || true)
    fi
    if [ -n "$base" ] && curl -fs -o /dev/null "$base/readyz"; then break; fi
    kill -0 "$server" 2>/dev/null || { cat "$work/server-$run.log" >&2; echo "the service did not start" >&2; exit 1; }
    sleep 0.01
  done
  if ! curl -fs -o /dev/null "$base/readyz"; then
    cat "$work/server-$run.log" >&2
    echo "the service is not ready" >&2
    exit 1
  fi
  startup_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  printf '%s\n' "$password" | "$service_bin" admin create --email "$email" >/dev/null
}

stop_service() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
  if [ -n "$database" ]; then
    psql -q "$postgres_url" -c "DROP DATABASE IF EXISTS $database" >/dev/null
    database=""
  fi
}

# Paper forms through the API with oha instead of goose: USERS connections send the seeded forms (a JSON body a
# line, with their own letter and submission id; oha picks lines at random, so a form drawn twice is answered as
# already stored). Forms stored are read from the service's /metrics; writes the summary as trygghet-load does.
run_oha() {
  local scenario=$1 run_seconds=$2 oha_bin stored_before stored_after
  oha_bin="${OHA_BIN:-$(command -v oha || echo "$target/oha/bin/oha")}"
  [ -x "$oha_bin" ] || { echo "paper-oha needs oha: cargo install oha --locked (or OHA_BIN)" >&2; return 2; }
  local survey token
  survey=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["survey"])' "$work/seeded.json")
  token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$work/seeded.json")
  stored_before=$(stored_paper_forms)
  "$oha_bin" -z "${run_seconds}s" -c "$users" -m POST -H "authorization: Bearer $token" \
    -H "content-type: application/json" -Z "$work/paper-forms.jsonl" --no-tui --output-format json \
    -o "$work/oha-$scenario.json" "$base/api/v1/surveys/$survey/paper" >"$work/goose-$scenario.log" 2>&1 || return $?
  stored_after=$(stored_paper_forms)
  python3 - "$work/oha-$scenario.json" "$((stored_after - stored_before))" "$work/summary-$scenario.json" <<'PY'
import json, sys
oha, stored, out = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
seconds = oha["summary"]["total"]
statuses = {code: count for code, count in oha["statusCodeDistribution"].items()}
# Requests still in flight when the time is up are cut off, not failed.
errors = {error: count for error, count in oha.get("errorDistribution", {}).items()
          if error != "aborted due to deadline"}
requests = sum(statuses.values()) + sum(errors.values())
failures = requests - statuses.get("201", 0)
percentiles = oha["latencyPercentiles"]
summary = {
    "seconds": seconds, "completed": stored, "completed_per_second": stored / seconds if seconds else 0,
    "requests": requests, "failures": failures, "generator_cpu_seconds": None, "page_get": None,
    "problems": [f"{code}: {count}" for code, count in statuses.items() if code != "201"]
                + [f"{error}: {count}" for error, count in errors.items()],
    "kinds": [{"name": "POST /api/v1/surveys/{id}/paper", "count": requests,
               "p50_ms": percentiles["p50"] * 1000, "p99_ms": percentiles["p99"] * 1000,
               "max_ms": oha["summary"]["slowest"] * 1000, "mean_bytes": oha["summary"].get("sizePerRequest") or 0}],
}
json.dump(summary, open(out, "w"))
print(f"completed {stored} in {seconds:.1f} s: {summary['completed_per_second']:.1f}/s; {requests} requests, "
      f"{failures} failed (oha; {requests - failures - stored} answered as already stored)")
PY
}
# Calls that found no idle database connection, or waited in the writers' line (the service's /metrics).
pool_waits() { curl -fs "$base/metrics" | awk '/^trygghet_db_pool_waits_total / {print $2 + 0}'; }
# Answers with a 5xx status so far (the service's /metrics, every route).
server_errors() {
  curl -fs "$base/metrics" | awk '/^trygghet_http_requests_total\{.*status="5/ {sum += $NF} END {print sum + 0}'
}
stored_paper_forms() {
  curl -fs "$base/metrics" | awk '/^trygghet_submissions_total\{.*mode="paper"/ {sum += $2} END {print sum + 0}'
}

# The service measured: the checkout's commit, or a binary given by TRYGGHET_BIN named by its path and the start of its
# SHA-256 (a binary built elsewhere, say from an older commit for a comparison, is not the checkout's).
measured="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ -n "${TRYGGHET_BIN:-}" ]; then
  measured="$TRYGGHET_BIN (sha256 $(sha256sum "$TRYGGHET_BIN" | cut -c1-12)), checkout $measured"
fi
echo "trygghet $measured, $(nproc) cores, $(if [ "$backend" = postgres ]; then echo "$postgres_by"; else echo sqlite; fi)," \
  "$users users," \
  "$(if $smoke; then echo smoke; else echo "$seconds s"; fi), client addresses: ${ADDRESSES:-one}," \
  "$(date -u '+%Y-%m-%d %H:%M UTC')"
failed=0
IFS=',' read -ra runs <<<"$scenarios"
for scenario in "${runs[@]}"; do
  case "$scenario" in
    resident) per_second=600; run_seconds=$seconds; ! $smoke || run_seconds=3 ;;
    paper | paper-oha) per_second=4000; run_seconds=$seconds; ! $smoke || run_seconds=2 ;;
    *) echo "unknown scenario $scenario (resident, paper or paper-oha)" >&2; exit 2 ;;
  esac
  letters="${LETTERS:-$(( run_seconds * per_second > 3000 ? run_seconds * per_second : 3000 ))}"
  # A smoke run's letters: enough that a release build's paper forms (past 750 a second) do not run out in its 2 s.
  ! $smoke || letters="${LETTERS:-$(if [ "$scenario" = resident ]; then echo 1500; else echo 4000; fi)}"
  echo "$scenario: load average before $(cut -d' ' -f1-3 /proc/loadavg)"
  start_service "$scenario"
  forms=()
  [ "$scenario" != paper-oha ] || forms=(--paper-forms "$work/paper-forms.jsonl")
  printf '%s\n' "$password" | "$seed_bin" --host "$base" --email "$email" --letters "$letters" \
    --out "$work/seeded.json" "${forms[@]}"
  echo 5 >"/proc/$server/clear_refs" 2>/dev/null || echo "(the peak resident size cannot be reset here: it includes seeding)"
  rss_before=$(memory_kb "$server" VmRSS)
  postgres_ticks >"$work/postgres-before"
  machine_before=$(machine_ticks)
  waits_before=$(pool_waits)
  errors_before=$(server_errors)
  cpu_before=$(cpu_ticks "$server")
  profiler=""
  if [ -n "${PROFILE:-}" ]; then
    # The service alone, unwound through SQLite's C and the Rust frames alike (DWARF), for the middle of the run.
    mkdir -p "$PROFILE"
    profile_data="$PROFILE/perf-$backend-$users-$scenario.data"
    (sleep $(( run_seconds / 4 )); exec perf record --call-graph dwarf,32768 -F 149 -p "$server" -o "$profile_data" \
      -- sleep $(( run_seconds / 2 > 1 ? run_seconds / 2 : 1 ))) >"$work/perf-$scenario.log" 2>&1 &
    profiler=$!
  fi
  status=0
  # How long the load runs: SECONDS, or each user ITERATIONS times when instructions are counted.
  length=(--run-time "${run_seconds}s" --no-reset-metrics)
  if [ -n "${INSTRUCTIONS:-}" ]; then
    length=(--iterations "${ITERATIONS:-40}")
    callgrind_control -i on "$server" >/dev/null
  fi
  if [ "$scenario" = paper-oha ]; then
    run_oha "$scenario" "$run_seconds" || status=$?
  else
    TRYGGHET_LOAD_STATE="$work/seeded.json" TRYGGHET_LOAD_SUMMARY="$work/summary-$scenario.json" "$load_bin" \
      --host "$base" --scenarios "$scenario" --users "$users" --increase-rate "$users" "${length[@]}" \
      --report-file "$work/goose-$scenario.html" >"$work/goose-$scenario.log" 2>&1 || status=$?
  fi
  [ -z "${INSTRUCTIONS:-}" ] || callgrind_control -i off "$server" >/dev/null
  cpu_after=$(cpu_ticks "$server")
  [ -z "$profiler" ] || wait "$profiler" || echo "perf record failed: see $work/perf-$scenario.log" >&2
  machine_after=$(machine_ticks)
  waits=$(( $(pool_waits) - waits_before ))
  server_errors=$(( $(server_errors) - errors_before ))
  postgres_ticks >"$work/postgres-after"
  # Connections opened during the run count from zero; any closed during it are missed (the pool keeps its own).
  postgres=$(awk 'NR == FNR {before[$1] = $2; next} {sum += $2 - before[$1]} END {print sum + 0}' \
    "$work/postgres-before" "$work/postgres-after")
  machine=$(echo "$machine_before $machine_after" | awk '{printf "%.0f", ($3 - $1) * 100 / ($4 - $2)}')
  peak_kb=$(memory_kb "$server" VmHWM)
  stop_service
  if [ ! -s "$work/summary-$scenario.json" ]; then
    tail -30 "$work/goose-$scenario.log" >&2
    echo "$scenario: trygghet-load wrote no summary (exit $status)" >&2
    exit 1
  fi
  sed -n '/^completed /,$p' "$work/goose-$scenario.log"
  if [ -n "${INSTRUCTIONS:-}" ]; then
    instructions=$(awk '/^totals:/ {print $2; exit}' "$callgrind_out")
    python3 - "$work/summary-$scenario.json" "$instructions" <<'PY'
import json, sys
completed, n = json.load(open(sys.argv[1]))["completed"], int(sys.argv[2])
per = f"{n / completed / 1e6:.2f} million per completed ({completed} completed)" if completed else "nothing completed"
print(f"service: {n:,} instructions while the load ran, {per}")
PY
    callgrind_annotate --inclusive=yes --threshold=99 "$callgrind_out" 2>/dev/null | cut -c1-200 >"${callgrind_out%.out}.txt"
    echo "instructions: $callgrind_out, and each function's share in ${callgrind_out%.out}.txt"
  fi
  echo "service: $waits waits for a database connection or in the writers' line, $server_errors answers 5xx"
  python3 - "$work/summary-$scenario.json" "$backend" "$users" "$scenario" "$((cpu_after - cpu_before))" \
    "$clock_ticks" "$peak_kb" "$rss_before" "$startup_ms" "$postgres" "$machine" <<'PY'
import json, sys
path, backend, users, scenario, ticks, hz, peak_kb, rss_kb, startup_ms, pg_ticks, machine = sys.argv[1:]
s = json.load(open(path))
cpu_s = int(ticks) / int(hz)
pg_s = int(pg_ticks) / int(hz)
per = cpu_s * 1000 / s["completed"] if s["completed"] else float("nan")
pg_per = pg_s * 1000 / s["completed"] if s["completed"] else float("nan")
pg = f" + PostgreSQL {pg_per:.2f} ms" if backend == "postgres" else ""
pg_cpu = f" (its connections: CPU {pg_s:.1f} s)" if pg else ""
generator = "not measured" if s.get("generator_cpu_seconds") is None else f"{s['generator_cpu_seconds']:.1f} s"
kinds = {k["name"]: k for k in s["kinds"]}
def pair(stats):
    return f'{stats["p50_ms"]:.1f} / {stats["p99_ms"]:.1f} ms' if stats else "–"
def size(name):
    k = kinds.get(name)
    return f'{k["mean_bytes"] / 1024:.1f}' if k else "–"
print(f"service: CPU {cpu_s:.1f} s over {s['seconds']:.1f} s ({cpu_s / s['seconds'] * 100 if s['seconds'] else 0:.0f} % of a core), "
      f"{per:.2f} ms per completed{pg}{pg_cpu}; machine {machine} % busy; RSS {int(rss_kb) // 1024} MB before, peak {int(peak_kb) // 1024} MB; "
      f"started with migrations in {startup_ms} ms; load generator CPU {generator}")
if scenario == "resident":
    print("| database | residents | completed/s | page GET p50 / p99 | save POST p50 / p99 | submit p50 / p99 | "
          "CPU per completed | peak RSS | KB per page: welcome / section / review | failed |")
    print(f"| {backend} | {users} | {s['completed_per_second']:.0f} | {pair(s.get('page_get'))} | "
          f"{pair(kinds.get('POST /svara/{code}/del/{n}'))} | {pair(kinds.get('POST /svara/{code}/skicka'))} | "
          f"{per:.2f} ms{pg} | {int(peak_kb) // 1024} MB | {size('GET /svara/{code}')} / {size('GET /svara/{code}/del/{n}')} / "
          f"{size('GET /svara/{code}/granska')} | {s['failures']} |")
else:
    paper = kinds.get("POST /api/v1/surveys/{id}/paper")
    print("| database | clients | stored/s | POST p50 / p99 | max | CPU per form | peak RSS | failed |")
    print(f"| {backend} | {users} | {s['completed_per_second']:.0f} | {pair(paper)} | "
          f"{paper['max_ms'] if paper else 0:.0f} ms | {per:.2f} ms{pg} | {int(peak_kb) // 1024} MB | {s['failures']} |")
PY
  if [ -n "$profiler" ] && [ -s "$profile_data" ]; then
    # Each function with what it calls, as a share of the service's samples; and a flame graph when inferno is there.
    perf report -i "$profile_data" --children --sort symbol --stdio -g none --percent-limit 1 2>/dev/null \
      | grep '%' | cut -c1-200 >"${profile_data%.data}.txt"
    if command -v inferno-collapse-perf >/dev/null && command -v inferno-flamegraph >/dev/null; then
      perf script -i "$profile_data" 2>/dev/null | inferno-collapse-perf | inferno-flamegraph >"${profile_data%.data}.svg"
    fi
    echo "profile: ${profile_data%.data}.txt$( [ ! -s "${profile_data%.data}.svg" ] || echo " and .svg")"
  fi
  if [ -n "${BENCH_OUT:-}" ]; then
    mkdir -p "$BENCH_OUT"
    stamp="$backend-$users-$scenario-$(date -u +%Y%m%dT%H%M%S)"
    for file in goose-$scenario.{html,log} oha-$scenario.json summary-$scenario.json server-$scenario.log; do
      cp "$work/$file" "$BENCH_OUT/$stamp-$file" 2>/dev/null || true
    done
  fi
  if [ "$status" -ne 0 ]; then
    echo "$scenario: the load generator exited $status (a request failed, or nothing was completed)" >&2
    failed=1
  fi
done
exit "$failed"
