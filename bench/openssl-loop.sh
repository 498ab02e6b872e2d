#!/bin/sh
# Per-certificate openssl loop, the way a shell script mints many server certificates: one root CA,
# then for each host a fresh key, a CSR and a CA-signed certificate with the registry SAN profile.
#   sh bench/openssl-loop.sh COUNT ecdsa-p256|rsa-2048 DIR     -> prints {"count":N,"ms":…} (CA excluded)
set -eu
count=$1 kt=$2 dir=$3
mkdir "$dir" && cd "$dir"
case $kt in
  ecdsa-p256) newkey="-newkey ec -pkeyopt ec_paramgen_curve:P-256"; genkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; } ;;
  rsa-2048) newkey="-newkey rsa:2048"; genkey() { openssl genrsa -out "$1" 2048 2>/dev/null; } ;;
  *) echo "unknown key type $kt" >&2; exit 2 ;;
esac
openssl req -x509 -sha256 -days 1825 $newkey -nodes -keyout ca.key -out ca.crt -subj "/O=bench/CN=bench root CA" 2>/dev/null
start=$(date +%s%N)
i=0
while [ "$i" -lt "$count" ]; do
  i=$((i + 1))
  genkey "host$i.key"
  openssl req -key "host$i.key" -new -out "host$i.csr" -subj "/O=bench/CN=host$i.registry.example.com"
  printf 'authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:host%s.registry.example.com,IP:192.168.0.12\n' "$i" > "host$i.ext"
  openssl x509 -req -sha256 -CA ca.crt -CAkey ca.key -CAcreateserial -in "host$i.csr" -out "host$i.crt" -days 397 -extfile "host$i.ext" 2>/dev/null
done
end=$(date +%s%N)
echo "{\"tool\":\"openssl loop\",\"key\":\"$kt\",\"count\":$count,\"ms\":$(( (end - start) / 1000000 ))}"
