/** nameConstraints (RFC 5280 §4.2.1.10), as Go's parseNameConstraintsExtension: what Go refuses to parse is refused. */
import { DerReader, TAG, contextTag, isIa5, readSingle, type DerElement } from "../der-reader.js";
import { fail, goRead } from "../errors.js";
import { OID } from "../oids.js";
import { isIpv4Mapped } from "./subject-alt-name.js";
import type { ExtensionParser } from "./types.js";

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

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

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

const invalid = "x509: invalid NameConstraints extension";

function parseSubtrees(buf: Uint8Array, el: DerElement, out: { dns: string[]; ip: IpNet[] }): boolean {
  let unhandled = false;
  const subtrees = DerReader.inside(buf, el);
  while (!subtrees.empty) {
    const subtree = goRead(invalid, () => subtrees.enter(TAG.SEQUENCE));
    const base = goRead(invalid, () => subtree.read());
    const value = subtree.content(base);
    if (base.tag === contextTag(2)) {
      if (!isIa5(value)) fail("x509: invalid constraint value: invalid IA5String");
      const domain = latin1(value);
      if (!domainNameValid(domain, true)) fail(`x509: failed to parse dnsName constraint "${domain}"`);
      out.dns.push(domain);
    } else if (base.tag === contextTag(7)) {
      if (value.length !== 8 && value.length !== 32) fail(`x509: IP constraint contained value of length ${value.length}`);
      const half = value.length / 2;
      const ip = value.subarray(0, half);
      const mask = value.subarray(half);
      if (!isValidIpMask(mask)) fail(`x509: IP constraint contained invalid mask ${Buffer.from(mask).toString("hex")}`);
      if (isIpv4Mapped(ip)) fail("x509: IP constraint contained IPv4-mapped IPv6 address");
      out.ip.push({ ip: new Uint8Array(ip), mask: new Uint8Array(mask) });
    } else if (base.tag === contextTag(1) || base.tag === contextTag(6)) {
      if (!isIa5(value)) fail("x509: invalid constraint value: invalid IA5String");
    } else {
      unhandled = true;
    }
  }
  return unhandled;
}

export const nameConstraints: ExtensionParser = {
  oid: OID.nameConstraints,
  name: "nameConstraints",
  parse(ext, cert) {
    const v = ext.value;
    const parts = goRead(invalid, () => DerReader.inside(v, readSingle(v, TAG.SEQUENCE)).readAll());
    const permitted = parts.find((p) => p.tag === contextTag(0, true));
    const excluded = parts.find((p) => p.tag === contextTag(1, true));
    const expected = (permitted ? 1 : 0) + (excluded ? 1 : 0);
    if (parts.length !== expected || (permitted && excluded && permitted.start > excluded.start)) fail(invalid);
    if (!permitted && !excluded) fail("x509: empty name constraints extension");
    if ((permitted && permitted.end === permitted.contentStart) || (excluded && excluded.end === excluded.contentStart)) fail("x509: empty name constraints subtree sequence");
    const p = { dns: [] as string[], ip: [] as IpNet[] };
    const x = { dns: [] as string[], ip: [] as IpNet[] };
    const unhandledP = permitted ? parseSubtrees(v, permitted, p) : false;
    const unhandledX = excluded ? parseSubtrees(v, excluded, x) : false;
    const unhandled = unhandledP || unhandledX;
    cert.nameConstraints = { critical: ext.critical, permittedDns: p.dns, excludedDns: x.dns, permittedIp: p.ip, excludedIp: x.ip, unhandled };
    return !unhandled;
  },
};
