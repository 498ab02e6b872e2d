#!/bin/sh
# Start-up of the CLI (issue #11 performance part A), this build beside another build (BASE, e.g. the
# commit before a change) in the same hyperfine invocation, so the ratios survive a loaded machine:
#   --help                     vs node -e 0                          target ≤ 1.15×
#   P-256 first-use issue      vs node -e 0 and the openssl recipe   target ≤ 1.25× both
# Then the same commands' CPU time (bench/cpu-rusage.py), the steadier figure when the machine is busy.
#   sh bench/startup.sh [BASE_DIST]      (default BASE_DIST=/work/base/dist; RUNS=20, RUNS_HELP=40)
set -eu
cd "$(dirname "$0")/.."
DIST=${REGCERT_DIST:-dist}
BASE=${1:-/work/base/dist}
RUNS=${RUNS:-20}
RUNS_HELP=${RUNS_HELP:-40}
W=$(mktemp -d /tmp/regcert-startup.XXXXXX)
trap 'rm -rf "$W"' EXIT
ISSUE="--yes --quiet issue --dns registry.example.com --ip 192.168.0.12 --key ecdsa-p256"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N -w 3 -r "$RUNS_HELP" --export-json "$W/help.json" \
  -n "regcert --help" "node $DIST/cli/main.js --help" -n "regcert --help [base]" "node $BASE/cli/main.js --help" -n "node -e 0" "node -e 0"
hyperfine -N -w 2 -r "$RUNS" --prepare "rm -rf $W/r $W/b $W/o" --export-json "$W/issue.json" \
  -n "issue" "node $DIST/cli/main.js --home $W/r/home $ISSUE --out $W/r/certs" \
  -n "issue [base]" "node $BASE/cli/main.js --home $W/b/home $ISSUE --out $W/b/certs" \
  -n "openssl recipe" "sh bench/openssl-recipe-ecdsa-p256.sh $W/o" -n "node -e 0" "node -e 0"
echo "== CPU time (user+sys), interleaved"
python3 bench/cpu-rusage.py "$RUNS_HELP" "" "help=node $DIST/cli/main.js --help" "help-base=node $BASE/cli/main.js --help" "node0=node -e 0"
python3 bench/cpu-rusage.py "$RUNS" "rm -rf $W/r $W/b $W/o" "issue=node $DIST/cli/main.js --home $W/r/home $ISSUE --out $W/r/certs" \
  "issue-base=node $BASE/cli/main.js --home $W/b/home $ISSUE --out $W/b/certs" "openssl=sh bench/openssl-recipe-ecdsa-p256.sh $W/o" "node0=node -e 0"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
