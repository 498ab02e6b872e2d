#!/bin/sh
# regcert against the seeds' openssl recipe, mkcert and bare `node -e 0`, side by side: hyperfine runs
# the commands of each group interleaved in one invocation, so their ratios hold on a loaded machine.
# Writes the raw figures to bench/out/ (not committed) and the summary to bench/RESULTS.md.
#
#   npm run build && npm run bench          (or: REGCERT_DIST=dist-x sh bench/run.sh)
#
# Knobs (environment): RUNS (20, first-use groups), RUNS_RSA4096 (30), RUNS_STARTUP (40, --help/--version),
# RUNS_CPU (15, CPU/peak-memory sampling), BULK_P256 (1000), BULK_RSA (100), LOOP_P256 (100) and
# LOOP_RSA (20) for the openssl and mkcert per-certificate loops, X509_COUNT (200).
# COMPARE_DIST="label=dist-dir …": other builds of regcert to run beside this one in the P-256 first-use,
# and start-up groups (e.g. the commit before a change), to measure what the change bought; COMPARE_BULK_DIST
# likewise for the bulk library runs. Labels must not contain spaces.
# Needs: node, hyperfine, openssl, mkcert, GNU time (/usr/bin/time).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
DIST=${REGCERT_DIST:-dist}
OUT=${BENCH_OUT:-$ROOT/bench/out}
RUNS=${RUNS:-20}
RUNS_RSA4096=${RUNS_RSA4096:-30}
RUNS_STARTUP=${RUNS_STARTUP:-40}
RUNS_CPU=${RUNS_CPU:-15}
BULK_P256=${BULK_P256:-1000}
BULK_RSA=${BULK_RSA:-100}
LOOP_P256=${LOOP_P256:-100}
LOOP_RSA=${LOOP_RSA:-20}
X509_COUNT=${X509_COUNT:-200}
BIN="$ROOT/$DIST/cli/main.js"
[ -f "$BIN" ] || { echo "bench: $BIN is missing; run npm run build first" >&2; exit 2; }
for tool in hyperfine openssl mkcert /usr/bin/time; do command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }; done
W=$(mktemp -d /tmp/regcert-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
rm -rf "$OUT" && mkdir -p "$OUT"
log() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)" >&2; }

# ---- the machine, at the start ----
{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores=$(nproc)"
  echo "memory_mb=$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "node=$(node --version)"
  echo "node_openssl=$(node -p process.versions.openssl)"
  echo "openssl=$(openssl version)"
  echo "mkcert=$(mkcert -version 2>&1)"
  echo "hyperfine=$(hyperfine --version)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "regcert_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} > "$OUT/machine.txt"

REG="node $BIN"
COMPARE_DIST=${COMPARE_DIST:-}
COMPARE_BULK_DIST=${COMPARE_BULK_DIST:-}
ISSUE_ARGS="issue --dns registry.example.com --ip 192.168.0.12"

# ---- (1) first use: CA + registry key/CSR/certificate + files ----
for kt in ecdsa-p256 rsa-2048 rsa-4096; do
  log "first use, $kt"
  runs=$RUNS
  [ "$kt" = rsa-4096 ] && runs=$RUNS_RSA4096
  set -- -n "regcert issue" "$REG --home $W/r/home --yes --quiet $ISSUE_ARGS --key $kt --out $W/r/certs" \
    -n "openssl recipe" "sh $ROOT/bench/openssl-recipe-$kt.sh $W/o"
  if [ "$kt" = ecdsa-p256 ]; then
    for spec in $COMPARE_DIST; do
      set -- "$@" -n "regcert issue [${spec%%=*}]" "node $ROOT/${spec#*=}/cli/main.js --home $W/x/home --yes --quiet $ISSUE_ARGS --key $kt --out $W/x/certs"
    done
  fi
  case $kt in
    ecdsa-p256) set -- "$@" -n "mkcert -ecdsa" "env CAROOT=$W/m mkcert -ecdsa -cert-file $W/m/registry.crt -key-file $W/m/registry.key registry.example.com 192.168.0.12" ;;
    rsa-2048) set -- "$@" -n "mkcert" "env CAROOT=$W/m mkcert -cert-file $W/m/registry.crt -key-file $W/m/registry.key registry.example.com 192.168.0.12" ;;
  esac
  hyperfine -N --style basic --warmup 2 --runs "$runs" --prepare "rm -rf $W/r $W/o $W/m $W/x" --export-json "$OUT/firstuse-$kt.json" \
    "$@" -n "node -e 0" "node -e 0" >&2
done

# ---- (1b) rsa-4096 with key generation excluded: the same keys for both tools ----
log "first use, rsa-4096, key generation excluded"
mkdir -p "$W/keys"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$W/keys/ca.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$W/keys/registry.key" 2>/dev/null
hyperfine -N --style basic --warmup 2 --runs "$RUNS" --prepare "rm -rf $W/k1 $W/k2" --export-json "$OUT/firstuse-rsa-4096-keys-given.json" \
  -n "regcert (library, keys given)" "env REGCERT_DIST=$DIST node $ROOT/bench/firstuse-keys.mjs $W/keys $W/k1" \
  -n "openssl recipe (keys given)" "env KEYS=$W/keys sh $ROOT/bench/openssl-recipe-rsa-4096.sh $W/k2" \
  -n "node -e 0" "node -e 0" >&2

# ---- (2) start-up ----
log "start-up: --help, --version"
set -- -n "node -e 0" "node -e 0" -n "regcert --help" "$REG --help" -n "regcert --version" "$REG --version"
for spec in $COMPARE_DIST; do set -- "$@" -n "regcert --help [${spec%%=*}]" "node $ROOT/${spec#*=}/cli/main.js --help"; done
hyperfine -N --style basic --warmup 3 --runs "$RUNS_STARTUP" --export-json "$OUT/startup.json" "$@" >&2

# ---- (4) CPU time and peak memory of each CLI run (GNU time, interleaved) ----
log "CPU time and peak RSS"
node bench/cpu.mjs --runs "$RUNS_CPU" --json "$OUT/cpu.json" --prepare "rm -rf $W/c" -- \
  "node -e 0=node -e 0" \
  "regcert --help=$REG --help" \
  "regcert --version=$REG --version" \
  "regcert issue (ecdsa-p256)=$REG --home $W/c/home --yes --quiet $ISSUE_ARGS --out $W/c/certs" \
  "openssl recipe (ecdsa-p256)=sh $ROOT/bench/openssl-recipe-ecdsa-p256.sh $W/c" \
  "mkcert -ecdsa=env CAROOT=$W/c mkcert -ecdsa -cert-file $W/c/registry.crt -key-file $W/c/registry.key registry.example.com 192.168.0.12" >&2

# ---- (3) bulk: many server certificates ----
log "bulk through the library"
for i in 1 2 3; do node bench/bulk.mjs --json --count "$BULK_P256" --out "$W/bulk-p256" >> "$OUT/bulk.jsonl"; done
for spec in $COMPARE_BULK_DIST; do
  for i in 1 2 3; do REGCERT_DIST=${spec#*=} node bench/bulk.mjs --json --count "$BULK_P256" --label "${spec%%=*}" >> "$OUT/bulk.jsonl"; done
done
for i in 1 2 3; do node bench/bulk.mjs --json --engine x509 --count "$X509_COUNT" >> "$OUT/bulk.jsonl"; done
node bench/bulk.mjs --json --key rsa-2048 --count "$BULK_RSA" --out "$W/bulk-rsa" >> "$OUT/bulk.jsonl"
log "openssl verify of the bulk samples"
for set in bulk-p256 bulk-rsa; do
  total=$(ls "$W/$set"/leaf-*.crt | wc -l)
  ok=$(openssl verify -CAfile "$W/$set/ca.crt" "$W/$set"/leaf-*.crt 2>&1 | grep -c ': OK$' || true)
  echo "{\"set\":\"$set\",\"sampled\":$total,\"verified\":$ok}" >> "$OUT/verify.jsonl"
done
log "openssl and mkcert per-certificate loops"
sh bench/openssl-loop.sh "$LOOP_P256" ecdsa-p256 "$W/ol-p256" >> "$OUT/loops.jsonl"
sh bench/openssl-loop.sh "$LOOP_RSA" rsa-2048 "$W/ol-rsa" >> "$OUT/loops.jsonl"
sh bench/mkcert-loop.sh "$LOOP_P256" ecdsa-p256 "$W/ml-p256" >> "$OUT/loops.jsonl"
sh bench/mkcert-loop.sh "$LOOP_RSA" rsa-2048 "$W/ml-rsa" >> "$OUT/loops.jsonl"

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
node bench/report.mjs "$OUT" > bench/RESULTS.md
log "wrote bench/RESULTS.md"
