/**
 * Certificate signing requests (PKCS#10, RFC 2986): made for our own keys, and read from others
 * through the strict reader (x509/csr.ts) and the CSR policy (csr-policy.ts). Only the public key and
 * the names of a CSR are ever used; the extensions it asks for are reported in words and ignored.
 */
import type { KeyObject } from "node:crypto";
// (no @peculiar import: verbatimModuleSyntax keeps every value import, and these loaded the ASN.1 stack on `issue`'s path)
import { userError } from "./errors.js";
import { OID_ORGANIZATION, type SubjectFields } from "./certificate.js";
import { applyCsrPolicy, type CsrPolicyOptions } from "./csr-policy.js";
import { readCsr } from "./x509/csr.js";
import type { NameSet } from "./names.js";
import { decodePemOrDer } from "./pem.js";
import { encodeCsr } from "./csr-encode.js";


export interface CsrOptions {
  privateKey: KeyObject;
  subject: SubjectFields;
  /** requested SANs, carried in an extensionRequest attribute (informational: the signer decides) */
  names: NameSet;
}

/** A CSR for our own key, hand-framed DER (src/pki/csr-encode.ts; byte-identical to the @peculiar encoding). */
export function createCsr(options: CsrOptions): { pem: string; der: Uint8Array } {
  return encodeCsr(options);
}

/** A CSR read strictly (src/pki/x509/csr.ts), self-signature checked, and passed through the CSR policy. */
export interface CheckedCsr {
  der: Uint8Array;
  publicKey: KeyObject;
  subject: SubjectFields;
  /** SANs from the extensionRequest, validated and normalised; empty when the CSR asks for none */
  names: NameSet;
  /** OIDs of every extension the CSR asked for (all ignored except the SAN) */
  requestedExtensions: string[];
  /** SAN entries of other kinds (email, URI, …) that a registry certificate does not carry, e.g. "email:a@b.example" */
  droppedNames: string[];
  /** what the policy dropped or changed, in words ("asked for CA:TRUE; issued as CA:FALSE") */
  warnings: string[];
}

/** @deprecated name kept for library users: the CSR model itself is ParsedCsr in src/pki/x509/csr.ts */
export type ParsedCsr = CheckedCsr;

/**
 * Reads a CSR (PEM or DER) strictly and applies the CSR policy (src/pki/csr-policy.ts): every refusal
 * is a user error (exit 2) naming `what`, with the fix.
 */
export function parseCsr(input: string | Uint8Array, what = "the CSR", policy: Omit<CsrPolicyOptions, "what"> = {}): CheckedCsr {
  const blocks = decodePemOrDer(input, ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"], what);
  if (blocks.length > 1) throw userError("regcert.ambiguousCsr", `${what} holds ${blocks.length} certificate requests; regcert signs exactly one`, "give one request per file");
  const der = blocks[0] as Uint8Array;
  const parsed = readCsr(der, what);
  const decision = applyCsrPolicy(parsed, { ...policy, what });
  const attr = (oid: string) => parsed.subject.attributes.find((a) => a.oid === oid)?.value;
  return {
    der,
    publicKey: decision.publicKey,
    subject: { commonName: decision.commonName, organization: attr(OID_ORGANIZATION) },
    names: decision.names,
    requestedExtensions: decision.requestedExtensions,
    droppedNames: decision.droppedNames,
    warnings: decision.warnings,
  };
}

/** Refuses leaf keys that clients reject (the rule lives in csr-policy.ts). */
export { assertAcceptableLeafKey } from "./csr-policy.js";
