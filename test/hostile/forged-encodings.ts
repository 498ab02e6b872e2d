/**
 * Issue 11 defect 1: certificates that only their ENCODING breaks. Each starts as a real regcert
 * leaf (CA + issueCertificate), gets one DER defect, and is re-signed with the CA key, so a verifier
 * that does not read DER strictly sees a valid chain. `goError` is what Go's crypto/x509 says.
 */
import { createRootCa } from "../../src/pki/ca.js";
import { certificatePem } from "../../src/pki/certificate.js";
import { issueCertificate } from "../../src/pki/issue.js";
import { compressP256, extensionNode, resign, tbsOf, viewTbs, type DerNode } from "./der-edit.js";

export interface ForgedEncoding {
  id: string;
  /** the defect in words */
  what: string;
  /** Go's ParseCertificate error text */
  goError: string;
  der: Uint8Array;
}

export interface ForgedSet {
  caPem: string;
  /** the unforged leaf (the positive control) */
  good: { certificatePem: string; keyPem: string };
  keyPem: string;
  cases: ForgedEncoding[];
}

const ascii = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));

export function forgeEncodings(host = "127.0.0.1"): ForgedSet {
  const ca = createRootCa({ commonName: "Forge Root", organization: "regcert tests" });
  const leaf = issueCertificate({ issuer: ca.issuer, names: [host, "localhost"], csr: false });
  const edit = (id: string, what: string, goError: string, change: (tbs: DerNode) => void): ForgedEncoding => {
    const tbs = tbsOf(leaf.certificatePem);
    change(tbs);
    return { id, what, goError, der: resign(tbs, ca.privateKey) };
  };
  const cases: ForgedEncoding[] = [
    edit("extension-long-form-length", "an Extension SEQUENCE length < 128 written in long form", "x509: malformed extension", (tbs) => {
      extensionNode(viewTbs(tbs), "basicConstraints").lengthOctets = 1;
    }),
    edit("tbs-three-octet-length", "the TBSCertificate length written with 3 octets", "x509: malformed tbs certificate", (tbs) => {
      tbs.lengthOctets = 3;
    }),
    edit("serial-leading-zeros", "a serial with extra leading zero octets", "x509: malformed serial number", (tbs) => {
      const serial = viewTbs(tbs).serial;
      serial.content = new Uint8Array([0, 0, ...(serial.content ?? [])]);
    }),
    edit("critical-boolean-01", "an extension's critical BOOLEAN encoded as 0x01", "x509: malformed extension critical field", (tbs) => {
      const flag = extensionNode(viewTbs(tbs), "basicConstraints").children?.[1] as DerNode;
      flag.content = Uint8Array.of(0x01);
    }),
    edit("basic-constraints-boolean-01", "basicConstraints' cA BOOLEAN encoded as 0x01 (inside the extension value)", "x509: invalid basic constraints", (tbs) => {
      // leaf: basicConstraints value is SEQUENCE {} (CA:FALSE omitted); write cA explicitly as 0x01
      const value = extensionNode(viewTbs(tbs), "basicConstraints").children?.[2] as DerNode;
      value.content = Uint8Array.of(0x30, 0x03, 0x01, 0x01, 0x01);
    }),
    edit("san-long-form-length", "the subjectAltName value's SEQUENCE length < 128 written in long form", "x509: invalid subject alternative names", (tbs) => {
      const value = extensionNode(viewTbs(tbs), "subjectAltName").children?.[(extensionNode(viewTbs(tbs), "subjectAltName").children?.length ?? 1) - 1] as DerNode;
      const inner = value.content ?? new Uint8Array(0);
      value.content = Uint8Array.from([0x30, 0x81, ...inner.subarray(1)]);
    }),
    edit("utctime-zero-offset", "notBefore written as UTCTime with +0000 instead of Z", "x509: malformed UTCTime", (tbs) => {
      const notBefore = viewTbs(tbs).validity.children?.[0] as DerNode;
      notBefore.content = ascii(Buffer.from(notBefore.content ?? []).toString("latin1").replace("Z", "+0000"));
    }),
    edit("utctime-no-zone", "notAfter written as UTCTime without a time zone", "x509: malformed UTCTime", (tbs) => {
      const notAfter = viewTbs(tbs).validity.children?.[1] as DerNode;
      notAfter.content = ascii(Buffer.from(notAfter.content ?? []).toString("latin1").replace("Z", ""));
    }),
    edit("generalizedtime-fraction", "notAfter written as GeneralizedTime with fractional seconds", "x509: malformed GeneralizedTime", (tbs) => {
      const notAfter = viewTbs(tbs).validity.children?.[1] as DerNode;
      const utc = Buffer.from(notAfter.content ?? []).toString("latin1");
      notAfter.tag = 0x18;
      notAfter.content = ascii(`20${utc.slice(0, 12)}.5Z`);
    }),
    edit("compressed-ec-point", "the P-256 public key as a compressed point", "x509: failed to unmarshal elliptic curve point", (tbs) => {
      const bits = viewTbs(tbs).spki.children?.[1] as DerNode;
      bits.content = new Uint8Array([0, ...compressP256((bits.content ?? new Uint8Array(1)).subarray(1))]);
    }),
  ];
  cases.push({ id: "trailing-bytes", what: "a byte after the certificate", goError: "x509: trailing data", der: new Uint8Array([...leaf.certificateDer, 0x00]) });
  return { caPem: ca.certificatePem, good: { certificatePem: leaf.certificatePem, keyPem: leaf.privateKeyPem }, keyPem: leaf.privateKeyPem, cases };
}

export const pemOf = (der: Uint8Array): string => certificatePem(der);
