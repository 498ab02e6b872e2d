/**
 * Certificate signatures as Go's checkSignature accepts them: RSA PKCS#1 v1.5 and PSS with SHA-256/384/512,
 * ECDSA with SHA-256/384/512, Ed25519. SHA-1 and MD5 are refused (Go 1.18 stopped accepting SHA-1 in
 * certificates), DSA is not implemented, RSA keys under 1024 bits are refused (Go 1.24).
 */
import { constants, verify as cryptoVerify } from "node:crypto";
import type { ParsedCertificate } from "./parse.js";

interface SignatureAlgorithm {
  name: string;
  hash: "sha256" | "sha384" | "sha512" | "sha1" | "md5" | null;
  key: "rsa" | "ec" | "ed25519" | "ed448" | "ml-dsa" | "dsa";
  pss?: boolean;
  insecure?: boolean;
}

const ALGORITHMS: Record<string, SignatureAlgorithm> = {
  "1.2.840.113549.1.1.11": { name: "SHA256-RSA", hash: "sha256", key: "rsa" },
  "1.2.840.113549.1.1.12": { name: "SHA384-RSA", hash: "sha384", key: "rsa" },
  "1.2.840.113549.1.1.13": { name: "SHA512-RSA", hash: "sha512", key: "rsa" },
  "1.2.840.113549.1.1.5": { name: "SHA1-RSA", hash: "sha1", key: "rsa", insecure: true },
  "1.2.840.113549.1.1.4": { name: "MD5-RSA", hash: "md5", key: "rsa", insecure: true },
  "1.2.840.113549.1.1.10": { name: "RSA-PSS", hash: null, key: "rsa", pss: true },
  "1.2.840.10045.4.3.2": { name: "ECDSA-SHA256", hash: "sha256", key: "ec" },
  "1.2.840.10045.4.3.3": { name: "ECDSA-SHA384", hash: "sha384", key: "ec" },
  "1.2.840.10045.4.3.4": { name: "ECDSA-SHA512", hash: "sha512", key: "ec" },
  "1.2.840.10045.4.1": { name: "ECDSA-SHA1", hash: "sha1", key: "ec", insecure: true },
  "1.3.101.112": { name: "Ed25519", hash: null, key: "ed25519" },
  "1.3.101.113": { name: "Ed448", hash: null, key: "ed448" },
  "2.16.840.1.101.3.4.3.17": { name: "ML-DSA-44", hash: null, key: "ml-dsa" },
  "2.16.840.1.101.3.4.3.18": { name: "ML-DSA-65", hash: null, key: "ml-dsa" },
  "2.16.840.1.101.3.4.3.19": { name: "ML-DSA-87", hash: null, key: "ml-dsa" },
  "1.2.840.10040.4.3": { name: "DSA-SHA1", hash: "sha1", key: "dsa", insecure: true },
  "2.16.840.1.101.3.4.3.2": { name: "DSA-SHA256", hash: "sha256", key: "dsa" },
};

/** Why Go clients cannot use ML-DSA certificates yet (the verify finding and the inspect note say it). */
export const ML_DSA_GO =
  "Go's TLS (Docker, containerd, skopeo, podman) cannot use it yet: Go 1.27 parses ML-DSA in crypto/x509, but crypto/tls has no ML-DSA signature schemes, so the handshake fails";

/** Human name of a signature algorithm OID ("ECDSA-SHA256"), or the OID. */
export const signatureAlgorithmName = (oid: string): string => ALGORITHMS[oid]?.name ?? oid;

/** PSS: the hash named in the parameters (Go accepts only SHA-256/384/512 with MGF1 of the same hash). */
function pssHash(params: Uint8Array | undefined): "sha256" | "sha384" | "sha512" | undefined {
  if (!params) return undefined;
  const hex = Buffer.from(params).toString("hex");
  if (hex.includes("0609608648016503040201")) return "sha256";
  if (hex.includes("0609608648016503040202")) return "sha384";
  if (hex.includes("0609608648016503040203")) return "sha512";
  return undefined;
}

/** Checks an ML-DSA signature: (parameter set, raw public key, message, signature) → valid. */
export type MlDsaVerifier = (parameterSet: string, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
let mlDsaVerifier: MlDsaVerifier | undefined;

/**
 * Node 20's OpenSSL 3.0 cannot verify ML-DSA (FIPS 204). A caller that has an implementation (tests use
 * @noble/post-quantum) registers it here; without one an ML-DSA signature links a chain by names only,
 * which is safe because signaturePolicyProblem always fails such a chain: Go's TLS cannot use it.
 */
export function setMlDsaVerifier(verifier: MlDsaVerifier | undefined): void {
  mlDsaVerifier = verifier;
}

export type SignatureProblem =
  | { kind: "unsupported"; message: string }
  | { kind: "insecure"; message: string }
  | { kind: "weakKey"; message: string }
  | { kind: "mismatch"; message: string };

/**
 * Whether the math of `child`'s signature verifies under `parent`'s key (ignoring algorithm policy),
 * so path building can link certificates; policy problems come from {@link signaturePolicyProblem}.
 */
export function signatureVerifies(child: ParsedCertificate, parent: ParsedCertificate): boolean {
  const alg = ALGORITHMS[child.signatureAlgorithm];
  const key = parent.publicKey.key;
  if (alg?.key === "ml-dsa") {
    if (parent.publicKey.kind !== "ml-dsa" || parent.publicKey.parameterSet !== alg.name || !parent.publicKey.raw) return false;
    if (!mlDsaVerifier) return true; // unverifiable here; the policy check fails the chain (see setMlDsaVerifier)
    try {
      return mlDsaVerifier(alg.name, parent.publicKey.raw, child.tbs, child.signature);
    } catch {
      return false;
    }
  }
  if (!alg || !key) return false;
  if (alg.key !== parent.publicKey.kind) return false;
  try {
    if (alg.key === "ed25519" || alg.key === "ed448") return cryptoVerify(null, child.tbs, key, child.signature);
    if (alg.pss) {
      const hash = pssHash(child.signatureParams);
      if (!hash) return false;
      const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[hash];
      return cryptoVerify(hash, child.tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, child.signature);
    }
    if (alg.key === "ec") return cryptoVerify(alg.hash, child.tbs, { key, dsaEncoding: "der" }, child.signature);
    return cryptoVerify(alg.hash, child.tbs, key, child.signature);
  } catch {
    return false;
  }
}

/** What Go refuses even when the signature is mathematically valid. */
export function signaturePolicyProblem(child: ParsedCertificate, parent: ParsedCertificate): SignatureProblem | undefined {
  const alg = ALGORITHMS[child.signatureAlgorithm];
  if (!alg) return { kind: "unsupported", message: `signature algorithm ${child.signatureAlgorithm} is not one Go implements` };
  if (alg.key === "ml-dsa") return { kind: "unsupported", message: `signed with ${alg.name} (ML-DSA, FIPS 204, post-quantum): ${ML_DSA_GO}` };
  if (alg.key === "ed448") return { kind: "unsupported", message: "signed with Ed448: Go implements Ed25519 only (x509: cannot verify signature: algorithm unimplemented)" };
  if (alg.key === "dsa" || parent.publicKey.kind === "dsa") return { kind: "unsupported", message: "DSA signatures: Go cannot verify them (x509: cannot verify signature: algorithm unimplemented)" };
  if (alg.insecure) return { kind: "insecure", message: `signed with ${alg.name}: Go refuses SHA-1 and MD5 certificate signatures (x509: cannot verify signature: insecure algorithm ${alg.name})` };
  if (parent.publicKey.kind === "rsa" && parent.publicKey.bits < 1024) {
    return { kind: "weakKey", message: `the signing RSA key has ${parent.publicKey.bits} bits: Go refuses RSA keys under 1024 bits (Go 1.24)` };
  }
  if (alg.key !== parent.publicKey.kind) return { kind: "mismatch", message: `a ${alg.name} signature cannot come from a ${parent.publicKey.kind} key` };
  return undefined;
}
