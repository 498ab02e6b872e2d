#!/bin/sh
# mkcert loop: one CAROOT (created by an untimed first call), then COUNT certificates, one process each.
# mkcert's CA is always RSA-3072; -ecdsa makes P-256 leaves, without it RSA-2048 leaves.
#   sh bench/mkcert-loop.sh COUNT ecdsa-p256|rsa-2048 DIR      -> prints {"count":N,"ms":…}
set -eu
count=$1 kt=$2 dir=$3
flag=""
[ "$kt" = ecdsa-p256 ] && flag="-ecdsa"
mkdir "$dir" && cd "$dir"
export CAROOT="$dir/caroot"
mkcert $flag -cert-file first.crt -key-file first.key first.registry.example.com >/dev/null 2>&1
start=$(date +%s%N)
i=0
while [ "$i" -lt "$count" ]; do
  i=$((i + 1))
  mkcert $flag -cert-file "host$i.crt" -key-file "host$i.key" "host$i.registry.example.com" 192.168.0.12 >/dev/null 2>&1
done
end=$(date +%s%N)
echo "{\"tool\":\"mkcert loop\",\"key\":\"$kt\",\"count\":$count,\"ms\":$(( (end - start) / 1000000 ))}"
