/** Small views derived from the model (IP texts, usage names, key identifiers), shared by every reader. */
import { createHash } from "node:crypto";
import { formatIpv6 } from "../names.js";
import type { ParsedCertificate } from "./certificate.js";
import { KEY_USAGE_BITS } from "./extensions/key-usage.js";
import { isIpv4Mapped } from "./extensions/subject-alt-name.js";

/** An IP address from a SAN or constraint as text: IPv4 dotted, IPv4-mapped as IPv4, IPv6 per RFC 5952. */
export function formatIpBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length === 16) return isIpv4Mapped(bytes) ? Array.from(bytes.subarray(12)).join(".") : formatIpv6(bytes);
  return `?${Buffer.from(bytes).toString("hex")}`;
}

/** IP SANs as text. */
export const ipTexts = (cert: ParsedCertificate): string[] => cert.ipAddresses.map(formatIpBytes);

/** The SAN names Go matches hosts against: dNSName and iPAddress entries (IP as text). */
export const sanNames = (cert: ParsedCertificate): { dns: string[]; ip: string[] } => ({ dns: [...cert.dnsNames], ip: ipTexts(cert) });

/** Key usage names of the certificate, in bit order (empty when it has no keyUsage). */
export function keyUsageNames(cert: ParsedCertificate): string[] {
  return KEY_USAGE_BITS.filter((_, bit) => (cert.keyUsage >> bit) & 1);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
export const keyIdentifierOfKeyBytes = (keyBytes: Uint8Array): Uint8Array => new Uint8Array(createHash("sha1").update(keyBytes).digest());

/** The certificate's key identifier: its SKI extension, or method 1 over its key when it has none. */
export const keyIdOf = (cert: ParsedCertificate): Uint8Array => cert.subjectKeyId ?? keyIdentifierOfKeyBytes(cert.publicKey.keyBytes);

/** A name-constraint IP range as CIDR text ("10.0.0.0/8", "2001:db8::/32"). */
export function formatIpNet(net: { ip: Uint8Array; mask: Uint8Array }): string {
  let prefix = 0;
  for (const b of net.mask) prefix += b.toString(2).replace(/0/g, "").length;
  return `${formatIpBytes(net.ip)}/${prefix}`;
}
