#!/usr/bin/env bash
# Start-up time and resident memory of `jalin serve` on an existing data directory: from the
# command to the first /healthz answer (polled every 10 ms), then VmRSS/VmHWM; optionally
# LOAD seconds of a match/search loop (wrk with benches/load.lua if installed, else curl),
# then VmRSS/VmHWM again. Usage: benches/start.sh BINARY DATA_DIR [PORT] [LOAD_SECONDS] [COLD]
# COLD=1 drops the page cache first (needs root). Prints one line of figures.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1
DATA=$2
PORT=${3:-21000}
LOAD=${4:-0}
COLD=${5:-0}
if [ "$COLD" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
LOG=$(mktemp)
PID=0
trap 'if [ "$PID" -gt 0 ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi; rm -f "$LOG"' EXIT
T0=$(date +%s.%N)
JALIN_TOKEN=bench-token-0123456789 JALIN_RATE_LIMIT=1000000 JALIN_RATE_BURST=1000000 \
  "$BIN" serve --data "$DATA" --addr "127.0.0.1:$PORT" >"$LOG" 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.01
done
T1=$(date +%s.%N)
mem() { grep -E 'VmRSS|VmHWM' "/proc/$PID/status" | awk '{printf "%s %.2f GB  ", $1, $2/1048576}'; }
echo "ready in $(echo "$T1 - $T0" | bc) s; $(mem)"
grep -m1 -i "opened" "$LOG" || true
if [ "$LOAD" -gt 0 ]; then
  if command -v wrk >/dev/null; then
    wrk -t2 -c16 -d"${LOAD}s" --latency -s benches/load.lua "http://127.0.0.1:$PORT" | grep -E '^load:' || true
  else
    END=$(( $(date +%s) + LOAD ))
    while [ "$(date +%s)" -lt "$END" ]; do
      curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"need":"beras premium 10 ton"}' "http://127.0.0.1:$PORT/v1/match"
      curl -s -o /dev/null "http://127.0.0.1:$PORT/v1/search?q=kopi"
    done
  fi
  echo "after ${LOAD}s of load: $(mem)"
fi
