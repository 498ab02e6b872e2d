/**
 * Assembles and signs a certificate. Parts that come from elsewhere (the issuer's Name, the subject's
 * SubjectPublicKeyInfo) are copied byte for byte, so a chain always links on the exact bytes Go
 * compares; the TBSCertificate is serialised once and the outer SEQUENCE framed around its bytes.
 *
 * The few structures encoded here (Name with O and CN, Validity) are written as DER directly: the
 * @peculiar schema layer costs ~50 ms to load and tens of µs per structure, more than the signature.
 * test/unit/pki/tbs-equivalence.test.ts proves every one byte-identical to the @peculiar/asn1-x509
 * encoding of the same value.
 */
import { randomFillSync } from "node:crypto";
import { derLength, derSequence, derTlv, derUnsignedInteger } from "./der.js";
import type { SignatureScheme } from "./keys.js";
import type { Signer } from "./signer.js";
import { toPem } from "./pem.js";

export const OID_COMMON_NAME = "2.5.4.3";
export const OID_ORGANIZATION = "2.5.4.10";

export interface SubjectFields {
  commonName?: string | undefined;
  organization?: string | undefined;
}

// DER OBJECT IDENTIFIERs of the two attribute types (2.5.4.10, 2.5.4.3)
const DER_OID_ORGANIZATION = Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x0a);
const DER_OID_COMMON_NAME = Uint8Array.of(0x06, 0x03, 0x55, 0x04, 0x03);
const EMPTY_NAME = Uint8Array.of(0x30, 0x00);

/** RelativeDistinguishedName: SET { SEQUENCE { type, UTF8String value } } */
function rdn(type: Uint8Array, value: string): Uint8Array {
  return derTlv(0x31, derSequence(type, derTlv(0x0c, Buffer.from(value, "utf8"))));
}

/** Encodes a subject as O then CN, each a UTF8String (RFC 5280 §4.1.2.4). An empty subject is an empty SEQUENCE. */
export function encodeName(subject: SubjectFields): Uint8Array {
  const rdns: Uint8Array[] = [];
  if (subject.organization) rdns.push(rdn(DER_OID_ORGANIZATION, subject.organization));
  if (subject.commonName) rdns.push(rdn(DER_OID_COMMON_NAME, subject.commonName));
  return rdns.length === 0 ? EMPTY_NAME.slice() : derSequence(...rdns);
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from
 * 2050; always UTC, whole seconds (milliseconds are dropped, as the schema's Time does).
 */
function encodeTime(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (year > 2049) return derTlv(0x18, Buffer.from(`${String(year).padStart(4, "0")}${rest}`, "latin1"));
  return derTlv(0x17, Buffer.from(`${two(year % 100)}${rest}`, "latin1"));
}

export function encodeValidity(notBefore: Date, notAfter: Date): Uint8Array {
  return derSequence(encodeTime(notBefore), encodeTime(notAfter));
}

// Serial randomness is drawn 4 KiB at a time: one randomFillSync per 256 certificates instead of one
// per certificate (each call costs ~10 µs of fixed overhead); every serial is still fresh CSPRNG output.
const serialPool = new Uint8Array(4096);
let serialOffset = serialPool.length;

/**
 * A random positive serial of 16 bytes (RFC 5280 §4.1.2.2 allows up to 20; CA/B Forum wants ≥ 64 bits
 * of entropy). The top bit is cleared so the INTEGER is positive, the next one set so the encoding
 * never starts with a zero byte: 126 random bits, always exactly 16 bytes.
 */
export function randomSerial(): Uint8Array {
  if (serialOffset + 16 > serialPool.length) {
    randomFillSync(serialPool);
    serialOffset = 0;
  }
  const bytes = serialPool.slice(serialOffset, serialOffset + 16);
  serialPool.fill(0, serialOffset, serialOffset + 16);
  serialOffset += 16;
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40;
  return bytes;
}

export interface TbsParts {
  serial: Uint8Array;
  scheme: SignatureScheme;
  issuerName: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subjectName: Uint8Array;
  spki: Uint8Array;
  /** DER Extension elements, in order */
  extensions: Uint8Array[];
}

const VERSION_3 = Uint8Array.from([0xa0, 0x03, 0x02, 0x01, 0x02]);

/** DER TBSCertificate (RFC 5280 §4.1), written into one buffer. */
export function encodeTbsCertificate(parts: TbsParts): Uint8Array {
  let extensionsLength = 0;
  for (const extension of parts.extensions) extensionsLength += extension.length;
  const extensionsSequenceHeader = derLength(extensionsLength);
  const extensionsSequenceLength = 1 + extensionsSequenceHeader.length + extensionsLength;
  const fields = [
    VERSION_3,
    derUnsignedInteger(parts.serial),
    parts.scheme.algorithmIdentifier,
    parts.issuerName,
    encodeValidity(parts.notBefore, parts.notAfter),
    parts.subjectName,
    parts.spki,
    Uint8Array.of(0xa3),
    derLength(extensionsSequenceLength),
    Uint8Array.of(0x30),
    extensionsSequenceHeader,
    ...parts.extensions,
  ];
  return derTlv(0x30, ...fields);
}

/** Signs a TBSCertificate (a file key or a token key, through its signer) and frames the Certificate around it. */
export function signTbs(tbs: Uint8Array, signer: Signer): Uint8Array {
  const signature = signer.sign(tbs);
  return derSequence(tbs, signer.scheme.algorithmIdentifier, derTlv(0x03, Uint8Array.of(0), signature));
}

export const certificatePem = (der: Uint8Array): string => toPem("CERTIFICATE", der);

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
