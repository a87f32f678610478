#!/usr/bin/env bash
# What the largest plans an anonymous caller may ask for cost the server (issue #21): the
# release server on the sample, one plan at a time at the anonymous caps (PlanLimits::ANONYMOUS:
# 600 participants, 15,000 participants × slots, 2 s of improvement), then four at once;
# wall time of each answer, its size, and the server's peak resident memory (VmHWM) after.
# Usage: benches/plan_caps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18083}
cargo build --release --locked -q
BIN=${JALIN_BIN:-target/release/jalin}
WORK=$(mktemp -d)
# (Never `kill 0`: that would be the whole process group, this script's caller included.)
PID=0
trap 'if [ "$PID" -gt 0 ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi; rm -rf "$WORK"' EXIT
"$BIN" init --data "$WORK/data" >/dev/null
JALIN_TOKEN=bench-token-0123456789 JALIN_RATE_LIMIT=0 RUST_LOG=warn \
  "$BIN" serve --data "$WORK/data" --addr "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
PID=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
hwm() { awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$PID/status"; }
rss() { awk '/VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$PID/status"; }
# Specs at the caps: 600 sample businesses (300 of East Java, 300 of West Java) with
# 25 slots (600 × 25 = 15,000), every one with min_meetings; and 300 × 50 in one population.
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
by = {}
for line in open("fixtures/businesses.jsonl"):
    b = json.loads(line)
    by.setdefault(b["province"], []).append(b["id"])
def spec(name, parts, slots, pairing):
    return {"name": name, "host_province": "32", "date": "2026-12-03",
            "slots": {"start": "08:00", "minutes": 15, "count": slots},
            "tables": 300, "max_meetings": slots, "min_meetings": 3,
            "pairing": pairing, "time_limit_ms": 2000, "participants": parts}
two = [{"id": i, "side": "origin"} for i in by["35"][:300]] + \
      [{"id": i, "side": "host"} for i in by["32"][:300]]
json.dump(spec("caps-two-sides", two, 25, "between_sides"), open(f"{work}/two.json", "w"))
one = [{"id": i} for i in by["35"][:150] + by["32"][:150]]
json.dump(spec("caps-any", one, 50, "any"), open(f"{work}/any.json", "w"))
PY
echo "server after start: RSS $(rss), peak $(hwm); $(nproc) cores"
for f in two any; do
  out=$(curl -s -o "$WORK/$f.out" -w '%{http_code} %{time_total} %{size_download}' \
    -H 'content-type: application/json' --data-binary @"$WORK/$f.json" \
    "http://127.0.0.1:$PORT/v1/missions/plan")
  read -r code secs bytes <<<"$out"
  echo "$f: HTTP $code in ${secs} s, $((bytes / 1024)) KiB answer; server RSS $(rss), peak $(hwm)"
done
start=$(date +%s.%N)
for _ in 1 2 3 4; do
  curl -s -o /dev/null -w '%{http_code}\n' -H 'content-type: application/json' \
    --data-binary @"$WORK/two.json" "http://127.0.0.1:$PORT/v1/missions/plan" &
done | sort | uniq -c | sed 's/^/  four at once: /'
echo "four at once: $(echo "$(date +%s.%N) - $start" | bc) s in all; server RSS $(rss), peak $(hwm)"
