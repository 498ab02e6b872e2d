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
import { opt, phrase, userError } from "./errors.js";
import { completeNameConstraints, type NameConstraintsInput } from "./name-constraints.js";
import { parseCaCertificate, prepareIssuer, type Issuer } from "./issuer.js";
import { exportPrivateKeyPem, generateKeyPairSyncFor, keyIdentifier, spkiDer, type KeyAlgorithm, type KeyPair } from "./keys.js";
import { keySigner, type Signer } from "./signer.js";
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
  /**
   * critical nameConstraints; every list is optional. DNS-only constraints also get excluded
   * 0.0.0.0/0 and ::/0 (RFC 5280 leaves an unlisted name type open), IP ranges without a DNS name are
   * refused: the same rule as caNameConstraints() and `init-ca --permit-dns`.
   */
  nameConstraints?: NameConstraintsInput;
}

export interface EngineDeps extends Clock {
  /** serial source; default 16 random bytes (see randomSerial) */
  randomSerial?: () => Uint8Array;
}

export interface RootCa extends RootCaCertificate {
  privateKeyPem: string;
  privateKey: KeyObject;
}

/**
 * Permitted subtrees for a constrained CA (both lists optional). DNS-only constraints also exclude
 * every IPv4 and IPv6 address, and IP ranges without a DNS name are refused: see
 * completeNameConstraints, which createRootCa applies to any nameConstraints object it is given.
 */
export function caNameConstraints(permitDns: string[] = [], permitIp: string[] = []): NameConstraintsSpec {
  return completeNameConstraints({ permittedDns: permitDns, permittedIp: permitIp });
}

/** A root CA certificate signed by `signer` (the key may be anywhere: a file, a PKCS#11 token). */
export interface RootCaCertificate {
  certificatePem: string;
  certificateDer: Uint8Array;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** ready to sign leaves with the same signer */
  issuer: Issuer;
}

/**
 * Makes the self-signed root certificate for the key behind `signer` (keyAlgorithm and keyPair of
 * the options are not used: the signer is the key). createRootCa is this plus a key it generates.
 */
export function createRootCaCertificate(signer: Signer, options: RootCaOptions = {}, deps: EngineDeps = {}): RootCaCertificate {
  const days = validateDays(options.days ?? PROFILES["root-ca"].defaultDays, "a CA");
  const maxPathLen = options.maxPathLen ?? 0;
  if (!Number.isInteger(maxPathLen) || maxPathLen < 0 || maxPathLen > 4) {
    throw userError("regcert.invalidPathLen", phrase`${opt("maxPathLen", maxPathLen)} is not valid: use 0 (leaves only) or 1 (one intermediate)`, phrase`use ${opt("maxPathLen", 0)}, or 1 for cert-manager`);
  }
  const spki = spkiDer(signer.publicKey);
  const serial = (deps.randomSerial ?? randomSerial)();
  const { notBefore, notAfter } = validityWindow(resolveNow(deps), days);
  const name = encodeName({ organization: options.organization ?? "regcert", commonName: options.commonName ?? "regcert root CA" });
  const extensions = [
    basicConstraintsExtension(true, maxPathLen),
    keyUsageExtension(PROFILES["root-ca"].keyUsage),
    subjectKeyIdentifierExtension(keyIdentifier(spki)),
  ];
  if (options.nameConstraints) extensions.push(nameConstraintsExtension(completeNameConstraints(options.nameConstraints)));
  const tbs = encodeTbsCertificate({ serial, scheme: signer.scheme, issuerName: name, notBefore, notAfter, subjectName: name, spki, extensions });
  const certificateDer = signTbs(tbs, signer);
  return {
    certificatePem: certificatePem(certificateDer),
    certificateDer,
    serialHex: hex(serial),
    notBefore,
    notAfter,
    issuer: prepareIssuer({ certificate: parseCaCertificate(certificateDer), privateKey: signer }),
  };
}

export function createRootCa(options: RootCaOptions = {}, deps: EngineDeps = {}): RootCa {
  // validated before a (possibly slow RSA) key is generated
  validateDays(options.days ?? PROFILES["root-ca"].defaultDays, "a CA");
  const keyPair = options.keyPair ?? generateKeyPairSyncFor(options.keyAlgorithm ?? "ecdsa-p256");
  const root = createRootCaCertificate(keySigner(keyPair.privateKey), options, deps);
  return { ...root, privateKeyPem: exportPrivateKeyPem(keyPair.privateKey), privateKey: keyPair.privateKey };
}
