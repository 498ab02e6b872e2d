/**
 * The facts the certificate index, `status` and `renew` need about an issued (leaf) certificate,
 * read from the certificate itself: serial, names, profile, key type, validity, fingerprints and the
 * key identifier of the CA that signed it. Pure: bytes in, facts out.
 */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  SubjectAlternativeName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from "@peculiar/asn1-x509";
import { OID_COMMON_NAME, certificatePem, hex } from "./certificate.js";
import { RegcertError } from "./errors.js";
import { describeKey, publicKeyFingerprint } from "./keys.js";
import { classifyNames, type NameSet } from "./names.js";
import { decodePemOrDer } from "./pem.js";

/** "server" and "client" are regcert's leaf profiles; "ca" and "other" are reported, never renewed. */
export type CertificateKind = "server" | "client" | "ca" | "other";

export interface CertificateFacts {
  pem: string;
  der: Uint8Array;
  /** lower-case hex, as regcert prints serials */
  serialHex: string;
  /** SHA-256 of the certificate DER, lower-case hex (what `openssl x509 -fingerprint -sha256` shows, without colons) */
  fingerprint: string;
  /** SHA-256 of the SubjectPublicKeyInfo: equal for a certificate and its private key */
  publicKeyFingerprint: string;
  publicKey: KeyObject;
  profile: CertificateKind;
  names: NameSet;
  commonName: string | undefined;
  /** "ecdsa-p256", "rsa-2048", … */
  keyAlgorithm: string;
  notBefore: Date;
  notAfter: Date;
  /** the authorityKeyIdentifier's keyIdentifier, hex; undefined when absent */
  authorityKeyId: string | undefined;
}

function profileOf(cert: Certificate): CertificateKind {
  const ext = (oid: string) => cert.tbsCertificate.extensions?.find((e) => e.extnID === oid);
  const bc = ext(id_ce_basicConstraints);
  if (bc && AsnConvert.parse(bc.extnValue, BasicConstraints).cA) return "ca";
  const eku = ext(id_ce_extKeyUsage);
  const usages = eku ? [...AsnConvert.parse(eku.extnValue, ExtendedKeyUsage)].map(String) : [];
  if (usages.includes(id_kp_serverAuth)) return "server";
  if (usages.includes(id_kp_clientAuth)) return "client";
  return "other";
}

/** Reads the first certificate of a PEM (or a DER) text. Throws a user error naming `what` when it cannot. */
export function readCertificateFacts(input: string | Uint8Array, what = "the certificate"): CertificateFacts {
  const der = decodePemOrDer(input, ["CERTIFICATE"], what)[0] as Uint8Array;
  try {
    const cert = AsnConvert.parse(der, Certificate);
    const t = cert.tbsCertificate;
    const ext = (oid: string) => t.extensions?.find((e) => e.extnID === oid);
    const sanExt = ext(id_ce_subjectAltName);
    const hosts = sanExt
      ? AsnConvert.parse(sanExt.extnValue, SubjectAlternativeName).flatMap((g) => (g.dNSName !== undefined ? [g.dNSName] : g.iPAddress !== undefined ? [g.iPAddress] : []))
      : [];
    const akiExt = ext(id_ce_authorityKeyIdentifier);
    const aki = akiExt ? AsnConvert.parse(akiExt.extnValue, AuthorityKeyIdentifier).keyIdentifier : undefined;
    let commonName: string | undefined;
    for (const rdn of t.subject) for (const atv of rdn) if (atv.type === OID_COMMON_NAME) commonName = atv.value.toString();
    const spki = new Uint8Array(AsnConvert.serialize(t.subjectPublicKeyInfo));
    const publicKey = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    return {
      pem: certificatePem(der),
      der,
      serialHex: hex(new Uint8Array(t.serialNumber)).replace(/^(00)+(?=.)/, ""),
      fingerprint: createHash("sha256").update(der).digest("hex"),
      publicKeyFingerprint: publicKeyFingerprint(publicKey),
      publicKey,
      profile: profileOf(cert),
      names: classifyNames(hosts),
      commonName,
      keyAlgorithm: describeKey(publicKey).algorithm,
      notBefore: t.validity.notBefore.getTime(),
      notAfter: t.validity.notAfter.getTime(),
      authorityKeyId: aki ? hex(new Uint8Array(aki.buffer)) : undefined,
    };
  } catch (error) {
    if (error instanceof RegcertError) throw error;
    throw new RegcertError("regcert.badCertificate", `${what} is not a valid X.509 certificate`, { exitCode: 2, hint: "give a PEM or DER X.509 certificate; regcert inspect FILE shows what a file holds", cause: error });
  }
}
