/** Reading and writing the CA of a home, on top of the atomic writer. */
import { prepareIssuer, type Issuer } from "../pki/issuer.js";
import { userError } from "../pki/errors.js";
import type { RootCa } from "../pki/ca.js";
import { caPaths, ensureHome, readStoredCa, type CaPaths } from "./home.js";
import { writeFilesAtomic, type FilePlan } from "./write.js";
import { createPrivateKey, type KeyObject } from "node:crypto";

/** The files of a CA: key 0600 first, then the public certificate. */
export function caFilePlan(home: string, ca: { certificatePem: string; privateKeyPem: string }): FilePlan {
  const paths = caPaths(home);
  return [
    { path: paths.key, contents: ca.privateKeyPem, mode: 0o600, label: "CA private key" },
    { path: paths.certificate, contents: ca.certificatePem, mode: 0o644, label: "CA certificate" },
  ];
}

export function saveCa(home: string, ca: RootCa | { certificatePem: string; privateKeyPem: string }, options: { force?: boolean } = {}): CaPaths {
  ensureHome(home);
  writeFilesAtomic(caFilePlan(home, ca), { force: options.force ?? false, dirMode: 0o700 });
  return caPaths(home);
}

export interface LoadCaOptions {
  /** passphrase for an encrypted ca.key */
  passphrase?: string | undefined;
}

/** Parses a PEM private key, turning "encrypted, no passphrase" into a user error with the hint. */
export function readPrivateKeyPem(pem: string, what: string, passphrase?: string): KeyObject {
  const encrypted = pem.includes("ENCRYPTED");
  if (encrypted && passphrase === undefined) {
    throw userError("regcert.passphraseRequired", `${what} is encrypted and no passphrase was given`, "pass --passphrase-file FILE, or run in a terminal to be asked");
  }
  try {
    return passphrase === undefined ? createPrivateKey(pem) : createPrivateKey({ key: pem, passphrase });
  } catch {
    if (encrypted) throw userError("regcert.wrongPassphrase", `cannot decrypt ${what}: wrong passphrase`, "check the passphrase file (a trailing newline is ignored)");
    throw userError("regcert.badKey", `${what} is not a readable private key`, "restore it from a backup, or create a new CA with regcert init-ca --force");
  }
}

/** Loads the home's CA as an Issuer, or undefined when the home has no CA. */
export function loadIssuer(home: string, options: LoadCaOptions = {}): { issuer: Issuer; paths: CaPaths } | undefined {
  const stored = readStoredCa(home);
  if (!stored) return undefined;
  const privateKey = readPrivateKeyPem(stored.keyPem, stored.paths.key, options.passphrase);
  return { issuer: prepareIssuer({ certificate: stored.certificatePem, privateKey }), paths: stored.paths };
}
