/**
 * What install-trust may put into a trust directory, checked before anything is planned:
 * CA certificates (one or several: a rollover bundle) and an optional client certificate + key.
 * Never a CA key, never a server key: a trust directory is world-readable and copied to every host.
 */
import { createHash, createPrivateKey, type KeyObject } from "node:crypto";
import { opt, phrase, userError } from "../pki/errors.js";
import { caCertificateInfo } from "../pki/issuer.js";
import { publicKeyFingerprint } from "../pki/keys.js";
import { signatureVerifies } from "../pki/verify/signature.js";
import { EKU, parseCertificate, readCertificate, type ParsedCertificate } from "../pki/x509/index.js";
import { parsePemBlocks, toPem } from "../pki/pem.js";

/** One CA certificate clients will trust. */
export interface TrustCa {
  /** the certificate in canonical PEM (64-column base64, LF) */
  pem: string;
  /** SHA-256 of the DER, lower-case hex */
  fingerprint: string;
  /** first 16 hex digits of the fingerprint: names the system-store file `regcert-<id>.crt` */
  id: string;
  /** SHA-1 of the DER, upper-case hex (what macOS `security … -Z` and Windows show as thumbprint) */
  sha1: string;
  /** serial number, upper-case hex (Windows `certutil -delstore Root <serial>`) */
  serial: string;
  commonName: string | undefined;
  notAfter: Date;
}

/** The CA id used in file names: the first 16 hex digits of the SHA-256 fingerprint (as `ca rotate` names archives). */
export const caId = (fingerprint: string): string => fingerprint.slice(0, 16);

const PRIVATE_KEY_LABEL = /PRIVATE KEY/;

/**
 * Parses every CERTIFICATE block of `pem` (a CA file or a rollover bundle). Each must be a CA
 * certificate (CA:TRUE); duplicates are dropped, order is kept. A private key anywhere in the input is
 * refused: a trust file is public.
 */
export function parseTrustCas(pem: string, what = "the CA file"): TrustCa[] {
  const blocks = parsePemBlocks(pem);
  if (blocks.some((b) => PRIVATE_KEY_LABEL.test(b.label))) {
    throw userError("regcert.keyInTrust", `${what} contains a private key; regcert never copies a key into a trust directory`, "pass the CA certificate (ca.crt), never ca.key");
  }
  const certs = blocks.filter((b) => b.label === "CERTIFICATE");
  if (certs.length === 0) throw userError("regcert.noCaCertificate", `${what} holds no PEM certificate`, phrase`pass the CA certificate, e.g. ${opt("given", "ca.crt")} (from the CA home or \`regcert issue --out\`)`);
  const out: TrustCa[] = [];
  for (const block of certs) {
    const parsed = readCertificate(block.der, what);
    const info = caCertificateInfo(parsed, what);
    if (!info.isCa) {
      throw userError("regcert.notCa", `${what} holds a certificate that is not a CA (${info.commonName ?? "no CN"}, CA:FALSE); clients trust the CA, not the registry's own certificate`, "pass the CA certificate: ca.crt from the CA home or from `regcert issue --out`");
    }
    if (out.some((c) => c.fingerprint === info.fingerprint)) continue;
    out.push({
      pem: toPem("CERTIFICATE", info.der),
      fingerprint: info.fingerprint,
      id: caId(info.fingerprint),
      sha1: createHash("sha1").update(info.der).digest("hex").toUpperCase(),
      serial: parsed.serialHex.replace(/^(00)+(?=.)/, "").toUpperCase(),
      commonName: info.commonName,
      notAfter: info.notAfter,
    });
  }
  return out;
}

/** The bundle regcert writes as ca.crt: every CA in canonical PEM, in order. */
export const caBundlePem = (cas: readonly TrustCa[]): string => cas.map((c) => c.pem).join("");

/**
 * True when `contents` is a CA bundle regcert would write for some set of CAs that includes one of
 * `cas`: only canonical PEM certificate blocks, nothing else (no comments, no keys). So a bundle
 * written before a CA rollover still counts as regcert's, and a hand-edited file never does.
 */
export function isRegcertCaBundle(contents: string, cas: readonly TrustCa[]): boolean {
  const blocks = parsePemBlocks(contents);
  if (blocks.length === 0 || blocks.some((b) => b.label !== "CERTIFICATE")) return false;
  if (blocks.map((b) => toPem("CERTIFICATE", b.der)).join("") !== contents) return false;
  const fingerprints = new Set(blocks.map((b) => createHash("sha256").update(b.der).digest("hex")));
  return cas.some((c) => fingerprints.has(c.fingerprint));
}

/** The model of a certificate, or undefined when Go could not parse it. */
function tryParse(der: Uint8Array): ParsedCertificate | undefined {
  try {
    return parseCertificate(der);
  } catch {
    return undefined;
  }
}

/** True when one of `cas` signed `cert` (names chain and the signature verifies). */
function signedByOne(cert: ParsedCertificate, cas: readonly TrustCa[]): boolean {
  return cas.some((ca) => {
    const blocks = parsePemBlocks(ca.pem);
    const parent = blocks[0] ? tryParse(blocks[0].der) : undefined;
    return parent !== undefined && Buffer.compare(cert.rawIssuer, parent.rawSubject) === 0 && signatureVerifies(cert, parent);
  });
}

/** The key of `cert` is `key`'s public half. */
const keyMatches = (cert: ParsedCertificate, key: KeyObject): boolean => cert.publicKey.key !== undefined && publicKeyFingerprint(cert.publicKey.key) === publicKeyFingerprint(key);

const isCa = (cert: ParsedCertificate): boolean => cert.basicConstraintsValid && cert.isCa;

/** A client certificate and key for registries that demand mTLS (http.tls.clientcas). */
export interface ClientPair {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the client certificate's DER */
  fingerprint: string;
  /** CN of the client certificate, for messages */
  subject: string;
  /** true when one of the trusted CAs signed it (else the registry's clientcas must hold its issuer) */
  issuedByTrustedCa: boolean;
}

/**
 * Checks a client certificate + key pair: the key matches, the certificate is not a CA and allows
 * clientAuth (a server certificate's key must not be copied to every client). Returns canonical PEM.
 */
export function parseClientPair(certText: string, keyText: string, cas: readonly TrustCa[] = []): ClientPair {
  const certBlocks = parsePemBlocks(certText);
  if (certBlocks.some((b) => PRIVATE_KEY_LABEL.test(b.label))) throw userError("regcert.badClientCert", phrase`${opt("clientCertPem")} contains a private key; give the certificate and the key as two files`, phrase`e.g. ${opt("clientCertPem", "ci.crt")} ${opt("clientKeyPem", "ci.key")}`);
  const first = certBlocks.find((b) => b.label === "CERTIFICATE");
  if (!first) throw userError("regcert.badClientCert", phrase`${opt("clientCertPem")} holds no PEM certificate`, "use the .crt from `regcert issue --client`");
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(first.der);
  } catch (error) {
    throw userError("regcert.badClientCert", phrase`${opt("clientCertPem")} is not a valid X.509 certificate: ${error instanceof Error ? error.message : "unreadable"}`, "use the .crt from `regcert issue --client`");
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch {
    throw userError("regcert.badClientKey", phrase`${opt("clientKeyPem")} is not an unencrypted PEM private key`, "use the .key from `regcert issue --client` (client keys are stored unencrypted)");
  }
  if (isCa(cert)) throw userError("regcert.clientIsCa", phrase`${opt("clientCertPem")} is a CA certificate; its key must never go into a trust directory`, "issue a client certificate: regcert issue --client --cn NAME --name NAME");
  if (!keyMatches(cert, key)) throw userError("regcert.clientKeyMismatch", phrase`${opt("clientKeyPem")} does not belong to ${opt("clientCertPem")}`, "pass the .key written next to that .crt");
  if (!cert.extKeyUsage.includes(EKU.clientAuth)) {
    throw userError("regcert.notClientCert", phrase`${opt("clientCertPem")} is not a client certificate (no clientAuth extended key usage); a server certificate's key must not be copied to clients`, "issue one: regcert issue --client --cn NAME --name NAME");
  }
  const certPem = toPem("CERTIFICATE", first.der);
  const keyPem = key.export({ type: "pkcs8", format: "pem" }).toString();
  const issuedByTrustedCa = signedByOne(cert, cas);
  return { certPem, keyPem, fingerprint: cert.fingerprint, subject: cert.subjectCommonName ?? cert.subject, issuedByTrustedCa };
}

/**
 * True when `certText` is a client certificate regcert may remove on uninstall: exactly one canonical
 * PEM certificate, not a CA, signed by one of `cas`.
 */
export function isRegcertClientCert(certText: string, cas: readonly TrustCa[]): boolean {
  const blocks = parsePemBlocks(certText);
  if (blocks.length !== 1 || blocks[0]?.label !== "CERTIFICATE") return false;
  if (toPem("CERTIFICATE", blocks[0].der) !== certText) return false;
  const cert = tryParse(blocks[0].der);
  return cert !== undefined && !isCa(cert) && signedByOne(cert, cas);
}

/** True when `keyText` is the PKCS#8 PEM regcert writes for the private key of `certText`. */
export function isMatchingClientKey(keyText: string, certText: string): boolean {
  try {
    const key = createPrivateKey(keyText);
    if (key.export({ type: "pkcs8", format: "pem" }).toString() !== keyText) return false;
    const block = parsePemBlocks(certText).find((b) => b.label === "CERTIFICATE");
    const cert = block ? tryParse(block.der) : undefined;
    return cert !== undefined && keyMatches(cert, key);
  } catch {
    return false;
  }
}
