/**
 * Intermediate CAs for issuers that run somewhere less trusted than the root's home, such as
 * cert-manager inside a cluster: the root key never leaves the home; the cluster gets a CA that is
 * name-constrained to the registry's names, short-lived, and cannot create further CAs (pathLen 0).
 * If the cluster is compromised, the stolen key can sign only for those names, only until it expires.
 */
import type { KeyObject } from "node:crypto";
import { certificatePem, encodeName, encodeTbsCertificate, hex, randomSerial, signTbs } from "./certificate.js";
import { caNameConstraints, type EngineDeps } from "./ca.js";
import { dnsWithin, ipWithin } from "./name-constraints.js";
import { opt, phrase, userError } from "./errors.js";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  keyUsageExtension,
  nameConstraintsExtension,
  subjectKeyIdentifierExtension,
  type NameConstraintsSpec,
} from "./extensions.js";
import { prepareIssuer, type Issuer, type IssuerInput, type NameConstraintsInfo } from "./issuer.js";
import { exportPrivateKeyPem, generateKeyPairSyncFor, keyIdentifier, spkiDer, type KeyAlgorithm, type KeyPair } from "./keys.js";
import { classifyName, parseCidr } from "./names.js";
import { PROFILES } from "./profiles.js";
import { resolveNow, validateDays, validityWindow } from "./validity.js";

/** Default lifetime: short, so a leaked cluster copy stops working soon; re-run to rotate. */
export const INTERMEDIATE_DEFAULT_DAYS = 90;
/** Above this an intermediate is no longer "short-lived"; refused rather than silently allowed. */
export const INTERMEDIATE_MAX_DAYS = 397;

export interface IntermediateCaOptions {
  /** the root that signs it: its basicConstraints must allow one more CA below it (pathLen ≥ 1 or absent) */
  issuer: Issuer | IssuerInput;
  /**
   * DNS subtrees the intermediate may sign for (each covers the name and its subdomains, RFC 5280
   * §4.2.1.10). At least one is required: an intermediate without DNS constraints could sign any name.
   */
  permitDns: string[];
  /** IP ranges (CIDR, or single addresses: /32, /128); default none, and then every IP is excluded */
  permitIp?: string[];
  /** subject CN; default "<root CN> intermediate" cut to 64 characters */
  commonName?: string;
  /** validity in days; default 90, at most 397, never past the root's expiry */
  days?: number;
  /** default "ecdsa-p256" */
  keyAlgorithm?: KeyAlgorithm;
  /** use this key pair instead of generating one */
  keyPair?: KeyPair;
}

export interface IntermediateCa {
  certificatePem: string;
  certificateDer: Uint8Array;
  privateKeyPem: string;
  privateKey: KeyObject;
  /** the intermediate followed by the root: what a `tls.crt` for cert-manager's CA issuer holds */
  chainPem: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  nameConstraints: NameConstraintsSpec;
  /** things to tell the user (validity cut to the root's expiry) */
  warnings: string[];
  /** ready to sign leaves */
  issuer: Issuer;
}

function normaliseConstraints(permitDns: string[], permitIp: string[]): NameConstraintsSpec {
  const dns = [...new Set(permitDns.map((d) => {
    const name = classifyName(d.startsWith(".") ? d.slice(1) : d);
    if (name.type !== "dns" || name.value.startsWith("*.")) throw userError("regcert.invalidName", `"${d}" is not a DNS name to constrain an intermediate CA to`, "give a domain such as registry.local (it also covers its subdomains)");
    return name.value;
  }))];
  const ip = [...new Set(permitIp.map((r) => {
    if (r.includes("/")) return parseCidr(r).cidr;
    const name = classifyName(r);
    if (name.type !== "ip") throw userError("regcert.invalidCidr", `"${r}" is not an IP address or range`, phrase`e.g. ${opt("permitIp", "10.0.0.0/8")} or ${opt("permitIp", "192.0.2.10")}`);
    return `${name.value}/${name.value.includes(":") ? 128 : 32}`;
  }))];
  if (dns.length === 0) {
    throw userError(
      "regcert.intermediateUnconstrained",
      "an intermediate CA needs at least one permitted DNS name: without one it could sign for any site",
      phrase`give the registry's DNS name (e.g. ${opt("permitDns", "registry.local")}); clients reaching it only by IP still need a DNS constraint to close the rest`,
    );
  }
  return caNameConstraints(dns, ip);
}

/** Why the intermediate's constraints would be useless under the root's (leaves it signs would be rejected). */
function outsideRoot(spec: NameConstraintsSpec, root: NameConstraintsInfo | undefined): string[] {
  if (!root) return [];
  const problems: string[] = [];
  for (const d of spec.permittedDns) {
    if (root.excludedDns.some((c) => dnsWithin(d, c))) problems.push(`DNS "${d}" is excluded by the root CA`);
    else if (root.permittedDns.length > 0 && !root.permittedDns.some((c) => dnsWithin(d, c))) problems.push(`DNS "${d}" is outside the root CA's permitted names (${root.permittedDns.join(", ")})`);
  }
  for (const cidr of spec.permittedIp) {
    const { address, prefix } = parseCidr(cidr);
    const within = (c: string) => ipWithin(address, c) && prefix >= parseCidr(c).prefix;
    if (root.excludedIp.some((c) => within(c) || ipWithin(parseCidr(c).address, cidr))) problems.push(`IP range ${cidr} is excluded by the root CA`);
    else if (root.permittedIp.length > 0 && !root.permittedIp.some(within)) problems.push(`IP range ${cidr} is outside the root CA's permitted ranges (${root.permittedIp.join(", ")})`);
  }
  return problems;
}

/**
 * Creates an intermediate CA signed by `issuer`: basicConstraints critical CA:TRUE pathLen 0 (it signs
 * leaves only), keyUsage critical keyCertSign + cRLSign, SKI, AKI, critical nameConstraints.
 * Refuses a root whose pathLen is 0 (clients would reject the chain: RFC 5280 §4.2.1.9).
 */
export function createIntermediateCa(options: IntermediateCaOptions, deps: EngineDeps = {}): IntermediateCa {
  const root = prepareIssuer(options.issuer);
  const ca = root.certificate;
  if (ca.pathLen === 0) {
    throw userError(
      "regcert.pathLenZero",
      "the CA allows no intermediate CA below it (basicConstraints pathLen 0): clients would reject every certificate the intermediate signs",
      "a CA made with `regcert init-ca --max-path-len 1` allows one intermediate (a new CA: every client must then trust the new ca.crt)",
    );
  }
  const days = validateDays(options.days ?? INTERMEDIATE_DEFAULT_DAYS, "an intermediate CA");
  if (days > INTERMEDIATE_MAX_DAYS) {
    throw userError("regcert.intermediateTooLong", phrase`${opt("days", days)} is too long for an intermediate CA kept in a cluster (at most ${INTERMEDIATE_MAX_DAYS})`, phrase`use ${opt("days", INTERMEDIATE_DEFAULT_DAYS)} and re-run before it expires to rotate it`);
  }
  const spec = normaliseConstraints(options.permitDns, options.permitIp ?? []);
  const problems = outsideRoot(spec, ca.nameConstraints);
  if (problems.length > 0) {
    throw userError("regcert.outsideConstraints", problems.join("; "), "constrain the intermediate to names the root CA permits (regcert inspect ca.crt shows them)");
  }
  const now = resolveNow(deps);
  if (ca.notAfter.getTime() <= now.getTime()) {
    throw userError("regcert.caExpired", `the CA certificate expired on ${ca.notAfter.toISOString()}`, "create a new CA (regcert init-ca --force) and re-issue");
  }
  const warnings: string[] = [];
  let { notBefore, notAfter } = validityWindow(now, days);
  if (notAfter.getTime() > ca.notAfter.getTime()) {
    notAfter = ca.notAfter;
    warnings.push(`validity shortened to the CA's expiry (${ca.notAfter.toISOString().slice(0, 10)}): a certificate cannot outlive its CA`);
  }
  if (notBefore.getTime() < ca.notBefore.getTime()) notBefore = ca.notBefore;

  const keyPair = options.keyPair ?? generateKeyPairSyncFor(options.keyAlgorithm ?? "ecdsa-p256");
  const spki = spkiDer(keyPair.publicKey);
  const commonName = options.commonName ?? `${ca.commonName ?? "regcert CA"} intermediate`.slice(0, 64);
  if (commonName.length === 0 || commonName.length > 64) {
    throw userError("regcert.invalidCn", `common name "${commonName.slice(0, 80)}" must be 1 to 64 characters (RFC 5280 ub-common-name)`, phrase`use a shorter ${opt("commonName")} (at most 64 characters)`);
  }
  const subjectName = encodeName({ organization: ca.organization, commonName });
  const extensions = [
    basicConstraintsExtension(true, 0),
    keyUsageExtension(PROFILES["root-ca"].keyUsage),
    subjectKeyIdentifierExtension(keyIdentifier(spki)),
    authorityKeyIdentifierExtension(ca.keyId),
    nameConstraintsExtension(spec),
  ];
  const serial = (deps.randomSerial ?? randomSerial)();
  const tbs = encodeTbsCertificate({ serial, scheme: root.scheme, issuerName: ca.subjectName, notBefore, notAfter, subjectName, spki, extensions });
  const certificateDer = signTbs(tbs, root.signer);
  const pem = certificatePem(certificateDer);
  return {
    certificatePem: pem,
    certificateDer,
    privateKeyPem: exportPrivateKeyPem(keyPair.privateKey),
    privateKey: keyPair.privateKey,
    chainPem: pem + ca.pem,
    serialHex: hex(serial),
    notBefore,
    notAfter,
    nameConstraints: spec,
    warnings,
    issuer: prepareIssuer({ certificate: certificateDer, privateKey: keyPair.privateKey }),
  };
}
