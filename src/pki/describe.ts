/**
 * What `regcert inspect` shows, as data (schema "regcert.inspect/v1"): every certificate, CSR and key
 * in a PEM file (or one DER object), in file order. Never any private key material: for a key only its
 * type, size, public-key fingerprint and whether (and how) it is encrypted. Pure: no I/O; `now` is given.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { describeKey, publicKeyFingerprint } from "./keys.js";
import { parseCsr } from "./csr.js";
import { describeEncryptedKey } from "./pkcs8.js";
import { parsePemBlocks } from "./pem.js";
import { userError } from "./errors.js";
import { CertificateParseError, badCertificate, ekuName, formatIpNet, ipTexts, keyUsageNames, parseCertificate, type ParsedCertificate } from "./x509/index.js";
import { signatureAlgorithmName, signatureVerifies } from "./verify/signature.js";

export interface KeySummary {
  /** "ecdsa-p256", "rsa-2048", "ed25519", … */
  algorithm: string;
  bits: number;
  /** SHA-256 of the SubjectPublicKeyInfo DER, hex (the same for the key, its CSR and its certificate) */
  publicKeyFingerprintSha256: string;
}

export interface CertificateSummary {
  type: "certificate";
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** whole days from now to notAfter (negative once expired) */
  daysLeft: number;
  status: "valid" | "expired" | "notYetValid";
  selfSigned: boolean;
  key: KeySummary | null;
  signatureAlgorithm: string;
  san: { dns: string[]; ip: string[] };
  /** null when the extension is absent */
  basicConstraints: { ca: boolean; pathLen: number | null; critical: boolean } | null;
  keyUsage: string[] | null;
  extendedKeyUsage: string[] | null;
  nameConstraints: { permitted: string[]; excluded: string[]; critical: boolean } | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  fingerprintSha256: string;
  /** for all but the last certificate of a file: is it signed by the next one (a chain in order)? */
  issuedByNext?: boolean;
  /** set when Go crypto/x509 refuses to parse it (the other fields then come from OpenSSL) */
  goParseError?: string;
}

export interface CsrSummary {
  type: "csr";
  subject: string;
  key: KeySummary;
  san: { dns: string[]; ip: string[] };
  requestedExtensions: string[];
}

export interface PrivateKeySummary {
  type: "privateKey";
  encrypted: boolean;
  /** unknown (null) for an encrypted key: only the passphrase reveals it */
  key: KeySummary | null;
  /** for encrypted PKCS#8: how it is protected */
  encryption?: { scheme: string; kdf: string; prf: string | null; iterations: number | null; cipher: string | null; strong: boolean };
}

export interface PublicKeySummary {
  type: "publicKey";
  key: KeySummary;
}

export type InspectItem = CertificateSummary | CsrSummary | PrivateKeySummary | PublicKeySummary;

export interface InspectReport {
  schema: "regcert.inspect/v1";
  items: InspectItem[];
}

const hex = (b: Uint8Array | undefined): string | null => (b ? Buffer.from(b).toString("hex") : null);
const iso = (d: Date): string => d.toISOString().replace(".000Z", "Z");
const DAY = 86_400_000;

function keySummary(key: KeyObject): KeySummary {
  const { algorithm, bits } = describeKey(key);
  return { algorithm, bits, publicKeyFingerprintSha256: publicKeyFingerprint(key) };
}

function status(notBefore: Date, notAfter: Date, now: Date): CertificateSummary["status"] {
  if (now.getTime() < notBefore.getTime()) return "notYetValid";
  return now.getTime() > notAfter.getTime() ? "expired" : "valid";
}

function fromParsed(c: ParsedCertificate, now: Date): CertificateSummary {
  const nc = c.nameConstraints;
  return {
    type: "certificate",
    subject: c.subject,
    issuer: c.issuer,
    serial: c.serialHex,
    notBefore: iso(c.notBefore),
    notAfter: iso(c.notAfter),
    daysLeft: Math.floor((c.notAfter.getTime() - now.getTime()) / DAY),
    status: status(c.notBefore, c.notAfter, now),
    selfSigned: Buffer.compare(c.rawIssuer, c.rawSubject) === 0 && signatureVerifies(c, c),
    // a key Node cannot load (ML-DSA on Node 20, Ed448 in some builds) is still named from the model
    key: c.publicKey.key
      ? keySummary(c.publicKey.key)
      : { algorithm: c.publicKey.algorithm, bits: c.publicKey.bits, publicKeyFingerprintSha256: createHash("sha256").update(c.spki).digest("hex") },
    signatureAlgorithm: signatureAlgorithmName(c.signatureAlgorithm),
    san: { dns: c.dnsNames, ip: ipTexts(c) },
    basicConstraints: c.basicConstraintsValid ? { ca: c.isCa, pathLen: c.maxPathLen >= 0 ? c.maxPathLen : null, critical: c.basicConstraintsCritical } : null,
    keyUsage: c.hasKeyUsage ? keyUsageNames(c) : null,
    extendedKeyUsage: c.hasEku ? c.extKeyUsage.map(ekuName) : null,
    nameConstraints: nc
      ? {
          permitted: [...nc.permittedDns.map((d) => `DNS:${d}`), ...nc.permittedIp.map((n) => `IP:${formatIpNet(n)}`)],
          excluded: [...nc.excludedDns.map((d) => `DNS:${d}`), ...nc.excludedIp.map((n) => `IP:${formatIpNet(n)}`)],
          critical: nc.critical,
        }
      : null,
    subjectKeyId: hex(c.subjectKeyId),
    authorityKeyId: hex(c.authorityKeyId),
    fingerprintSha256: c.fingerprint,
  };
}

/**
 * Certificates in file order, each read by the strict model. A certificate Go cannot parse is a user
 * error naming it and Go's reason: no registry client could load it, so inspect must not present it as one.
 */
function describeCertificates(ders: Uint8Array[], now: Date): CertificateSummary[] {
  const parsed = ders.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (error) {
      if (error instanceof CertificateParseError) throw badCertificate(ders.length > 1 ? `certificate ${i + 1} of the input` : "the certificate", error);
      throw error;
    }
  });
  return parsed.map((p, i) => {
    const summary = fromParsed(p, now);
    const next = parsed[i + 1];
    if (next !== undefined) summary.issuedByNext = Buffer.compare(p.rawIssuer, next.rawSubject) === 0 && signatureVerifies(p, next);
    return summary;
  });
}

function describeCsr(der: Uint8Array): CsrSummary {
  const csr = parseCsr(der, "the certificate request");
  const subject = Object.entries(csr.subject)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${k === "commonName" ? "CN" : k === "organization" ? "O" : k}=${String(v)}`)
    .join(", ");
  return { type: "csr", subject, key: keySummary(csr.publicKey), san: { dns: csr.names.dns, ip: csr.names.ip }, requestedExtensions: csr.requestedExtensions };
}

function describePrivateKey(label: string, der: Uint8Array, text: string | undefined): PrivateKeySummary {
  if (label === "ENCRYPTED PRIVATE KEY") {
    const summary: PrivateKeySummary = { type: "privateKey", encrypted: true, key: null };
    try {
      const info = describeEncryptedKey(der);
      summary.encryption = { scheme: info.scheme, kdf: info.kdf, prf: info.prf ?? null, iterations: info.iterations ?? null, cipher: info.cipher ?? null, strong: info.strong };
    } catch {
      // an encryption scheme we cannot describe is still an encrypted key
    }
    return summary;
  }
  if (text !== undefined && /Proc-Type:\s*4,ENCRYPTED/.test(text)) return { type: "privateKey", encrypted: true, key: null };
  const type = label === "RSA PRIVATE KEY" ? "pkcs1" : label === "EC PRIVATE KEY" ? "sec1" : "pkcs8";
  try {
    const key = createPrivateKey({ key: Buffer.from(der), format: "der", type });
    return { type: "privateKey", encrypted: false, key: keySummary(createPublicKey(key)) };
  } catch {
    throw userError("regcert.badKey", `a ${label} block cannot be read as a private key`, "give a PKCS#8 or PKCS#1/SEC1 PEM key, as openssl writes");
  }
}

const PEM_BLOCK_TEXT = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Describes every object in `input` (PEM text with any number of blocks, or one DER object). */
export function describeInput(input: Uint8Array, options: { now?: Date } = {}): InspectReport {
  const now = options.now ?? new Date();
  const text = Buffer.from(input).toString("latin1");
  const items: InspectItem[] = [];
  if (text.includes("-----BEGIN ")) {
    const blocks = parsePemBlocks(text);
    const rawBlocks = [...text.matchAll(PEM_BLOCK_TEXT)].map((m) => m[0]);
    let pendingCerts: Uint8Array[] = [];
    const flush = () => {
      if (pendingCerts.length > 0) items.push(...describeCertificates(pendingCerts, now));
      pendingCerts = [];
    };
    blocks.forEach((block, i) => {
      if (block.label === "CERTIFICATE" || block.label === "TRUSTED CERTIFICATE") {
        pendingCerts.push(block.der);
        return;
      }
      flush();
      if (block.label === "CERTIFICATE REQUEST" || block.label === "NEW CERTIFICATE REQUEST") items.push(describeCsr(block.der));
      else if (block.label.endsWith("PRIVATE KEY")) items.push(describePrivateKey(block.label, block.der, rawBlocks[i]));
      else if (block.label === "PUBLIC KEY") items.push({ type: "publicKey", key: keySummary(createPublicKey({ key: Buffer.from(block.der), format: "der", type: "spki" })) });
    });
    flush();
    if (items.length === 0) throw userError("regcert.nothingToInspect", "no certificate, certificate request or key found in the PEM input", "inspect takes a .crt/.pem, .csr or .key file");
    return { schema: "regcert.inspect/v1", items };
  }
  return { schema: "regcert.inspect/v1", items: [describeDer(input, now)] };
}

function describeDer(der: Uint8Array, now: Date): InspectItem {
  if (der.length === 0 || der[0] !== 0x30) throw userError("regcert.notPem", "the input is neither PEM nor DER", "inspect takes a certificate, CSR or key file (PEM or DER)");
  let certificateError: unknown;
  try {
    return describeCertificates([der], now)[0] as CertificateSummary;
  } catch (error) {
    // not a certificate (or one Go cannot parse): try the other kinds, then report the certificate's defect
    certificateError = error;
  }
  try {
    return describeCsr(der);
  } catch {
    // not a CSR
  }
  for (const type of ["pkcs8", "pkcs1", "sec1"] as const) {
    try {
      return { type: "privateKey", encrypted: false, key: keySummary(createPublicKey(createPrivateKey({ key: Buffer.from(der), format: "der", type }))) };
    } catch {
      // next format
    }
  }
  try {
    const info = describeEncryptedKey(der);
    return { type: "privateKey", encrypted: true, key: null, encryption: { scheme: info.scheme, kdf: info.kdf, prf: info.prf ?? null, iterations: info.iterations ?? null, cipher: info.cipher ?? null, strong: info.strong } };
  } catch {
    // not an encrypted key
  }
  try {
    return { type: "publicKey", key: keySummary(createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" })) };
  } catch {
    if (looksLikeCertificate(der)) throw certificateError;
    throw userError("regcert.notRecognised", "the DER input is not a certificate, certificate request or key", "inspect takes a certificate, CSR or key file (PEM or DER)");
  }
}

/**
 * Whether DER that nothing could read has a certificate's outer shape (SEQUENCE { SEQUENCE, SEQUENCE,
 * BIT STRING }, read leniently): then its defect is the certificate's, named in Go's words.
 */
function looksLikeCertificate(der: Uint8Array): boolean {
  const tags: number[] = [];
  let offset = 1 + headerLength(der, 0);
  while (offset < der.length && tags.length < 4) {
    tags.push(der[offset] as number);
    const len = lenientLength(der, offset);
    if (len === undefined) break;
    offset += 1 + headerLength(der, offset) + len;
  }
  return tags[0] === 0x30 && tags[1] === 0x30 && tags[2] === 0x03;
}

function headerLength(der: Uint8Array, at: number): number {
  const b = der[at + 1] ?? 0;
  return b < 0x80 ? 1 : 1 + (b & 0x7f);
}

function lenientLength(der: Uint8Array, at: number): number | undefined {
  const b = der[at + 1];
  if (b === undefined) return undefined;
  if (b < 0x80) return b;
  let n = 0;
  for (let i = 0; i < (b & 0x7f); i++) n = n * 256 + (der[at + 2 + i] ?? 0);
  return n;
}
