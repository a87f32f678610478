#!/usr/bin/env bash
# Import rate into each store backend: the same generated businesses and deals imported with
# `jalin import` into SQLite (a fresh data directory) and into PostgreSQL (a fresh schema of
# the database at JALIN_TEST_DATABASE_URL; `.ci/postgres start` prints one).
#
#   benches/store_import.sh [BUSINESSES] [DEALS]     (default 5000 businesses, 20000 deals)
#
# JALIN_BIN picks the binary (default: target/release/jalin, else target/debug/jalin).
set -euo pipefail
cd "$(dirname "$0")/.."
N_BUSINESSES="${1:-5000}"
N_DEALS="${2:-20000}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="${JALIN_BIN:-}"
if [ -z "$BIN" ]; then
  if [ -x "$TARGET/release/jalin" ]; then BIN="$TARGET/release/jalin"; else BIN="$TARGET/debug/jalin"; fi
fi
: "${JALIN_TEST_DATABASE_URL:?set it (eval \"export \$(.ci/postgres start)\")}"
WORK="$(mktemp -d)"
SCHEMA="jalin_bench_$$"
cleanup() {
  psql -q "$JALIN_TEST_DATABASE_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN" generate --businesses "$N_BUSINESSES" --deals "$N_DEALS" --seed 7 --out "$WORK/gen" >/dev/null
listings=$(grep -o '"commodity"' "$WORK/gen/businesses.jsonl" | wc -l)
echo "binary: $BIN; $N_BUSINESSES businesses ($listings listings and needs), $N_DEALS deals"
psql -q "$JALIN_TEST_DATABASE_URL" -c "CREATE SCHEMA $SCHEMA" >/dev/null
case "$JALIN_TEST_DATABASE_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
PG_URL="${JALIN_TEST_DATABASE_URL}${SEP}options=-csearch_path%3D$SCHEMA"
run() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  JALIN_SAMPLE=0 "$BIN" import "$@" "$WORK/gen/businesses.jsonl" "$WORK/gen/deals.jsonl" >"$WORK/$name.log" 2>&1 \
    || { cat "$WORK/$name.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk -v n="$name" -v b="$N_BUSINESSES" -v d="$N_DEALS" -v t0="$t0" -v t1="$t1" \
    'BEGIN { s = t1 - t0; printf "%-10s %7.2f s  %8.0f businesses/s  %8.0f records/s\n", n, s, b / s, (b + d) / s }'
}
run sqlite --data "$WORK/sqlite"
run postgres --data "$WORK/pg" --database-url "$PG_URL"
