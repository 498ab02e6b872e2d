#!/usr/bin/env node
/**
 * Generates a CA home holding N indexed certificates (default 10 000), as N `regcert issue` runs would
 * leave it: ca.key/ca.crt (made by `regcert init-ca`), index.json, issued/SERIAL.json, and per
 * certificate a key (0600), certificate, .pem copy and ca.crt under OUT/certs/NNN/. Index entries are built
 * and saved by dist/files/index-store.js (entryFromRecord, saveIndex), so they are what `issue` records. Every certificate is
 * a real one signed by the home's CA with its own P-256 key, so `regcert status` has the same work to do
 * as on a real home. For bench/status.sh; never run by the tests.
 *
 *   node bench/gen-home.mjs OUT [N]        (REGCERT_DIST=dist by default)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const [outArg, countArg = "10000"] = process.argv.slice(2);
if (!outArg) {
  console.error("usage: node bench/gen-home.mjs OUT [N]");
  process.exit(2);
}
const out = resolve(outArg);
const count = Number(countArg);
const dist = resolve(process.env.REGCERT_DIST || "dist");
const lib = await import(join(dist, "index.js"));
// the index entries are built and written by the real index store, not re-implemented here
const store = await import(join(dist, "files", "index-store.js"));
const home = join(out, "home");

mkdirSync(out, { recursive: true });
execFileSync(process.execPath, [join(dist, "cli", "main.js"), "--home", home, "--quiet", "init-ca", "--cn", "bench home CA"], { stdio: "inherit" });
const caPem = readFileSync(join(home, "ca.crt"), "utf8");
const issuer = lib.prepareIssuer({ certificate: caPem, privateKey: readFileSync(join(home, "ca.key"), "utf8") });
const ca = lib.parseCaCertificate(caPem);
const issuerRef = { fingerprint: ca.fingerprint, commonName: ca.commonName ?? null };

mkdirSync(store.archiveDir(home), { recursive: true, mode: 0o700 });
const entries = [];
const started = Date.now();
for (let i = 0; i < count; i++) {
  const dir = join(out, "certs", String(Math.floor(i / 100)).padStart(3, "0"));
  if (i % 100 === 0) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "ca.crt"), caPem);
  }
  const name = `host${i}`;
  const cert = lib.issueCertificate({ issuer, names: [`${name}.bench.test`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`], days: 397 });
  const files = { key: join(dir, `${name}.key`), certificate: join(dir, `${name}.crt`), pem: join(dir, `${name}.pem`), ca: join(dir, "ca.crt") };
  writeFileSync(files.key, cert.privateKeyPem, { mode: 0o600 });
  writeFileSync(files.certificate, cert.certificatePem);
  writeFileSync(files.pem, cert.certificatePem);
  const record = { name, command: "issue", issuer: issuerRef, files, recordedAt: new Date(started + i).toISOString(), certificatePem: cert.certificatePem };
  const entry = store.entryFromRecord(record);
  // the archive record where and as recordCertificates writes it (without its per-file fsync: 10,000 of them)
  const recordPath = store.archiveRecordPath ? store.archiveRecordPath(home, entry.serial) : join(store.archiveDir(home), `${entry.serial}.json`);
  mkdirSync(dirname(recordPath), { recursive: true, mode: 0o700 });
  writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  entries.push(entry);
}
store.saveIndex(home, entries);
console.error(`${count} certificates in ${home} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
