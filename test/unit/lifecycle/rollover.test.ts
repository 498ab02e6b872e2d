/**
 * CA rollover in the home: the trust bundle holds new + old during the overlap and only the new CA
 * after retire-old; one overlap at a time; an interrupted rotate is completed, never doubled.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRootCa, caNameConstraints, parsePemBlocks, parseCaCertificate } from "../../../src/index.js";
import { saveCa } from "../../../src/files/ca-store.js";
import { readStoredCa, readTrustBundle } from "../../../src/files/home.js";
import { retirePreviousCa, rolloverPaths, rotateCa } from "../../../src/files/rollover.js";
import { rotatedCommonName } from "../../../src/cli/commands/ca-rotate.js";
import { makeTempDir, removeTempDir } from "../../helpers/workspace.js";

let dir: string;
let home: string;
const oldCa = createRootCa({ commonName: "regcert CA alice@build 2026-01-05" });
const newCa = createRootCa({ commonName: "regcert CA alice@build 2026-11-24" });
const fingerprints = (pem: string | undefined) => parsePemBlocks(pem ?? "").map((b) => parseCaCertificate(b.der).fingerprint);

beforeEach(() => {
  dir = makeTempDir("regcert-rollover-");
  home = join(dir, "home");
  saveCa(home, oldCa);
});
afterEach(() => removeTempDir(dir));

test("without a rollover the bundle is the home's one CA", () => {
  expect(fingerprints(readTrustBundle(home))).toEqual([oldCa.issuer.certificate.fingerprint]);
});

test("rotate: new CA current, old kept; bundle = new then old; retire-old: bundle = new only, old key gone", () => {
  const { previous, resumed } = rotateCa(home, newCa);
  expect(resumed).toBe(false);
  expect(previous.fingerprint).toBe(oldCa.issuer.certificate.fingerprint);
  expect(readStoredCa(home)?.certificatePem).toBe(newCa.certificatePem);
  expect(readStoredCa(home)?.keyPem).toBe(newCa.privateKeyPem);
  expect(readFileSync(rolloverPaths(home).previousKey, "utf8")).toBe(oldCa.privateKeyPem);
  expect(fingerprints(readTrustBundle(home))).toEqual([newCa.issuer.certificate.fingerprint, oldCa.issuer.certificate.fingerprint]);

  const { retired, archived } = retirePreviousCa(home);
  expect(retired.fingerprint).toBe(oldCa.issuer.certificate.fingerprint);
  expect(fingerprints(readTrustBundle(home))).toEqual([newCa.issuer.certificate.fingerprint]);
  expect(existsSync(rolloverPaths(home).previousKey)).toBe(false);
  expect(existsSync(rolloverPaths(home).previousCertificate)).toBe(false);
  expect(fingerprints(readFileSync(archived, "utf8"))).toEqual([oldCa.issuer.certificate.fingerprint]);
});

test("a second rotate during an overlap is refused (one overlap at a time)", () => {
  rotateCa(home, newCa);
  const third = createRootCa({ commonName: "third" });
  expect(() => rotateCa(home, third)).toThrow(/rollover is already in progress/);
  expect(readStoredCa(home)?.certificatePem).toBe(newCa.certificatePem);
});

test("an interrupted rotate (previous == current) is completed, and the bundle never lists a CA twice", () => {
  // what a crash right after saving previous-ca.* leaves behind
  writeFileSync(rolloverPaths(home).previousCertificate, oldCa.certificatePem);
  writeFileSync(rolloverPaths(home).previousKey, oldCa.privateKeyPem);
  expect(fingerprints(readTrustBundle(home))).toEqual([oldCa.issuer.certificate.fingerprint]);
  expect(rotateCa(home, newCa).resumed).toBe(true);
  expect(fingerprints(readTrustBundle(home))).toEqual([newCa.issuer.certificate.fingerprint, oldCa.issuer.certificate.fingerprint]);
});

test("retire-old without a rollover is a user error", () => {
  expect(() => retirePreviousCa(home)).toThrow(expect.objectContaining({ exitCode: 2, code: "regcert.noRollover" }));
});

describe("rotatedCommonName: distinct, dated, at most 64 characters", () => {
  const now = new Date("2027-03-01T10:00:00Z");
  test.each([
    ["regcert CA alice@build 2026-11-24", "regcert CA alice@build 2027-03-01"],
    ["regcert CA alice@build 2027-03-01", "regcert CA alice@build 2027-03-01 (2)"],
    ["regcert CA alice@build 2027-03-01 (2)", "regcert CA alice@build 2027-03-01"],
    ["Example Corp Registry Root", "Example Corp Registry Root 2027-03-01"],
    [undefined, "regcert root CA 2027-03-01"],
  ])("%s -> %s", (previous, expected) => {
    expect(rotatedCommonName(previous, now)).toBe(expected);
  });
  test("a 64-character name is shortened to make room for the date", () => {
    const name = rotatedCommonName("x".repeat(64), now);
    expect(name).toHaveLength(64);
    expect(name.endsWith(" 2027-03-01")).toBe(true);
  });
});

test("a constrained CA's constraints survive a parse (rotate copies them)", () => {
  const constrained = createRootCa({ commonName: "c", nameConstraints: caNameConstraints(["registry.local"], ["192.168.0.0/16"]) });
  const info = parseCaCertificate(constrained.certificatePem);
  const copy = createRootCa({ commonName: "c2", ...(info.nameConstraints ? { nameConstraints: info.nameConstraints } : {}) });
  expect(parseCaCertificate(copy.certificatePem).nameConstraints).toEqual(info.nameConstraints);
  expect(info.nameConstraints?.permittedDns).toEqual(["registry.local"]);
});
