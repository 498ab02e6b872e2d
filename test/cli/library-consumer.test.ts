/**
 * The library as a consumer package sees it: `import { createRootCa, issueCertificate, signCsr } from
 * "regcert"` type-checks under NodeNext and runs; the README's example (examples/library.mjs) runs
 * and its certificate passes openssl.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, tempWorkspace } from "../helpers/cli.js";

const openssl = (args: string[]) => spawnSync("openssl", args, { encoding: "utf8" });

describe("library consumers", () => {
  const ws = tempWorkspace("regcert-consumer-");
  afterAll(() => ws.cleanup());

  test("examples/library.mjs runs and writes a certificate openssl accepts for its names", () => {
    const out = join(ws.dir, "example");
    const stdout = execFileSync(process.execPath, [join(REPO, "examples/library.mjs"), out], { cwd: REPO, encoding: "utf8" });
    expect(stdout).toMatch(/registry\.crt for registry\.local, 192\.168\.0\.12/);
    const verified = openssl(["verify", "-CAfile", join(out, "ca.crt"), join(out, "registry.crt")]);
    expect(verified.stdout).toContain(": OK");
    const ip = openssl(["x509", "-noout", "-in", join(out, "registry.crt"), "-checkip", "192.168.0.12"]);
    expect(ip.stdout).toContain("does match");
    const other = openssl(["x509", "-noout", "-in", join(out, "registry.crt"), "-checkhost", "other.local"]);
    expect(other.stdout).toContain("does NOT match");
  });

  test("a TypeScript consumer package type-checks against the published types and runs", () => {
    const pkg = join(ws.dir, "consumer");
    mkdirSync(join(pkg, "node_modules"), { recursive: true });
    symlinkSync(REPO, join(pkg, "node_modules", "regcert"), "dir");
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    writeFileSync(
      join(pkg, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", strict: true, outDir: "out", types: ["node"], skipLibCheck: false, typeRoots: [join(REPO, "node_modules/@types")] }, files: ["main.ts"] }),
    );
    writeFileSync(
      join(pkg, "main.ts"),
      `import { createRootCa, issueCertificate, signCsr, createCsr, type RootCa, type IssuedKeyAndCertificate } from "regcert";
const ca: RootCa = createRootCa({ commonName: "Consumer CA", days: 30 });
const leaf: IssuedKeyAndCertificate = issueCertificate({ issuer: ca.issuer, names: ["registry.local"], keyAlgorithm: "ecdsa-p384" });
const csr = createCsr({ privateKey: leaf.privateKey, subject: { commonName: "other.local" }, names: { dns: ["other.local"], ip: [] } });
const signed = signCsr({ issuer: ca.issuer, csr: csr.pem, profile: "client" });
// @ts-expect-error an unknown key type is a compile-time error
issueCertificate({ issuer: ca.issuer, names: ["x.local"], keyAlgorithm: "dsa-1024" });
console.log(leaf.keyAlgorithm, signed.profile, signed.names.dns.join(","));
`,
    );
    const tsc = spawnSync(process.execPath, [join(REPO, "node_modules/typescript/bin/tsc"), "-p", pkg], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
    const run = spawnSync(process.execPath, [join(pkg, "out", "main.js")], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("ecdsa-p384 client other.local");
  });

  test("a CommonJS consumer: require(\"regcert\") works (#12) and its certificate passes openssl", () => {
    const pkg = join(ws.dir, "cjs-consumer");
    mkdirSync(join(pkg, "node_modules"), { recursive: true });
    symlinkSync(REPO, join(pkg, "node_modules", "regcert"), "dir");
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "cjs-consumer", private: true, type: "commonjs" }));
    writeFileSync(
      join(pkg, "main.js"),
      `"use strict";
const { createRootCa, issueCertificate, RegcertError } = require("regcert");
const fs = require("node:fs");
const ca = createRootCa({ commonName: "CommonJS CA", days: 30 });
const leaf = issueCertificate({ issuer: ca.issuer, names: ["registry.local", "192.168.0.12"] });
fs.writeFileSync("ca.crt", ca.certificatePem);
fs.writeFileSync("leaf.crt", leaf.certificatePem);
let refused = "";
try { issueCertificate({ issuer: ca.issuer, names: ["bad_name"] }); } catch (e) { refused = e instanceof RegcertError ? e.code : "other"; }
console.log(typeof require.resolve("regcert"), refused);
`,
    );
    const run = spawnSync(process.execPath, [join(pkg, "main.js")], { cwd: pkg, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("string regcert.invalidName");
    expect(openssl(["verify", "-CAfile", join(pkg, "ca.crt"), join(pkg, "leaf.crt")]).stdout).toContain(": OK");
    expect(openssl(["x509", "-noout", "-in", join(pkg, "leaf.crt"), "-checkip", "192.168.0.12"]).stdout).toContain("does match");
  });

  test("package.json publishes the CLI and typed library entry points", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(pkg.bin.regcert).toBe("dist/cli/main.js");
    expect(pkg.exports["."].types).toBe("./dist/index.d.ts");
    expect(pkg.exports["."].require).toBe("./dist/index.cjs");
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(join(REPO, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
    expect(pkg.engines.node).toBe(">=20");
    expect(pkg.type).toBe("module");
  });
});
