/**
 * THE policy for someone else's CSR (used by `sign`, renew of CSR-made certificates, and the ACME
 * server's finalize, all through signCsr). Pure: a ParsedCsr (src/pki/x509/csr.ts) and options in;
 * the key and names regcert will certify plus warnings out, or a user error (exit 2) with the fix.
 *
 * Refused, because what the operator reviews (`openssl req -text` shows only the first of duplicates)
 * must be what gets signed, and because Go clients must be able to load the result:
 * - a version other than 0 (v1, the only one RFC 2986 defines);
 * - two extensionRequest attributes (or two values in one), two extensions of the same type;
 * - an EC key in compressed or hybrid point form, or an invalid point: Go's x509 cannot load it
 *   ("x509: failed to unmarshal elliptic curve point"), so docker-registry would not even start;
 * - IP SANs that are not 4 or 16 bytes, DNS SANs that are not ASCII or not valid host names
 *   (names.ts: IDNA-checked xn--, no padding, no wildcard over a public suffix), 0.0.0.0 and ::;
 * - signatures regcert does not accept (SHA-1, RSASSA-PSS), an invalid self-signature, weak keys.
 * Dropped, with a warning in words: subject attributes other than the CN, SANs other than DNS/IP,
 * every requested extension (the profile decides: "asked for CA:TRUE; issued as CA:FALSE").
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { type ErrorText, opt, phrase, RegcertError, userError } from "./errors.js";
import { describeKey } from "./keys.js";
import { classifyName, formatIpv6, quoteInput, type NameSet } from "./names.js";
import { OID_EXTENSION_REQUEST, OID_EC_PUBLIC_KEY, type CsrGeneralName, type ParsedCsr } from "./x509/csr.js";
import { decodeBoolean } from "./x509/der-reader.js";
import type { LeafProfileName } from "./profiles.js";
import { PROFILES } from "./profiles.js";

export interface CsrPolicyOptions {
  /** how the CSR is named in messages; default "the CSR" */
  what?: string;
  /** the profile the certificate will get (for the warnings); default "server" */
  profile?: LeafProfileName;
  /** the caller replaces the CSR's names (--dns/--ip): its SANs are still checked, but not reported as dropped */
  namesGiven?: boolean;
  /** the signing CA's O: a subject O equal to it is kept, not reported as dropped */
  issuerOrganization?: string | undefined;
}

export interface CsrDecision {
  publicKey: KeyObject;
  /** the CSR's DNS and IP SANs, validated and normalised (empty when it has none) */
  names: NameSet;
  /** the subject CN, if any */
  commonName: string | undefined;
  /** OIDs of every extension the CSR asked for (for inspect) */
  requestedExtensions: string[];
  /** SANs of other kinds, e.g. "email:a@b.example" */
  droppedNames: string[];
  /** what was dropped or changed, in words */
  warnings: string[];
}

const REMAKE = "make the request again with openssl req -new (or let regcert issue make the key and request)";

/** Signature algorithms accepted on CSRs. SHA-1 and RSASSA-PSS are refused with a reason. */
const CSR_SIGNATURES: Record<string, "sha256" | "sha384" | "sha512" | null> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.3.101.112": null,
};

/** Extension names in the users' vocabulary, for messages (never a raw OID). */
export const EXTENSION_NAMES: Readonly<Record<string, string>> = {
  "2.5.29.14": "subject key identifier",
  "2.5.29.15": "key usage",
  "2.5.29.17": "subjectAltName",
  "2.5.29.18": "issuerAltName",
  "2.5.29.19": "basic constraints",
  "2.5.29.30": "name constraints",
  "2.5.29.31": "CRL distribution points",
  "2.5.29.32": "certificate policies",
  "2.5.29.35": "authority key identifier",
  "2.5.29.36": "policy constraints",
  "2.5.29.37": "extended key usage",
  "2.5.29.54": "inhibit anyPolicy",
  "1.3.6.1.5.5.7.1.1": "authority information access",
  "1.3.6.1.5.5.7.1.24": "TLS feature (OCSP must-staple)",
  "1.3.6.1.4.1.11129.2.4.2": "certificate transparency SCTs",
  "2.16.840.1.113730.1.1": "Netscape certificate type",
  "2.16.840.1.113730.1.13": "Netscape comment",
};

/** Subject attribute short names, as openssl prints them. */
export const SUBJECT_ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "serialNumber",
  "2.5.4.4": "SN",
  "2.5.4.42": "GN",
  "2.5.4.12": "title",
  "2.5.4.17": "postalCode",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "emailAddress",
};

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  "1.2.840.113549.1.9.7": "challengePassword",
  "1.2.840.113549.1.9.2": "unstructuredName",
};

const KEY_USAGE_BIT_NAMES = ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "certSign", "crlSign", "encipherOnly", "decipherOnly"];
const EKU_NAMES: Readonly<Record<string, string>> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

const EC_CURVE_NAMES: Readonly<Record<string, string>> = { "1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384", "1.3.132.0.35": "P-521" };

const extensionName = (oid: string): string => EXTENSION_NAMES[oid] ?? "an unrecognised extension";

/** Refuses leaf keys that clients reject: RSA below 2048 bits (Apple, modern OpenSSL levels), odd curves. */
export function assertAcceptableLeafKey(key: KeyObject, what: string): void {
  const { type, bits, algorithm } = describeKey(key);
  if (type === "rsa" && bits < 2048) throw userError("regcert.weakKey", `${what} has a ${bits}-bit RSA key; clients require at least 2048 bits`, "make a new key: openssl genrsa 2048, or let regcert issue make one");
  if (type === "ec" && bits !== 256 && bits !== 384) throw userError("regcert.unsupportedKey", `${what} uses ${algorithm}, which registry clients do not all accept`, "use ECDSA P-256 or P-384, or RSA 2048+");
  if (type === "other") throw userError("regcert.unsupportedKey", `${what} uses a ${algorithm} key`, "use ECDSA P-256 or P-384, or RSA 2048+");
}

function checkStructure(csr: ParsedCsr, what: string): void {
  if (csr.version !== 0n) {
    throw userError("regcert.badCsr", `${what} declares version ${csr.version} (the only PKCS#10 version is 0, v1)`, REMAKE);
  }
  const requests = csr.attributes.filter((a) => a.oid === OID_EXTENSION_REQUEST);
  const values = requests.reduce((n, a) => n + a.values.length, 0);
  if (requests.length > 1 || values > 1) {
    throw userError(
      "regcert.ambiguousCsr",
      `${what} carries ${values} extensionRequest ${requests.length > 1 ? "attributes" : "values"}: openssl req -text shows only the first, so the names you reviewed may not be the ones that would be signed`,
      `${REMAKE}, with every name in one subjectAltName`,
    );
  }
  const seen = new Set<string>();
  for (const ext of csr.extensions) {
    if (seen.has(ext.oid)) {
      throw userError(
        "regcert.ambiguousCsr",
        `${what} asks for two ${extensionName(ext.oid)} extensions: openssl req -text shows only the first, so what you reviewed may not be what would be signed`,
        `${REMAKE}, with every name in one subjectAltName`,
      );
    }
    seen.add(ext.oid);
  }
}

function checkKey(csr: ParsedCsr, what: string): KeyObject {
  const key = csr.publicKey;
  if (key.algorithm === OID_EC_PUBLIC_KEY) {
    const curve = (key.curve && EC_CURVE_NAMES[key.curve]) ?? "EC";
    if (key.pointForm === "compressed" || key.pointForm === "hybrid") {
      throw userError(
        "regcert.compressedEcPoint",
        `${what} has its ${curve} public key in ${key.pointForm} point form: Go (docker-registry, containerd, skopeo) cannot load a certificate with it ("x509: failed to unmarshal elliptic curve point")`,
        "write the request with the key's uncompressed point, the openssl default: openssl req -new -key KEY (if KEY was saved compressed: openssl ec -in KEY -conv_form uncompressed -out KEY.uncompressed first)",
      );
    }
    if (key.pointForm !== "uncompressed") throw userError("regcert.badCsr", `${what} has an invalid ${curve} public key point`, REMAKE);
  }
  try {
    return createPublicKey({ key: Buffer.from(key.raw), format: "der", type: "spki" });
  } catch (error) {
    throw new RegcertError("regcert.badCsr", `${what} carries a public key that cannot be read`, { exitCode: 2, hint: REMAKE, cause: error });
  }
}

function checkSignature(csr: ParsedCsr, publicKey: KeyObject, what: string): void {
  const algorithm = csr.signatureAlgorithm.oid;
  if (!(algorithm in CSR_SIGNATURES)) {
    const why = algorithm === "1.2.840.113549.1.1.10" ? "RSASSA-PSS" : algorithm.endsWith(".1.5") || algorithm === "1.2.840.10045.4.1" ? "SHA-1" : "an algorithm regcert does not know";
    throw userError("regcert.badCsr", `${what} is signed with ${why}, which regcert does not accept`, "make the CSR with SHA-256 (openssl req -new -sha256 …)");
  }
  let valid = false;
  try {
    valid = cryptoVerify(CSR_SIGNATURES[algorithm] ?? null, csr.infoDer, { key: publicKey, dsaEncoding: "der" }, Buffer.from(csr.signature));
  } catch {
    valid = false;
  }
  if (!valid) throw userError("regcert.badCsrSignature", `${what} has an invalid self-signature: it was altered or signed by another key`, "make the CSR again with the key it names");
}

/** One SAN entry → a normalised DNS name or IP, or a refusal naming the entry. */
function sanName(gn: CsrGeneralName & { kind: "dns" | "ip" }, what: string): { type: "dns" | "ip"; value: string } {
  const fix = phrase`${REMAKE}, or replace its names with ${opt("names.dns")}/${opt("names.ip")}`;
  if (gn.kind === "ip") {
    if (gn.bytes.length !== 4 && gn.bytes.length !== 16) {
      throw userError("regcert.invalidName", `${what} asks for an IP address of ${gn.bytes.length} byte(s) (hex ${Buffer.from(gn.bytes.subarray(0, 20)).toString("hex")}): an IP SAN is 4 (IPv4) or 16 (IPv6) bytes`, fix);
    }
    const text = gn.bytes.length === 4 ? Array.from(gn.bytes).join(".") : formatIpv6(gn.bytes);
    try {
      return classifyName(text);
    } catch (error) {
      throw rewrap(error, what, fix);
    }
  }
  if (!gn.ia5) throw userError("regcert.invalidName", `${what} asks for the DNS name ${quoteInput(gn.text)}, which is not ASCII (a dNSName is an IA5String; IDNs go in punycode, xn--)`, fix);
  let name: { type: "dns" | "ip"; value: string };
  try {
    name = classifyName(gn.text);
  } catch (error) {
    throw rewrap(error, what, fix);
  }
  if (name.type !== "dns") throw userError("regcert.invalidName", `${what} asks for ${quoteInput(gn.text)} as a DNS name; an IP address must be an IP SAN (clients never match it as a name)`, fix);
  return name;
}

function rewrap(error: unknown, what: string, hint: ErrorText): unknown {
  if (error instanceof RegcertError) return userError(error.code, [`${what} asks for `, ...[error.phrases.message].flat()], hint);
  return error;
}

function collectNames(csr: ParsedCsr, what: string): { names: NameSet; dropped: string[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  const dropped: string[] = [];
  for (const gn of csr.subjectAltNames.flat()) {
    if (gn.kind === "dns" || gn.kind === "ip") {
      const name = sanName(gn, what);
      const list = name.type === "dns" ? dns : ip;
      if (!list.includes(name.value)) list.push(name.value);
    } else if (gn.kind === "email") dropped.push(`email:${quoteInput(gn.text).slice(1, -1)}`);
    else if (gn.kind === "uri") dropped.push(`URI:${quoteInput(gn.text).slice(1, -1)}`);
    else dropped.push("a non-DNS/IP name");
  }
  return { names: { dns, ip }, dropped };
}

/** "asked for …; issued as …" for each requested extension the profile does not grant as asked. */
export function describeDroppedExtensions(extensions: ParsedCsr["extensions"], profile: LeafProfileName, rsa: boolean): string[] {
  const spec = PROFILES[profile];
  const grantedKu = rsa ? [...spec.keyUsage, ...spec.rsaKeyUsage] : [...spec.keyUsage];
  const out: string[] = [];
  for (const ext of extensions) {
    switch (ext.oid) {
      case "2.5.29.17":
        break; // the names are handled (and checked) on their own
      case "2.5.29.19":
        if (basicConstraintsCa(ext.value)) out.push("asked for CA:TRUE; issued as CA:FALSE (regcert never signs a CA from a CSR)");
        break;
      case "2.5.29.15": {
        const asked = keyUsageNames(ext.value);
        if (asked.join() !== grantedKu.join()) out.push(`asked for key usage ${asked.join(", ") || "(none)"}; issued with ${grantedKu.join(", ")}`);
        break;
      }
      case "2.5.29.37": {
        const asked = ekuNames(ext.value);
        if (asked.join() !== spec.extKeyUsage.join()) out.push(`asked for extended key usage ${asked.join(", ") || "(none)"}; issued for ${spec.extKeyUsage.join(", ")} only`);
        break;
      }
      case "2.5.29.14":
        out.push("its subject key identifier dropped (regcert computes its own)");
        break;
      default:
        out.push(`${EXTENSION_NAMES[ext.oid] ?? "an unrecognised extension"}${ext.critical ? " (marked critical)" : ""} dropped: the ${profile} profile applies`);
    }
  }
  return out;
}

/** Reads the cA flag; a malformed value counts as asking for CA (so it is reported, never trusted). */
function basicConstraintsCa(value: Uint8Array): boolean {
  // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, … }: 30 len 01 01 xx
  if (value[0] !== 0x30 || value.length < 2) return true;
  if (value[2] !== 0x01) return false;
  try {
    return decodeBoolean(value.subarray(4, 4 + (value[3] ?? 0)));
  } catch {
    return true;
  }
}

function keyUsageNames(value: Uint8Array): string[] {
  if (value[0] !== 0x03 || value.length < 3) return ["(unreadable)"];
  const bits = value.subarray(3);
  return KEY_USAGE_BIT_NAMES.filter((_, i) => ((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1);
}

function ekuNames(value: Uint8Array): string[] {
  const names: string[] = [];
  if (value[0] !== 0x30) return ["(unreadable)"];
  for (let i = 2; i + 1 < value.length; ) {
    const len = value[i + 1] as number;
    if (value[i] !== 0x06 || len >= 0x80) return [...names, "(unreadable)"];
    const oid = decodeOid(value.subarray(i + 2, i + 2 + len));
    names.push(EKU_NAMES[oid] ?? "another purpose");
    i += 2 + len;
  }
  return names;
}

function decodeOid(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  return [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80, ...arcs].join(".");
}

/** The other subject attributes and CSR attributes that do not reach the certificate, in words. */
function describeDroppedSubject(csr: ParsedCsr, issuerOrganization: string | undefined): string[] {
  const out: string[] = [];
  const kept = (a: ParsedCsr["subject"]["attributes"][number]) => a.oid === "2.5.4.3" || (a.oid === "2.5.4.10" && a.value === issuerOrganization);
  const dropped = [...new Set(csr.subject.attributes.filter((a) => !kept(a)).map((a) => SUBJECT_ATTRIBUTE_NAMES[a.oid] ?? "another attribute"))];
  if (dropped.length > 0) out.push(`subject ${dropped.join("/")} dropped (the certificate's subject is the CN and the CA's O)`);
  const attrs = csr.attributes.filter((a) => a.oid !== OID_EXTENSION_REQUEST).map((a) => ATTRIBUTE_NAMES[a.oid] ?? "an unrecognised attribute");
  if (attrs.length > 0) out.push(`request attribute ${[...new Set(attrs)].join(", ")} ignored`);
  return out;
}

/** Applies the policy; see the module comment. */
export function applyCsrPolicy(csr: ParsedCsr, options: CsrPolicyOptions = {}): CsrDecision {
  const what = options.what ?? "the CSR";
  checkStructure(csr, what);
  const publicKey = checkKey(csr, what);
  checkSignature(csr, publicKey, what);
  assertAcceptableLeafKey(publicKey, what);
  const { names, dropped } = collectNames(csr, what);
  const cnAttribute = csr.subject.attributes.find((a) => a.oid === "2.5.4.3");
  if (cnAttribute && cnAttribute.value === undefined) throw userError("regcert.badCsr", `${what} has a subject CN that is not a string`, REMAKE);
  const warnings: string[] = [];
  if (dropped.length > 0 && !options.namesGiven) warnings.push(`dropped ${dropped.join(", ")} from the CSR's names: registry certificates carry DNS names and IPs only`);
  warnings.push(...describeDroppedSubject(csr, options.issuerOrganization));
  warnings.push(...describeDroppedExtensions(csr.extensions, options.profile ?? "server", describeKey(publicKey).type === "rsa"));
  return {
    publicKey,
    names,
    commonName: cnAttribute?.value,
    requestedExtensions: csr.extensions.map((e) => e.oid),
    droppedNames: dropped,
    warnings,
  };
}
