#!/usr/bin/env node
// First-use job with key generation excluded: what `regcert issue --dns registry.example.com --ip
// 192.168.0.12` does after its two key generations (CA certificate, leaf certificate, CSR, PKCS#8
// PEMs, seven files written with fsync like the file layer), with the CA and registry keys read from
// KEYS_DIR (ca.key, registry.key). Paired in bench/run.sh with `KEYS=… sh openssl-recipe-rsa-4096.sh`,
// so RSA-4096 can be compared without the variance of prime search.
//   node bench/firstuse-keys.mjs KEYS_DIR OUT_DIR
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [keysDir, outDir] = process.argv.slice(2);
const dist = resolve(import.meta.dirname, "..", process.env.REGCERT_DIST || "dist");
const lib = await import(pathToFileURL(join(dist, "index.js")).href);
const pair = (file) => {
  const privateKey = createPrivateKey(readFileSync(join(keysDir, file), "utf8"));
  return { privateKey, publicKey: createPublicKey(privateKey) };
};
const ca = lib.createRootCa({ commonName: "bench root CA", organization: "bench", keyPair: pair("ca.key") });
const leaf = lib.issueCertificate({ issuer: ca.issuer, names: ["registry.example.com", "192.168.0.12"], keyPair: pair("registry.key") });
mkdirSync(join(outDir, "home"), { recursive: true, mode: 0o700 });
mkdirSync(join(outDir, "certs"), { recursive: true });
const write = (path, contents, mode) => {
  const fd = openSync(join(outDir, path), "wx", mode);
  writeSync(fd, contents);
  fsyncSync(fd);
  closeSync(fd);
};
write("home/ca.key", ca.privateKeyPem, 0o600);
write("home/ca.crt", ca.certificatePem, 0o644);
write("certs/registry.key", leaf.privateKeyPem, 0o600);
write("certs/registry.csr", leaf.csrPem, 0o644);
write("certs/registry.crt", leaf.certificatePem, 0o644);
write("certs/registry.pem", leaf.certificatePem, 0o644);
write("certs/ca.crt", ca.certificatePem, 0o644);
