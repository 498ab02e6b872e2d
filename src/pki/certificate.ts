/**
 * Assembles and signs a certificate. Parts that come from elsewhere (the issuer's Name, the subject's
 * SubjectPublicKeyInfo) are copied byte for byte, so a chain always links on the exact bytes Go
 * compares; the TBSCertificate is serialised once and the outer SEQUENCE framed around its bytes.
 */
import { randomBytes, type KeyObject } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName, Validity } from "@peculiar/asn1-x509";
import { derSequence, derTlv, derUnsignedInteger } from "./der.js";
import { signWith, type SignatureScheme } from "./keys.js";
import { toPem } from "./pem.js";

export const OID_COMMON_NAME = "2.5.4.3";
export const OID_ORGANIZATION = "2.5.4.10";

export interface SubjectFields {
  commonName?: string | undefined;
  organization?: string | undefined;
}

/** Encodes a subject as O then CN, each a UTF8String (RFC 5280 §4.1.2.4). An empty subject is an empty SEQUENCE. */
export function encodeName(subject: SubjectFields): Uint8Array {
  const rdns: RelativeDistinguishedName[] = [];
  const add = (type: string, value: string | undefined) => {
    if (value) rdns.push(new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]));
  };
  add(OID_ORGANIZATION, subject.organization);
  add(OID_COMMON_NAME, subject.commonName);
  return new Uint8Array(AsnConvert.serialize(new Name(rdns)));
}

export function encodeValidity(notBefore: Date, notAfter: Date): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new Validity({ notBefore, notAfter })));
}

/**
 * A random positive serial of 16 bytes (RFC 5280 §4.1.2.2 allows up to 20; CA/B Forum wants ≥ 64 bits
 * of entropy). The top bit is cleared so the INTEGER is positive, the next one set so the encoding
 * never starts with a zero byte: 126 random bits, always exactly 16 bytes.
 */
export function randomSerial(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(16));
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

/** DER TBSCertificate (RFC 5280 §4.1). */
export function encodeTbsCertificate(parts: TbsParts): Uint8Array {
  return derSequence(
    VERSION_3,
    derUnsignedInteger(parts.serial),
    parts.scheme.algorithmIdentifier,
    parts.issuerName,
    encodeValidity(parts.notBefore, parts.notAfter),
    parts.subjectName,
    parts.spki,
    derTlv(0xa3, derSequence(...parts.extensions)),
  );
}

/** Signs a TBSCertificate and frames the Certificate around it. */
export function signTbs(tbs: Uint8Array, scheme: SignatureScheme, privateKey: KeyObject): Uint8Array {
  const signature = signWith(scheme, privateKey, tbs);
  return derSequence(tbs, scheme.algorithmIdentifier, derTlv(0x03, Uint8Array.of(0), signature));
}

export const certificatePem = (der: Uint8Array): string => toPem("CERTIFICATE", der);

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
