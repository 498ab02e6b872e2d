/**
 * ParsedCertificate: the one model of an X.509 certificate every regcert view is derived from (inspect,
 * verify, check, status and the index, issuer loading, trust material). Read with Go crypto/x509's
 * parser.go rules and error texts, field by field in Go's order, so the first defect found is the one
 * Go reports: a certificate Go cannot parse is a CertificateParseError here, because no Docker,
 * containerd, podman or skopeo client can use it.
 *
 * Every part keeps the exact bytes it came from (tbs for the signature, raw issuer/subject for name
 * chaining, spki for keys). Pure: no I/O.
 */
import { createHash } from "node:crypto";
import { DerReader, TAG, contextTag, decodeInteger, decodeBoolean, decodeOctetAlignedBitString, decodeOid, decodeTime, checkInteger, toHex, type DerElement } from "./der-reader.js";
import { CertificateParseError, fail, goRead } from "./errors.js";
import { EXTENSION_PARSERS } from "./extensions/index.js";
import type { ParsedNameConstraints } from "./extensions/name-constraints.js";
import { parseName, type NameAttribute } from "./name.js";
import { parsePublicKey, signatureAlgorithmName, type PublicKeyInfo } from "./public-key.js";

export interface RawExtension {
  oid: string;
  critical: boolean;
  /** the extnValue OCTET STRING contents */
  value: Uint8Array;
}

export interface ParsedCertificate {
  der: Uint8Array;
  /** the whole TBSCertificate element: what the signature covers */
  tbs: Uint8Array;
  /** 1, 2 or 3 */
  version: number;
  /** the serial's content octets, hex, as written (no sign octet stripping) */
  serialHex: string;
  serial: bigint;
  signatureAlgorithm: string;
  /** "ecdsa-with-SHA256", "ML-DSA-65", … or the OID */
  signatureAlgorithmName: string;
  /** the AlgorithmIdentifier's parameters element, whole, when present */
  signatureParams: Uint8Array | undefined;
  signature: Uint8Array;
  rawIssuer: Uint8Array;
  rawSubject: Uint8Array;
  issuer: string;
  subject: string;
  issuerAttributes: NameAttribute[];
  subjectAttributes: NameAttribute[];
  subjectCommonName: string | undefined;
  subjectOrganization: string | undefined;
  issuerCommonName: string | undefined;
  subjectEmpty: boolean;
  issuerEmpty: boolean;
  notBefore: Date;
  notAfter: Date;
  /** the whole SubjectPublicKeyInfo element */
  spki: Uint8Array;
  publicKey: PublicKeyInfo;
  extensions: RawExtension[];
  unhandledCriticalExtensions: string[];
  /** Go's KeyUsage bit set (bit 0 = digitalSignature … bit 5 = keyCertSign); 0 when absent */
  keyUsage: number;
  hasKeyUsage: boolean;
  basicConstraintsValid: boolean;
  basicConstraintsCritical: boolean;
  isCa: boolean;
  /** -1 when absent */
  maxPathLen: number;
  hasSan: boolean;
  sanCritical: boolean;
  dnsNames: string[];
  ipAddresses: Uint8Array[];
  emailAddresses: string[];
  uris: string[];
  hasEku: boolean;
  /** extended key usage OIDs, in order */
  extKeyUsage: string[];
  subjectKeyId: Uint8Array | undefined;
  hasAki: boolean;
  authorityKeyId: Uint8Array | undefined;
  akiHasIssuer: boolean;
  akiHasSerial: boolean;
  nameConstraints: ParsedNameConstraints | undefined;
  /** SHA-256 of the DER, lower-case hex */
  fingerprint: string;
}

export { CertificateParseError };

/** Parses one DER certificate with Go's rules. Throws CertificateParseError with Go's message. */
export function parseCertificate(input: Uint8Array): ParsedCertificate {
  const der = new Uint8Array(input);
  const top = new DerReader(der);
  const certEl = goRead("x509: malformed certificate", () => top.read(TAG.SEQUENCE));
  if (certEl.end !== der.length) fail("x509: trailing data");
  const outer = DerReader.inside(der, certEl);
  const tbsEl = goRead("x509: malformed tbs certificate", () => outer.read(TAG.SEQUENCE));
  const tbs = DerReader.inside(der, tbsEl);

  const versionEl = goRead("x509: malformed version", () => tbs.readOptional(contextTag(0, true)));
  let version = 1;
  if (versionEl) {
    const n = goRead("x509: malformed version", () => {
      const inner = DerReader.inside(der, versionEl);
      const value = decodeInteger(inner.content(inner.read(TAG.INTEGER)));
      inner.finish();
      return value;
    });
    if (n < 0n) fail("x509: malformed version");
    if (n > 2n) fail("x509: invalid version");
    version = Number(n) + 1;
  }

  const serialEl = goRead("x509: malformed serial number", () => tbs.read(TAG.INTEGER));
  const serialBytes = tbs.content(serialEl);
  goRead("x509: malformed serial number", () => checkInteger(serialBytes));
  if (((serialBytes[0] as number) & 0x80) !== 0) fail("x509: negative serial number");

  const innerAlgEl = goRead("x509: malformed signature algorithm identifier", () => tbs.read(TAG.SEQUENCE));
  const outerAlgEl = goRead("x509: malformed algorithm identifier", () => outer.read(TAG.SEQUENCE));
  if (Buffer.compare(tbs.content(innerAlgEl), outer.content(outerAlgEl)) !== 0) fail("x509: inner and outer signature algorithm identifiers don't match");
  const alg = DerReader.inside(der, innerAlgEl);
  const signatureAlgorithm = goRead("x509: malformed OID", () => decodeOid(alg.content(alg.read(TAG.OID))));
  const sigParamsEl = alg.empty ? undefined : goRead("x509: malformed parameters", () => alg.read());

  const issuerEl = goRead("x509: malformed issuer", () => tbs.read(TAG.SEQUENCE));
  const issuer = parseName(der, issuerEl);

  const validity = goRead("x509: malformed validity", () => tbs.enter(TAG.SEQUENCE));
  const notBefore = readTime(validity);
  const notAfter = readTime(validity);

  const subjectEl = goRead("x509: malformed subject", () => tbs.read(TAG.SEQUENCE));
  const subject = parseName(der, subjectEl);

  const spkiEl = goRead("x509: malformed spki", () => tbs.read(TAG.SEQUENCE));
  const spki = new Uint8Array(tbs.whole(spkiEl));
  const publicKey = parsePublicKey(spki);

  const extensions: RawExtension[] = [];
  if (version > 1) {
    goRead("x509: malformed issuerUniqueID", () => tbs.readOptional(contextTag(1)) ?? tbs.readOptional(contextTag(1, true)));
    goRead("x509: malformed subjectUniqueID", () => tbs.readOptional(contextTag(2)) ?? tbs.readOptional(contextTag(2, true)));
    if (version === 3) readExtensions(tbs, extensions);
  }

  const sigEl = goRead("x509: malformed signature", () => outer.read(TAG.BIT_STRING));
  const signature = goRead("x509: malformed signature", () => decodeOctetAlignedBitString(outer.content(sigEl)));
  if (!outer.empty) fail("x509: malformed signature");

  const cert: ParsedCertificate = {
    der,
    tbs: new Uint8Array(der.subarray(tbsEl.start, tbsEl.end)),
    version,
    serialHex: toHex(serialBytes),
    serial: decodeInteger(serialBytes),
    signatureAlgorithm,
    signatureAlgorithmName: signatureAlgorithmName(signatureAlgorithm),
    signatureParams: sigParamsEl ? new Uint8Array(alg.whole(sigParamsEl)) : undefined,
    signature: new Uint8Array(signature),
    rawIssuer: new Uint8Array(der.subarray(issuerEl.start, issuerEl.end)),
    rawSubject: new Uint8Array(der.subarray(subjectEl.start, subjectEl.end)),
    issuer: issuer.text,
    subject: subject.text,
    issuerAttributes: issuer.attributes,
    subjectAttributes: subject.attributes,
    subjectCommonName: subject.commonName,
    subjectOrganization: subject.organization,
    issuerCommonName: issuer.commonName,
    subjectEmpty: subject.empty,
    issuerEmpty: issuer.empty,
    notBefore,
    notAfter,
    spki,
    publicKey,
    extensions,
    unhandledCriticalExtensions: [],
    keyUsage: 0,
    hasKeyUsage: false,
    basicConstraintsValid: false,
    basicConstraintsCritical: false,
    isCa: false,
    maxPathLen: -1,
    hasSan: false,
    sanCritical: false,
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
    hasEku: false,
    extKeyUsage: [],
    subjectKeyId: undefined,
    hasAki: false,
    authorityKeyId: undefined,
    akiHasIssuer: false,
    akiHasSerial: false,
    nameConstraints: undefined,
    fingerprint: createHash("sha256").update(der).digest("hex"),
  };
  for (const ext of extensions) {
    const parser = EXTENSION_PARSERS.get(ext.oid);
    const handled = parser ? parser.parse(ext, cert) : false;
    if (ext.critical && !handled) cert.unhandledCriticalExtensions.push(ext.oid);
  }
  return cert;
}

/** Go's parseTime: UTCTime or GeneralizedTime, each with its own error text. */
function readTime(validity: DerReader): Date {
  const tag = validity.peekTag();
  if (tag === TAG.UTCTime) return goRead("x509: malformed UTCTime", () => decodeTime(tag, validity.content(validity.read(tag))));
  if (tag === TAG.GeneralizedTime) return goRead("x509: malformed GeneralizedTime", () => decodeTime(tag, validity.content(validity.read(tag))));
  return fail("x509: unsupported time format");
}

/** The [3] EXPLICIT Extensions of a v3 TBS, with parseExtension's texts; duplicates refused as Go does. */
function readExtensions(tbs: DerReader, out: RawExtension[]): void {
  const wrapper = goRead("x509: malformed extensions", () => tbs.readOptional(contextTag(3, true)));
  if (!wrapper) return;
  const list = goRead("x509: malformed extensions", () => DerReader.inside(tbs.buf, wrapper).enter(TAG.SEQUENCE));
  const seen = new Set<string>();
  while (!list.empty) {
    const ext = goRead("x509: malformed extension", () => list.enter(TAG.SEQUENCE));
    const oid = goRead("x509: malformed extension OID field", () => decodeOid(ext.content(ext.read(TAG.OID))));
    let critical = false;
    if (ext.peekTag() === TAG.BOOLEAN) critical = goRead("x509: malformed extension critical field", () => readBoolean(ext));
    const valueEl: DerElement = goRead("x509: malformed extension value field", () => ext.read(TAG.OCTET_STRING));
    if (seen.has(oid)) fail(`x509: certificate contains duplicate extension with OID "${oid}"`);
    seen.add(oid);
    out.push({ oid, critical, value: new Uint8Array(ext.content(valueEl)) });
  }
}

const readBoolean = (r: DerReader): boolean => decodeBoolean(r.content(r.read(TAG.BOOLEAN)));
