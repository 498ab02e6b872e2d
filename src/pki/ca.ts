/** Root CA creation: the root-ca profile, optionally name-constrained. */
import type { KeyObject } from "node:crypto";
import {
  basicConstraintsExtension,
  keyUsageExtension,
  nameConstraintsExtension,
  subjectKeyIdentifierExtension,
  type NameConstraintsSpec,
} from "./extensions.js";
import { certificatePem, encodeName, encodeTbsCertificate, hex, randomSerial, signTbs } from "./certificate.js";
import { userError } from "./errors.js";
import { parseCaCertificate, prepareIssuer, type Issuer } from "./issuer.js";
import { exportPrivateKeyPem, generateKeyPairSyncFor, keyIdentifier, signatureSchemeFor, spkiDer, type KeyAlgorithm, type KeyPair } from "./keys.js";
import { PROFILES } from "./profiles.js";
import { resolveNow, validateDays, validityWindow, type Clock } from "./validity.js";

export interface RootCaOptions {
  /** subject CN; default "regcert root CA" (the CLI adds user, host and date so CAs stay distinguishable) */
  commonName?: string;
  /** subject O, copied into every leaf; default "regcert" */
  organization?: string;
  /** validity in days; default 3650 */
  days?: number;
  /** default "ecdsa-p256" */
  keyAlgorithm?: KeyAlgorithm;
  /** use this key pair instead of generating one (known-answer tests, pre-generated RSA keys) */
  keyPair?: KeyPair;
  /** basicConstraints pathLenConstraint; default 0 (leaves only); 1 allows one intermediate */
  maxPathLen?: number;
  /** critical nameConstraints; build it with caNameConstraints() so DNS-only constraints also close IPs */
  nameConstraints?: NameConstraintsSpec;
}

export interface EngineDeps extends Clock {
  /** serial source; default 16 random bytes (see randomSerial) */
  randomSerial?: () => Uint8Array;
}

export interface RootCa {
  certificatePem: string;
  certificateDer: Uint8Array;
  privateKeyPem: string;
  privateKey: KeyObject;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** ready to sign leaves */
  issuer: Issuer;
}

/**
 * Permitted subtrees for a constrained CA. RFC 5280 leaves a name type without a permitted subtree
 * unconstrained (a CA permitting only DNS:registry.local would still sign IP:8.8.8.8 and OpenSSL
 * accepts it), so DNS-only constraints also exclude every IPv4 and IPv6 address.
 */
export function caNameConstraints(permitDns: string[], permitIp: string[]): NameConstraintsSpec {
  if (permitIp.length > 0 && permitDns.length === 0) {
    throw userError("regcert.ipOnlyConstraints", "--permit-ip without --permit-dns would leave every DNS name unconstrained", "add --permit-dns for the registry's DNS names");
  }
  return {
    permittedDns: permitDns,
    permittedIp: permitIp,
    excludedDns: [],
    excludedIp: permitIp.length === 0 ? ["0.0.0.0/0", "::/0"] : [],
  };
}

export function createRootCa(options: RootCaOptions = {}, deps: EngineDeps = {}): RootCa {
  const days = validateDays(options.days ?? PROFILES["root-ca"].defaultDays, "a CA");
  const maxPathLen = options.maxPathLen ?? 0;
  if (!Number.isInteger(maxPathLen) || maxPathLen < 0 || maxPathLen > 4) {
    throw userError("regcert.invalidPathLen", `--max-path-len ${maxPathLen} is not valid: use 0 (leaves only) or 1 (one intermediate)`, "use --max-path-len 0, or 1 for cert-manager");
  }
  const keyPair = options.keyPair ?? generateKeyPairSyncFor(options.keyAlgorithm ?? "ecdsa-p256");
  const scheme = signatureSchemeFor(keyPair.privateKey);
  const spki = spkiDer(keyPair.publicKey);
  const serial = (deps.randomSerial ?? randomSerial)();
  const { notBefore, notAfter } = validityWindow(resolveNow(deps), days);
  const name = encodeName({ organization: options.organization ?? "regcert", commonName: options.commonName ?? "regcert root CA" });
  const extensions = [
    basicConstraintsExtension(true, maxPathLen),
    keyUsageExtension(PROFILES["root-ca"].keyUsage),
    subjectKeyIdentifierExtension(keyIdentifier(spki)),
  ];
  if (options.nameConstraints) extensions.push(nameConstraintsExtension(options.nameConstraints));
  const tbs = encodeTbsCertificate({ serial, scheme, issuerName: name, notBefore, notAfter, subjectName: name, spki, extensions });
  const certificateDer = signTbs(tbs, scheme, keyPair.privateKey);
  return {
    certificatePem: certificatePem(certificateDer),
    certificateDer,
    privateKeyPem: exportPrivateKeyPem(keyPair.privateKey),
    privateKey: keyPair.privateKey,
    serialHex: hex(serial),
    notBefore,
    notAfter,
    issuer: prepareIssuer({ certificate: parseCaCertificate(certificateDer), privateKey: keyPair.privateKey }),
  };
}
