/**
 * X.509 v3 extensions (RFC 5280 §4.2). Each builder returns one DER Extension. Static extensions of
 * the fixed profiles, and the AKI of an issuer, are encoded once and reused (they are the same bytes
 * for every certificate of a profile or CA).
 *
 * The DER is written directly rather than through @peculiar/asn1-x509: these few shapes are fixed,
 * and the schema layer costs ~50 ms to load and tens of µs per extension. Every builder is proven
 * byte-identical to the @peculiar/asn1-x509 encoding of the same value in
 * test/unit/pki/tbs-equivalence.test.ts (all key usage combinations, DNS/IPv4/IPv6 names, CIDRs).
 */
import { derSequence, derTlv, derUnsignedInteger } from "./der.js";
import { ipToBytes, type NameSet } from "./names.js";

/** Key usage names in smallstep's vocabulary. */
export type KeyUsageName = "digitalSignature" | "keyEncipherment" | "certSign" | "crlSign";
export type ExtKeyUsageName = "serverAuth" | "clientAuth";

/** DER OBJECT IDENTIFIER from dotted text (X.690 §8.19). */
function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const body: number[] = [];
  const push = (value: number) => {
    const chunk = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    body.push(...chunk);
  };
  push((arcs[0] as number) * 40 + (arcs[1] as number));
  for (const arc of arcs.slice(2)) push(arc);
  return derTlv(0x06, Uint8Array.from(body));
}

const OID = {
  basicConstraints: derOid("2.5.29.19"),
  keyUsage: derOid("2.5.29.15"),
  extKeyUsage: derOid("2.5.29.37"),
  subjectAltName: derOid("2.5.29.17"),
  subjectKeyIdentifier: derOid("2.5.29.14"),
  authorityKeyIdentifier: derOid("2.5.29.35"),
  nameConstraints: derOid("2.5.29.30"),
};

/** Bit positions of RFC 5280 §4.2.1.3 KeyUsage (bit 0 = digitalSignature). */
const KEY_USAGE_BITS: Record<KeyUsageName, number> = { digitalSignature: 0, keyEncipherment: 2, certSign: 5, crlSign: 6 };
const EKU_OIDS: Record<ExtKeyUsageName, Uint8Array> = { serverAuth: derOid("1.3.6.1.5.5.7.3.1"), clientAuth: derOid("1.3.6.1.5.5.7.3.2") };
const TRUE = Uint8Array.of(0x01, 0x01, 0xff);

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
function extension(oid: Uint8Array, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? derSequence(oid, TRUE, derTlv(0x04, value)) : derSequence(oid, derTlv(0x04, value));
}

const cache = new Map<string, Uint8Array>();
function cached(key: string, build: () => Uint8Array): Uint8Array {
  let der = cache.get(key);
  if (!der) {
    der = build();
    cache.set(key, der);
  }
  return der;
}

/** basicConstraints, always critical (RFC 5280 §4.2.1.9 requires it for CAs; stricter verifiers want it on leaves too). */
export function basicConstraintsExtension(ca: boolean, pathLen?: number): Uint8Array {
  return cached(`bc:${ca}:${pathLen}`, () => {
    // cA DEFAULT FALSE is omitted when false (DER); pathLenConstraint only on CAs
    const fields = ca ? [TRUE, ...(pathLen === undefined ? [] : [derUnsignedInteger(bigEndian(pathLen))])] : [];
    return extension(OID.basicConstraints, true, derSequence(...fields));
  });
}

function bigEndian(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.from(bytes.length === 0 ? [0] : bytes);
}

/**
 * A named-bit BIT STRING from a bit mask (bit 0 = the first named bit = the most significant bit of
 * the first octet), trailing zero bits trimmed as DER requires (X.690 §11.2.2); no bits set is the
 * empty BIT STRING (03 01 00).
 */
export function namedBitString(mask: number): Uint8Array {
  if (mask === 0) return Uint8Array.of(0x03, 0x01, 0x00);
  const bitLength = Math.floor(Math.log2(mask)) + 1;
  const octets = new Uint8Array((bitLength + 7) >> 3);
  for (let bit = 0; bit < bitLength; bit++) if (mask & (1 << bit)) octets[bit >> 3]! |= 0x80 >> (bit & 7);
  return derTlv(0x03, Uint8Array.of(octets.length * 8 - bitLength), octets);
}

export function keyUsageExtension(usages: readonly KeyUsageName[]): Uint8Array {
  return cached(`ku:${usages.join(",")}`, () => {
    const mask = usages.reduce((acc, name) => acc | (1 << KEY_USAGE_BITS[name]), 0);
    return extension(OID.keyUsage, true, namedBitString(mask));
  });
}

export function extKeyUsageExtension(usages: readonly ExtKeyUsageName[]): Uint8Array {
  return cached(`eku:${usages.join(",")}`, () => extension(OID.extKeyUsage, false, derSequence(...usages.map((u) => EKU_OIDS[u]))));
}

/** GeneralName dNSName [2] IA5String (implicit). Names reaching here are ASCII (names.ts: IDNs as punycode). */
const dnsName = (name: string): Uint8Array => derTlv(0x82, Buffer.from(name, "latin1"));

/** GeneralName iPAddress [7] OCTET STRING: 4 or 16 bytes, or for a CIDR in name constraints the address then the mask (RFC 5280 §4.2.1.10). */
function ipAddressName(text: string): Uint8Array {
  const slash = text.indexOf("/");
  if (slash < 0) return derTlv(0x87, ipToBytes(text));
  const address = ipToBytes(text.slice(0, slash));
  let prefix = Number(text.slice(slash + 1));
  const mask = new Uint8Array(address.length);
  for (let i = 0; i < mask.length && prefix > 0; i++, prefix -= 8) mask[i] = prefix >= 8 ? 0xff : (0xff << (8 - prefix)) & 0xff;
  return derTlv(0x87, address, mask);
}

/** subjectAltName: DNS names first, then IPs. Non-critical because the subject is not empty (RFC 5280 §4.2.1.6). */
export function subjectAltNameExtension(names: NameSet, critical = false): Uint8Array {
  return extension(OID.subjectAltName, critical, derSequence(...names.dns.map(dnsName), ...names.ip.map(ipAddressName)));
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extension(OID.subjectKeyIdentifier, false, derTlv(0x04, keyId));
}

// one AKI per issuer key identifier object (an Issuer keeps its keyId for its whole life)
const akiCache = new WeakMap<Uint8Array, Uint8Array>();

/** authorityKeyIdentifier with keyIdentifier [0] only (no issuer/serial: that would pin the CA certificate, not its key). */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  let der = akiCache.get(keyId);
  if (!der) {
    der = extension(OID.authorityKeyIdentifier, false, derSequence(derTlv(0x80, keyId)));
    akiCache.set(keyId, der);
  }
  return der;
}

export interface NameConstraintsSpec {
  permittedDns: string[];
  /** CIDR ranges, e.g. "192.168.0.0/16" */
  permittedIp: string[];
  excludedDns: string[];
  excludedIp: string[];
}

/** nameConstraints, critical (RFC 5280 §4.2.1.10: conforming CAs MUST mark it critical). */
export function nameConstraintsExtension(spec: NameConstraintsSpec): Uint8Array {
  // GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] DEFAULT 0, maximum [1] OPTIONAL }: base only
  const subtrees = (tag: number, dns: string[], ip: string[]) =>
    derTlv(tag, ...dns.map((name) => derSequence(dnsName(name))), ...ip.map((range) => derSequence(ipAddressName(range))));
  const fields: Uint8Array[] = [];
  if (spec.permittedDns.length + spec.permittedIp.length > 0) fields.push(subtrees(0xa0, spec.permittedDns, spec.permittedIp));
  if (spec.excludedDns.length + spec.excludedIp.length > 0) fields.push(subtrees(0xa1, spec.excludedDns, spec.excludedIp));
  return extension(OID.nameConstraints, true, derSequence(...fields));
}
