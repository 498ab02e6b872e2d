/**
 * Name constraints as Go's crypto/x509 applies them (RFC 5280 §4.2.1.10): a name type with no
 * permitted subtree is unconstrained; an excluded subtree always wins; a DNS constraint "example.com"
 * covers the name and every subdomain, ".example.com" only subdomains.
 */
import { userError } from "./errors.js";
import type { NameConstraintsInfo } from "./issuer.js";
import { ipToBytes, type NameSet } from "./names.js";

export function dnsWithin(name: string, constraint: string): boolean {
  const c = constraint.toLowerCase();
  const n = name.toLowerCase();
  if (c === "") return true;
  if (c.startsWith(".")) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

export function ipWithin(ip: string, cidr: string): boolean {
  const [address = "", prefixText = ""] = cidr.split("/");
  const a = ipToBytes(ip);
  const network = ipToBytes(address);
  if (a.length !== network.length) return false;
  const prefix = Number(prefixText);
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if (((a[bit >> 3] as number) & mask) !== ((network[bit >> 3] as number) & mask)) return false;
  }
  return true;
}

/** The names that the constraints do not allow, each with the reason. Empty when all are allowed. */
export function namesOutsideConstraints(names: NameSet, nc: NameConstraintsInfo): string[] {
  const problems: string[] = [];
  for (const dns of names.dns) {
    if (nc.excludedDns.some((c) => dnsWithin(dns, c))) problems.push(`DNS name "${dns}" is excluded by the CA's name constraints`);
    else if (nc.permittedDns.length > 0 && !nc.permittedDns.some((c) => dnsWithin(dns, c)))
      problems.push(`DNS name "${dns}" is not within the CA's permitted names (${nc.permittedDns.join(", ")})`);
  }
  for (const ip of names.ip) {
    if (nc.excludedIp.some((c) => ipWithin(ip, c))) problems.push(`IP ${ip} is excluded by the CA's name constraints`);
    else if (nc.permittedIp.length > 0 && !nc.permittedIp.some((c) => ipWithin(ip, c)))
      problems.push(`IP ${ip} is not within the CA's permitted ranges (${nc.permittedIp.join(", ")})`);
  }
  return problems;
}

/** Refuses, before anything is generated, names a client would reject under this CA. */
export function assertWithinConstraints(names: NameSet, nc: NameConstraintsInfo | undefined): void {
  if (!nc) return;
  const problems = namesOutsideConstraints(names, nc);
  if (problems.length > 0) {
    throw userError("regcert.outsideConstraints", problems.join("; "), "clients would reject this certificate; issue it only for names the CA permits (regcert inspect ca.crt shows them)");
  }
}
