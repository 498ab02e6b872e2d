#!/bin/sh
# regcert status and issue against a home of N certificates (default 10 000) versus an empty home,
# side by side in one hyperfine group each, with `node -e 0` as the floor. BEFORE_DIST=dir adds the
# same commands from another build (e.g. the commit before a change) to each group. The warm-up status
# writes the home's stamp cache (index.stamps.json); a group times status with it deleted first, and a
# last one --json and --quiet beside the human report.
#
#   sh bench/status.sh [N]          (REGCERT_DIST=dist; OUT=bench/out/status; RUNS=10)
set -eu
N=${1:-10000}
DIST=${REGCERT_DIST:-dist}
OUT=${OUT:-bench/out/status}
RUNS=${RUNS:-10}
mkdir -p "$OUT"
[ -f "$OUT/big/home/index.json" ] || REGCERT_DIST="$DIST" node bench/gen-home.mjs "$OUT/big" "$N"
[ -f "$OUT/empty/home/ca.crt" ] || node "$DIST/cli/main.js" --home "$OUT/empty/home" --quiet init-ca --cn "bench empty home"
# each build works on its own copy of the big home (issue adds to it; builds may keep the index differently)
rm -rf "$OUT/big-run" && cp -a "$OUT/big" "$OUT/big-run"
set -- "node -e 0" \
  "node $DIST/cli/main.js --home $OUT/empty/home status" \
  "node $DIST/cli/main.js --home $OUT/big-run/home status"
if [ -n "${BEFORE_DIST:-}" ]; then
  rm -rf "$OUT/big-before" && cp -a "$OUT/big" "$OUT/big-before"
  set -- "$@" "node $BEFORE_DIST/cli/main.js --home $OUT/big-before/home status"
fi
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$OUT/status.json" "$@"

set -- "node $DIST/cli/main.js --home $OUT/empty/home --quiet issue bench.test --out $OUT/issue-empty" \
  "node $DIST/cli/main.js --home $OUT/big-run/home --quiet issue bench.test --out $OUT/issue-big"
[ -n "${BEFORE_DIST:-}" ] && set -- "$@" "node $BEFORE_DIST/cli/main.js --home $OUT/big-before/home --quiet issue bench.test --out $OUT/issue-before"
hyperfine -N --warmup 1 --runs "$RUNS" --prepare "rm -rf $OUT/issue-empty $OUT/issue-big $OUT/issue-before" --export-json "$OUT/issue.json" "$@"

# status without its stamp cache (every file read and hashed, the cache written again)
rm -rf "$OUT/big-cold" && cp -a "$OUT/big" "$OUT/big-cold"
set -- "node $DIST/cli/main.js --home $OUT/big-cold/home status"
if [ -n "${BEFORE_DIST:-}" ]; then
  rm -rf "$OUT/big-cold-before" && cp -a "$OUT/big" "$OUT/big-cold-before"
  set -- "$@" "node $BEFORE_DIST/cli/main.js --home $OUT/big-cold-before/home status"
fi
hyperfine -N -i --runs "$RUNS" --prepare "rm -f $OUT/big-cold/home/index.stamps.json $OUT/big-cold-before/home/index.stamps.json" --export-json "$OUT/status-cold.json" "$@"

# the same warm status as a --json document and with --quiet (cron), beside the human report
set -- "node $DIST/cli/main.js --home $OUT/big-run/home status" \
  "node $DIST/cli/main.js --home $OUT/big-run/home --json status" \
  "node $DIST/cli/main.js --home $OUT/big-run/home --quiet status"
[ -n "${BEFORE_DIST:-}" ] && set -- "$@" "node $BEFORE_DIST/cli/main.js --home $OUT/big-before/home --json status" "node $BEFORE_DIST/cli/main.js --home $OUT/big-before/home --quiet status"
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$OUT/status-modes.json" "$@"
