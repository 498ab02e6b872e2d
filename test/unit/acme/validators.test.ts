/**
 * Pure parts of validation: the address order (IPv6 first, --resolve wins, IPs are their own
 * address), RFC 8738's reverse-DNS SNI for IP identifiers, and the RFC 8737 certificate check with
 * acme-client's own tls-alpn-01 certificates as input (a real client's output, not ours).
 */
import { X509Certificate } from "node:crypto";
import acme from "acme-client";
import { addressesFor, checkAlpnCertificate, reverseDnsName } from "../../../src/acme/validators.js";

test("addresses: IPv6 before IPv4, --resolve replaces the resolver, an IP identifier is its own address", async () => {
  const lookupAll = async () => ["127.0.0.1", "::1", "127.0.0.1"];
  expect(await addressesFor({ type: "dns", value: "localhost" }, { lookupAll })).toEqual(["::1", "127.0.0.1"]);
  const never = async (): Promise<string[]> => {
    throw new Error("resolver must not be asked");
  };
  expect(await addressesFor({ type: "dns", value: "registry.test" }, { resolve: new Map([["registry.test", ["127.0.0.1"]]]), lookupAll: never })).toEqual(["127.0.0.1"]);
  expect(await addressesFor({ type: "ip", value: "::1" }, { lookupAll: never })).toEqual(["::1"]);
});

test.each([
  ["127.0.0.1", "1.0.0.127.in-addr.arpa"],
  ["192.0.2.10", "10.2.0.192.in-addr.arpa"],
  ["2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"],
])("reverse-DNS SNI of %s (RFC 8738 §6)", (ip, name) => {
  expect(reverseDnsName(ip)).toBe(name);
});

describe("tls-alpn-01 certificate check", () => {
  const keyAuthorization = "token123.thumbprint456";
  let der: Uint8Array;
  beforeAll(async () => {
    const [, pem] = await acme.crypto.createAlpnCertificate({ identifier: { type: "dns", value: "registry.test" } } as never, keyAuthorization);
    der = new Uint8Array(new X509Certificate(pem).raw);
  });
  test("accepts the right certificate", () => {
    expect(() => checkAlpnCertificate(der, { type: "dns", value: "registry.test" }, keyAuthorization)).not.toThrow();
  });
  test("refuses another key authorization (incorrectResponse) and another name (unauthorized)", () => {
    expect(() => checkAlpnCertificate(der, { type: "dns", value: "registry.test" }, "token123.other")).toThrow(expect.objectContaining({ type: "incorrectResponse" }));
    expect(() => checkAlpnCertificate(der, { type: "dns", value: "other.test" }, keyAuthorization)).toThrow(expect.objectContaining({ type: "unauthorized" }));
    expect(() => checkAlpnCertificate(new Uint8Array([0x30, 0x00]), { type: "dns", value: "registry.test" }, keyAuthorization)).toThrow(expect.objectContaining({ type: "unauthorized" }));
  });
});
