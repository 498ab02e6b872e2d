/**
 * Ages of certificates with an injected clock: days left, due/expired classification, exit codes,
 * and the facts the index reads from certificates the engine made at various times.
 */
import { createRootCa, issueCertificate, signCsr, createCsr, generateKeyPairSyncFor } from "../../../src/index.js";
import { readCertificateFacts } from "../../../src/pki/certificate-facts.js";
import {
  assessCertificate,
  classifyExpiry,
  needsRenewal,
  statusExitCode,
  validityDays,
  type FileCheck,
} from "../../../src/pki/status.js";

const DAY = 86_400_000;
const T0 = new Date("2026-01-01T00:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);

describe("classifyExpiry with an injected now", () => {
  // a certificate valid for 397 days from T0
  const validity = { notBefore: T0, notAfter: at(397) };
  test.each([
    ["fresh", 0, 30, "ok", 397],
    ["one day before the window", 366, 30, "ok", 31],
    ["exactly 30 days left is due", 367, 30, "due", 30],
    ["inside the window", 390, 30, "due", 7],
    ["a wider window makes it due earlier", 300, 120, "due", 97],
    ["window 0: due only at the very end", 396.5, 0, "ok", 0],
    ["one second before expiry", 397 - 1 / 86_400, 30, "due", 0],
    ["at notAfter: expired", 397, 30, "expired", 0],
    ["a day later", 398, 30, "expired", -1],
    ["long expired", 500, 30, "expired", -103],
  ])("%s (day %d, warn %d) -> %s, %d days left", (_label, day, warnDays, state, daysLeft) => {
    const result = classifyExpiry(validity, { now: at(day as number), warnDays: warnDays as number });
    expect(result).toEqual({ state, daysLeft });
  });

  test("notBefore in the future: not-yet-valid (a clock problem)", () => {
    expect(classifyExpiry(validity, { now: at(-2) }).state).toBe("not-yet-valid");
  });

  test("now as a function is called, so a test clock can move", () => {
    let day = 0;
    const clock = { now: () => at(day) };
    expect(classifyExpiry(validity, clock).state).toBe("ok");
    day = 380;
    expect(classifyExpiry(validity, clock).state).toBe("due");
  });
});

describe("statusExitCode: the worst state wins (DESIGN.md: 0 fine, 3 due, 4 expired or missing)", () => {
  test.each([
    [[], 0],
    [["ok", "ok"], 0],
    [["ok", "due"], 3],
    [["due", "expired"], 4],
    [["ok", "missing"], 4],
    [["changed"], 4],
    [["orphaned", "due"], 4],
    [["not-yet-valid"], 4],
  ] as const)("%j -> %d", (states, code) => {
    expect(statusExitCode(states)).toBe(code);
  });
});

describe("assessCertificate", () => {
  const ok = (role: string, required = true): FileCheck => ({ role, path: `/x/${role}`, state: "ok", required });
  const base = { notBefore: T0, notAfter: at(397), issuer: "current" as const, files: [ok("certificate"), ok("key")] };

  test("all fine", () => {
    expect(assessCertificate(base, { now: at(10) })).toEqual({ state: "ok", daysLeft: 387, reasons: [] });
  });
  test("a missing certificate file beats expiry", () => {
    const r = assessCertificate({ ...base, files: [{ ...ok("certificate"), state: "missing" }] }, { now: at(400) });
    expect(r.state).toBe("missing");
    expect(r.reasons).toEqual(["certificate /x/certificate is missing", "expired 3 day(s) ago"]);
  });
  test("a key that no longer matches is 'changed'", () => {
    expect(assessCertificate({ ...base, files: [ok("certificate"), { ...ok("key"), state: "changed" }] }, { now: at(1) }).state).toBe("changed");
  });
  test("a missing CSR or ca.crt is reported but not a problem", () => {
    const r = assessCertificate({ ...base, files: [...base.files, { ...ok("csr", false), state: "missing" }] }, { now: at(1) });
    expect(r.state).toBe("ok");
    expect(r.reasons).toEqual(["csr /x/csr is missing"]);
  });
  test("signed by the previous CA during a rollover: due, whatever its age", () => {
    const r = assessCertificate({ ...base, issuer: "previous" }, { now: at(1) });
    expect(r.state).toBe("due");
    expect(r.reasons[0]).toMatch(/previous CA/);
  });
  test("signed by a CA the home no longer has: orphaned", () => {
    expect(assessCertificate({ ...base, issuer: "untrusted" }, { now: at(1) }).state).toBe("orphaned");
  });
  test("renew --all renews due, expired and orphaned, never missing or changed", () => {
    expect(["ok", "due", "expired", "not-yet-valid", "missing", "changed", "orphaned"].filter((s) => needsRenewal(s as never))).toEqual([
      "due",
      "expired",
      "not-yet-valid",
      "orphaned",
    ]);
  });
});

describe("facts of engine-made certificates at various ages", () => {
  const ca = createRootCa({ commonName: "status test CA", keyAlgorithm: "ecdsa-p256" }, { now: T0 });

  test.each([
    ["issued a year ago for 397 days: due", -367, 397, "due", 29],
    ["issued yesterday for 397 days: ok", -1, 397, "ok", 395],
    ["issued 100 days ago for 90 days: expired", -100, 90, "expired", -11],
    ["issued 20 days ago for 30 days: due", -20, 30, "due", 9],
  ])("%s", (_label, issuedDay, days, state, daysLeft) => {
    const now = at(400);
    const leaf = issueCertificate({ issuer: ca.issuer, names: ["registry.local", "10.0.0.5"], days: days as number }, { now: at(400 + (issuedDay as number)) });
    const facts = readCertificateFacts(leaf.certificatePem);
    expect(facts.serialHex).toBe(leaf.serialHex);
    expect(facts.names).toEqual({ dns: ["registry.local"], ip: ["10.0.0.5"] });
    expect(facts.profile).toBe("server");
    expect(facts.keyAlgorithm).toBe("ecdsa-p256");
    expect(facts.notAfter.getTime()).toBe(leaf.notAfter.getTime());
    expect(facts.authorityKeyId).toBe(Buffer.from(ca.issuer.certificate.keyId).toString("hex"));
    expect(validityDays(facts)).toBe(days);
    expect(classifyExpiry(facts, { now })).toEqual({ state, daysLeft });
  });

  test("client, RSA and CSR-signed certificates", () => {
    const client = issueCertificate({ issuer: ca.issuer, profile: "client", commonName: "ci-runner", keyAlgorithm: "rsa-2048" }, { now: T0 });
    const facts = readCertificateFacts(client.certificatePem);
    expect(facts).toMatchObject({ profile: "client", keyAlgorithm: "rsa-2048", commonName: "ci-runner", names: { dns: [], ip: [] } });
    const key = generateKeyPairSyncFor("ecdsa-p384");
    const csr = createCsr({ privateKey: key.privateKey, subject: { commonName: "x.example" }, names: { dns: ["x.example"], ip: [] } });
    const signed = readCertificateFacts(signCsr({ issuer: ca.issuer, csr: csr.pem }, { now: T0 }).certificatePem);
    expect(signed).toMatchObject({ profile: "server", keyAlgorithm: "ecdsa-p384", names: { dns: ["x.example"], ip: [] } });
    expect(readCertificateFacts(ca.certificatePem).profile).toBe("ca");
  });

  test("garbage is a user error, not a crash", () => {
    expect(() => readCertificateFacts("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "x.crt")).toThrow(/x.crt is not a valid X.509 certificate/);
  });
});
