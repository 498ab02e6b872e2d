#!/usr/bin/env node
// Signing through a PKCS#11 token vs a key file, in one process, same engine path (the Signer):
// N leaves for a P-256 CA whose key is (a) in memory, (b) in a SoftHSM2 token initialised here in a
// temp SOFTHSM2_CONF (removed after). Prints certs/s for both and the ratio. Needs softhsm2 and pkcs11js.
//   node bench/token-signing.mjs [--count 500]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({ options: { count: { type: "string", default: "500" }, module: { type: "string", default: "/usr/lib/softhsm/libsofthsm2.so" } } });
const count = Number(args.count);
const dir = mkdtempSync(join(tmpdir(), "regcert-bench-token-"));
try {
  mkdirSync(join(dir, "tokens"));
  writeFileSync(join(dir, "softhsm2.conf"), `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = join(dir, "softhsm2.conf");
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", "bench", "--so-pin", "12345678", "--pin", "123456"], { stdio: "ignore" });
  const lib = await import(pathToFileURL(join(resolve(import.meta.dirname, ".."), process.env.REGCERT_DIST || "dist", "index.js")).href);
  const run = (label, issuer) => {
    for (let i = 0; i < 20; i++) lib.issueCertificate({ issuer, names: [`warm${i}.example.com`], csr: false });
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) lib.issueCertificate({ issuer, names: [`host${i}.registry.example.com`, "192.168.0.12"], csr: false });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rate = count / seconds;
    console.log(`${label}: ${rate.toFixed(0)} certs/s (${((seconds * 1000) / count).toFixed(3)} ms/cert)`);
    return rate;
  };
  const fileRate = run("file key (KeySigner)", lib.createRootCa({ commonName: "bench file" }).issuer);
  const uri = lib.parsePkcs11Uri("pkcs11:token=bench;object=bench-ca");
  const session = lib.TokenSession.open({ uri, modulePath: args.module, pin: "123456" });
  const { signer } = lib.generateTokenKey(session, "ecdsa-p256");
  const tokenRate = run("SoftHSM2 token key (PKCS#11 Signer)", lib.createRootCaCertificate(signer, { commonName: "bench token" }).issuer);
  console.log(`token/file ratio: ${(tokenRate / fileRate).toFixed(2)}`);
  session.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
