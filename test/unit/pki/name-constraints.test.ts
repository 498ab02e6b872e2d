/**
 * The one name-constraint engine (src/pki/name-constraints.ts) gives issue time and verify time the
 * same verdicts, including Go's CVE-2025-61727 rule: an excluded subtree also refuses a wildcard SAN
 * that could cover one of its names.
 */
import { createRootCa, issueCertificate } from "../../../src/index.js";
import { checkChainConstraints, cidrToIpNet, dnsVerdict, namesOutsideConstraints } from "../../../src/pki/name-constraints.js";
import { ipToBytes } from "../../../src/pki/names.js";

const nc = { permittedDns: ["example.com"], permittedIp: ["192.0.2.0/24"], excludedDns: ["bad.example.com"], excludedIp: ["192.0.2.128/25"] };

describe("issue time and verify time agree", () => {
  test.each([
    ["www.example.com", true],
    ["example.com", true],
    ["bad.example.com", false],
    ["x.bad.example.com", false],
    ["*.example.com", false], // could cover bad.example.com (CVE-2025-61727)
    ["*.good.example.com", true],
    ["other.org", false],
  ])("DNS %s allowed: %s", (name, allowed) => {
    expect(namesOutsideConstraints({ dns: [name], ip: [] }, nc).length === 0).toBe(allowed);
    const subtrees = { ...nc, permittedIp: nc.permittedIp.map(cidrToIpNet), excludedIp: nc.excludedIp.map(cidrToIpNet) };
    const violations = checkChainConstraints([{ hasSan: true, dnsNames: [name], ipAddresses: [] }, { hasSan: false, dnsNames: [], ipAddresses: [], nameConstraints: subtrees }]);
    expect(violations.length === 0).toBe(allowed);
  });

  test.each([
    ["192.0.2.1", true],
    ["192.0.2.200", false],
    ["198.51.100.1", false],
    ["2001:db8::1", false], // permitted IP ranges exist, none of them IPv6: not permitted (as Go)
  ])("IP %s allowed: %s", (ip, allowed) => {
    expect(namesOutsideConstraints({ dns: [], ip: [ip] }, nc).length === 0).toBe(allowed);
    const subtrees = { ...nc, permittedIp: nc.permittedIp.map(cidrToIpNet), excludedIp: nc.excludedIp.map(cidrToIpNet) };
    const violations = checkChainConstraints([{ hasSan: true, dnsNames: [], ipAddresses: [ipToBytes(ip)] }, { hasSan: false, dnsNames: [], ipAddresses: [], nameConstraints: subtrees }]);
    expect(violations.length === 0).toBe(allowed);
  });

  test("the wildcard refusal names the excluded name it could cover", () => {
    expect(dnsVerdict("*.example.com", ["example.com"], ["bad.example.com"])).toEqual({ ok: false, reason: "excluded", by: "bad.example.com" });
    expect(namesOutsideConstraints({ dns: ["*.example.com"], ip: [] }, nc)).toEqual(['DNS name "*.example.com" is excluded by the CA\'s name constraints (the wildcard would cover "bad.example.com")']);
  });

  test("a library CA with an excluded name refuses a covering wildcard before signing", () => {
    const ca = createRootCa({ nameConstraints: { permittedDns: ["example.com"], excludedDns: ["bad.example.com"] } });
    expect(() => issueCertificate({ issuer: ca.issuer, names: ["*.example.com"], csr: false })).toThrow(/the wildcard would cover "bad\.example\.com"/);
    expect(issueCertificate({ issuer: ca.issuer, names: ["*.good.example.com"], csr: false }).names.dns).toEqual(["*.good.example.com"]);
  });
});
