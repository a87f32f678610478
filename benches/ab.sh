#!/usr/bin/env bash
# Before/after in one run: the same bench commands on an earlier commit and on the working
# tree, alternately, so both meet the same machine weather.
#
#   benches/ab.sh REV [ROUNDS]      e.g. benches/ab.sh 57931d1 2
#
# REV is checked out (detached) under target/ab/before with its own target directory
# (target/ab/target: a full release build the first time). Output: the p50/p99 and criterion
# lines of each run, labelled "before rN" / "after rN".
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: benches/ab.sh REV [ROUNDS]}
rounds=${2:-2}
here=$PWD
before=$here/target/ab/before
if [ ! -d "$before" ]; then
  git worktree add --detach "$before" "$rev"
else
  git -C "$before" checkout --detach "$rev"
fi
run() { # dir target-dir label command...
  local dir=$1 tgt=$2 label=$3
  shift 3
  echo "=== $label: $*"
  (cd "$dir" && CARGO_TARGET_DIR=$tgt "$@" 2>&1 | grep -E "p50|time:|^plan/|^graph/|^match/|^  planner ")
}
both() { # command...
  for r in $(seq "$rounds"); do
    run "$before" "$here/target/ab/target" "before r$r" "$@"
    run "$here" "$here/target" "after r$r" "$@"
  done
}
(cd "$before" && CARGO_TARGET_DIR=$here/target/ab/target cargo bench --locked --no-run)
cargo bench --locked --no-run
both env JALIN_BENCH_SIZES=100000 cargo bench --locked --bench ranking -- 100k
both cargo bench --locked --bench planner
both cargo bench --locked --bench graph
