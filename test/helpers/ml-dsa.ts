/**
 * ML-DSA (FIPS 204) and Ed448 test certificates, made by the tests: Node 20's OpenSSL 3.0 cannot
 * make ML-DSA keys, so keys and signatures come from @noble/post-quantum (pure JS, audited), and the
 * DER from regcert's own certificate encoders (RFC 9881: AlgorithmIdentifier without parameters,
 * the raw public key in the BIT STRING, pure ML-DSA with an empty context).
 */
import { createHash, generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { certificatePem, encodeName, encodeTbsCertificate, randomSerial } from "../../src/pki/certificate.js";
import { derSequence, derTlv } from "../../src/pki/der.js";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from "../../src/pki/extensions.js";
import { classifyNames } from "../../src/pki/names.js";

export type MlDsaSet = "ML-DSA-44" | "ML-DSA-65" | "ML-DSA-87";
export const ML_DSA_SETS: MlDsaSet[] = ["ML-DSA-44", "ML-DSA-65", "ML-DSA-87"];
export const ML_DSA_IMPL = { "ML-DSA-44": ml_dsa44, "ML-DSA-65": ml_dsa65, "ML-DSA-87": ml_dsa87 } as const;
/** id-ml-dsa-44/65/87 = 2.16.840.1.101.3.4.3.17/18/19 */
const OID_LAST: Record<MlDsaSet, number> = { "ML-DSA-44": 0x11, "ML-DSA-65": 0x12, "ML-DSA-87": 0x13 };
const oid = (set: MlDsaSet) => Uint8Array.of(0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, OID_LAST[set]);
const ED448 = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x71);

const DAY = 86_400_000;
const bitString = (bytes: Uint8Array) => derTlv(0x03, Uint8Array.of(0), bytes);
const keyId = (publicKey: Uint8Array) => new Uint8Array(createHash("sha1").update(publicKey).digest());

export interface TestCertificate {
  der: Uint8Array;
  pem: string;
  tbs: Uint8Array;
  signature: Uint8Array;
  name: Uint8Array;
  keyId: Uint8Array;
}

interface Signing {
  algorithmIdentifier: Uint8Array;
  sign(tbs: Uint8Array): Uint8Array;
}

function build(options: { subject: string; issuerName?: Uint8Array; issuerKeyId?: Uint8Array; spki: Uint8Array; publicKey: Uint8Array; ca: boolean; names?: string[]; signing: Signing }): TestCertificate {
  const name = encodeName({ organization: "regcert tests", commonName: options.subject });
  const ski = keyId(options.publicKey);
  const extensions = options.ca
    ? [basicConstraintsExtension(true, 0), keyUsageExtension(["certSign", "crlSign"]), subjectKeyIdentifierExtension(ski)]
    : [
        basicConstraintsExtension(false),
        keyUsageExtension(["digitalSignature"]),
        extKeyUsageExtension(["serverAuth"]),
        subjectAltNameExtension(classifyNames(options.names ?? [])),
        subjectKeyIdentifierExtension(ski),
        authorityKeyIdentifierExtension(options.issuerKeyId ?? ski),
      ];
  const now = Date.now();
  const tbs = encodeTbsCertificate({
    serial: randomSerial(),
    scheme: { hash: null, algorithmIdentifier: options.signing.algorithmIdentifier, oid: "" },
    issuerName: options.issuerName ?? name,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 90 * DAY),
    subjectName: name,
    spki: options.spki,
    extensions,
  });
  const signature = options.signing.sign(tbs);
  const der = derSequence(tbs, options.signing.algorithmIdentifier, bitString(signature));
  return { der, pem: certificatePem(der), tbs, signature, name, keyId: ski };
}

export interface MlDsaCa extends TestCertificate {
  set: MlDsaSet;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

const mlDsaSigning = (set: MlDsaSet, secretKey: Uint8Array): Signing => ({
  algorithmIdentifier: derSequence(oid(set)),
  sign: (tbs) => ML_DSA_IMPL[set].sign(tbs, secretKey),
});

/** A self-signed ML-DSA root CA. */
export function mlDsaRoot(set: MlDsaSet, subject = `${set} test root`): MlDsaCa {
  const { publicKey, secretKey } = ML_DSA_IMPL[set].keygen();
  const spki = derSequence(derSequence(oid(set)), bitString(publicKey));
  return { ...build({ subject, spki, publicKey, ca: true, signing: mlDsaSigning(set, secretKey) }), set, publicKey, secretKey };
}

/** A server leaf with its own ML-DSA key (same parameter set), signed by `ca`. */
export function mlDsaLeaf(ca: MlDsaCa, names: string[]): TestCertificate & { publicKey: Uint8Array } {
  const { publicKey } = ML_DSA_IMPL[ca.set].keygen();
  const spki = derSequence(derSequence(oid(ca.set)), bitString(publicKey));
  return { ...build({ subject: names[0] ?? "leaf", issuerName: ca.name, issuerKeyId: ca.keyId, spki, publicKey, ca: false, names, signing: mlDsaSigning(ca.set, ca.secretKey) }), publicKey };
}

/** An Ed448 root and a leaf under it, signed with node:crypto (OpenSSL can check these). */
export function ed448Chain(names: string[]): { root: TestCertificate; leaf: TestCertificate } {
  const rootKey = generateKeyPairSync("ed448");
  const leafKey = generateKeyPairSync("ed448");
  const signing: Signing = { algorithmIdentifier: derSequence(ED448), sign: (tbs) => new Uint8Array(cryptoSign(null, tbs, rootKey.privateKey)) };
  const spkiOf = (key: typeof rootKey.publicKey) => new Uint8Array(key.export({ type: "spki", format: "der" }));
  const rawOf = (spki: Uint8Array) => spki.subarray(spki.length - 57);
  const rootSpki = spkiOf(rootKey.publicKey);
  const root = build({ subject: "Ed448 test root", spki: rootSpki, publicKey: rawOf(rootSpki), ca: true, signing });
  const leafSpki = spkiOf(leafKey.publicKey);
  const leaf = build({ subject: names[0] ?? "leaf", issuerName: root.name, issuerKeyId: root.keyId, spki: leafSpki, publicKey: rawOf(leafSpki), ca: false, names, signing });
  return { root, leaf };
}
