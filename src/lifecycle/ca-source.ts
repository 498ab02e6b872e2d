/**
 * "The CA from --ca or from the home": which CA certificate(s) a command that only needs to trust a
 * CA (check, api, verify, install-trust, k8s) uses. Never creates a CA. Plain options in, so the CLI
 * and library callers share it.
 */
import { readTrustBundle } from "../files/home.js";
import { opt, phrase, userError } from "../pki/errors.js";
import { decodePemOrDer, toPem } from "../pki/pem.js";

export interface TrustedCaOptions {
  /** the CA file's contents (PEM bundle or one DER certificate), when one was given */
  given?: { contents: string | Uint8Array; label: string };
  /** the CA home to fall back on (its ca.crt, plus previous-ca.crt during a rollover) */
  home: string;
}

export interface TrustedCas {
  /** PEM of every certificate, in order (for TLS clients that take PEM) */
  pem: string;
  /** DER of every certificate (for verifyChain) */
  der: Uint8Array[];
  /** where they came from, for messages: the label given, or HOME/ca.crt */
  source: string;
}

/** The CA(s) to trust: the given file, else the home's CA; a user error when there is none. */
export function loadTrustedCas(options: TrustedCaOptions): TrustedCas {
  if (options.given) {
    const { contents, label } = options.given;
    let der: Uint8Array[];
    try {
      der = decodePemOrDer(contents, ["CERTIFICATE", "TRUSTED CERTIFICATE"], label);
    } catch {
      der = [];
    }
    if (der.length === 0) throw userError("regcert.noCertificate", `${label} holds no certificate (PEM or DER)`, phrase`give the CA certificate, e.g. ${opt("given", "certs/ca.crt")}`);
    return { pem: der.map((d) => toPem("CERTIFICATE", d)).join(""), der, source: label };
  }
  const pem = readTrustBundle(options.home);
  if (!pem) throw userError("regcert.noCa", `there is no CA in ${options.home} to trust`, phrase`pass the registry's CA with ${opt("given", "FILE")}, or create one with regcert init-ca`);
  return { pem, der: decodePemOrDer(pem, ["CERTIFICATE"], `${options.home}/ca.crt`), source: `${options.home}/ca.crt` };
}
