#!/bin/sh
# Reproduce everything in results/ (about 10 minutes on one core; run with nice).
set -e
cd "$(dirname "$0")"
VENV=../../target/supply-venv
[ -x $VENV/bin/python ] || { python3 -m venv $VENV && $VENV/bin/pip install -q numpy scipy; }
nice -n 15 $VENV/bin/python fit.py --vintage matched      # all forms, LOO, LOGO -> results/fit_matched.json
nice -n 15 $VENV/bin/python fit.py --vintage newest --forms A,A4,G   # sensitivity -> results/fit_newest.json
nice -n 15 $VENV/bin/python profile_gamma.py               # -> results/profile_gamma.json
nice -n 15 $VENV/bin/python fit_f19.py                     # -> results/fit_f19.json
nice -n 15 $VENV/bin/python checks.py > results/checks.txt # -> results/checks.json
nice -n 15 $VENV/bin/python corridors.py > results/corridors.txt  # -> results/corridors.json
