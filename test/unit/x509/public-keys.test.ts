/**
 * Key and signature algorithms the model names (issue 11 part A, item 2): RSA, ECDSA P-256/384/521,
 * Ed25519, Ed448, ML-DSA-44/65/87. Keys Go does not know (Ed448, ML-DSA) are named, never "malformed";
 * Go's rules apply to the ones it knows (compressed points refused with Go's text).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { certificatePem, encodeName, encodeTbsCertificate, randomSerial, signTbs } from "../../../src/pki/certificate.js";
import { derSequence, derTlv } from "../../../src/pki/der.js";
import { signatureSchemeFor, spkiDer, type SignatureScheme } from "../../../src/pki/keys.js";
import { CertificateParseError, parseCertificate, parsePublicKey, readCertificate } from "../../../src/pki/x509/index.js";
import { describeInput } from "../../../src/pki/describe.js";
import { keySigner } from "../../../src/pki/signer.js";

const caKey = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
const scheme = signatureSchemeFor(caKey);
const name = encodeName({ commonName: "keys" });

function certWith(spki: Uint8Array, s: SignatureScheme = scheme, sign = true): Uint8Array {
  const tbs = encodeTbsCertificate({ serial: randomSerial(), scheme: s, issuerName: name, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), subjectName: name, spki, extensions: [] });
  if (sign) return signTbs(tbs, { ...keySigner(caKey), scheme: s });
  return derSequence(tbs, s.algorithmIdentifier, derTlv(0x03, Uint8Array.of(0), randomBytes(64)));
}

const oid = (dotted: string): Uint8Array => {
  const parts = dotted.split(".").map(Number);
  const bytes = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return derTlv(0x06, Uint8Array.from(bytes));
};

test.each([
  ["rsa", () => generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey, "rsa-2048"],
  ["P-256", () => generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey, "ecdsa-p256"],
  ["P-384", () => generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey, "ecdsa-p384"],
  ["P-521", () => generateKeyPairSync("ec", { namedCurve: "secp521r1" }).publicKey, "ecdsa-p521"],
  ["Ed25519", () => generateKeyPairSync("ed25519").publicKey, "ed25519"],
  ["Ed448", () => generateKeyPairSync("ed448").publicKey, "ed448"],
])("%s keys are named %s", (_, make, algorithm) => {
  const cert = parseCertificate(certWith(spkiDer(make())));
  expect(cert.publicKey.algorithm).toBe(algorithm);
});

test.each([
  ["2.16.840.1.101.3.4.3.17", "ml-dsa-44", "ML-DSA-44", 1312],
  ["2.16.840.1.101.3.4.3.18", "ml-dsa-65", "ML-DSA-65", 1952],
  ["2.16.840.1.101.3.4.3.19", "ml-dsa-87", "ML-DSA-87", 2592],
])("ML-DSA %s: key named %s, signature named %s, certificate not malformed", (dotted, keyName, sigName, size) => {
  const spki = derSequence(derSequence(oid(dotted)), derTlv(0x03, Uint8Array.of(0), randomBytes(size)));
  expect(parsePublicKey(spki).algorithm).toBe(keyName);
  const mlScheme: SignatureScheme = { hash: null, algorithmIdentifier: derSequence(oid(dotted)), oid: dotted };
  const cert = parseCertificate(certWith(spki, mlScheme, false));
  expect(cert.publicKey.algorithm).toBe(keyName);
  expect(cert.signatureAlgorithmName).toBe(sigName);
  // inspect names it too (issue 16 adds the verify explanation)
  const item = describeInput(new TextEncoder().encode(certificatePem(cert.der))).items[0] as { key: { algorithm: string } };
  expect(item.key.algorithm).toBe(keyName);
});

test("a compressed P-256 point is Go's 'failed to unmarshal elliptic curve point'", () => {
  const spki = derSequence(derSequence(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")), derTlv(0x03, Uint8Array.of(0, 0x02), randomBytes(32)));
  expect(() => parsePublicKey(spki)).toThrow(new CertificateParseError("x509: failed to unmarshal elliptic curve point"));
});

test("RSA without NULL parameters and an unknown curve use Go's texts", () => {
  const noNull = derSequence(derSequence(oid("1.2.840.113549.1.1.1")), derTlv(0x03, Uint8Array.of(0), Uint8Array.of(0x30, 0x00)));
  expect(() => parsePublicKey(noNull)).toThrow(new CertificateParseError("x509: RSA key missing NULL parameters"));
  const unknownCurve = derSequence(derSequence(oid("1.2.840.10045.2.1"), oid("1.3.132.0.10")), derTlv(0x03, Uint8Array.of(0, 4), randomBytes(64)));
  expect(() => parsePublicKey(unknownCurve)).toThrow(new CertificateParseError("x509: unsupported elliptic curve"));
});

test("readCertificate turns Go's parse error into a user error (exit 2) with a hint", () => {
  const spki = derSequence(derSequence(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")), derTlv(0x03, Uint8Array.of(0, 0x03), randomBytes(32)));
  const pem = certificatePem(certWith(spki));
  try {
    readCertificate(pem, "registry.crt");
    throw new Error("no error");
  } catch (error) {
    expect(error).toMatchObject({ code: "regcert.badCertificate", exitCode: 2 });
    expect((error as Error).message).toBe("registry.crt is not a valid X.509 certificate: x509: failed to unmarshal elliptic curve point (Go clients cannot load it)");
    expect((error as { hint?: string }).hint).toBeTruthy();
  }
});

test("a Go error quoting certificate content is escaped in the user error", () => {
  // a dnsName constraint with an ESC byte: Go's text quotes it
  const base = Uint8Array.from([0x82, 0x04, 0x61, 0x1b, 0x5b, 0x32]);
  const nc = derSequence(derTlv(0xa0, derSequence(base)));
  const ext = derSequence(oid("2.5.29.30"), Uint8Array.of(0x01, 0x01, 0xff), derTlv(0x04, nc));
  const tbs = encodeTbsCertificate({ serial: randomSerial(), scheme, issuerName: name, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), subjectName: name, spki: spkiDer(caKey), extensions: [ext] });
  const pem = certificatePem(signTbs(tbs, keySigner(caKey)));
  let message = "";
  try {
    readCertificate(pem);
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toContain('x509: failed to parse dnsName constraint "a\\x1b[2"');
  expect(message).not.toContain("\u001b");
});
