/**
 * Name constraints over a whole chain exactly as Go's checkChainConstraints (constraints.go, Go 1.25+):
 * each certificate's SANs are checked against the constraints of every CA above it (never its own);
 * a name type with no permitted subtree is unconstrained; a DNS constraint "example.com" covers the
 * name and its subdomains, ".example.com" only subdomains; an excluded subtree also excludes a
 * wildcard SAN that could cover it (CVE-2025-61727); IPv4 SANs only meet IPv4 ranges, IPv6 only IPv6.
 * Unlike Go, every violation is returned, not only the first.
 */
import { domainNameValid, type IpNet, type ParsedCertificate } from "./parse.js";
import { formatIpBytes } from "./hostname.js";

export interface ConstraintViolation {
  /** index in the chain of the certificate whose name is refused */
  nameIndex: number;
  /** index of the CA whose constraints refuse it */
  caIndex: number;
  name: string;
  kind: "dns" | "ip";
  /** Go's detail text */
  detail: string;
}

const lowerAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Go's dnsHasSuffix(constraint, name): label-aligned, case-insensitive; a leading-dot constraint needs a subdomain. */
export function dnsHasSuffix(constraint: string, name: string): boolean {
  if (constraint.length > name.length) return false;
  if (!lowerAscii(name).endsWith(lowerAscii(constraint))) return false;
  if (constraint[0] !== "." && name.length > constraint.length && name[name.length - constraint.length - 1] !== ".") return false;
  return true;
}

function trimFirstLabel(name: string): string {
  const dot = name.indexOf(".");
  return dot < 0 ? "" : name.slice(dot);
}

function dnsPermitted(list: string[], name: string): boolean {
  return list.some((c) => c.length === 0 || dnsHasSuffix(c, name));
}

function dnsExcludedBy(list: string[], name: string): string | undefined {
  for (const c of list) if (c.length === 0 || dnsHasSuffix(c, name)) return c;
  if (name.startsWith("*")) {
    const parent = trimFirstLabel(lowerAscii(name));
    for (const c of list) {
      const trimmed = trimFirstLabel(lowerAscii(c));
      if (trimmed !== "" && trimmed === parent) return c;
    }
  }
  return undefined;
}

function ipContains(net: IpNet, ip: Uint8Array): boolean {
  if (net.ip.length !== ip.length) return false;
  return ip.every((b, i) => (b & (net.mask[i] as number)) === ((net.ip[i] as number) & (net.mask[i] as number)));
}

export function formatIpNet(net: IpNet): string {
  let prefix = 0;
  for (const b of net.mask) prefix += b.toString(2).replace(/0/g, "").length;
  return `${formatIpBytes(net.ip)}/${prefix}`;
}

/** Every name in the chain that a CA above it does not allow. `chain[0]` is the leaf. */
export function checkChainConstraints(chain: ParsedCertificate[]): ConstraintViolation[] {
  const violations: ConstraintViolation[] = [];
  chain.forEach((ca, caIndex) => {
    const nc = ca.nameConstraints;
    if (!nc) return;
    for (let i = 0; i < caIndex; i++) {
      const cert = chain[i] as ParsedCertificate;
      if (!cert.hasSan) continue;
      const add = (name: string, kind: "dns" | "ip", detail: string) => violations.push({ nameIndex: i, caIndex, name, kind, detail });
      for (const ip of cert.ipAddresses) {
        const text = formatIpBytes(ip);
        if (nc.permittedIp.length > 0 && !nc.permittedIp.some((n) => ipContains(n, ip))) {
          add(text, "ip", `IP address "${text}" is not permitted by any constraint`);
          continue;
        }
        const excluded = nc.excludedIp.find((n) => ipContains(n, ip));
        if (excluded) add(text, "ip", `IP address "${text}" is excluded by constraint "${formatIpNet(excluded)}"`);
      }
      for (const dns of cert.dnsNames) {
        if (!domainNameValid(dns, false)) {
          add(dns, "dns", `x509: cannot parse dnsName "${dns}"`);
          continue;
        }
        if (nc.permittedDns.length > 0 && !dnsPermitted(nc.permittedDns, dns)) {
          add(dns, "dns", `DNS name "${dns}" is not permitted by any constraint`);
          continue;
        }
        const excluded = dnsExcludedBy(nc.excludedDns, dns);
        if (excluded !== undefined) add(dns, "dns", `DNS name "${dns}" is excluded by constraint "${excluded}"`);
      }
    }
  });
  return violations;
}
