#!/bin/sh
# Forum-like instances: the planner and the previous planner against an exact CP-SAT model
# (issue #16). One command prints, per instance, meetings placed, rule violations (checked in
# Python from the planners' slots), idle gaps of both planners, the exact optimum with a
# "proven" flag and the solver's time, and the planner's time; exit status 1 if a plan breaks
# a rule or misses 1.25 x optimum + 2 on a proven instance.
#
# Usage: benches/forum.sh [bench arguments]
#   Without arguments: the proven set, 8 instances, --seed 301 --participants 40-48 --slots 8-8
#   (40-80 participants and 8-22 slots is the issue's range; --count N --seed S
#   --participants LO-HI --slots LO-HI choose others).
# Environment: FORUM_EXACT_S, CP-SAT seconds per instance (default 300); FORUM_WORKERS (2);
#   FORUM_BIN, a built forum bench binary to run instead of `cargo bench --bench forum`.
set -eu
: "${CARGO_TARGET_DIR:=target}"
export CARGO_TARGET_DIR
venv="$CARGO_TARGET_DIR/plan-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q ortools
fi
if [ $# -eq 0 ]; then
    set -- --count 8 --seed 301 --participants 40-48 --slots 8-8
fi
if [ -n "${FORUM_BIN:-}" ]; then
    "$FORUM_BIN" "$@"
else
    cargo bench --bench forum -- "$@"
fi
"$venv/bin/python" "$(dirname "$0")/forum_exact.py" --hint --core \
    --time-limit "${FORUM_EXACT_S:-300}" --workers "${FORUM_WORKERS:-2}"
