/** Go crypto/x509 VerifyHostname rules (verify.go), one row per rule. */
import { certificateNames, hostnameMismatchMessage, matchHostname } from "../../../src/pki/verify/hostname.js";
import { createRootCa } from "../../../src/pki/ca.js";
import { issueCertificate } from "../../../src/pki/issue.js";
import { prepareIssuer } from "../../../src/pki/issuer.js";

const names = (dns: string[], ip: string[] = []) => ({ dns, ip });

describe("matchHostname (Go VerifyHostname)", () => {
  test.each([
    // [SANs, host, match?, rule]
    [names(["registry.local"]), "registry.local", true, "exact DNS"],
    [names(["Registry.LOCAL"]), "registry.local", true, "ASCII case-insensitive"],
    [names(["registry.local"]), "REGISTRY.local", true, "host case-insensitive"],
    [names(["registry.local"]), "registry.local.", true, "trailing dot on the host ignored"],
    [names(["registry.local."]), "registry.local", false, "trailing dot in the SAN is not stripped"],
    [names(["*.example.com"]), "foo.example.com", true, "wildcard covers one label"],
    [names(["*.example.com"]), "foo.bar.example.com", false, "wildcard never covers two labels"],
    [names(["*.example.com"]), "example.com", false, "wildcard does not cover the apex"],
    [names(["f*.example.com"]), "foo.example.com", false, "partial wildcard not honoured"],
    [names(["foo.*.example.com"]), "foo.bar.example.com", false, "wildcard only left-most"],
    [names(["*"]), "example.com", false, "bare wildcard"],
    [names(["foo_bar.example.com"]), "foo_bar.example.com", true, "Go tolerates underscores"],
    [names(["example.com"]), "192.168.0.12", false, "IP host never matches a DNS SAN"],
    [names(["192.168.0.12"]), "192.168.0.12", false, "IP written as a DNS SAN does not count"],
    [names([], ["192.168.0.12"]), "192.168.0.12", true, "IP SAN"],
    [names([], ["192.168.0.12"]), "192.168.0.13", false, "other IP"],
    [names([], ["::1"]), "[::1]", true, "bracketed IPv6"],
    [names([], ["2001:db8::1"]), "2001:DB8:0:0:0:0:0:1", true, "IPv6 compared as bytes"],
    [names([], ["192.168.0.12"]), "::ffff:192.168.0.12", true, "IPv4-mapped equals IPv4 (IP.Equal)"],
    [names([], ["192.168.0.12"]), "registry.local", false, "DNS host never matches an IP SAN"],
    [names([]), "registry.local", false, "no SANs: nothing matches (no CN fallback)"],
  ])("%j vs %s → %s (%s)", (sans, host, expected) => {
    expect(matchHostname(sans, host)).toBe(expected);
  });
});

describe("certificateNames", () => {
  test("reads DNS and IP SANs from a certificate's DER", () => {
    const ca = createRootCa({ commonName: "t" });
    const issuer = prepareIssuer({ certificate: ca.certificatePem, privateKey: ca.privateKeyPem });
    const leaf = issueCertificate({ issuer, names: { dns: ["registry.local"], ip: ["192.168.0.12", "fd00::1"] }, profile: "server", days: 30 });
    const der = leaf.certificateDer;
    const got = certificateNames(der);
    expect(got).toEqual({ dns: ["registry.local"], ip: ["192.168.0.12", "fd00::1"] });
    expect(matchHostname(got, "192.168.0.12")).toBe(true);
    expect(matchHostname(got, "10.0.0.1")).toBe(false);
  });

  test("Go's messages", () => {
    expect(hostnameMismatchMessage(names(["localhost"]), "127.0.0.1", true)).toBe(
      "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs",
    );
    expect(hostnameMismatchMessage(names([]), "127.0.0.1", false, "127.0.0.1")).toBe(
      "x509: certificate relies on legacy Common Name field, use SANs instead",
    );
    expect(hostnameMismatchMessage(names([]), "localhost", false, "127.0.0.1")).toBe(
      "x509: certificate is not valid for any names, but wanted to match localhost",
    );
  });
});
