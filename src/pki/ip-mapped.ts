/**
 * The one IPv4-mapped IPv6 test (::ffff:a.b.c.d, RFC 4291 §2.5.5.2): Go prints such an address as
 * IPv4, matches it against IPv4 SANs, and refuses it inside a SAN or a name constraint.
 */
export function isIpv4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes.subarray(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff));
}
