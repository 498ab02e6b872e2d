/**
 * Serial numbers (RFC 5280 §4.1.2.2): positive, at most 20 octets, unpredictable and unique. Checked
 * on randomSerial() itself, on its DER INTEGER encoding, and on the serials in issued certificates
 * as the @peculiar parser reads them back.
 */
import fc from "fast-check";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { randomSerial } from "../../src/pki/certificate.js";
import { derUnsignedInteger, readElement } from "../../src/pki/der.js";
import { createRootCa } from "../../src/pki/ca.js";
import { issueCertificate } from "../../src/pki/issue.js";

/** Content octets of a DER INTEGER and whether it is positive (two's complement sign bit clear, not zero). */
function integerFacts(der: Uint8Array): { length: number; positive: boolean; minimal: boolean } {
  const element = readElement(der);
  expect(element.tag).toBe(0x02);
  const content = der.subarray(element.contentStart, element.end);
  const first = content[0] as number;
  const positive = (first & 0x80) === 0 && content.some((b) => b !== 0);
  const minimal = content.length === 1 || !(first === 0 && ((content[1] as number) & 0x80) === 0) && !(first === 0xff && ((content[1] as number) & 0x80) !== 0);
  return { length: content.length, positive, minimal };
}

test("10,000 serials: each positive, at most 20 octets encoded, minimally encoded, and all distinct", () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(fc.constant(null), () => {
      const serial = randomSerial();
      const facts = integerFacts(derUnsignedInteger(serial));
      expect(facts.positive).toBe(true);
      expect(facts.length).toBeLessThanOrEqual(20);
      expect(facts.minimal).toBe(true);
      seen.add(Buffer.from(serial).toString("hex"));
    }),
    { numRuns: 10_000 },
  );
  expect(seen.size).toBe(10_000);
});

test("the serial carries 126 random bits: over 10,000 serials every one of those bits takes both values", () => {
  const ones = new Array<number>(128).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const serial = randomSerial();
    for (let bit = 0; bit < 128; bit++) if (((serial[bit >> 3] as number) >> (7 - (bit & 7))) & 1) ones[bit]! += 1;
  }
  expect(ones[0]).toBe(0); // sign bit: always clear (positive)
  expect(ones[1]).toBe(10_000); // always set, so the encoding never needs a leading zero
  for (let bit = 2; bit < 128; bit++) {
    expect(ones[bit]).toBeGreaterThan(4_000);
    expect(ones[bit]).toBeLessThan(6_000);
  }
});

test("any unsigned byte string up to 20 octets encodes as a positive, minimal DER INTEGER of at most 21 octets", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (bytes) => {
      fc.pre(bytes.some((b) => b !== 0));
      const facts = integerFacts(derUnsignedInteger(bytes));
      expect(facts.positive).toBe(true);
      expect(facts.minimal).toBe(true);
      expect(facts.length).toBeLessThanOrEqual(21);
    }),
    { numRuns: 5_000 },
  );
});

test("serials of issued certificates, read back by an ASN.1 parser, are positive, ≤ 20 octets and distinct", () => {
  const ca = createRootCa({ commonName: "serial test CA" });
  const serials = new Set<string>();
  fc.assert(
    fc.property(fc.constantFrom("registry.local", "10.0.0.1", "a.example"), (name) => {
      const cert = issueCertificate({ issuer: ca.issuer, names: [name], csr: false });
      const parsed = AsnConvert.parse(cert.certificateDer, Certificate);
      const serial = new Uint8Array(parsed.tbsCertificate.serialNumber);
      expect(serial.length).toBeLessThanOrEqual(20);
      expect((serial[0] as number) & 0x80).toBe(0);
      expect(Buffer.from(serial).toString("hex")).toBe(cert.serialHex.replace(/^(00)+/, "") || "00");
      serials.add(cert.serialHex);
    }),
    { numRuns: 300 },
  );
  expect(serials.size).toBe(300);
});
