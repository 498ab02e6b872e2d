/**
 * Reading and writing the CA of a home, on top of the atomic writer. ca.key is PKCS#8 PEM, 0600,
 * optionally encrypted with PBES2/PBKDF2-HMAC-SHA256 (600,000 iterations)/AES-256-CBC (see pki/pkcs8.ts).
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { rmSync } from "node:fs";
import { parseCaCertificate, prepareIssuer, type CaCertificateInfo, type Issuer } from "../pki/issuer.js";
import type { Signer } from "../pki/signer.js";
import { opt, phrase, userError } from "../pki/errors.js";
import { exportPrivateKeyPem } from "../pki/keys.js";
import { decryptPrivateKey, encryptPrivateKeyPem, isEncryptedKeyPem } from "../pki/pkcs8.js";
import type { RootCa } from "../pki/ca.js";
import { caPaths, ensureHome, readStoredCa, tokenReferencePath, type CaPaths, type TokenReference } from "./home.js";
import { writeFilesAtomic, type FilePlan } from "./write.js";

/** The files of a CA: key 0600 first, then the public certificate. */
export function caFilePlan(home: string, ca: { certificatePem: string; privateKeyPem: string }): FilePlan {
  const paths = caPaths(home);
  return [
    { path: paths.key, contents: ca.privateKeyPem, mode: 0o600, label: "CA private key" },
    { path: paths.certificate, contents: ca.certificatePem, mode: 0o644, label: "CA certificate" },
  ];
}

export interface SaveCaOptions {
  /** replace an existing CA (both files, all-or-nothing) */
  force?: boolean;
  /** encrypt ca.key with this passphrase (PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-CBC) */
  passphrase?: string | undefined;
}

/** The PEM to store for `key`: encrypted with our KDF when a passphrase is given, plain PKCS#8 otherwise. */
export function privateKeyPemFor(key: KeyObject, passphrase: string | undefined): string {
  return passphrase === undefined ? exportPrivateKeyPem(key) : encryptPrivateKeyPem(key, passphrase);
}

export function saveCa(
  home: string,
  ca: RootCa | { certificatePem: string; privateKeyPem: string } | { certificatePem: string; privateKey: KeyObject },
  options: SaveCaOptions = {},
): CaPaths {
  ensureHome(home);
  const privateKeyPem =
    "privateKey" in ca && (options.passphrase !== undefined || !("privateKeyPem" in ca))
      ? privateKeyPemFor(ca.privateKey, options.passphrase)
      : (ca as { privateKeyPem: string }).privateKeyPem;
  writeFilesAtomic(caFilePlan(home, { certificatePem: ca.certificatePem, privateKeyPem }), { force: options.force ?? false, dirMode: 0o700 });
  return caPaths(home);
}

/**
 * Replaces ca.key with the same key under a new passphrase (or none): one atomic rename, so a crash
 * leaves the old file or the new one. The caller holds the home lock.
 */
export function rewriteCaKey(home: string, key: KeyObject, passphrase: string | undefined): CaPaths {
  const paths = caPaths(home);
  writeFilesAtomic([{ path: paths.key, contents: privateKeyPemFor(key, passphrase), mode: 0o600, label: "CA private key" }], { force: true, dirMode: 0o700 });
  return paths;
}

export interface LoadCaOptions {
  /** passphrase for an encrypted ca.key */
  passphrase?: string | undefined;
  /** opens the token key of a home whose CA key is in a PKCS#11 token (see cli/token-access.ts) */
  tokenSigner?: ((token: TokenReference, certificate: CaCertificateInfo) => Signer) | undefined;
}

/** Parses a PEM private key, turning "encrypted, no passphrase" into a user error with the hint. */
export function readPrivateKeyPem(pem: string, what: string, passphrase?: string): KeyObject {
  const encrypted = isEncryptedKeyPem(pem);
  if (encrypted && passphrase === undefined) {
    throw userError("regcert.passphraseRequired", `${what} is encrypted and no passphrase was given`, phrase`pass ${opt("passphrase", "FILE")}, or run in a terminal to be asked`);
  }
  if (encrypted) return decryptPrivateKey(pem, passphrase as string, what);
  if (!pem.includes("PRIVATE KEY-----")) {
    throw userError("regcert.badKey", `${what} is not a PEM private key`, "restore it from a backup, or create a new CA with regcert init-ca --force");
  }
  try {
    return createPrivateKey(pem);
  } catch {
    throw userError("regcert.badKey", `${what} is not a readable private key`, "restore it from a backup, or create a new CA with regcert init-ca --force");
  }
}

/** Whether the home's stored CA key is passphrase-protected (false when there is no CA). */
export function isCaKeyEncrypted(home: string): boolean {
  const stored = readStoredCa(home);
  return stored !== undefined && isEncryptedKeyPem(stored.keyPem);
}

/** Loads the home's CA as an Issuer, or undefined when the home has no CA. */
export function loadIssuer(home: string, options: LoadCaOptions = {}): { issuer: Issuer; paths: CaPaths } | undefined {
  const stored = readStoredCa(home);
  if (!stored) return undefined;
  if (stored.token) {
    const certificate = parseCaCertificate(stored.certificatePem, stored.paths.certificate);
    if (!options.tokenSigner) {
      throw userError("regcert.tokenKey", `the CA key of ${home} is in a PKCS#11 token (${stored.token.uri}); this command works only with a key file`, "use a command that signs (issue, sign, renew): they open the token and ask for its PIN");
    }
    return { issuer: prepareIssuer({ certificate, privateKey: options.tokenSigner(stored.token, certificate) }), paths: stored.paths };
  }
  const privateKey = readPrivateKeyPem(stored.keyPem, stored.paths.key, options.passphrase);
  return { issuer: prepareIssuer({ certificate: parseCaCertificate(stored.certificatePem, stored.paths.certificate), privateKey }), paths: stored.paths };
}

/**
 * Writes a CA whose key stays in a PKCS#11 token: ca.crt and ca.pkcs11 (the key's URI and module,
 * never the PIN). With force, a previous CA's ca.key is removed after the new files are in place, so
 * the home cannot be read as a file-key CA any more.
 */
export function saveTokenCa(home: string, ca: { certificatePem: string; token: TokenReference }, options: { force?: boolean } = {}): CaPaths & { token: string } {
  ensureHome(home);
  const paths = caPaths(home);
  const tokenPath = tokenReferencePath(home);
  writeFilesAtomic(
    [
      { path: tokenPath, contents: `${JSON.stringify(ca.token, null, 2)}\n`, mode: 0o600, label: "PKCS#11 key reference (URI, module; no PIN)" },
      { path: paths.certificate, contents: ca.certificatePem, mode: 0o644, label: "CA certificate" },
    ],
    { force: options.force ?? false, dirMode: 0o700 },
  );
  if (options.force) rmSync(paths.key, { force: true });
  return { ...paths, token: tokenPath };
}
