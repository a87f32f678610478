#!/usr/bin/env bash
# HTTP load test: builds the release binary, generates and imports ~100k listings into a
# fresh data directory, starts the server on loopback, runs wrk with a mixed match/search
# workload (benches/load.lua) for a fixed time, prints requests/s, p50/p99 and errors,
# and stops the server. Usage: benches/load.sh [listings] [seconds] [connections]
# JALIN_LOAD_DATA=DIR serves an existing data directory instead (kept; nothing generated).
set -euo pipefail
cd "$(dirname "$0")/.."
LISTINGS=${1:-100000}
SECONDS_=${2:-30}
CONNS=${3:-64}
PORT=${PORT:-18080}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --locked -q
BIN=target/release/jalin
WORK=$(mktemp -d)
# Stop the server and let it finish its shutdown (it saves the deal network) before the
# data directory goes.
# (Never `kill 0`: that would be the whole process group, this script's caller included.)
PID=0
trap 'if [ "$PID" -gt 0 ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi; rm -rf "$WORK"' EXIT
DATA=${JALIN_LOAD_DATA:-$WORK/data}
if [ -z "${JALIN_LOAD_DATA:-}" ]; then
  BUSINESSES=$(( (LISTINGS * 10 + 27) / 28 ))
  "$BIN" generate --businesses "$BUSINESSES" --deals $(( BUSINESSES * 5 )) --seed 7 --out "$WORK/gen" >/dev/null
  # An empty store loads the embedded fixtures first; the generated data comes on top.
  "$BIN" import --no-sample --data "$DATA" "$WORK/gen/businesses.jsonl" "$WORK/gen/deals.jsonl"
fi
JALIN_TOKEN=bench-token-0123456789 JALIN_RATE_LIMIT=1000000 JALIN_RATE_BURST=1000000 RUST_LOG=warn "$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" &
PID=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/healthz"; echo
wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency -s benches/load.lua "http://127.0.0.1:$PORT" | tail -n 12
