#!/bin/sh
# Forum-like instances: the planner against an exact CP-SAT model (issue #16).
# Usage: benches/forum.sh [--count N] [--seed S]   (CP-SAT time limit: FORUM_EXACT_S, default 60)
set -eu
: "${CARGO_TARGET_DIR:=target}"
export CARGO_TARGET_DIR
venv="$CARGO_TARGET_DIR/plan-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q ortools
fi
cargo bench --bench forum -- "$@"
"$venv/bin/python" "$(dirname "$0")/forum_exact.py" --time-limit "${FORUM_EXACT_S:-60}"
