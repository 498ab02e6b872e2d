/**
 * Issue 11 defect 1 in the engine: every encoding Go's parser refuses is refused by the model with
 * Go's own text, and verify reports it as a failure (never "Go clients accept this chain"). The
 * unforged leaf from the same CA is the control: it parses and verifies.
 */
import { createHash } from "node:crypto";
import { decodePemOrDer } from "../../../src/pki/pem.js";
import { verifyChain } from "../../../src/pki/verify/verify.js";
import { CertificateParseError, parseCertificate } from "../../../src/pki/x509/index.js";
import { forgeEncodings } from "../../hostile/forged-encodings.js";

const set = forgeEncodings();
const caDer = decodePemOrDer(set.caPem, ["CERTIFICATE"], "ca")[0] as Uint8Array;
const goodDer = decodePemOrDer(set.good.certificatePem, ["CERTIFICATE"], "leaf")[0] as Uint8Array;

test("control: the unforged leaf parses and verifies for its host", () => {
  expect(parseCertificate(goodDer).ipAddresses).toHaveLength(1);
  const report = verifyChain({ certificates: [goodDer], roots: [caDer], hosts: ["127.0.0.1"], at: new Date() });
  expect(report.failures).toEqual([]);
  expect(report.goValid).toBe(true);
});

describe.each(set.cases.map((c) => [c.id, c]))("%s", (_, c) => {
  test("each forgery differs from the control", () => {
    expect(createHash("sha256").update(c.der).digest("hex")).not.toBe(createHash("sha256").update(goodDer).digest("hex"));
  });
  test(`the model refuses it with Go's text: ${c.goError}`, () => {
    expect(() => parseCertificate(c.der)).toThrow(CertificateParseError);
    expect(() => parseCertificate(c.der)).toThrow(new CertificateParseError(c.goError));
  });
  test("verify reports it as a failure, never as accepted by Go", () => {
    const report = verifyChain({ certificates: [c.der], roots: [caDer], hosts: ["127.0.0.1"], at: new Date() });
    expect(report.goValid).toBe(false);
    expect(report.valid).toBe(false);
    expect(report.failures.map((f) => f.message).join("\n")).toContain(c.goError);
  });
});
