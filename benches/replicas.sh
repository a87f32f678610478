#!/usr/bin/env bash
# Read throughput of one jalin replica vs two on one PostgreSQL database (issue #19).
#
#   benches/replicas.sh BINARY [LISTINGS] [SECONDS] [CONNECTIONS]
#       (defaults: 100000 listings, 30 s, 64 connections)
#
# BINARY is a release `jalin` (cargo build --release). PostgreSQL: the database at
# JALIN_TEST_DATABASE_URL (`eval "export $(.ci/postgres start 23060)"` starts a throw-away
# cluster); the run works in a schema of its own, dropped at the end. Generated data (as
# benches/load.sh: ~LISTINGS listings, 5 deals per business) is imported once through
# replica 1's data directory; replica 2 builds its index from the database. The load is
# benches/load.lua (70 % match, 30 % search) through wrk: first CONNECTIONS connections to
# one replica, then the same number split over both (one wrk per replica, side by side, as a
# round-robin balancer would spread them). Both replicas share this machine's cores, so two
# replicas measure what the second process costs and gains here, not what a second machine
# would add. PORT (default 18181) and PORT+1 are the replicas' ports.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:?usage: benches/replicas.sh BINARY [LISTINGS] [SECONDS] [CONNECTIONS]}"
LISTINGS="${2:-100000}"
SECONDS_="${3:-30}"
CONNS="${4:-64}"
PORT="${PORT:-18181}"
: "${JALIN_TEST_DATABASE_URL:?set it (eval \"export \$(.ci/postgres start 23060)\")}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
WORK="$(mktemp -d)"
SCHEMA="jalin_replicas_$$"
PIDS=()
cleanup() {
  # Stop the replicas we started (by their process ids) and let them shut down.
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q "$JALIN_TEST_DATABASE_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql -q "$JALIN_TEST_DATABASE_URL" -c "CREATE SCHEMA $SCHEMA" >/dev/null
case "$JALIN_TEST_DATABASE_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
export JALIN_DATABASE_URL="${JALIN_TEST_DATABASE_URL}${SEP}options=-csearch_path%3D$SCHEMA"
export JALIN_TOKEN=bench-token-0123456789 JALIN_RATE_LIMIT=1000000 JALIN_RATE_BURST=1000000
export RUST_LOG=warn JALIN_SAMPLE=0

BUSINESSES=$(( (LISTINGS * 10 + 27) / 28 ))
"$BIN" generate --businesses "$BUSINESSES" --deals $(( BUSINESSES * 5 )) --seed 7 --out "$WORK/gen" >/dev/null
t0=$(date +%s.%N)
"$BIN" import --no-sample --data "$WORK/r1" "$WORK/gen/businesses.jsonl" "$WORK/gen/deals.jsonl" \
  >"$WORK/import.log" 2>&1 || { cat "$WORK/import.log" >&2; exit 1; }
t1=$(date +%s.%N)
echo "binary: $BIN; $BUSINESSES businesses (~$LISTINGS listings), $(( BUSINESSES * 5 )) deals;" \
  "imported into PostgreSQL in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

# Starts a replica on data directory $1 and port $2; waits until /healthz says caught_up.
start() {
  local data="$1" port="$2" t0 t1
  t0=$(date +%s.%N)
  "$BIN" serve --data "$data" --addr "127.0.0.1:$port" >"$data.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 3000); do
    if curl -sf "http://127.0.0.1:$port/healthz" 2>/dev/null | grep -q '"caught_up": *true'; then
      t1=$(date +%s.%N)
      echo "replica on :$port caught up in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
      return 0
    fi
    sleep 0.2
  done
  echo "replica on :$port did not catch up:" >&2
  tail -20 "$data.log" >&2
  exit 1
}

# Runs wrk against port $1 with $2 connections and $3 threads; prints its summary to $4.
load() {
  wrk -t"$3" -c"$2" -d"${SECONDS_}s" --latency -s benches/load.lua "http://127.0.0.1:$1" >"$4"
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
p99() { awk '$1 == "99%" { print $2 }' "$1"; }
errors() { awk '/^load:/ { for (i = 1; i < NF; i++) if ($(i + 1) == "non-2xx,") n += $i } END { print n + 0 }' "$1"; }

start "$WORK/r1" "$PORT"
load "$PORT" "$CONNS" 2 "$WORK/one.txt"
printf 'one replica:  %10.0f req/s  p99 %-8s non-2xx %s\n' \
  "$(rps "$WORK/one.txt")" "$(p99 "$WORK/one.txt")" "$(errors "$WORK/one.txt")"

start "$WORK/r2" "$(( PORT + 1 ))"
half=$(( CONNS / 2 > 0 ? CONNS / 2 : 1 ))
load "$PORT" "$half" 1 "$WORK/two-a.txt" &
A=$!
load "$(( PORT + 1 ))" "$half" 1 "$WORK/two-b.txt" &
B=$!
wait "$A" "$B"
printf 'two replicas: %10.0f req/s  p99 %s / %s  non-2xx %s\n' \
  "$(awk -v a="$(rps "$WORK/two-a.txt")" -v b="$(rps "$WORK/two-b.txt")" 'BEGIN { print a + b }')" \
  "$(p99 "$WORK/two-a.txt")" "$(p99 "$WORK/two-b.txt")" \
  "$(( $(errors "$WORK/two-a.txt") + $(errors "$WORK/two-b.txt") ))"
