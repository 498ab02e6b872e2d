/**
 * The one strict reader of PKCS#10 certificate requests (RFC 2986). It turns DER into typed facts and
 * refuses anything that is not DER: trailing bytes, non-minimal INTEGERs, BOOLEANs other than
 * 0x00/0xFF, an explicitly encoded DEFAULT, constructed strings, unknown string types, BIT STRINGs
 * with unused bits. It decides nothing: what regcert accepts from a CSR is src/pki/csr-policy.ts.
 *
 * Every element and typed value is read with the one strict reader (./der-reader.ts: Go's
 * encoding/asn1 + cryptobyte rules); its reasons are reworded here as the CSR refusals say them.
 */
import { RegcertError } from "../errors.js";
import {
  contentOf,
  decodeBoolean,
  decodeInteger,
  decodeOctetAlignedBitString,
  decodeOid,
  decodeString,
  DerError,
  DerReader,
  isIa5,
  readSingle,
  TAG,
  type DerElement,
} from "./der-reader.js";

export const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
export const OID_SUBJECT_ALT_NAME = "2.5.29.17";
export const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";

/** A reason the bytes are not a well-formed DER CSR (caught by readCsr and turned into a user error). */
class CsrFormatError extends Error {}
const fail = (why: string): never => {
  throw new CsrFormatError(why);
};

export interface CsrSubjectAttribute {
  oid: string;
  /** the decoded string (undefined when the value is not a string type) */
  value: string | undefined;
  /** the ASN.1 tag of the value (0x0c UTF8String, 0x13 PrintableString, …) */
  tag: number;
}

export type CsrKeyKind = "rsa" | "ec" | "ed25519" | "ed448" | "other";
export type EcPointForm = "uncompressed" | "compressed" | "hybrid" | "invalid";

export interface CsrPublicKeyInfo {
  /** the exact DER of the SubjectPublicKeyInfo */
  raw: Uint8Array;
  algorithm: string;
  kind: CsrKeyKind;
  /** named curve OID for EC keys */
  curve: string | undefined;
  /** form of the EC point (SEC 1 §2.3.3), for EC keys */
  pointForm: EcPointForm | undefined;
  /** the public key bits (for EC: the point) */
  keyBits: Uint8Array;
}

export interface CsrAttribute {
  oid: string;
  /** exact DER of each value in the attribute's SET */
  values: Uint8Array[];
}

export interface CsrExtension {
  oid: string;
  critical: boolean;
  /** contents of extnValue (the DER of the extension's own structure) */
  value: Uint8Array;
}

export type CsrGeneralName =
  | { kind: "dns"; text: string; ia5: boolean }
  | { kind: "ip"; bytes: Uint8Array }
  | { kind: "email"; text: string; ia5: boolean }
  | { kind: "uri"; text: string; ia5: boolean }
  | { kind: "other"; tag: number };

export interface ParsedCsr {
  /** the whole request */
  der: Uint8Array;
  /** the exact signed bytes (CertificationRequestInfo) */
  infoDer: Uint8Array;
  /** the version INTEGER as written (0 is v1, the only version RFC 2986 defines) */
  version: bigint;
  subject: { raw: Uint8Array; attributes: CsrSubjectAttribute[] };
  publicKey: CsrPublicKeyInfo;
  /** every attribute, in order (extensionRequest included) */
  attributes: CsrAttribute[];
  /** the extensions of every extensionRequest value, in order (duplicates kept: the policy refuses them) */
  extensions: CsrExtension[];
  /** the names of every subjectAltName extension, one list per extension */
  subjectAltNames: CsrGeneralName[][];
  signatureAlgorithm: { oid: string; parameters: Uint8Array | undefined };
  signature: Uint8Array;
}

// ----------------------------------------------------------------------------------------------------
// the shared reader, in the CSR refusals' words

/** der-reader reasons → the words `sign` has always used for them (pinned by test/cli/sign-csr-policy.test.ts) */
const CSR_WORDS: Readonly<Record<string, string>> = {
  "empty INTEGER": "an empty INTEGER",
  "INTEGER not minimally encoded": "an INTEGER that is not minimally encoded",
  "BOOLEAN must be 0x00 or 0xff": "a BOOLEAN that is not 0x00 or 0xFF",
  "empty OBJECT IDENTIFIER": "an empty OBJECT IDENTIFIER",
  "OBJECT IDENTIFIER arc not minimally encoded": "an OBJECT IDENTIFIER arc with a leading 0x80 (not minimal)",
  "truncated OBJECT IDENTIFIER": "a truncated OBJECT IDENTIFIER",
  "invalid UTF-8 string": "a UTF8String that is not valid UTF-8",
  "invalid PrintableString": "a PrintableString with characters outside its set",
  "invalid IA5String": "an IA5String with non-ASCII bytes",
  "NumericString contains invalid character": "a NumericString with characters other than digits and space",
  "invalid BMPString": "a BMPString that is not valid UCS-2",
};

function csrWords(reason: string): string {
  const unsupported = /^unsupported string type: (\d+)$/.exec(reason);
  if (unsupported) return `a name attribute with the string type 0x${Number(unsupported[1]).toString(16)}, which X.509 names do not use`;
  const trailing = /^(\d+) unexpected byte\(s\) at the end of a structure$/.exec(reason);
  if (trailing) return `${trailing[1]} trailing byte(s) after the structure`;
  return CSR_WORDS[reason] ?? reason;
}

function expectTag(el: DerElement | undefined, tag: number, what: string): DerElement {
  if (!el) return fail(`${what} is missing`);
  if (el.tag !== tag) return fail(`${what} has tag 0x${el.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return el;
}

/** The elements inside `el`, each framed strictly (the reader checks each against its parent). */
const children = (buf: Uint8Array, el: DerElement): DerElement[] => DerReader.inside(buf, el).readAll();

const oidOf = (buf: Uint8Array, el: DerElement | undefined, what: string): string => decodeOid(contentOf(buf, expectTag(el, TAG.OID, what)));

/** BIT STRING content with no unused bits (keys, signatures). */
function octetAlignedBits(bytes: Uint8Array, what: string): Uint8Array {
  try {
    return decodeOctetAlignedBitString(bytes);
  } catch (error) {
    if (error instanceof DerError) return fail(`${what} is a BIT STRING with unused bits`);
    throw error;
  }
}

// ----------------------------------------------------------------------------------------------------
// the structure

function readSubject(buf: Uint8Array, el: DerElement): ParsedCsr["subject"] {
  expectTag(el, TAG.SEQUENCE, "the subject");
  const attributes: CsrSubjectAttribute[] = [];
  for (const rdn of children(buf, el)) {
    expectTag(rdn, TAG.SET, "a subject RDN");
    const atvs = children(buf, rdn);
    if (atvs.length === 0) fail("an empty subject RDN");
    for (const atv of atvs) {
      expectTag(atv, TAG.SEQUENCE, "a subject attribute");
      const [type, value, extra] = children(buf, atv);
      if (extra) fail("a subject attribute with extra fields");
      const oid = oidOf(buf, type, "a subject attribute type");
      if (!value) return fail("a subject attribute without a value");
      // every universal string type is decoded, or refused as Go refuses the ones it does not support
      const isString = value.tag === TAG.UTF8String || (value.tag >= 0x12 && value.tag <= 0x1e);
      if ((value.tag & 0x20) !== 0 && value.tag !== TAG.SEQUENCE && value.tag !== TAG.SET) fail("a subject string in constructed (BER) form");
      attributes.push({ oid, tag: value.tag, value: isString ? decodeString(value.tag, contentOf(buf, value)) : undefined });
    }
  }
  return { raw: buf.slice(el.start, el.end), attributes };
}

const EC_COORDINATE_BYTES: Record<string, number> = { "1.2.840.10045.3.1.7": 32, "1.3.132.0.34": 48, "1.3.132.0.35": 66 };

function readPublicKey(buf: Uint8Array, el: DerElement): CsrPublicKeyInfo {
  expectTag(el, TAG.SEQUENCE, "the public key");
  const [algId, bits, extra] = children(buf, el);
  if (extra) fail("the public key has extra fields");
  const [oidEl, params, more] = children(buf, expectTag(algId, TAG.SEQUENCE, "the public key algorithm"));
  if (more) fail("the public key algorithm has extra fields");
  const algorithm = oidOf(buf, oidEl, "the public key algorithm");
  const keyBits = octetAlignedBits(contentOf(buf, expectTag(bits, TAG.BIT_STRING, "the public key")), "the public key");
  let kind: CsrKeyKind = "other";
  let curve: string | undefined;
  let pointForm: EcPointForm | undefined;
  if (algorithm === "1.2.840.113549.1.1.1") kind = "rsa";
  else if (algorithm === "1.3.101.112") kind = "ed25519";
  else if (algorithm === "1.3.101.113") kind = "ed448";
  else if (algorithm === OID_EC_PUBLIC_KEY) {
    kind = "ec";
    curve = params?.tag === TAG.OID ? decodeOid(contentOf(buf, params)) : undefined;
    const size = curve === undefined ? undefined : EC_COORDINATE_BYTES[curve];
    const first = keyBits[0];
    if (first === 0x04) pointForm = size === undefined || keyBits.length === 1 + 2 * size ? "uncompressed" : "invalid";
    else if (first === 0x02 || first === 0x03) pointForm = size === undefined || keyBits.length === 1 + size ? "compressed" : "invalid";
    else if (first === 0x06 || first === 0x07) pointForm = "hybrid";
    else pointForm = "invalid";
  }
  return { raw: buf.slice(el.start, el.end), algorithm, kind, curve, pointForm, keyBits: new Uint8Array(keyBits) };
}

function readExtensions(buf: Uint8Array, el: DerElement, out: CsrExtension[]): void {
  expectTag(el, TAG.SEQUENCE, "the extensionRequest value");
  for (const ext of children(buf, el)) {
    expectTag(ext, TAG.SEQUENCE, "a requested extension");
    const parts = children(buf, ext);
    const oid = oidOf(buf, parts[0], "a requested extension's OID");
    let i = 1;
    let critical = false;
    if (parts[i]?.tag === TAG.BOOLEAN) {
      critical = decodeBoolean(contentOf(buf, parts[i] as DerElement));
      if (!critical) fail("a requested extension with critical FALSE written out (DER omits a DEFAULT value)");
      i++;
    }
    const value = expectTag(parts[i], TAG.OCTET_STRING, "a requested extension's value");
    if (parts[i + 1]) fail("a requested extension has extra fields");
    out.push({ oid, critical, value: new Uint8Array(contentOf(buf, value)) });
  }
}

/** The GeneralNames of a subjectAltName extension value (refuses constructed strings and an empty list). */
export function readGeneralNames(value: Uint8Array): CsrGeneralName[] {
  const seq = expectTag(readSingle(value), TAG.SEQUENCE, "the subjectAltName");
  const names: CsrGeneralName[] = [];
  for (const gn of children(value, seq)) {
    const bytes = contentOf(value, gn);
    const text = Buffer.from(bytes).toString("latin1");
    switch (gn.tag) {
      case 0x82:
        names.push({ kind: "dns", text, ia5: isIa5(bytes) });
        break;
      case 0x87:
        names.push({ kind: "ip", bytes: new Uint8Array(bytes) });
        break;
      case 0x81:
        names.push({ kind: "email", text, ia5: isIa5(bytes) });
        break;
      case 0x86:
        names.push({ kind: "uri", text, ia5: isIa5(bytes) });
        break;
      case 0xa1:
      case 0xa2:
      case 0xa6:
      case 0xa7:
        fail("a subjectAltName string in constructed (BER) form");
        break;
      default:
        if ((gn.tag & 0xc0) !== 0x80) fail(`a subjectAltName entry with the universal tag 0x${gn.tag.toString(16)}`);
        names.push({ kind: "other", tag: gn.tag & 0x1f });
    }
  }
  if (names.length === 0) fail("an empty subjectAltName (RFC 5280 requires at least one name)");
  return names;
}

/** Reads a DER CSR strictly. Every malformation is a user error (exit 2) naming `what`. */
export function readCsr(der: Uint8Array, what = "the CSR"): ParsedCsr {
  try {
    return readCsrStrict(der);
  } catch (error) {
    if (error instanceof CsrFormatError || error instanceof DerError) {
      const why = error instanceof CsrFormatError ? error.message : csrWords(error.reason);
      throw new RegcertError("regcert.badCsr", `${what} is not a valid PKCS#10 certificate request: ${why}`, {
        exitCode: 2,
        hint: "make the request again with openssl req -new (or let regcert issue make the key and request)",
        cause: error,
      });
    }
    throw error;
  }
}

function readCsrStrict(der: Uint8Array): ParsedCsr {
  const top = expectTag(readSingle(der), TAG.SEQUENCE, "the request");
  const [infoEl, sigAlgEl, sigEl, extra] = children(der, top);
  if (extra) fail("extra fields after the signature");
  const info = children(der, expectTag(infoEl, TAG.SEQUENCE, "the request info"));
  const [versionEl, subjectEl, spkiEl, attrsEl, infoExtra] = info;
  if (infoExtra) fail("extra fields after the attributes");
  const version = decodeInteger(contentOf(der, expectTag(versionEl, TAG.INTEGER, "the version")));
  const subject = readSubject(der, expectTag(subjectEl, TAG.SEQUENCE, "the subject"));
  const publicKey = readPublicKey(der, expectTag(spkiEl, TAG.SEQUENCE, "the public key"));
  const attributes: CsrAttribute[] = [];
  const extensions: CsrExtension[] = [];
  for (const attr of children(der, expectTag(attrsEl, 0xa0, "the attributes"))) {
    expectTag(attr, TAG.SEQUENCE, "an attribute");
    const [typeEl, setEl, more] = children(der, attr);
    if (more) fail("an attribute with extra fields");
    const oid = oidOf(der, typeEl, "an attribute type");
    const values = children(der, expectTag(setEl, TAG.SET, "an attribute's values"));
    attributes.push({ oid, values: values.map((v) => der.slice(v.start, v.end)) });
    if (oid === OID_EXTENSION_REQUEST) for (const v of values) readExtensions(der, v, extensions);
  }
  const subjectAltNames = extensions.filter((e) => e.oid === OID_SUBJECT_ALT_NAME).map((e) => readGeneralNames(e.value));
  const [algOid, algParams, algExtra] = children(der, expectTag(sigAlgEl, TAG.SEQUENCE, "the signature algorithm"));
  if (algExtra) fail("the signature algorithm has extra fields");
  const signature = octetAlignedBits(contentOf(der, expectTag(sigEl, TAG.BIT_STRING, "the signature")), "the signature");
  return {
    der,
    infoDer: der.slice((infoEl as DerElement).start, (infoEl as DerElement).end),
    version,
    subject,
    publicKey,
    attributes,
    extensions,
    subjectAltNames,
    signatureAlgorithm: {
      oid: oidOf(der, algOid, "the signature algorithm"),
      parameters: algParams ? der.slice(algParams.start, algParams.end) : undefined,
    },
    signature: new Uint8Array(signature),
  };
}
