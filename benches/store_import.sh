#!/usr/bin/env bash
# Import rate into each store backend: the same generated businesses and deals imported with
# `jalin import` into SQLite (a fresh data directory) and into PostgreSQL (a fresh schema of
# the database at JALIN_TEST_DATABASE_URL; `.ci/postgres start` prints one), each run timed
# whole (records/s) and by its store phase (read, check and write; the `store … s` jalin
# prints — the part the backend changes; indexing and the deal network come after).
#
#   benches/store_import.sh [BUSINESSES] [DEALS] [BIN]   (default 5000 businesses, 20000 deals)
#
# BIN (or JALIN_BIN) is the binary to measure: give a release build, e.g.
# `cargo build --release` then `$CARGO_TARGET_DIR/release/jalin` (default: target/release/jalin
# if it exists, else target/debug/jalin — debug figures are for smoke tests only).
# Rows measured, each into a fresh store:
#   sqlite           the two-phase import, row inserts (SQLite's way)
#   postgres-rows    the two-phase import, row inserts (JALIN_IMPORT_WRITES=rows)
#   postgres-copy    the two-phase import, COPY (the default)
# With JALIN_BIN_BEFORE set to a binary built before the two-phase import (per-record store
# reads, row inserts), also `sqlite-before` and `postgres-before`.
set -euo pipefail
cd "$(dirname "$0")/.."
N_BUSINESSES="${1:-5000}"
N_DEALS="${2:-20000}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="${3:-${JALIN_BIN:-}}"
if [ -z "$BIN" ]; then
  if [ -x "$TARGET/release/jalin" ]; then BIN="$TARGET/release/jalin"; else BIN="$TARGET/debug/jalin"; fi
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 2; }
BEFORE="${JALIN_BIN_BEFORE:-}"
: "${JALIN_TEST_DATABASE_URL:?set it (eval \"export \$(.ci/postgres start)\")}"
WORK="$(mktemp -d)"
SCHEMAS=()
cleanup() {
  for s in "${SCHEMAS[@]}"; do
    psql -q "$JALIN_TEST_DATABASE_URL" -c "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN" generate --businesses "$N_BUSINESSES" --deals "$N_DEALS" --seed 7 --out "$WORK/gen" >/dev/null
listings=$(grep -o '"commodity"' "$WORK/gen/businesses.jsonl" | wc -l)
echo "binary: $BIN${BEFORE:+; before: $BEFORE}"
echo "$N_BUSINESSES businesses ($listings listings and needs), $N_DEALS deals"
case "$JALIN_TEST_DATABASE_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
# A fresh schema of the test database; its URL in PG_URL.
fresh_schema() {
  local schema="jalin_bench_$$_$1"
  SCHEMAS+=("$schema")
  psql -q "$JALIN_TEST_DATABASE_URL" -c "SET client_min_messages TO warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
  PG_URL="${JALIN_TEST_DATABASE_URL}${SEP}options=-csearch_path%3D$schema"
}
printf "%-16s %8s %10s %12s %14s\n" run seconds records/s "store s" "store rec/s"
run() {
  local name="$1" bin="$2"; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  env JALIN_SAMPLE=0 "$@" "$bin" import --data "$WORK/$name" ${URL:+--database-url "$URL"} \
    "$WORK/gen/businesses.jsonl" "$WORK/gen/deals.jsonl" >"$WORK/$name.log" 2>&1 \
    || { cat "$WORK/$name.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  store=$(grep -o 'store [0-9.]* s' "$WORK/$name.log" | tail -1 | awk '{print $2}')
  awk -v n="$name" -v r="$((N_BUSINESSES + N_DEALS))" -v t0="$t0" -v t1="$t1" -v st="${store:-0}" \
    'BEGIN { s = t1 - t0; printf "%-16s %8.2f %10.0f %12.1f %14s\n", n, s, r / s, st,
             (st > 0 ? sprintf("%.0f", r / st) : "-") }'
}
URL="" run sqlite "$BIN"
fresh_schema rows; URL="$PG_URL" run postgres-rows "$BIN" JALIN_IMPORT_WRITES=rows
fresh_schema copy; URL="$PG_URL" run postgres-copy "$BIN"
if [ -n "$BEFORE" ]; then
  URL="" run sqlite-before "$BEFORE"
  fresh_schema before; URL="$PG_URL" run postgres-before "$BEFORE"
fi
