/** The verify engine on regcert-made chains: Go's rules one by one, every failure reported, --at parsing. */
import { createRootCa, caNameConstraints, type RootCa } from "../../../src/pki/ca.js";
import { createIntermediateCa } from "../../../src/pki/intermediate.js";
import { issueCertificate } from "../../../src/pki/issue.js";
import { prepareIssuer } from "../../../src/pki/issuer.js";
import { parsePemBlocks } from "../../../src/pki/pem.js";
import { verifyChain } from "../../../src/pki/verify/verify.js";
import { parseCertificateDer, CertificateParseError } from "../../../src/pki/verify/parse.js";
import { checkChainConstraints, dnsHasSuffix } from "../../../src/pki/name-constraints.js";
import { parseAt } from "../../../src/cli/commands/verify.js";

const der = (pem: string): Uint8Array[] => parsePemBlocks(pem).map((b) => b.der);
const issuerOf = (ca: { certificatePem: string; privateKeyPem: string }) => prepareIssuer({ certificate: ca.certificatePem, privateKey: ca.privateKeyPem });
const codes = (r: ReturnType<typeof verifyChain>) => r.failures.map((f) => f.code).sort();

let root: RootCa;
let root1: RootCa;
beforeAll(() => {
  root = createRootCa({ commonName: "unit root" });
  root1 = createRootCa({ commonName: "unit root pathlen 1", maxPathLen: 1 });
});

describe("verifyChain", () => {
  test("a regcert leaf under its root is valid for its names, and nothing is warned", () => {
    const leaf = issueCertificate({ issuer: issuerOf(root), names: ["registry.test", "10.1.2.3"], days: 30 });
    const r = verifyChain({ certificates: der(leaf.certificatePem), roots: der(root.certificatePem), hosts: ["registry.test", "10.1.2.3"], at: new Date() });
    expect(r).toMatchObject({ valid: true, goValid: true, failures: [], warnings: [], notes: [] });
    expect(r.chain.map((c) => c.role)).toEqual(["leaf", "root"]);
  });

  test("leaf → intermediate → root; the intermediate missing from --cert is an unknown authority with the fix", () => {
    const inter = createIntermediateCa({ issuer: issuerOf(root1), permitDns: ["registry.test"] });
    const leaf = issueCertificate({ issuer: issuerOf(inter), names: ["a.registry.test"], days: 30 });
    const ok = verifyChain({ certificates: [...der(leaf.certificatePem), ...der(inter.certificatePem)], roots: der(root1.certificatePem), hosts: ["a.registry.test"], at: new Date() });
    expect(ok.failures).toEqual([]);
    expect(ok.chain.map((c) => c.role)).toEqual(["leaf", "intermediate", "root"]);
    const missing = verifyChain({ certificates: der(leaf.certificatePem), roots: der(root1.certificatePem), hosts: [], at: new Date() });
    expect(codes(missing)).toEqual(["unknownAuthority"]);
    expect(missing.failures[0]?.fix).toContain("append it to the certificate file after the leaf");
  });

  test("the intermediate's name constraints bind the leaf (Go checks the whole chain)", () => {
    const inter = createIntermediateCa({ issuer: issuerOf(root1), permitDns: ["registry.test"] });
    // issueCertificate refuses names outside the issuer's constraints, so sign a permitted one and check the rule directly too
    const leaf = issueCertificate({ issuer: issuerOf(inter), names: ["x.registry.test"], days: 30 });
    const chain = [...der(leaf.certificatePem), ...der(inter.certificatePem), ...der(root1.certificatePem)].map(parseCertificateDer);
    expect(checkChainConstraints(chain)).toEqual([]);
    const other = { ...(chain[0] as ReturnType<typeof parseCertificateDer>), dnsNames: ["evil.test"], ipAddresses: [Uint8Array.of(8, 8, 8, 8)] };
    const violations = checkChainConstraints([other, chain[1], chain[2]] as ReturnType<typeof parseCertificateDer>[]);
    expect(violations.map((v) => v.detail)).toEqual(['IP address "8.8.8.8" is excluded by constraint "0.0.0.0/0"', 'DNS name "evil.test" is not permitted by any constraint']);
  });

  test("pathLen: a pathLen-1 root accepts one intermediate (violations: limbo pathlen::intermediate-violates-pathlen-0)", () => {
    const inter = createIntermediateCa({ issuer: issuerOf(root1), permitDns: ["registry.test"] });
    const leaf = issueCertificate({ issuer: issuerOf(inter), names: ["a.registry.test"], days: 30 });
    const chain = [...der(leaf.certificatePem), ...der(inter.certificatePem)];
    const strictRoot = parseCertificateDer(der(root1.certificatePem)[0] as Uint8Array);
    expect(strictRoot.maxPathLen).toBe(1);
    const r = verifyChain({ certificates: chain, roots: der(root1.certificatePem), hosts: [], at: new Date() });
    expect(r.goValid).toBe(true);
  });

  test("name-constrained root: a name outside is refused with the CA's permitted names in the fix", () => {
    const ca = createRootCa({ commonName: "nc", nameConstraints: caNameConstraints(["registry.test"], []) });
    const leaf = issueCertificate({ issuer: issuerOf(ca), names: ["registry.test"], days: 30 });
    const parsed = parseCertificateDer(der(leaf.certificatePem)[0] as Uint8Array);
    const bad = checkChainConstraints([{ ...parsed, dnsNames: ["other.test"] }, parseCertificateDer(der(ca.certificatePem)[0] as Uint8Array)]);
    expect(bad).toHaveLength(1);
    expect(bad[0]?.detail).toBe('DNS name "other.test" is not permitted by any constraint');
  });

  test("every failure at once: expired CA-less leaf, wrong host, wrong IP", () => {
    const old = createRootCa({ commonName: "old" }, { now: new Date("2020-01-01T00:00:00Z") });
    const leaf = issueCertificate({ issuer: issuerOf(old), names: ["registry.test"], days: 30 }, { now: new Date("2020-02-01T00:00:00Z") });
    const r = verifyChain({ certificates: der(leaf.certificatePem), roots: der(old.certificatePem), hosts: ["other.test", "192.168.0.12"], at: new Date("2021-01-01T00:00:00Z") });
    expect(codes(r)).toEqual(["expired", "hostnameMismatch", "noIpSan"]);
    expect(r.failures.find((f) => f.code === "noIpSan")?.fix).toBe("re-issue with --ip 192.168.0.12: regcert issue registry.test 192.168.0.12 --name NAME --out DIR --force (the --name and --out it was issued with)");
  });

  test("the validity window is inclusive at both ends, to the second", () => {
    const leaf = issueCertificate({ issuer: issuerOf(root), names: ["registry.test"], days: 1 });
    const c = parseCertificateDer(der(leaf.certificatePem)[0] as Uint8Array);
    const at = (d: Date) => verifyChain({ certificates: der(leaf.certificatePem), roots: der(root.certificatePem), hosts: [], at: d }).goValid;
    expect(at(c.notBefore)).toBe(true);
    expect(at(c.notAfter)).toBe(true);
    expect(at(new Date(c.notAfter.getTime() + 999))).toBe(true); // truncated to the second
    expect(at(new Date(c.notAfter.getTime() + 1000))).toBe(false);
    expect(at(new Date(c.notBefore.getTime() - 1000))).toBe(false);
  });

  test("a malformed leaf is an invalid result (exit 1), not an exception", () => {
    const good = der(root.certificatePem)[0] as Uint8Array;
    const truncated = good.subarray(0, good.length - 10);
    expect(() => parseCertificateDer(truncated)).toThrow(CertificateParseError);
    const r = verifyChain({ certificates: [truncated], roots: [good], hosts: [], at: new Date() });
    expect(r.valid).toBe(false);
    expect(codes(r)).toEqual(["malformed"]);
  });

  test("strict turns profile warnings into failures; Go's verdict stays in goValid", () => {
    const leaf = issueCertificate({ issuer: issuerOf(root), names: ["registry.test"], days: 30 });
    const parsed = der(leaf.certificatePem);
    const r = verifyChain({ certificates: parsed, roots: der(root.certificatePem), hosts: ["registry.test"], at: new Date(), strict: true });
    expect(r).toMatchObject({ valid: true, goValid: true, strict: true });
  });
});

describe("Go's DNS constraint suffix rule", () => {
  test.each([
    ["example.com", "example.com", true],
    ["example.com", "a.example.com", true],
    ["example.com", "aexample.com", false],
    [".example.com", "example.com", false],
    [".example.com", "a.example.com", true],
    ["EXAMPLE.com", "a.example.COM", true],
  ])("%s covers %s: %s", (constraint, name, expected) => {
    expect(dnsHasSuffix(constraint, name)).toBe(expected);
  });
});

describe("--at", () => {
  test.each([
    ["2024-03-01T00:00:00.999+00:00", "2024-03-01T00:00:00.000Z"],
    ["2024-04-01T00:00:00.005Z", "2024-04-01T00:00:00.000Z"],
    ["2024-04-01T02:00:00+02:00", "2024-04-01T00:00:00.000Z"],
    ["2024-04-01", "2024-04-01T00:00:00.000Z"],
    ["2024-04-01T12:30", "2024-04-01T12:30:00.000Z"],
  ])("%s → %s (fractional seconds truncated, no offset = UTC)", (input, expected) => {
    expect(parseAt(input).toISOString()).toBe(expected);
  });

  test.each(["yesterday", "2024-13-01", "2024-04-01T25:00:00Z", "1711929600"])("%s is refused as a user error", (input) => {
    expect(() => parseAt(input)).toThrow(expect.objectContaining({ code: "regcert.invalidTime", exitCode: 2 }));
  });
});
