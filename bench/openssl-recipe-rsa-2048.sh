#!/bin/sh
# The seeds' openssl recipe (seeds/000, "Registry TLS encryption with CA", steps 1-4), made
# non-interactive (-nodes, -subj, the registry.ext file written here) for rsa-2048 keys: root CA, registry
# key + CSR, CA-signed certificate with the SAN, .pem copies. Same job as first-use
# `regcert issue --dns registry.example.com --ip 192.168.0.12 --key rsa-2048`.
#   sh bench/openssl-recipe-rsa-2048.sh DIR            (DIR must not exist yet)
#   KEYS=DIR2 sh bench/openssl-recipe-rsa-2048.sh DIR  (key generation excluded: ca.key and registry.key from DIR2)
set -eu
mkdir "$1"
cd "$1"
# Step 1) root CA key / cert
if [ -n "${KEYS:-}" ]; then
  openssl req -x509 -sha256 -days 1825 -key "$KEYS/ca.key" -out rootCA.crt -subj "/O=bench/CN=bench root CA" 2>/dev/null
  cp "$KEYS/ca.key" rootCA.key
else
  openssl req -x509 -sha256 -days 1825 -newkey rsa:2048 -nodes -keyout rootCA.key -out rootCA.crt -subj "/O=bench/CN=bench root CA" 2>/dev/null
fi
# Step 2) registry key and certificate signing request
if [ -n "${KEYS:-}" ]; then cp "$KEYS/registry.key" registry.key; else openssl genrsa -out registry.key 2048 2>/dev/null; fi
openssl req -key registry.key -new -out registry.csr -subj "/CN=registry.example.com"
# Step 3) sign the CSR with the root CA, SAN from the extension file
cat > registry.ext <<'EXT'
authorityKeyIdentifier=keyid,issuer
basicConstraints=CA:FALSE
subjectAltName = @alt_names
[alt_names]
DNS.1 = registry.example.com
IP.1 = 192.168.0.12
EXT
openssl x509 -req -CA rootCA.crt -CAkey rootCA.key -in registry.csr -out registry.crt -days 365 -CAcreateserial -extfile registry.ext 2>/dev/null
# Step 4) .pem copies for distribution
openssl x509 -in rootCA.crt -out rootCA.pem
openssl x509 -in registry.crt -out registry.pem
