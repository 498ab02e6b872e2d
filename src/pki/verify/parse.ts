/**
 * A certificate parser with Go crypto/x509's strictness (parser.go, Go 1.25+): what Go refuses to parse
 * (duplicate extensions, mismatched signature algorithms, critical AKI/SKI/AIA, explicit EC curves,
 * empty name-constraint subtrees, IPv4-mapped IP SANs, …) is a parse error here too, with Go's text,
 * because a Docker/containerd/podman client cannot use such a certificate at all.
 *
 * Every field keeps the exact bytes it came from (raw issuer/subject for name chaining, the TBS for
 * the signature). No I/O.
 */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { readChildren, readElement, type DerElement } from "../der.js";
import { formatIpBytes } from "./hostname.js";

export class CertificateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateParseError";
  }
}

const fail = (message: string): never => {
  throw new CertificateParseError(message);
};

export interface IpNet {
  ip: Uint8Array;
  mask: Uint8Array;
}

export interface ParsedNameConstraints {
  critical: boolean;
  permittedDns: string[];
  excludedDns: string[];
  permittedIp: IpNet[];
  excludedIp: IpNet[];
  /** a subtree of a type Go does not implement (directoryName, otherName, …) */
  unhandled: boolean;
}

export interface PublicKeyInfo {
  /** "rsa" | "ec" | "ed25519" | "dsa" | "unknown" */
  kind: "rsa" | "ec" | "ed25519" | "ed448" | "ml-dsa" | "dsa" | "x25519" | "unknown";
  /** "ML-DSA-44" | "ML-DSA-65" | "ML-DSA-87" for kind "ml-dsa" (FIPS 204) */
  parameterSet?: string;
  /** the raw public key of kinds node:crypto cannot load (ML-DSA on Node 20's OpenSSL 3.0) */
  raw?: Uint8Array;
  /** RSA modulus bits, EC curve bits */
  bits: number;
  /** "P-256", … for EC */
  curve?: string;
  key: KeyObject | undefined;
}

export interface ParsedCertificate {
  der: Uint8Array;
  tbs: Uint8Array;
  /** 1, 2 or 3 */
  version: number;
  serialHex: string;
  signatureAlgorithm: string;
  signatureParams: Uint8Array | undefined;
  signature: Uint8Array;
  rawIssuer: Uint8Array;
  rawSubject: Uint8Array;
  issuer: string;
  subject: string;
  subjectCommonName: string | undefined;
  subjectOrganization: string | undefined;
  subjectEmpty: boolean;
  issuerEmpty: boolean;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  publicKey: PublicKeyInfo;
  extensions: Array<{ oid: string; critical: boolean; value: Uint8Array }>;
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

// ---- small DER helpers (tag numbers as single bytes; X.509 never needs high tag numbers) ----

function children(buf: Uint8Array, el: DerElement, what: string): DerElement[] {
  try {
    return readChildren(buf, el);
  } catch {
    return fail(`x509: malformed ${what}`);
  }
}

function element(buf: Uint8Array, offset: number, what: string): DerElement {
  try {
    return readElement(buf, offset);
  } catch {
    return fail(`x509: malformed ${what}`);
  }
}

const content = (buf: Uint8Array, el: DerElement): Uint8Array => buf.subarray(el.contentStart, el.end);
const whole = (buf: Uint8Array, el: DerElement): Uint8Array => buf.subarray(el.start, el.end);

/** Parses a standalone DER value that must be exactly one element. */
function single(value: Uint8Array, what: string): DerElement {
  const el = element(value, 0, what);
  if (el.end !== value.length) fail(`x509: malformed ${what}`);
  return el;
}

export function oidToString(bytes: Uint8Array): string {
  if (bytes.length === 0) return fail("x509: malformed OID");
  const parts: number[] = [];
  let value = 0;
  let first = true;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (value === 0 && b === 0x80) fail("x509: malformed OID");
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (first) {
        const x = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(x, value - x * 40);
        first = false;
      } else parts.push(value);
      value = 0;
    } else if (i === bytes.length - 1) fail("x509: malformed OID");
  }
  return parts.join(".");
}

function readOid(buf: Uint8Array, el: DerElement | undefined, what: string): string {
  if (!el || el.tag !== 0x06) return fail(`x509: malformed ${what}`);
  return oidToString(content(buf, el));
}

function readBoolean(buf: Uint8Array, el: DerElement, what: string): boolean {
  const c = content(buf, el);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) fail(`x509: malformed ${what}`);
  return c[0] === 0xff;
}

/** Non-negative INTEGER as a number (fails above 2^53 or when negative / non-minimal). */
function readSmallUnsigned(buf: Uint8Array, el: DerElement, what: string): number {
  const c = content(buf, el);
  if (el.tag !== 0x02 || c.length === 0 || ((c[0] as number) & 0x80) !== 0) return fail(`x509: invalid ${what}`);
  if (c.length > 1 && c[0] === 0 && ((c[1] as number) & 0x80) === 0) fail(`x509: invalid ${what}`);
  let n = 0;
  for (const b of c) n = n * 256 + b;
  if (!Number.isSafeInteger(n)) fail(`x509: invalid ${what}`);
  return n;
}

/** cryptobyte's ReadASN1BitString rules: unused bits 0–7, none without data, padding bits zero. */
function validBitString(bits: Uint8Array): boolean {
  const unused = bits[0];
  if (unused === undefined || unused > 7 || (bits.length === 1 && unused !== 0)) return false;
  const last = bits[bits.length - 1] as number;
  return (last & ((1 << unused) - 1)) === 0;
}

function isIa5(bytes: Uint8Array): boolean {
  return bytes.every((b) => b < 0x80);
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

// ---- time ----

function parseTime(buf: Uint8Array, el: DerElement | undefined): Date {
  if (!el) return fail("x509: malformed validity");
  const text = latin1(content(buf, el));
  let m: RegExpExecArray | null;
  if (el.tag === 0x17) {
    // Go: "060102150405Z0700" with a minute-precision fallback, and the text must re-serialise identically
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/.exec(text);
    if (!m) return fail("x509: malformed UTCTime");
    const yy = Number(m[1]);
    return buildTime(yy >= 50 ? 1900 + yy : 2000 + yy, m.slice(2, 7), m[7] as string, "UTCTime");
  }
  if (el.tag === 0x18) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})$/.exec(text);
    if (!m) return fail("x509: malformed GeneralizedTime");
    return buildTime(Number(m[1]), m.slice(2, 7), m[7] as string, "GeneralizedTime");
  }
  return fail("x509: unsupported time format");
}

function buildTime(year: number, parts: Array<string | undefined>, zone: string, what: string): Date {
  const [mo, d, h, mi, s] = parts.map((p) => Number(p ?? "0")) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) fail(`x509: malformed ${what}`);
  let ms = Date.UTC(year, mo - 1, d, h, mi, s);
  if (new Date(ms).getUTCDate() !== d) fail(`x509: malformed ${what}`);
  if (zone !== "Z") {
    // "+0000" re-serialises as "Z" in Go and is therefore refused
    if (zone.slice(1) === "0000") fail(`x509: malformed ${what}`);
    const offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
    ms -= zone[0] === "+" ? offset : -offset;
  }
  return new Date(ms);
}

// ---- names ----

const ATTRIBUTE_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "serialNumber",
  "1.2.840.113549.1.9.1": "emailAddress",
};

interface ParsedName {
  text: string;
  commonName: string | undefined;
  organization: string | undefined;
  empty: boolean;
}

function decodeString(tag: number, bytes: Uint8Array): string {
  switch (tag) {
    case 0x0c: // UTF8String
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        return fail("x509: invalid RDNSequence: invalid attribute value: invalid UTF-8 string");
      }
    case 0x1e: {
      // BMPString (UCS-2)
      if (bytes.length % 2 !== 0) fail("x509: invalid RDNSequence: invalid attribute value: invalid BMPString");
      let s = "";
      for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
      return s;
    }
    case 0x16: // IA5String
      if (!isIa5(bytes)) fail("x509: invalid RDNSequence: invalid attribute value: invalid IA5String");
      return latin1(bytes);
    case 0x13: // PrintableString (Go also allows '*' and '&')
      if (!bytes.every((b) => /[A-Za-z0-9 '()+,\-./:=?*&]/.test(String.fromCharCode(b)))) {
        fail("x509: invalid RDNSequence: invalid attribute value: invalid PrintableString");
      }
      return latin1(bytes);
    default:
      return latin1(bytes);
  }
}

function parseName(buf: Uint8Array, el: DerElement): ParsedName {
  if (el.tag !== 0x30) fail("x509: invalid RDNSequence");
  const parts: string[] = [];
  let commonName: string | undefined;
  let organization: string | undefined;
  for (const set of children(buf, el, "RDNSequence")) {
    if (set.tag !== 0x31) fail("x509: invalid RDNSequence");
    for (const atv of children(buf, set, "RDNSequence")) {
      if (atv.tag !== 0x30) fail("x509: invalid RDNSequence: invalid attribute");
      const [typeEl, valueEl] = children(buf, atv, "RDNSequence");
      const type = readOid(buf, typeEl, "RDNSequence attribute type");
      if (!valueEl) return fail("x509: invalid RDNSequence: invalid attribute value");
      const value = decodeString(valueEl.tag, content(buf, valueEl));
      if (type === "2.5.4.3" && commonName === undefined) commonName = value;
      if (type === "2.5.4.10" && organization === undefined) organization = value;
      parts.push(`${ATTRIBUTE_NAMES[type] ?? type}=${value}`);
    }
  }
  return { text: parts.join(", "), commonName, organization, empty: parts.length === 0 };
}

// ---- public keys ----

const CURVES: Record<string, [string, number]> = {
  "1.3.132.0.33": ["P-224", 224],
  "1.2.840.10045.3.1.7": ["P-256", 256],
  "1.3.132.0.34": ["P-384", 384],
  "1.3.132.0.35": ["P-521", 521],
};

/** ML-DSA (FIPS 204) OIDs, parameter sets and public key sizes (RFC 9881 §2). */
export const ML_DSA: Record<string, [string, number]> = {
  "2.16.840.1.101.3.4.3.17": ["ML-DSA-44", 1312],
  "2.16.840.1.101.3.4.3.18": ["ML-DSA-65", 1952],
  "2.16.840.1.101.3.4.3.19": ["ML-DSA-87", 2592],
};

function parsePublicKey(spki: Uint8Array): PublicKeyInfo {
  const [algEl, bitsEl] = children(spki, single(spki, "spki"), "spki");
  if (!algEl || algEl.tag !== 0x30 || !bitsEl || bitsEl.tag !== 0x03) return fail("x509: malformed spki");
  const [oidEl, paramsEl] = children(spki, algEl, "public key algorithm identifier");
  const oid = readOid(spki, oidEl, "public key algorithm identifier");
  const bits = content(spki, bitsEl);
  if (bits.length === 0 || bits[0] !== 0) fail("x509: malformed subjectPublicKey");
  const keyBytes = bits.subarray(1);
  const node = (): KeyObject => {
    try {
      return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    } catch {
      return fail("x509: invalid public key");
    }
  };
  switch (oid) {
    case "1.2.840.113549.1.1.1": {
      if (!paramsEl || paramsEl.tag !== 0x05 || paramsEl.end - paramsEl.contentStart !== 0) fail("x509: RSA key missing NULL parameters");
      const seq = element(keyBytes, 0, "RSA public key");
      const [n, e] = children(keyBytes, seq, "RSA public key");
      if (!n || n.tag !== 0x02 || !e || e.tag !== 0x02) return fail("x509: invalid RSA public key");
      const nBytes = content(keyBytes, n);
      if (nBytes.length === 0 || ((nBytes[0] as number) & 0x80) !== 0 || nBytes.every((b) => b === 0)) fail("x509: RSA modulus is not a positive number");
      const eBytes = content(keyBytes, e);
      if (eBytes.length === 0 || ((eBytes[0] as number) & 0x80) !== 0 || eBytes.every((b) => b === 0)) fail("x509: RSA public exponent is not a positive number");
      let start = 0;
      while (start < nBytes.length - 1 && nBytes[start] === 0) start++;
      const top = nBytes[start] as number;
      const modulusBits = (nBytes.length - start - 1) * 8 + (32 - Math.clz32(top));
      return { kind: "rsa", bits: modulusBits, key: node() };
    }
    case "1.2.840.10045.2.1": {
      if (!paramsEl || paramsEl.tag !== 0x06) return fail("x509: invalid ECDSA parameters");
      const curveOid = oidToString(content(spki, paramsEl));
      const curve = CURVES[curveOid];
      if (!curve) return fail("x509: unsupported elliptic curve");
      const size = Math.ceil(curve[1] / 8);
      if (keyBytes[0] !== 0x04 || keyBytes.length !== 1 + 2 * size) fail("x509: invalid ECDSA public key (Go accepts only uncompressed points)");
      return { kind: "ec", bits: curve[1], curve: curve[0], key: node() };
    }
    case "1.3.101.112":
      if (paramsEl) fail("x509: Ed25519 key encoded with illegal parameters");
      if (keyBytes.length !== 32) fail("x509: wrong Ed25519 public key size");
      return { kind: "ed25519", bits: 256, key: node() };
    case "1.3.101.113":
      if (paramsEl) fail("x509: Ed448 key encoded with illegal parameters");
      if (keyBytes.length !== 57) fail("x509: wrong Ed448 public key size");
      return { kind: "ed448", bits: 456, key: node() };
    case "2.16.840.1.101.3.4.3.17":
    case "2.16.840.1.101.3.4.3.18":
    case "2.16.840.1.101.3.4.3.19": {
      // FIPS 204 / RFC 9881: parameters absent; the key is the raw encoded public key of its parameter set
      const [parameterSet, size] = ML_DSA[oid] as [string, number];
      if (paramsEl) fail(`x509: ${parameterSet} key encoded with illegal parameters`);
      if (keyBytes.length !== size) fail(`x509: wrong ${parameterSet} public key size`);
      return { kind: "ml-dsa", bits: 0, parameterSet, raw: new Uint8Array(keyBytes), key: undefined };
    }
    case "1.3.101.110":
      return { kind: "x25519", bits: 256, key: undefined };
    case "1.2.840.10040.4.1":
      return { kind: "dsa", bits: 0, key: undefined };
    default:
      return { kind: "unknown", bits: 0, key: undefined };
  }
}

// ---- extensions ----

export const OID = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  crlDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  policyMappings: "2.5.29.33",
  authorityKeyIdentifier: "2.5.29.35",
  policyConstraints: "2.5.29.36",
  extKeyUsage: "2.5.29.37",
  inhibitAnyPolicy: "2.5.29.54",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
} as const;

export const EKU = {
  any: "2.5.29.37.0",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
} as const;

function parseSubtrees(buf: Uint8Array, el: DerElement, out: { dns: string[]; ip: IpNet[] }): boolean {
  let unhandled = false;
  for (const subtree of children(buf, el, "NameConstraints extension")) {
    if (subtree.tag !== 0x30) fail("x509: invalid NameConstraints extension");
    const [base] = children(buf, subtree, "NameConstraints extension");
    if (!base) return fail("x509: invalid NameConstraints extension");
    const value = content(buf, base);
    if (base.tag === 0x82) {
      if (!isIa5(value)) fail("x509: invalid constraint value: invalid IA5String");
      const domain = latin1(value);
      if (!domainNameValid(domain, true)) fail(`x509: failed to parse dnsName constraint "${domain}"`);
      out.dns.push(domain);
    } else if (base.tag === 0x87) {
      if (value.length !== 8 && value.length !== 32) fail(`x509: IP constraint contained value of length ${value.length}`);
      const half = value.length / 2;
      const ip = value.subarray(0, half);
      const mask = value.subarray(half);
      if (!isValidIpMask(mask)) fail(`x509: IP constraint contained invalid mask ${Buffer.from(mask).toString("hex")}`);
      if (half === 16 && ip.subarray(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff))) fail("x509: IP constraint contained IPv4-mapped IPv6 address");
      out.ip.push({ ip: new Uint8Array(ip), mask: new Uint8Array(mask) });
    } else if (base.tag === 0x81 || base.tag === 0x86) {
      if (!isIa5(value)) fail("x509: invalid constraint value: invalid IA5String");
    } else {
      unhandled = true;
    }
  }
  return unhandled;
}

function isValidIpMask(mask: Uint8Array): boolean {
  let seenZero = false;
  for (const b of mask) {
    if (seenZero) {
      if (b !== 0) return false;
      continue;
    }
    if ([0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe].includes(b)) seenZero = true;
    else if (b !== 0xff) return false;
  }
  return true;
}

/** Go's domainNameValid (parser.go): no trailing dot, no empty labels, printable ASCII only. */
export function domainNameValid(s: string, constraint: boolean): boolean {
  if (s.length === 0) return true;
  if (s.endsWith(".")) return false;
  const body = constraint && s.startsWith(".") ? s.slice(1) : s;
  if (body.split(".").some((label) => label.length === 0)) return false;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

function processExtensions(cert: ParsedCertificate): void {
  for (const e of cert.extensions) {
    const v = e.value;
    let unhandled = false;
    switch (e.oid) {
      case OID.keyUsage: {
        const el = single(v, "key usage");
        const bits = content(v, el);
        if (el.tag !== 0x03 || !validBitString(bits)) fail("x509: invalid key usage");
        let usage = 0;
        for (let i = 0; i < 9; i++) {
          const byte = bits[1 + (i >> 3)];
          if (byte !== undefined && (byte >> (7 - (i & 7))) & 1) usage |= 1 << i;
        }
        cert.keyUsage = usage;
        cert.hasKeyUsage = true;
        break;
      }
      case OID.basicConstraints: {
        const el = single(v, "basic constraints");
        if (el.tag !== 0x30) fail("x509: invalid basic constraints");
        const parts = children(v, el, "basic constraints");
        let i = 0;
        if (parts[i]?.tag === 0x01) cert.isCa = readBoolean(v, parts[i++] as DerElement, "basic constraints");
        if (parts[i]?.tag === 0x02) cert.maxPathLen = readSmallUnsigned(v, parts[i++] as DerElement, "basic constraints");
        cert.basicConstraintsValid = true;
        cert.basicConstraintsCritical = e.critical;
        break;
      }
      case OID.subjectAltName: {
        const el = single(v, "subject alternative names");
        if (el.tag !== 0x30) fail("x509: invalid subject alternative names");
        for (const name of children(v, el, "subject alternative name")) {
          const data = content(v, name);
          const tag = name.tag & 0x1f;
          if ((name.tag & 0xc0) !== 0x80) continue;
          if (tag === 1) {
            if (!isIa5(data)) fail("x509: SAN rfc822Name is malformed");
            cert.emailAddresses.push(latin1(data));
          } else if (tag === 2) {
            if (!isIa5(data)) fail("x509: SAN dNSName is malformed");
            cert.dnsNames.push(latin1(data));
          } else if (tag === 6) {
            if (!isIa5(data)) fail("x509: SAN uniformResourceIdentifier is malformed");
            cert.uris.push(latin1(data));
          } else if (tag === 7) {
            if (data.length === 16 && data.subarray(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff))) fail("x509: SAN iPAddress contains IPv4-mapped IPv6 address");
            if (data.length !== 4 && data.length !== 16) fail(`x509: cannot parse IP address of length ${data.length}`);
            cert.ipAddresses.push(new Uint8Array(data));
          }
        }
        cert.hasSan = true;
        cert.sanCritical = e.critical;
        if (cert.dnsNames.length + cert.ipAddresses.length + cert.emailAddresses.length + cert.uris.length === 0) unhandled = true;
        break;
      }
      case OID.nameConstraints: {
        const el = single(v, "NameConstraints extension");
        if (el.tag !== 0x30) fail("x509: invalid NameConstraints extension");
        const parts = children(v, el, "NameConstraints extension");
        const permitted = parts.find((p) => p.tag === 0xa0);
        const excluded = parts.find((p) => p.tag === 0xa1);
        const expected = (permitted ? 1 : 0) + (excluded ? 1 : 0);
        if (parts.length !== expected || (permitted && excluded && permitted.start > excluded.start)) fail("x509: invalid NameConstraints extension");
        if (!permitted && !excluded) fail("x509: empty name constraints extension");
        if ((permitted && permitted.end === permitted.contentStart) || (excluded && excluded.end === excluded.contentStart)) {
          fail("x509: empty name constraints subtree sequence");
        }
        const p = { dns: [] as string[], ip: [] as IpNet[] };
        const x = { dns: [] as string[], ip: [] as IpNet[] };
        const unhandledP = permitted ? parseSubtrees(v, permitted, p) : false;
        const unhandledX = excluded ? parseSubtrees(v, excluded, x) : false;
        unhandled = unhandledP || unhandledX;
        cert.nameConstraints = { critical: e.critical, permittedDns: p.dns, excludedDns: x.dns, permittedIp: p.ip, excludedIp: x.ip, unhandled };
        break;
      }
      case OID.crlDistributionPoints: {
        const el = single(v, "CRL distribution points");
        if (el.tag !== 0x30) fail("x509: invalid CRL distribution points");
        for (const dp of children(v, el, "CRL distribution point")) if (dp.tag !== 0x30) fail("x509: invalid CRL distribution point");
        break;
      }
      case OID.authorityKeyIdentifier: {
        if (e.critical) fail("x509: authority key identifier incorrectly marked critical");
        const el = single(v, "authority key identifier");
        if (el.tag !== 0x30) fail("x509: invalid authority key identifier");
        cert.hasAki = true;
        for (const part of children(v, el, "authority key identifier")) {
          if (part.tag === 0x80) cert.authorityKeyId = new Uint8Array(content(v, part));
          else if (part.tag === 0xa1) cert.akiHasIssuer = true;
          else if (part.tag === 0x82) cert.akiHasSerial = true;
        }
        break;
      }
      case OID.extKeyUsage: {
        const el = single(v, "extended key usages");
        if (el.tag !== 0x30) fail("x509: invalid extended key usages");
        for (const oid of children(v, el, "extended key usages")) cert.extKeyUsage.push(readOid(v, oid, "extended key usages"));
        cert.hasEku = true;
        break;
      }
      case OID.subjectKeyIdentifier: {
        if (e.critical) fail("x509: subject key identifier incorrectly marked critical");
        const el = single(v, "subject key identifier");
        if (el.tag !== 0x04) fail("x509: invalid subject key identifier");
        cert.subjectKeyId = new Uint8Array(content(v, el));
        break;
      }
      case OID.certificatePolicies: {
        const el = single(v, "certificate policies");
        if (el.tag !== 0x30) fail("x509: invalid certificate policies");
        const seen = new Set<string>();
        for (const policy of children(v, el, "certificate policies")) {
          const [oidEl] = policy.tag === 0x30 ? children(v, policy, "certificate policies") : [];
          const oid = readOid(v, oidEl, "certificate policies");
          if (seen.has(oid)) fail("x509: invalid certificate policies");
          seen.add(oid);
        }
        break;
      }
      case OID.policyMappings:
      case OID.policyConstraints:
      case OID.inhibitAnyPolicy:
        single(v, "policy extension");
        break;
      case OID.authorityInfoAccess: {
        if (e.critical) fail("x509: authority info access incorrectly marked critical");
        const el = single(v, "authority info access");
        if (el.tag !== 0x30) fail("x509: invalid authority info access");
        for (const ad of children(v, el, "authority info access")) {
          if (ad.tag !== 0x30) fail("x509: invalid authority info access");
          const [method, location] = children(v, ad, "authority info access");
          readOid(v, method, "authority info access");
          void location;
        }
        break;
      }
      default:
        unhandled = true;
    }
    if (e.critical && unhandled) cert.unhandledCriticalExtensions.push(e.oid);
  }
}

/** Parses one DER certificate with Go's rules. Throws CertificateParseError with Go's message. */
export function parseCertificateDer(input: Uint8Array): ParsedCertificate {
  const der = new Uint8Array(input);
  const certEl = element(der, 0, "certificate");
  if (certEl.tag !== 0x30) fail("x509: malformed certificate");
  if (certEl.end !== der.length) fail("x509: trailing data");
  const [tbsEl, outerAlgEl, sigEl, ...extra] = children(der, certEl, "certificate");
  if (!tbsEl || tbsEl.tag !== 0x30) return fail("x509: malformed tbs certificate");
  if (!outerAlgEl || outerAlgEl.tag !== 0x30) return fail("x509: malformed algorithm identifier");
  if (!sigEl || sigEl.tag !== 0x03 || extra.length > 0) return fail("x509: malformed signature");
  const tbs = children(der, tbsEl, "tbs certificate");
  let i = 0;
  let version = 1;
  if (tbs[i]?.tag === 0xa0) {
    const [v] = children(der, tbs[i++] as DerElement, "version");
    if (!v) return fail("x509: malformed version");
    const n = readSmallUnsigned(der, v, "version");
    if (n > 2) fail("x509: invalid version");
    version = n + 1;
  }
  const serialEl = tbs[i++];
  if (!serialEl || serialEl.tag !== 0x02 || serialEl.end === serialEl.contentStart) return fail("x509: malformed serial number");
  const serialBytes = content(der, serialEl);
  if (((serialBytes[0] as number) & 0x80) !== 0) fail("x509: negative serial number");
  const innerAlgEl = tbs[i++];
  if (!innerAlgEl || innerAlgEl.tag !== 0x30) return fail("x509: malformed signature algorithm identifier");
  if (Buffer.compare(content(der, innerAlgEl), content(der, outerAlgEl)) !== 0) fail("x509: inner and outer signature algorithm identifiers don't match");
  const [sigOidEl, sigParamsEl] = children(der, innerAlgEl, "signature algorithm identifier");
  const signatureAlgorithm = readOid(der, sigOidEl, "signature algorithm identifier");
  const issuerEl = tbs[i++];
  if (!issuerEl || issuerEl.tag !== 0x30) return fail("x509: malformed issuer");
  const issuer = parseName(der, issuerEl);
  const validityEl = tbs[i++];
  if (!validityEl || validityEl.tag !== 0x30) return fail("x509: malformed validity");
  const [nbEl, naEl] = children(der, validityEl, "validity");
  const notBefore = parseTime(der, nbEl);
  const notAfter = parseTime(der, naEl);
  const subjectEl = tbs[i++];
  if (!subjectEl || subjectEl.tag !== 0x30) return fail("x509: malformed subject");
  const subject = parseName(der, subjectEl);
  const spkiEl = tbs[i++];
  if (!spkiEl || spkiEl.tag !== 0x30) return fail("x509: malformed spki");
  const spki = new Uint8Array(whole(der, spkiEl));
  const publicKey = parsePublicKey(spki);
  const extensions: ParsedCertificate["extensions"] = [];
  if (version > 1) {
    if (tbs[i]?.tag === 0x81 || tbs[i]?.tag === 0xa1) i++;
    if (tbs[i]?.tag === 0x82 || tbs[i]?.tag === 0xa2) i++;
    if (version === 3 && tbs[i]?.tag === 0xa3) {
      const [list] = children(der, tbs[i++] as DerElement, "extensions");
      if (!list || list.tag !== 0x30) return fail("x509: malformed extensions");
      const seen = new Set<string>();
      for (const extEl of children(der, list, "extensions")) {
        if (extEl.tag !== 0x30) fail("x509: malformed extension");
        const parts = children(der, extEl, "extension");
        const oid = readOid(der, parts[0], "extension OID field");
        let critical = false;
        let valueEl = parts[1];
        if (valueEl?.tag === 0x01) {
          critical = readBoolean(der, valueEl, "extension critical field");
          valueEl = parts[2];
        }
        if (!valueEl || valueEl.tag !== 0x04) return fail("x509: malformed extension value field");
        if (seen.has(oid)) fail(`x509: certificate contains duplicate extension with OID "${oid}"`);
        seen.add(oid);
        extensions.push({ oid, critical, value: new Uint8Array(content(der, valueEl)) });
      }
    }
  }
  const sigBits = content(der, sigEl);
  if (sigBits.length === 0 || sigBits[0] !== 0) fail("x509: malformed signature");
  const cert: ParsedCertificate = {
    der,
    tbs: new Uint8Array(whole(der, tbsEl)),
    version,
    serialHex: Buffer.from(serialBytes).toString("hex"),
    signatureAlgorithm,
    signatureParams: sigParamsEl ? new Uint8Array(whole(der, sigParamsEl)) : undefined,
    signature: new Uint8Array(sigBits.subarray(1)),
    rawIssuer: new Uint8Array(whole(der, issuerEl)),
    rawSubject: new Uint8Array(whole(der, subjectEl)),
    issuer: issuer.text,
    subject: subject.text,
    subjectCommonName: subject.commonName,
    subjectOrganization: subject.organization,
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
  processExtensions(cert);
  return cert;
}

/** IP SANs as text (IPv4 dotted, IPv6 RFC 5952). */
export const ipTexts = (cert: ParsedCertificate): string[] => cert.ipAddresses.map(formatIpBytes);

/** Key usage bit positions as Go numbers them (KeyUsageDigitalSignature = 1 << 0 …). */
export const KEY_USAGE_BITS = ["digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment", "keyAgreement", "certSign", "crlSign", "encipherOnly", "decipherOnly"] as const;
export const KU_CERT_SIGN = 1 << 5;

export function keyUsageNames(cert: ParsedCertificate): string[] {
  return KEY_USAGE_BITS.filter((_, bit) => (cert.keyUsage >> bit) & 1);
}

const EKU_NAMES: Record<string, string> = {
  [EKU.any]: "any",
  [EKU.serverAuth]: "serverAuth",
  [EKU.clientAuth]: "clientAuth",
  [EKU.codeSigning]: "codeSigning",
  [EKU.emailProtection]: "emailProtection",
  [EKU.timeStamping]: "timeStamping",
  [EKU.ocspSigning]: "OCSPSigning",
};

export const ekuName = (oid: string): string => EKU_NAMES[oid] ?? oid;
