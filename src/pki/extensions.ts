/**
 * X.509 v3 extensions, encoded with @peculiar/asn1-x509. Each builder returns one DER Extension.
 * Static extensions of the fixed profiles are encoded once and reused (they are the same bytes for
 * every certificate of a profile).
 */
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  NameConstraints,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from "@peculiar/asn1-x509";
import type { NameSet } from "./names.js";

/** Key usage names in smallstep's vocabulary. */
export type KeyUsageName = "digitalSignature" | "keyEncipherment" | "certSign" | "crlSign";
export type ExtKeyUsageName = "serverAuth" | "clientAuth";

const KEY_USAGE_FLAGS: Record<KeyUsageName, KeyUsageFlags> = {
  digitalSignature: KeyUsageFlags.digitalSignature,
  keyEncipherment: KeyUsageFlags.keyEncipherment,
  certSign: KeyUsageFlags.keyCertSign,
  crlSign: KeyUsageFlags.cRLSign,
};
const EKU_OIDS: Record<ExtKeyUsageName, string> = { serverAuth: id_kp_serverAuth, clientAuth: id_kp_clientAuth };

function extension(oid: string, critical: boolean, value: unknown): Uint8Array {
  const ext = new Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  return new Uint8Array(AsnConvert.serialize(ext));
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
  return cached(`bc:${ca}:${pathLen}`, () =>
    extension(id_ce_basicConstraints, true, new BasicConstraints(ca ? (pathLen === undefined ? { cA: true } : { cA: true, pathLenConstraint: pathLen }) : {})),
  );
}

export function keyUsageExtension(usages: readonly KeyUsageName[]): Uint8Array {
  return cached(`ku:${usages.join(",")}`, () => {
    const flags = usages.reduce((acc, name) => acc | KEY_USAGE_FLAGS[name], 0);
    return extension(id_ce_keyUsage, true, new KeyUsage(flags));
  });
}

export function extKeyUsageExtension(usages: readonly ExtKeyUsageName[]): Uint8Array {
  return cached(`eku:${usages.join(",")}`, () => extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(usages.map((u) => EKU_OIDS[u]))));
}

/** subjectAltName: DNS names first, then IPs. Non-critical because the subject is not empty (RFC 5280 §4.2.1.6). */
export function subjectAltNameExtension(names: NameSet, critical = false): Uint8Array {
  const general = [...names.dns.map((dNSName) => new GeneralName({ dNSName })), ...names.ip.map((iPAddress) => new GeneralName({ iPAddress }))];
  return extension(id_ce_subjectAltName, critical, new SubjectAlternativeName(general));
}

export function subjectKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId));
}

export function authorityKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) }));
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
  const subtrees = (dns: string[], ip: string[]) =>
    new GeneralSubtrees([
      ...dns.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })),
      ...ip.map((iPAddress) => new GeneralSubtree({ base: new GeneralName({ iPAddress }) })),
    ]);
  const value = new NameConstraints({});
  if (spec.permittedDns.length + spec.permittedIp.length > 0) value.permittedSubtrees = subtrees(spec.permittedDns, spec.permittedIp);
  if (spec.excludedDns.length + spec.excludedIp.length > 0) value.excludedSubtrees = subtrees(spec.excludedDns, spec.excludedIp);
  return extension(id_ce_nameConstraints, true, value);
}
