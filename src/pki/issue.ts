/**
 * Leaf certificates (server and client profiles), either for a key regcert makes (issueCertificate)
 * or for the public key of someone else's CSR (signCsr). Both go through buildLeaf, so a CSR can
 * never choose its own extensions: CA:TRUE requested in a CSR still yields CA:FALSE.
 */
import { createHash, type KeyObject } from "node:crypto";
import { certificatePem, encodeName, encodeTbsCertificate, hex, randomSerial, signTbs } from "./certificate.js";
import { assertWithinConstraints } from "./name-constraints.js";
import { createCsr, parseCsr } from "./csr.js";
import { opt, phrase, userError } from "./errors.js";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "./extensions.js";
import { prepareIssuer, type Issuer, type IssuerInput } from "./issuer.js";
import { describeKey, encodeKeyPair, generateKeyPairSyncFor, keyIdentifier, spkiDer, type KeyAlgorithm, type KeyPair } from "./keys.js";
import { classifyNames, quoteInput, type NameSet } from "./names.js";
import { PROFILES, type LeafProfileName } from "./profiles.js";
import { resolveNow, validateLeafDays, validityWindow } from "./validity.js";
import type { EngineDeps } from "./ca.js";

export interface LeafOptions {
  /** the signing CA: an Issuer from prepareIssuer()/createRootCa(), or its certificate and key */
  issuer: Issuer | IssuerInput;
  /** hosts in any order (sorted into DNS and IP), or already split */
  names?: string[] | NameSet;
  /** default "server" */
  profile?: LeafProfileName;
  /** default 397; above 825 only with allowLongValidity */
  days?: number;
  /** subject CN; default the first DNS name when it fits in 64 characters, none for IP-only certificates */
  commonName?: string;
  /** permit more than 825 days (Apple platforms will reject such server certificates) */
  allowLongValidity?: boolean;
}

export interface IssueOptions extends LeafOptions {
  /** default "ecdsa-p256" */
  keyAlgorithm?: KeyAlgorithm;
  /** use this key pair instead of generating one */
  keyPair?: KeyPair;
  /** also make a CSR for the key (what `issue` writes as NAME.csr); default true */
  csr?: boolean;
}

export interface SignCsrOptions extends LeafOptions {
  /** the CSR, PEM or DER */
  csr: string | Uint8Array;
}

export interface IssuedCertificate {
  certificatePem: string;
  certificateDer: Uint8Array;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  names: NameSet;
  commonName: string | undefined;
  profile: LeafProfileName;
  /** e.g. "ecdsa-p256", "rsa-2048" */
  keyAlgorithm: string;
  /** SHA-256 of the certificate DER, lower-case hex (as certificateFacts reads it back) */
  fingerprint: string;
  /** SHA-256 of the SubjectPublicKeyInfo, lower-case hex (as certificateFacts reads it back) */
  publicKeyFingerprint: string;
  /** things the caller should tell the user (validity shortened to the CA's, names taken from a CN) */
  warnings: string[];
}

export interface IssuedKeyAndCertificate extends IssuedCertificate {
  privateKeyPem: string;
  privateKey: KeyObject;
  csrPem: string | undefined;
}

function toNameSet(names: string[] | NameSet | undefined): NameSet {
  if (!names) return { dns: [], ip: [] };
  if (Array.isArray(names)) return classifyNames(names);
  return classifyNames([...names.dns, ...names.ip]);
}

interface Prepared {
  issuer: Issuer;
  names: NameSet;
  profile: LeafProfileName;
  days: number;
  commonName: string | undefined;
  now: Date;
}

/** Every check that can refuse a request, done before any key is generated. */
function prepareLeaf(options: LeafOptions, deps: EngineDeps): Prepared {
  const profile = options.profile ?? "server";
  const names = toNameSet(options.names);
  const days = validateLeafDays(options.days ?? PROFILES[profile].defaultDays, { allowLongValidity: options.allowLongValidity === true });
  if (profile === "server" && names.dns.length + names.ip.length === 0) {
    throw userError("regcert.noNames", "a server certificate needs at least one DNS name or IP address", "e.g. regcert issue --dns registry.local --ip 192.168.0.12");
  }
  const firstDns = names.dns.find((n) => n.length <= 64);
  const commonName = options.commonName ?? firstDns;
  if (profile === "client" && !commonName && names.dns.length + names.ip.length === 0) {
    throw userError("regcert.noNames", "a client certificate needs a name", phrase`give ${opt("commonName", "NAME")} (or a ${opt("names.dns")} name)`);
  }
  if (commonName !== undefined && (commonName.length === 0 || commonName.length > 64)) {
    throw userError("regcert.invalidCn", `common name "${commonName.slice(0, 80)}" must be 1 to 64 characters (RFC 5280 ub-common-name)`, phrase`use a shorter ${opt("commonName")} (at most 64 characters); the SAN carries every name`);
  }
  const issuer = prepareIssuer(options.issuer);
  const now = resolveNow(deps);
  const ca = issuer.certificate;
  if (ca.notAfter.getTime() <= now.getTime()) {
    throw userError("regcert.caExpired", `the CA certificate expired on ${ca.notAfter.toISOString()}`, "replace it with `regcert ca rotate` (clients keep trusting both during the overlap), then re-issue");
  }
  if (ca.notBefore.getTime() > now.getTime() + 300_000) {
    throw userError("regcert.caNotYetValid", `the CA certificate is not valid before ${ca.notBefore.toISOString()}`, "check this machine's clock");
  }
  assertWithinConstraints(names, ca.nameConstraints);
  return { issuer, names, profile, days, commonName, now };
}

/** `spki` may be passed when the caller already has it encoded (issueCertificate gets it with the PKCS#8 from one key export). */
function buildLeaf(prepared: Prepared, publicKey: KeyObject, deps: EngineDeps, warnings: string[], spki = spkiDer(publicKey)): IssuedCertificate {
  const { issuer, names, profile, days, commonName, now } = prepared;
  const ca = issuer.certificate;
  let { notBefore, notAfter } = validityWindow(now, days);
  if (notAfter.getTime() > ca.notAfter.getTime()) {
    notAfter = ca.notAfter;
    warnings.push(`validity shortened to the CA's expiry (${ca.notAfter.toISOString().slice(0, 10)}): a certificate cannot outlive its CA`);
  }
  if (notBefore.getTime() < ca.notBefore.getTime()) notBefore = ca.notBefore;
  const spec = PROFILES[profile];
  const key = describeKey(publicKey);
  const subjectName = encodeName({ organization: ca.organization, commonName });
  const subjectEmpty = subjectName.length === 2;
  const extensions = [
    basicConstraintsExtension(false),
    keyUsageExtension(key.type === "rsa" ? [...spec.keyUsage, ...spec.rsaKeyUsage] : spec.keyUsage),
    extKeyUsageExtension(spec.extKeyUsage),
  ];
  if (names.dns.length + names.ip.length > 0) extensions.push(subjectAltNameExtension(names, subjectEmpty));
  extensions.push(subjectKeyIdentifierExtension(keyIdentifier(spki)), authorityKeyIdentifierExtension(ca.keyId));
  const serial = (deps.randomSerial ?? randomSerial)();
  const tbs = encodeTbsCertificate({ serial, scheme: issuer.scheme, issuerName: ca.subjectName, notBefore, notAfter, subjectName, spki, extensions });
  const certificateDer = signTbs(tbs, issuer.signer);
  return {
    certificatePem: certificatePem(certificateDer),
    certificateDer,
    serialHex: hex(serial),
    notBefore,
    notAfter,
    names,
    commonName,
    profile,
    keyAlgorithm: key.algorithm,
    // what the index records: known here, so recording a certificate does not parse it back
    fingerprint: createHash("sha256").update(certificateDer).digest("hex"),
    publicKeyFingerprint: createHash("sha256").update(spki).digest("hex"),
    warnings,
  };
}

/** Makes a key pair (unless given), a CSR for it and a CA-signed leaf certificate. */
export function issueCertificate(options: IssueOptions, deps: EngineDeps = {}): IssuedKeyAndCertificate {
  const prepared = prepareLeaf(options, deps);
  const keyPair = options.keyPair ?? generateKeyPairSyncFor(options.keyAlgorithm ?? "ecdsa-p256");
  const encoded = encodeKeyPair(keyPair);
  const issued = buildLeaf(prepared, keyPair.publicKey, deps, [], encoded.spki);
  const csrPem =
    options.csr === false
      ? undefined
      : createCsr({ privateKey: keyPair.privateKey, subject: { organization: prepared.issuer.certificate.organization, commonName: prepared.commonName }, names: prepared.names }).pem;
  return { ...issued, privateKeyPem: encoded.privateKeyPem, privateKey: keyPair.privateKey, csrPem };
}

/**
 * Signs someone else's CSR after checking its self-signature. Names come from options.names when
 * given, else from the CSR's SAN, else (legacy CSRs like `openssl req -new` makes) from its CN.
 */
export function signCsr(options: SignCsrOptions, deps: EngineDeps = {}): IssuedCertificate {
  let names: string[] | NameSet | undefined = options.names;
  const given = names !== undefined && (Array.isArray(names) ? names.length > 0 : names.dns.length + names.ip.length > 0);
  // the one CSR policy (csr-policy.ts): strict DER, no duplicates, Go-loadable key, valid names; drops named in words
  const issuerOrganization = "scheme" in options.issuer ? options.issuer.certificate.organization : undefined;
  const csr = parseCsr(options.csr, "the CSR", { profile: options.profile ?? "server", namesGiven: given, issuerOrganization });
  const warnings = [...csr.warnings];
  if (!given) {
    if (csr.names.dns.length + csr.names.ip.length > 0) names = csr.names;
    else if (csr.subject.commonName) {
      names = [csr.subject.commonName];
      warnings.push(`the CSR has no subjectAltName; using its CN ${quoteInput(csr.subject.commonName)} as the SAN (clients ignore the CN)`);
    }
  }
  const prepared = prepareLeaf({ ...options, names: names ?? [] }, deps);
  return buildLeaf(prepared, csr.publicKey, deps, warnings);
}
