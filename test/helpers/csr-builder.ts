/**
 * Hostile PKCS#10 requests for tests, assembled byte by byte (src/pki/der.ts framing) and signed with
 * node:crypto, so each defect can be built exactly: duplicate extensionRequest attributes, two SAN
 * extensions, compressed EC points, IP SANs of the wrong length, odd string types, trailing bytes,
 * non-DER lengths, other versions. Every part can be replaced by raw DER.
 */
import { ECDH, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { derSequence, derTlv } from "../../src/pki/der.js";

export const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));
export const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [40 * (arcs[0] as number) + (arcs[1] as number)];
  for (const arc of arcs.slice(2)) {
    const bytes = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return derTlv(0x06, Uint8Array.from(out));
}

const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "latin1"));
export const dns = (name: string): Uint8Array => derTlv(0x82, ascii(name));
export const dnsBytes = (bytes: Uint8Array): Uint8Array => derTlv(0x82, bytes);
export const ip = (bytes: number[] | Uint8Array): Uint8Array => derTlv(0x87, Uint8Array.from(bytes));
export const email = (address: string): Uint8Array => derTlv(0x81, ascii(address));

/** An Extension; `critical` as raw BOOLEAN content (e.g. 0x01 to forge a non-DER TRUE). */
export function extension(oidText: string, value: Uint8Array, critical?: boolean | number): Uint8Array {
  const crit = critical === undefined || critical === false ? [] : [derTlv(0x01, Uint8Array.of(critical === true ? 0xff : critical))];
  return derSequence(oid(oidText), ...crit, derTlv(0x04, value));
}
export const san = (...names: Uint8Array[]): Uint8Array => extension("2.5.29.17", derSequence(...names));
export const basicConstraintsCa = (): Uint8Array => extension("2.5.29.19", derSequence(derTlv(0x01, Uint8Array.of(0xff))), true);
/** keyUsage with the given bits (bit 0 = digitalSignature … bit 5 = keyCertSign). */
export function keyUsage(bits: number[]): Uint8Array {
  let byte = 0;
  for (const b of bits) byte |= 0x80 >> b;
  return extension("2.5.29.15", derTlv(0x03, Uint8Array.of(0, byte)), true);
}
export const extKeyUsage = (...oids: string[]): Uint8Array => extension("2.5.29.37", derSequence(...oids.map(oid)));
/** One extensionRequest attribute: SEQUENCE { OID, SET { Extensions… } }, one value per list given. */
export const extensionRequest = (...values: Uint8Array[][]): Uint8Array => derSequence(oid("1.2.840.113549.1.9.14"), derTlv(0x31, ...values.map((exts) => derSequence(...exts))));

/** Name with one RDN per attribute: [oid, stringTag, text]. */
export function name(...attributes: Array<[string, number, string | Uint8Array]>): Uint8Array {
  return derSequence(...attributes.map(([o, tag, text]) => derTlv(0x31, derSequence(oid(o), derTlv(tag, typeof text === "string" ? Uint8Array.from(Buffer.from(text, "utf8")) : text)))));
}
export const CN = "2.5.4.3";

export interface CsrParts {
  key?: KeyObject;
  /** raw DER of the version INTEGER; default 02 01 00 */
  version?: Uint8Array;
  subject?: Uint8Array;
  /** raw SPKI; default the key's own */
  spki?: Uint8Array;
  /** attribute SEQUENCEs (each e.g. extensionRequest(...)) */
  attributes?: Uint8Array[];
  /** appended after the CSR (trailing data) */
  trailing?: Uint8Array;
}

export const newP256 = (): KeyObject => generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;

/** The SPKI of a P-256 key with its point in compressed form (what `openssl ec -conv_form compressed` writes). */
export function compressedSpki(key: KeyObject): Uint8Array {
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  const point = spki.subarray(spki.length - 65);
  const compressed = ECDH.convertKey(point, "prime256v1", undefined, undefined, "compressed") as Buffer;
  return derSequence(derSequence(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")), derTlv(0x03, Uint8Array.of(0), compressed));
}

/** A CSR from parts, self-signed with ECDSA-SHA256 over the exact info bytes (so the signature is valid). */
export function buildCsr(parts: CsrParts = {}): { der: Uint8Array; pem: string; key: KeyObject } {
  const key = parts.key ?? newP256();
  const spki = parts.spki ?? new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" }));
  const info = derSequence(
    parts.version ?? hex("020100"),
    parts.subject ?? name([CN, 0x0c, "registry.local"]),
    spki,
    derTlv(0xa0, ...(parts.attributes ?? [extensionRequest([san(dns("registry.local"))])])),
  );
  const signature = sign("sha256", info, { key, dsaEncoding: "der" });
  const der = concat(derSequence(info, derSequence(oid("1.2.840.10045.4.3.2")), derTlv(0x03, Uint8Array.of(0), signature)), parts.trailing ?? new Uint8Array(0));
  const b64 = Buffer.from(der).toString("base64").replace(/.{1,64}/g, "$&\n");
  return { der, pem: `-----BEGIN CERTIFICATE REQUEST-----\n${b64}-----END CERTIFICATE REQUEST-----\n`, key };
}

/** Replaces the first occurrence of `find` in `der` (for non-DER forgeries the builder cannot make; breaks the signature). */
export function patch(der: Uint8Array, find: Uint8Array, replace: Uint8Array): Uint8Array {
  const at = Buffer.from(der).indexOf(Buffer.from(find));
  if (at < 0) throw new Error("patch: pattern not found");
  return concat(der.subarray(0, at), replace, der.subarray(at + find.length));
}

export const ia5 = (text: string): Uint8Array => derTlv(0x16, ascii(text));
export const derSeq = (...parts: Uint8Array[]): Uint8Array => derSequence(...parts);
export const derSet = (...parts: Uint8Array[]): Uint8Array => derTlv(0x31, ...parts);
