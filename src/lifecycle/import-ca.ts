/**
 * Adopting an existing CA (`regcert init-ca --import-cert/--import-key`): the certificate and key are
 * checked (CA:TRUE, keyCertSign, validity, self-signature, the key matches, key strength) before
 * anything is stored; a broken CA is refused with the reason, never repaired. Plain inputs; the CLI
 * reads the files, asks for passphrases and prints.
 */
import type { KeyObject } from "node:crypto";
import { userError } from "../pki/errors.js";
import { describeKey, publicKeyFingerprint, signatureSchemeFor } from "../pki/keys.js";
import { isEncryptedKeyPem } from "../pki/pkcs8.js";
import { parseCaCertificate, prepareIssuer, type CaCertificateInfo } from "../pki/issuer.js";
import { signatureVerifies } from "../pki/verify/signature.js";
import { parseCertificate } from "../pki/x509/certificate.js";
import { readPrivateKeyPem } from "../files/ca-store.js";

export interface ImportedCa {
  certificate: CaCertificateInfo;
  privateKey: KeyObject;
  /** passphrase the stored key gets (the imported key's, or a new one with --encrypt) */
  passphrase: string | undefined;
  warnings: string[];
}

/** What to adopt, as plain values; the names are how the user named the files (for messages). */
export interface ImportCaInput {
  certificateName: string;
  /** how messages refer to the certificate input, e.g. "rootCA.crt (--import-cert)"; default certificateName */
  certificateWhat?: string;
  certificate: string | Uint8Array;
  keyName: string;
  keyWhat?: string;
  /** reads the key file (called only once the certificate passed its checks) */
  readKey: () => string;
  /** the passphrase of an encrypted key (asked only when the key is encrypted) */
  keyPassphrase: () => Promise<string>;
  /** the passphrase to store an unencrypted key with; undefined stores it unencrypted (0600) */
  storePassphrase: () => Promise<string | undefined>;
  /** default now */
  now?: Date;
}

/** Reads and checks a CA certificate to adopt (CA:TRUE, keyCertSign, validity, self-signature), before any key or passphrase is touched. */
export function checkImportCertificate(input: { certificate: string | Uint8Array; certificateName: string; certificateWhat?: string; now?: Date }): { certificate: CaCertificateInfo; selfIssued: boolean } {
  const certificate = parseCaCertificate(input.certificate, input.certificateWhat ?? input.certificateName);
  // the certificate alone can be refused before a passphrase is asked for
  if (!certificate.isCa) {
    throw userError("regcert.notCa", `${input.certificateName} is not a CA certificate (basicConstraints CA:FALSE or absent)`, "adopt the root CA certificate (openssl x509 -text shows CA:TRUE), not a server certificate");
  }
  if (certificate.keyUsage && !certificate.keyUsage.includes("certSign")) {
    throw userError("regcert.notCa", `${input.certificateName} has a keyUsage without keyCertSign: clients would reject what it signs`, "adopt a CA whose keyUsage includes Certificate Sign, or create a new one with regcert init-ca");
  }
  const now = (input.now ?? new Date()).getTime();
  if (certificate.notAfter.getTime() <= now) {
    throw userError("regcert.caExpired", `${input.certificateName} expired on ${certificate.notAfter.toISOString().slice(0, 10)}`, "create a new CA with regcert init-ca");
  }
  if (certificate.notBefore.getTime() > now + 300_000) {
    throw userError("regcert.caNotYetValid", `${input.certificateName} is not valid before ${certificate.notBefore.toISOString()}`, "check this machine's clock");
  }
  const parsed = parseCertificate(certificate.der);
  const selfIssued = Buffer.compare(parsed.rawSubject, parsed.rawIssuer) === 0;
  if (selfIssued && !signatureVerifies(parsed, parsed)) {
    throw userError("regcert.badSignature", `${input.certificateName} is self-issued but its signature does not verify: the file was altered`, "adopt the original certificate file");
  }
  return { certificate, selfIssued };
}

/** Reads, unlocks and checks the CA to adopt. Broken CAs are refused with the reason, never repaired. */
export async function readCaForImport(input: ImportCaInput): Promise<ImportedCa> {
  const { certificate, selfIssued } = checkImportCertificate(input);
  const keyText = input.readKey();
  const keyWhat = input.keyWhat ?? input.keyName;
  const warnings: string[] = [];
  let passphrase: string | undefined;
  if (isEncryptedKeyPem(keyText)) {
    passphrase = await input.keyPassphrase();
  } else {
    passphrase = await input.storePassphrase();
    if (passphrase === undefined) warnings.push("the adopted CA key is stored unencrypted (0600); add --encrypt to protect it with a passphrase");
  }
  const privateKey = readPrivateKeyPem(keyText, keyWhat, passphrase);
  if (publicKeyFingerprint(privateKey) !== publicKeyFingerprint(certificate.publicKey)) {
    throw userError("regcert.caKeyMismatch", `${input.keyName} is not the private key of ${input.certificateName}`, "give the key the certificate was made with (openssl x509 -noout -pubkey and openssl pkey -pubout must print the same key)");
  }
  const key = describeKey(privateKey);
  if (key.type === "rsa" && key.bits < 2048) {
    throw userError("regcert.weakKey", `${input.certificateName} has a ${key.bits}-bit RSA key; clients (Apple platforms, OpenSSL security level 2) require at least 2048 bits`, "create a new CA with regcert init-ca");
  }
  signatureSchemeFor(privateKey); // refuses key types regcert cannot sign with
  prepareIssuer({ certificate, privateKey });
  if (!certificate.keyUsage) warnings.push(`${input.certificateName} has no keyUsage extension (allowed by RFC 5280 for a CA; openssl req -x509 makes such CAs); accepted`);
  if (!selfIssued) {
    warnings.push(`${input.certificateName} is not self-signed (an intermediate CA): servers must also send its issuer's certificate`);
  }
  return { certificate, privateKey, passphrase, warnings };
}

/** node:crypto (OpenSSL) checks the signature of a self-issued certificate with its own key. */
