/**
 * What install-trust may put into a trust directory, checked before anything is planned:
 * CA certificates (one or several: a rollover bundle) and an optional client certificate + key.
 * Never a CA key, never a server key: a trust directory is world-readable and copied to every host.
 */
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from "node:crypto";
import { userError } from "../pki/errors.js";
import { parseCaCertificate } from "../pki/issuer.js";
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
  if (certs.length === 0) throw userError("regcert.noCaCertificate", `${what} holds no PEM certificate`, "pass the CA certificate, e.g. --ca ca.crt (from the CA home or `regcert issue --out`)");
  const out: TrustCa[] = [];
  for (const block of certs) {
    const info = parseCaCertificate(block.der, what);
    if (!info.isCa) {
      throw userError("regcert.notCa", `${what} holds a certificate that is not a CA (${info.commonName ?? "no CN"}, CA:FALSE); clients trust the CA, not the registry's own certificate`, "pass the CA certificate: ca.crt from the CA home or from `regcert issue --out`");
    }
    if (out.some((c) => c.fingerprint === info.fingerprint)) continue;
    const x509 = new X509Certificate(Buffer.from(info.der));
    out.push({
      pem: toPem("CERTIFICATE", info.der),
      fingerprint: info.fingerprint,
      id: caId(info.fingerprint),
      sha1: createHash("sha1").update(info.der).digest("hex").toUpperCase(),
      serial: x509.serialNumber.toUpperCase(),
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

const OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

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
  if (certBlocks.some((b) => PRIVATE_KEY_LABEL.test(b.label))) throw userError("regcert.badClientCert", "--client-cert contains a private key; give the certificate and the key as two files", "e.g. --client-cert ci.crt --client-key ci.key");
  const first = certBlocks.find((b) => b.label === "CERTIFICATE");
  if (!first) throw userError("regcert.badClientCert", "--client-cert holds no PEM certificate", "use the .crt from `regcert issue --client`");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(Buffer.from(first.der));
  } catch {
    throw userError("regcert.badClientCert", "--client-cert is not a valid X.509 certificate", "give the PEM certificate regcert issue --client wrote (NAME.crt)");
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch {
    throw userError("regcert.badClientKey", "--client-key is not an unencrypted PEM private key", "use the .key from `regcert issue --client` (client keys are stored unencrypted)");
  }
  if (x509.ca) throw userError("regcert.clientIsCa", "--client-cert is a CA certificate; its key must never go into a trust directory", "issue a client certificate: regcert issue --client --cn NAME --name NAME");
  if (!x509.checkPrivateKey(key)) throw userError("regcert.clientKeyMismatch", "--client-key does not belong to --client-cert", "pass the .key written next to that .crt");
  const eku = x509.keyUsage;
  if (!eku || !eku.includes(OID_CLIENT_AUTH)) {
    throw userError("regcert.notClientCert", "--client-cert is not a client certificate (no clientAuth extended key usage); a server certificate's key must not be copied to clients", "issue one: regcert issue --client --cn NAME --name NAME");
  }
  const certPem = toPem("CERTIFICATE", first.der);
  const keyPem = key.export({ type: "pkcs8", format: "pem" }).toString();
  const issuedByTrustedCa = cas.some((ca) => {
    try {
      return x509.verify(new X509Certificate(ca.pem).publicKey);
    } catch {
      return false;
    }
  });
  const cn = /CN=([^\n]*)/.exec(x509.subject)?.[1];
  return { certPem, keyPem, fingerprint: createHash("sha256").update(first.der).digest("hex"), subject: cn ?? x509.subject.replace(/\n/g, ", "), issuedByTrustedCa };
}

/**
 * True when `certText` is a client certificate regcert may remove on uninstall: exactly one canonical
 * PEM certificate, not a CA, signed by one of `cas`.
 */
export function isRegcertClientCert(certText: string, cas: readonly TrustCa[]): boolean {
  const blocks = parsePemBlocks(certText);
  if (blocks.length !== 1 || blocks[0]?.label !== "CERTIFICATE") return false;
  if (toPem("CERTIFICATE", blocks[0].der) !== certText) return false;
  try {
    const x509 = new X509Certificate(Buffer.from(blocks[0].der));
    if (x509.ca) return false;
    return cas.some((ca) => x509.verify(new X509Certificate(ca.pem).publicKey));
  } catch {
    return false;
  }
}

/** True when `keyText` is the PKCS#8 PEM regcert writes for the private key of `certText`. */
export function isMatchingClientKey(keyText: string, certText: string): boolean {
  try {
    const key = createPrivateKey(keyText);
    if (key.export({ type: "pkcs8", format: "pem" }).toString() !== keyText) return false;
    return new X509Certificate(certText).checkPrivateKey(key);
  } catch {
    return false;
  }
}
