/**
 * AcmeIndexRecorder (what `acme serve` records in the home's index): concurrent certificates are all
 * recorded (group commit), a revocation queued after its certificate lands on it, and flush() waits.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createRootCa, issueCertificate } from "../../../src/index.js";
import { createUi } from "../../../src/cli/ui.js";
import type { Context } from "../../../src/cli/context.js";
import { AcmeIndexRecorder } from "../../../src/cli/index-hook.js";
import { archiveRecordPath, readIndex, currentEntries, revocationRecordPath } from "../../../src/files/index-store.js";
import { makeTempDir, removeTempDir } from "../../helpers/workspace.js";

const ca = createRootCa({ commonName: "recorder test CA" });
let dir: string;
let home: string;
let lines: string[];

beforeEach(() => {
  dir = makeTempDir("regcert-acme-recorder-");
  home = join(dir, "home");
  mkdirSync(home, { mode: 0o700 });
  lines = [];
});
afterEach(() => removeTempDir(dir));

function context(): Context {
  const sink = { write: (s: string) => lines.push(s) };
  const globals = { json: false, yes: true, quiet: false, color: false };
  const ui = createUi(globals, { NO_COLOR: "1" }, { stdout: sink, stderr: sink });
  return { ui, env: {}, cwd: dir, globals, interactive: false, home: () => home };
}

const issue = (name: string) => issueCertificate({ issuer: ca.issuer, names: [name] });

test("30 certificates at once: every one recorded as source acme with its order, once; no warning", async () => {
  const recorder = new AcmeIndexRecorder(context(), home);
  const certs = Array.from({ length: 30 }, (_, i) => issue(`c${i}.acme.test`));
  await Promise.all(
    certs.map((cert, i) => recorder.issued({ certificatePem: cert.certificatePem, ca: ca.issuer.certificate, acme: { accountId: "a", orderId: `o${i}`, certId: `c${i}` }, name: `c${i}.acme.test` })),
  );
  const entries = readIndex(home).entries;
  expect(entries).toHaveLength(30);
  expect(new Set(entries.map((e) => e.serial))).toEqual(new Set(certs.map((c) => c.serialHex)));
  expect(entries.every((e) => e.source === "acme" && e.command === "acme" && e.files.certificate === "")).toBe(true);
  expect(entries.find((e) => e.name === "c7.acme.test")?.acme).toEqual({ accountId: "a", orderId: "o7", certId: "c7" });
  expect(currentEntries(entries)).toHaveLength(30);
  expect(lines.join("")).toBe("");
  expect(existsSync(join(home, ".lock"))).toBe(false);
});

test("a revocation queued right after its certificate (not awaited) marks it; flush waits for both", async () => {
  const recorder = new AcmeIndexRecorder(context(), home);
  const first = issue("first.acme.test");
  await recorder.issued({ certificatePem: first.certificatePem, ca: ca.issuer.certificate, acme: { accountId: "a", orderId: "o1", certId: "c1" }, name: "first.acme.test" });
  const cert = issue("r.acme.test");
  void recorder.issued({ certificatePem: cert.certificatePem, ca: ca.issuer.certificate, acme: { accountId: "a", orderId: "o2", certId: "c2" }, name: "r.acme.test" });
  void recorder.revoked(cert.serialHex, { at: "2026-03-02T00:00:00.000Z", reason: 1 });
  await recorder.flush();
  const entries = readIndex(home).entries;
  expect(entries.find((e) => e.serial === cert.serialHex)?.revoked).toEqual({ at: "2026-03-02T00:00:00.000Z", reason: 1 });
  expect(entries.find((e) => e.serial === first.serialHex)?.revoked).toBeUndefined();
});

test("a home that cannot be written: a warning, the promise still resolves (the ACME journal has it)", async () => {
  const recorder = new AcmeIndexRecorder(context(), join(dir, "file-not-dir", "home"));
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(dir, "file-not-dir"), "x");
  const cert = issue("w.acme.test");
  await recorder.issued({ certificatePem: cert.certificatePem, ca: ca.issuer.certificate, acme: { accountId: "a", orderId: "o", certId: "c" }, name: "w.acme.test" });
  expect(lines.join("")).toMatch(/recording them in the index of .* failed \(the next start retries\)/);
});

test("certificates wait for the window; a revocation and flush() do not (a 60 s window would time the test out)", async () => {
  const recorder = new AcmeIndexRecorder(context(), home, { windowMs: 60_000 });
  const cert = issue("window.acme.test");
  const recorded = recorder.issued({ certificatePem: cert.certificatePem, ca: ca.issuer.certificate, acme: { accountId: "a", orderId: "o", certId: "c" }, name: "window.acme.test" });
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(readIndex(home).entries).toHaveLength(0); // still in the window
  await recorder.revoked(cert.serialHex, { at: "2026-03-02T00:00:00.000Z", reason: 4 }); // written at once, with the certificate before it
  await recorded;
  expect(readIndex(home).entries.map((e) => [e.serial, e.revoked?.reason])).toEqual([[cert.serialHex, 4]]);
  const second = issue("second.acme.test");
  void recorder.issued({ certificatePem: second.certificatePem, ca: ca.issuer.certificate, acme: { accountId: "a", orderId: "o2", certId: "c2" }, name: "second.acme.test" });
  await recorder.flush();
  expect(readIndex(home).entries.map((e) => e.name).sort()).toEqual(["second.acme.test", "window.acme.test"]);
  // no archive record of their own (the ACME journal is their durable copy); the revocation has its record
  expect(existsSync(archiveRecordPath(home, cert.serialHex))).toBe(false);
  expect(existsSync(archiveRecordPath(home, second.serialHex))).toBe(false);
  expect(existsSync(revocationRecordPath(home, cert.serialHex))).toBe(true);
});

test("flushSync (at a stop) writes what is queued in the same tick, and takes no lock another run holds", () => {
  const recorder = new AcmeIndexRecorder(context(), home);
  const cert = issue("stop.acme.test");
  void recorder.issued({ certificatePem: cert.certificatePem, ca: ca.issuer.certificate, acme: { accountId: "a", orderId: "o", certId: "c" }, name: "stop.acme.test" });
  // no await: the background write has not run yet
  expect(readIndex(home).entries).toHaveLength(0);
  mkdirSync(join(home, ".lock"));
  recorder.flushSync();
  expect(readIndex(home).entries).toHaveLength(0); // another run's lock: left for the next start
  removeTempDir(join(home, ".lock"));
  recorder.flushSync();
  expect(readIndex(home).entries.map((e) => e.serial)).toEqual([cert.serialHex]);
  expect(existsSync(join(home, ".lock"))).toBe(false);
});
