#!/usr/bin/env node
// Bulk issuing through the library, in one process: N server certificates (fresh key + CA-signed
// certificate + PKCS#8 PEM each), as a provisioning script would do it.
//
//   node bench/bulk.mjs [--key ecdsa-p256|rsa-2048] [--count 1000] [--engine regcert|x509] [--out DIR] [--sample 20] [--json]
//
// Prints (or with --json, one JSON line): certs/s in steady state (the timed loop after a short
// warm-up), and the wall time from process start to the last certificate (start-up, imports, CA,
// warm-up, loop). --out DIR writes ca.crt and a sample of the leaves (every N/sample-th) so the
// caller can check them with `openssl verify`. --engine x509 runs the same job through
// @peculiar/x509's X509CertificateGenerator (the baseline the engine replaced).
// Loads the library from $REGCERT_DIST (default dist) so parallel work trees do not collide.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    key: { type: "string", default: "ecdsa-p256" },
    count: { type: "string", default: "1000" },
    engine: { type: "string", default: "regcert" },
    out: { type: "string" },
    sample: { type: "string", default: "20" },
    warmup: { type: "string" },
    json: { type: "boolean", default: false },
    label: { type: "string" },
  },
});
const count = Number(args.count);
const keyAlgorithm = args.key;
const warmupCount = Number(args.warmup ?? Math.max(5, Math.min(100, Math.floor(count / 10))));
const repo = resolve(import.meta.dirname, "..");

async function regcertEngine() {
  const dist = resolve(repo, process.env.REGCERT_DIST || "dist");
  const lib = await import(pathToFileURL(join(dist, "index.js")).href);
  const ca = lib.createRootCa({ commonName: "bench root", keyAlgorithm });
  let i = 0;
  return {
    caPem: ca.certificatePem,
    issue() {
      i++;
      const leaf = lib.issueCertificate({ issuer: ca.issuer, names: [`host${i}.registry.example.com`, "192.168.0.12"], keyAlgorithm, csr: false });
      return { certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem };
    },
  };
}

// The pre-engine way: @peculiar/x509's generator over WebCrypto (what the issue measured at ~167 certs/s).
async function x509Engine() {
  await import("reflect-metadata");
  const x509 = await import("@peculiar/x509");
  const { webcrypto } = await import("node:crypto");
  x509.cryptoProvider.set(webcrypto);
  const alg = keyAlgorithm.startsWith("rsa")
    ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: Number(keyAlgorithm.slice(4)) }
    : { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const caKeys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - 300_000);
  const notAfter = new Date(notBefore.getTime() + 397 * 86_400_000);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "O=regcert, CN=bench root",
    notBefore,
    notAfter: new Date(notBefore.getTime() + 3650 * 86_400_000),
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true), await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey)],
  });
  let i = 0;
  return {
    caPem: caCert.toString("pem"),
    async issue() {
      i++;
      const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: webcrypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "").replace(/^[89a-f]/, "4"),
        subject: `O=regcert, CN=host${i}.registry.example.com`,
        issuer: caCert.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: alg,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (keyAlgorithm.startsWith("rsa") ? x509.KeyUsageFlags.keyEncipherment : 0), true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([{ type: "dns", value: `host${i}.registry.example.com` }, { type: "ip", value: "192.168.0.12" }]),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
      });
      const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
      return { certificatePem: cert.toString("pem"), privateKeyPem: pkcs8 };
    },
  };
}

const engine = args.engine === "x509" ? await x509Engine() : await regcertEngine();
for (let w = 0; w < warmupCount; w++) await engine.issue();
const sampleEvery = Math.max(1, Math.floor(count / Number(args.sample)));
const samples = [];
const t0 = performance.now();
for (let n = 0; n < count; n++) {
  const leaf = await engine.issue();
  if (args.out && n % sampleEvery === 0) samples.push(leaf.certificatePem);
}
const t1 = performance.now();
if (args.out) {
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, "ca.crt"), engine.caPem);
  samples.forEach((pem, k) => writeFileSync(join(args.out, `leaf-${k}.crt`), pem));
}
const result = {
  engine: args.engine,
  label: args.label ?? (args.engine === "x509" ? "@peculiar/x509 generator" : "regcert"),
  key: keyAlgorithm,
  count,
  steadyCertsPerSecond: (count / (t1 - t0)) * 1000,
  msPerCert: (t1 - t0) / count,
  // performance.now() counts from the process's time origin, so t1 includes node start-up and imports
  totalMsFromProcessStart: t1,
  totalCertsPerSecond: (count / t1) * 1000,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  sampled: samples.length,
};
if (args.json) console.log(JSON.stringify(result));
else
  console.log(
    `${result.engine} ${keyAlgorithm} x${count}: ${result.steadyCertsPerSecond.toFixed(0)} certs/s steady (${result.msPerCert.toFixed(3)} ms/cert), ` +
      `${result.totalCertsPerSecond.toFixed(0)} certs/s incl. start-up (${t1.toFixed(0)} ms), peak RSS ${result.peakRssMB.toFixed(0)} MB`,
  );
