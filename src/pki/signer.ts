/**
 * Signers: everything that signs a certificate (root creation, issue, sign, renew, ca rotate, the
 * cert-manager intermediate, the ACME server) gets one of these instead of a private key, so a key
 * in a file and a key in a PKCS#11 token (HSM, YubiKey, SoftHSM) go through one code path.
 *
 * `sign` is synchronous: node:crypto signs synchronously, and PKCS#11's C_Sign is a blocking call
 * too, so the DER hot path of bulk issuing keeps its single native call per certificate.
 */
import { sign as cryptoSign, type KeyObject } from "node:crypto";
import { describeKey, publicKeyOf, signatureSchemeFor, type SignatureScheme } from "./keys.js";

export interface Signer {
  /** "ecdsa-p256", "ecdsa-p384", "rsa-3072", "ed25519", … (describeKey of the public key) */
  algorithm: string;
  /** the public half: what certificates signed by this key name as their issuer's key */
  publicKey: KeyObject;
  /** the signature algorithm this key signs with (SHA-384 for P-384, SHA-256 otherwise) */
  scheme: SignatureScheme;
  /** signs `data` (hashing it as `scheme` says); ECDSA signatures come out DER-encoded as X.509 wants */
  sign(data: Uint8Array): Uint8Array;
  /** where the key lives: "file" (a KeyObject in this process) or "pkcs11" (a token; never extractable) */
  kind: "file" | "pkcs11";
  /** for kind "pkcs11": the RFC 7512 URI of the key (without PIN) */
  uri?: string;
}

/** A signer over an in-memory private key (ca.key read from the home, a key just generated). */
export interface KeySigner extends Signer {
  kind: "file";
  privateKey: KeyObject;
}

/** Wraps a private KeyObject; refuses key types regcert cannot sign certificates with. */
export function keySigner(privateKey: KeyObject): KeySigner {
  const scheme = signatureSchemeFor(privateKey);
  const hash = scheme.hash;
  const options = { key: privateKey, dsaEncoding: "der" as const };
  let publicKey: KeyObject | undefined; // derived on first use: bulk issuing never needs it
  return {
    algorithm: describeKey(privateKey).algorithm,
    get publicKey() {
      return (publicKey ??= publicKeyOf(privateKey));
    },
    scheme,
    sign: (data) => new Uint8Array(cryptoSign(hash, data, options)),
    kind: "file",
    privateKey,
  };
}

export function isSigner(value: unknown): value is Signer {
  return typeof value === "object" && value !== null && typeof (value as Signer).sign === "function" && "scheme" in value && "publicKey" in value;
}

export const isKeySigner = (signer: Signer): signer is KeySigner => signer.kind === "file" && "privateKey" in signer;
