/**
 * Issue 11 ("one strict DER reader"): the PKCS#10 reader (src/pki/x509/csr.ts) reads every element
 * and typed value with src/pki/x509/der-reader.ts, so a CSR's strings follow the same rules as a
 * certificate's: Go's parseASN1String (crypto/x509/parser.go) — PrintableString allows '*' and '&',
 * UniversalString and other types are "unsupported string type", BMPString refuses surrogates.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RegcertError } from "../../../src/pki/errors.js";
import { readCsr } from "../../../src/pki/x509/csr.js";
import * as b from "../../helpers/csr-builder.js";

const refusal = (der: Uint8Array): string => {
  try {
    readCsr(der);
  } catch (error) {
    if (error instanceof RegcertError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return "accepted";
};

const ucs4 = (text: string) => Uint8Array.from([...text].flatMap((c) => [0, 0, 0, c.charCodeAt(0)]));

test("a UniversalString subject is refused, as Go refuses it (unsupported string type)", () => {
  const csr = b.buildCsr({ subject: b.name([b.CN, 0x1c, ucs4("registry.local")]) });
  expect(refusal(csr.der)).toBe("regcert.badCsr: the CSR is not a valid PKCS#10 certificate request: a name attribute with the string type 0x1c, which X.509 names do not use");
});

test("a PrintableString with '*' is read, as Go reads it", () => {
  const csr = b.buildCsr({ subject: b.name([b.CN, 0x13, "*.registry.local"]) });
  expect(readCsr(csr.der).subject.attributes).toEqual([{ oid: b.CN, tag: 0x13, value: "*.registry.local" }]);
});

test("a BMPString with a lone surrogate is refused", () => {
  const csr = b.buildCsr({ subject: b.name([b.CN, 0x1e, Uint8Array.of(0xd8, 0x00)]) });
  expect(refusal(csr.der)).toBe("regcert.badCsr: the CSR is not a valid PKCS#10 certificate request: a BMPString that is not valid UCS-2");
});

test("the CSR reader frames and decodes with der-reader only (one DER reader)", () => {
  const source = readFileSync(join(process.cwd(), "src/pki/x509/csr.ts"), "utf8");
  expect(source).toContain('from "./der-reader.js"');
  expect(source).not.toMatch(/from "\.\.\/der\.js"/);
  expect(source).not.toMatch(/function read(Oid|Integer|Boolean|String)\b/);
});
