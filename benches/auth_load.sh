#!/usr/bin/env bash
# The cost of authorisation and rate limiting (issue #21), measured side by side in one run:
# the same wrk mix (benches/load.lua) against the same data, with
#   A) anonymous requests, no rate limit (JALIN_RATE_LIMIT=0),
#   B) anonymous requests, the per-address rate limit on (set high enough never to refuse,
#      so what is measured is its bookkeeping, not refusals),
#   C) every request with a reader key (a key lookup in the store per request), the
#      per-address and the per-key limits on (high, as in B).
# Each variant runs ROUNDS times, interleaved, so a slow moment of the machine hits them alike.
# Usage: benches/auth_load.sh [listings] [seconds per run] [connections] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
LISTINGS=${1:-100000}
SECS=${2:-15}
CONNS=${3:-64}
ROUNDS=${4:-2}
PORT=${PORT:-18081}
TOKEN=bench-token-0123456789
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --locked -q
BIN=${JALIN_BIN:-target/release/jalin}
WORK=$(mktemp -d)
# (Never `kill 0`: that would be the whole process group, this script's caller included.)
PID=0
trap 'if [ "$PID" -gt 0 ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi; rm -rf "$WORK"' EXIT
BUSINESSES=$(( (LISTINGS * 10 + 27) / 28 ))
"$BIN" generate --businesses "$BUSINESSES" --deals $(( BUSINESSES * 5 )) --seed 7 --out "$WORK/gen" >/dev/null
"$BIN" import --no-sample --data "$WORK/data" "$WORK/gen/businesses.jsonl" "$WORK/gen/deals.jsonl" >/dev/null
KEY=$("$BIN" keys --data "$WORK/data" create --role reader --label bench 2>/dev/null)

start() {
  # A rate of 0 switches the limit off (and takes no burst).
  local burst=$1
  [ "$1" -eq 0 ] && burst=1
  JALIN_TOKEN=$TOKEN JALIN_RATE_LIMIT=$1 JALIN_RATE_BURST=$burst RUST_LOG=warn \
    "$BIN" serve --data "$WORK/data" --addr "127.0.0.1:$PORT" 2>>"$WORK/serve.log" &
  PID=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "the server did not start" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=0; }

run() { # name, rate limit, extra wrk args
  local name=$1 limit=$2; shift 2
  start "$limit"
  # A short warm-up so every variant starts with warm caches.
  wrk -t2 -c"$CONNS" -d3s -s benches/load.lua "$@" "http://127.0.0.1:$PORT" >/dev/null
  local out
  out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s benches/load.lua "$@" "http://127.0.0.1:$PORT")
  stop
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-34s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
}

echo "listings ≈ $LISTINGS, $CONNS connections, ${SECS}s per run, $ROUNDS rounds, $(nproc) cores"
for r in $(seq 1 "$ROUNDS"); do
  run "A anonymous, no rate limit" 0
  run "B anonymous, rate limit on" 1000000
  run "C reader key, rate limits on" 1000000 -H "Authorization: Bearer $KEY"
done
