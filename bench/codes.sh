#!/usr/bin/env bash
# Benchmark: handing out invitation codes in one action, as a coordinator does for a municipality's sample.
# Measures the API (JSON: generate, hash, store) and the letters download (zip: CSV + one QR code per letter) for
# 1,500 and 10,000 codes, on SQLite (default) or on PostgreSQL when DATABASE_URL is set.
#
# Needs: a release build (cargo build --release), curl, python3. Usage: bench/codes.sh [runs]   (default 3 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
bin="$(realpath -m "${CARGO_TARGET_DIR:-target}")/release/trygghet"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
work=$(mktemp -d)
port=18765
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
password="benchmark passphrase 2026"
printf '%s\n' "$password" | (cd "$work" && "$bin" admin create --email bench@polisen.se >/dev/null)
(cd "$work" && PORT=$port TRYGGHET_LOG=warn exec "$bin" serve >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
jar="$work/jar"
csrf() { grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//'; }
token=$(curl -fs -c "$jar" -b "$jar" "$base/sign-in" | csrf)
curl -fs -o /dev/null -c "$jar" -b "$jar" "$base/sign-in" --data-urlencode "email=bench@polisen.se" \
  --data-urlencode "password=$password" --data-urlencode "csrf_token=$token"
session_csrf=$(curl -fs -b "$jar" "$base/admin" | csrf)
api=$(curl -fs -b "$jar" -H "x-csrf-token: $session_csrf" -H 'content-type: application/json' \
  -d '{"name":"bench"}' "$base/api/v1/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
survey=$(curl -fs -H "authorization: Bearer $api" -H 'content-type: application/json' "$base/api/v1/surveys" -d '{
  "title": "Benchmark", "opens_on": "2026-05-02", "closes_on": "2026-06-19", "access": "codes",
  "municipalities": [{"code": "1783", "sample_size": 1500}, {"code": "0180", "sample_size": 100000}]}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
measure() { # label, command...
  local label=$1; shift
  local times=()
  for _ in $(seq "$runs"); do times+=("$("$@")"); done
  python3 - "$label" "${times[@]}" <<'PY'
import statistics, sys
label, values = sys.argv[1], [float(v) for v in sys.argv[2:]]
print(f"{label:<44} median {statistics.median(values):7.3f} s   min {min(values):7.3f} s   max {max(values):7.3f} s")
PY
}
json_codes() { curl -fs -o /dev/null -w '%{time_total}' -H "authorization: Bearer $api" -H 'content-type: application/json' \
  -d "{\"count\": $2}" "$base/api/v1/surveys/$survey/municipalities/$1/invitations"; }
zip_codes() { curl -fs -o "$work/codes.zip" -w '%{time_total}' -b "$jar" \
  --data "csrf_token=$session_csrf&count=$2" "$base/admin/surveys/$survey/municipalities/$1/codes"; }
echo "trygghet $($bin --version | cut -d' ' -f2), $(nproc) cores, database: ${DATABASE_URL:-SQLite}, $runs runs each"
measure "API, 1,500 codes (JSON)" json_codes 1783 1500
measure "API, 10,000 codes (JSON)" json_codes 0180 10000
measure "letters zip, 1,500 codes (CSV + QR SVGs)" zip_codes 1783 1500
measure "letters zip, 10,000 codes (CSV + QR SVGs)" zip_codes 0180 10000
echo "zip size for 10,000 letters: $(du -h "$work/codes.zip" | cut -f1)"
# The service's memory while archives are written: its peak resident size is reset (Linux 4.0 and later), then three
# archives of 20,000 letters are asked for at once; at most two are written at a time, the third waits its turn.
rss() { awk "/^$1:/ {print int(\$2 / 1024)}" "/proc/$server/status"; }
echo 5 > "/proc/$server/clear_refs" 2>/dev/null || echo "(the peak resident size cannot be reset here)"
before=$(rss VmRSS)
start=$(date +%s.%N)
big_zip() { curl -fs -o "$work/big$1.zip" -b "$jar" --data "csrf_token=$session_csrf&count=20000" \
  "$base/admin/surveys/$survey/municipalities/0180/codes"; }
downloads=()
for n in 1 2 3; do big_zip "$n" & downloads+=($!); done
wait "${downloads[@]}"
echo "three letters zips of 20,000 codes at once: $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s, \
$(du -h "$work/big1.zip" | cut -f1) each; service RSS before ${before} MB, peak $(rss VmHWM) MB"
