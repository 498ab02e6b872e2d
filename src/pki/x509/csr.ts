/**
 * The one strict reader of PKCS#10 certificate requests (RFC 2986). It turns DER into typed facts and
 * refuses anything that is not DER: trailing bytes, non-minimal INTEGERs, BOOLEANs other than
 * 0x00/0xFF, an explicitly encoded DEFAULT, constructed strings, unknown string types, BIT STRINGs
 * with unused bits. It decides nothing: what regcert accepts from a CSR is src/pki/csr-policy.ts.
 *
 * The small typed helpers below (readInteger, readBoolean, readString, …) are local until the shared
 * x509 primitives land; they follow Go's encoding/asn1 + cryptobyte strictness.
 */
import { readChildren, readWholeElement, type DerElement } from "../der.js";
import { RegcertError } from "../errors.js";

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
// typed DER helpers

const content = (buf: Uint8Array, el: DerElement): Uint8Array => buf.subarray(el.contentStart, el.end);

function expectTag(el: DerElement | undefined, tag: number, what: string): DerElement {
  if (!el) return fail(`${what} is missing`);
  if (el.tag !== tag) return fail(`${what} has tag 0x${el.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return el;
}

/** OBJECT IDENTIFIER content → dotted text; minimal base-128 arcs only. */
export function readOid(bytes: Uint8Array): string {
  if (bytes.length === 0) fail("an empty OBJECT IDENTIFIER");
  const arcs: bigint[] = [];
  let value = 0n;
  let start = true;
  for (const b of bytes) {
    if (start && b === 0x80) fail("an OBJECT IDENTIFIER arc with a leading 0x80 (not minimal)");
    value = (value << 7n) | BigInt(b & 0x7f);
    start = (b & 0x80) === 0;
    if (start) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!start) fail("a truncated OBJECT IDENTIFIER");
  const first = arcs[0] as bigint;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join(".");
}

/** INTEGER content → bigint; minimal two's complement only (no 0x00 0x7f, no 0xff 0x80). */
export function readInteger(bytes: Uint8Array): bigint {
  if (bytes.length === 0) fail("an empty INTEGER");
  if (bytes.length > 1 && ((bytes[0] === 0 && ((bytes[1] as number) & 0x80) === 0) || (bytes[0] === 0xff && ((bytes[1] as number) & 0x80) !== 0))) {
    fail("an INTEGER that is not minimally encoded");
  }
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  if (((bytes[0] as number) & 0x80) !== 0) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

/** BOOLEAN content: exactly one byte, 0x00 or 0xFF (DER). */
export function readBoolean(bytes: Uint8Array): boolean {
  if (bytes.length !== 1 || (bytes[0] !== 0x00 && bytes[0] !== 0xff)) fail("a BOOLEAN that is not 0x00 or 0xFF");
  return bytes[0] === 0xff;
}

/** BIT STRING content with no unused bits (keys, signatures). */
function readOctetAlignedBits(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length === 0 || bytes[0] !== 0) fail(`${what} is a BIT STRING with unused bits`);
  return bytes.subarray(1);
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const isIa5 = (bytes: Uint8Array): boolean => bytes.every((b) => b < 0x80);

/** A directory string by its tag, decoded strictly; throws for types X.509 names do not use. */
export function readString(tag: number, bytes: Uint8Array): string {
  const latin1 = () => Buffer.from(bytes).toString("latin1");
  switch (tag) {
    case 0x0c: // UTF8String
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        return fail("a UTF8String that is not valid UTF-8");
      }
    case 0x13: // PrintableString
      if (!PRINTABLE.test(latin1())) fail("a PrintableString with characters outside its set");
      return latin1();
    case 0x16: // IA5String
      if (!isIa5(bytes)) fail("an IA5String with non-ASCII bytes");
      return latin1();
    case 0x12: // NumericString
      if (!/^[0-9 ]*$/.test(latin1())) fail("a NumericString with characters other than digits and space");
      return latin1();
    case 0x14: // TeletexString, read as Latin-1 like Go
      return latin1();
    case 0x1e: {
      // BMPString: UCS-2 big-endian
      if (bytes.length % 2 !== 0) fail("a BMPString with an odd number of bytes");
      let out = "";
      for (let i = 0; i < bytes.length; i += 2) out += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
      return out;
    }
    case 0x1c: {
      // UniversalString: UCS-4 big-endian
      if (bytes.length % 4 !== 0) fail("a UniversalString whose length is not a multiple of 4");
      let out = "";
      for (let i = 0; i < bytes.length; i += 4) {
        const cp = (((bytes[i] as number) << 24) | ((bytes[i + 1] as number) << 16) | ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number)) >>> 0;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail("a UniversalString with an invalid character");
        out += String.fromCodePoint(cp);
      }
      return out;
    }
    default:
      return fail(`a name attribute with the string type 0x${tag.toString(16)}, which X.509 names do not use`);
  }
}

// ----------------------------------------------------------------------------------------------------
// the structure

function readSubject(buf: Uint8Array, el: DerElement): ParsedCsr["subject"] {
  expectTag(el, 0x30, "the subject");
  const attributes: CsrSubjectAttribute[] = [];
  for (const rdn of readChildren(buf, el)) {
    expectTag(rdn, 0x31, "a subject RDN");
    const atvs = readChildren(buf, rdn);
    if (atvs.length === 0) fail("an empty subject RDN");
    for (const atv of atvs) {
      expectTag(atv, 0x30, "a subject attribute");
      const [type, value, extra] = readChildren(buf, atv);
      if (extra) fail("a subject attribute with extra fields");
      const oid = readOid(content(buf, expectTag(type, 0x06, "a subject attribute type")));
      if (!value) return fail("a subject attribute without a value");
      // every universal string type is decoded (or refused, as Go refuses the ones it does not support)
      const isString = value.tag === 0x0c || (value.tag >= 0x12 && value.tag <= 0x1e);
      if ((value.tag & 0x20) !== 0 && value.tag !== 0x30 && value.tag !== 0x31) fail("a subject string in constructed (BER) form");
      attributes.push({ oid, tag: value.tag, value: isString ? readString(value.tag, content(buf, value)) : undefined });
    }
  }
  return { raw: buf.slice(el.start, el.end), attributes };
}

const EC_COORDINATE_BYTES: Record<string, number> = { "1.2.840.10045.3.1.7": 32, "1.3.132.0.34": 48, "1.3.132.0.35": 66 };

function readPublicKey(buf: Uint8Array, el: DerElement): CsrPublicKeyInfo {
  expectTag(el, 0x30, "the public key");
  const [algId, bits, extra] = readChildren(buf, el);
  if (extra) fail("the public key has extra fields");
  const [oidEl, params, more] = readChildren(buf, expectTag(algId, 0x30, "the public key algorithm"));
  if (more) fail("the public key algorithm has extra fields");
  const algorithm = readOid(content(buf, expectTag(oidEl, 0x06, "the public key algorithm")));
  const keyBits = readOctetAlignedBits(content(buf, expectTag(bits, 0x03, "the public key")), "the public key");
  let kind: CsrKeyKind = "other";
  let curve: string | undefined;
  let pointForm: EcPointForm | undefined;
  if (algorithm === "1.2.840.113549.1.1.1") kind = "rsa";
  else if (algorithm === "1.3.101.112") kind = "ed25519";
  else if (algorithm === "1.3.101.113") kind = "ed448";
  else if (algorithm === OID_EC_PUBLIC_KEY) {
    kind = "ec";
    curve = params?.tag === 0x06 ? readOid(content(buf, params)) : undefined;
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
  expectTag(el, 0x30, "the extensionRequest value");
  for (const ext of readChildren(buf, el)) {
    expectTag(ext, 0x30, "a requested extension");
    const parts = readChildren(buf, ext);
    const oid = readOid(content(buf, expectTag(parts[0], 0x06, "a requested extension's OID")));
    let i = 1;
    let critical = false;
    if (parts[i]?.tag === 0x01) {
      critical = readBoolean(content(buf, parts[i] as DerElement));
      if (!critical) fail("a requested extension with critical FALSE written out (DER omits a DEFAULT value)");
      i++;
    }
    const value = expectTag(parts[i], 0x04, "a requested extension's value");
    if (parts[i + 1]) fail("a requested extension has extra fields");
    out.push({ oid, critical, value: new Uint8Array(content(buf, value)) });
  }
}

/** The GeneralNames of a subjectAltName extension value (refuses constructed strings and an empty list). */
export function readGeneralNames(value: Uint8Array): CsrGeneralName[] {
  const seq = expectTag(readWholeElement(value), 0x30, "the subjectAltName");
  const names: CsrGeneralName[] = [];
  for (const gn of readChildren(value, seq)) {
    const bytes = content(value, gn);
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
    if (error instanceof CsrFormatError || (error instanceof RegcertError && error.code === "regcert.malformedDer")) {
      const why = error instanceof CsrFormatError ? error.message : error.message.replace(/^malformed DER: /, "");
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
  const top = expectTag(readWholeElement(der), 0x30, "the request");
  const [infoEl, sigAlgEl, sigEl, extra] = readChildren(der, top);
  if (extra) fail("extra fields after the signature");
  const info = readChildren(der, expectTag(infoEl, 0x30, "the request info"));
  const [versionEl, subjectEl, spkiEl, attrsEl, infoExtra] = info;
  if (infoExtra) fail("extra fields after the attributes");
  const version = readInteger(content(der, expectTag(versionEl, 0x02, "the version")));
  const subject = readSubject(der, expectTag(subjectEl, 0x30, "the subject"));
  const publicKey = readPublicKey(der, expectTag(spkiEl, 0x30, "the public key"));
  const attributes: CsrAttribute[] = [];
  const extensions: CsrExtension[] = [];
  for (const attr of readChildren(der, expectTag(attrsEl, 0xa0, "the attributes"))) {
    expectTag(attr, 0x30, "an attribute");
    const [typeEl, setEl, more] = readChildren(der, attr);
    if (more) fail("an attribute with extra fields");
    const oid = readOid(content(der, expectTag(typeEl, 0x06, "an attribute type")));
    const values = readChildren(der, expectTag(setEl, 0x31, "an attribute's values"));
    attributes.push({ oid, values: values.map((v) => der.slice(v.start, v.end)) });
    if (oid === OID_EXTENSION_REQUEST) for (const v of values) readExtensions(der, v, extensions);
  }
  const subjectAltNames = extensions.filter((e) => e.oid === OID_SUBJECT_ALT_NAME).map((e) => readGeneralNames(e.value));
  const [algOid, algParams, algExtra] = readChildren(der, expectTag(sigAlgEl, 0x30, "the signature algorithm"));
  if (algExtra) fail("the signature algorithm has extra fields");
  const signature = readOctetAlignedBits(content(der, expectTag(sigEl, 0x03, "the signature")), "the signature");
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
      oid: readOid(content(der, expectTag(algOid, 0x06, "the signature algorithm"))),
      parameters: algParams ? der.slice(algParams.start, algParams.end) : undefined,
    },
    signature: new Uint8Array(signature),
  };
}
