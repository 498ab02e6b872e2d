/**
 * Known-answer tests of every profile: fixed keys, fixed time, serial 01. ECDSA signatures are
 * randomised, so the TBSCertificate DER is compared byte for byte with test/golden/pki/, then every
 * field is asserted from a parse, and the signature is verified with the issuer's key.
 */
import { createPrivateKey, createPublicKey, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  KeyUsageFlags,
  NameConstraints,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { createRootCa, issueCertificate, signCsr, caNameConstraints, type RootCa } from "../../../src/index.js";
import { keyIdentifier, spkiDer } from "../../../src/pki/keys.js";
import { elementBytes, readChildren, readElement } from "../../../src/pki/der.js";
import { REPO } from "../../helpers/cli.js";
import { readGolden } from "../../helpers/golden.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const NOT_BEFORE = new Date("2025-12-31T23:55:00Z"); // back-dated 5 minutes for clock skew
const DAY = 86_400_000;
const fixedSerial = () => Uint8Array.of(0x01);
const deps = { now: NOW, randomSerial: fixedSerial };

function fixtureKey(name: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey(readFileSync(join(REPO, "test/fixtures/keys", name), "utf8"));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
const fixtureCsr = (name: string) => readFileSync(join(REPO, "test/fixtures/csr", name), "utf8");

function tbsOf(der: Uint8Array): Uint8Array {
  const first = readChildren(der, readElement(der))[0];
  if (!first) throw new Error("no TBS");
  return elementBytes(der, first);
}

function parse(der: Uint8Array) {
  const cert = AsnConvert.parse(der, Certificate);
  const t = cert.tbsCertificate;
  const ext = (oid: string) => t.extensions?.find((e) => e.extnID === oid);
  const subject = t.subject.map((rdn) => rdn.map((atv) => `${atv.type}=${atv.value.toString()}`).join("+"));
  return { cert, t, ext, subject, extensionIds: (t.extensions ?? []).map((e) => `${e.extnID}${e.critical ? "!" : ""}`) };
}

function signatureVerifies(der: Uint8Array, issuerKey: KeyObject, hash: string): boolean {
  const cert = AsnConvert.parse(der, Certificate);
  return verify(hash, tbsOf(der), { key: issuerKey, dsaEncoding: "der" }, Buffer.from(cert.signatureValue));
}

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");

describe("root CA profile (P-256)", () => {
  let ca: RootCa;
  beforeAll(() => {
    ca = createRootCa({ commonName: "KAT Root", organization: "regcert", keyPair: fixtureKey("ca-p256.key") }, deps);
  });

  test("TBSCertificate is byte-identical to the golden encoding", () => {
    const actual = hex(tbsOf(ca.certificateDer));
    expect(actual).toBe(readGolden("pki/root-ca-p256.tbs.hex", actual));
  });

  test("fields: v3, serial 01, ecdsa-with-SHA256, self-issued, 3650 days", () => {
    const { t, cert, subject } = parse(ca.certificateDer);
    expect(t.version).toBe(2);
    expect(hex(t.serialNumber)).toBe("01");
    expect(t.signature.algorithm).toBe("1.2.840.10045.4.3.2");
    expect(cert.signatureAlgorithm.algorithm).toBe("1.2.840.10045.4.3.2");
    expect(subject).toEqual(["2.5.4.10=regcert", "2.5.4.3=KAT Root"]);
    expect(AsnConvert.serialize(t.issuer)).toEqual(AsnConvert.serialize(t.subject));
    expect(t.validity.notBefore.getTime()).toEqual(NOT_BEFORE);
    expect(t.validity.notAfter.getTime().getTime()).toBe(NOT_BEFORE.getTime() + 3650 * DAY);
  });

  test("extensions: basicConstraints critical CA:TRUE pathLen 0, keyUsage critical certSign+crlSign, SKI; nothing else", () => {
    const { ext, extensionIds } = parse(ca.certificateDer);
    expect(extensionIds).toEqual(["2.5.29.19!", "2.5.29.15!", "2.5.29.14"]);
    const bc = AsnConvert.parse(ext("2.5.29.19")!.extnValue, BasicConstraints);
    expect(bc.cA).toBe(true);
    expect(bc.pathLenConstraint).toBe(0);
    const ku = AsnConvert.parse(ext("2.5.29.15")!.extnValue, KeyUsage);
    expect(ku.toNumber()).toBe(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
    const ski = AsnConvert.parse(ext("2.5.29.14")!.extnValue, SubjectKeyIdentifier);
    expect(hex(ski.buffer)).toBe(hex(keyIdentifier(spkiDer(fixtureKey("ca-p256.key").publicKey))));
  });

  test("self-signature verifies", () => {
    expect(signatureVerifies(ca.certificateDer, fixtureKey("ca-p256.key").publicKey, "sha256")).toBe(true);
  });

  test("--max-path-len 1 allows one intermediate", () => {
    const one = createRootCa({ keyPair: fixtureKey("ca-p256.key"), maxPathLen: 1 }, deps);
    const bc = AsnConvert.parse(parse(one.certificateDer).ext("2.5.29.19")!.extnValue, BasicConstraints);
    expect(bc.pathLenConstraint).toBe(1);
  });
});

describe("server profile", () => {
  let ca: RootCa;
  beforeAll(() => {
    ca = createRootCa({ commonName: "KAT Root", keyPair: fixtureKey("ca-p256.key") }, deps);
  });

  test("P-256 leaf: golden TBS, every field", () => {
    const leaf = issueCertificate({ issuer: ca.issuer, names: ["registry.local", "192.168.0.12", "::1"], keyPair: fixtureKey("leaf-p256.key"), csr: false }, deps);
    const actual = hex(tbsOf(leaf.certificateDer));
    expect(actual).toBe(readGolden("pki/server-p256.tbs.hex", actual));

    const { t, ext, subject, extensionIds } = parse(leaf.certificateDer);
    expect(t.version).toBe(2);
    expect(hex(t.serialNumber)).toBe("01");
    expect(subject).toEqual(["2.5.4.10=regcert", "2.5.4.3=registry.local"]);
    expect(hex(AsnConvert.serialize(t.issuer))).toBe(hex(ca.issuer.certificate.subjectName));
    expect(t.validity.notBefore.getTime()).toEqual(NOT_BEFORE);
    expect(t.validity.notAfter.getTime().getTime()).toBe(NOT_BEFORE.getTime() + 397 * DAY);
    expect(extensionIds).toEqual(["2.5.29.19!", "2.5.29.15!", "2.5.29.37", "2.5.29.17", "2.5.29.14", "2.5.29.35"]);
    const bc = AsnConvert.parse(ext("2.5.29.19")!.extnValue, BasicConstraints);
    expect(bc.cA).toBe(false);
    expect(bc.pathLenConstraint).toBeUndefined();
    expect(AsnConvert.parse(ext("2.5.29.15")!.extnValue, KeyUsage).toNumber()).toBe(KeyUsageFlags.digitalSignature);
    expect(Array.from(AsnConvert.parse(ext("2.5.29.37")!.extnValue, ExtendedKeyUsage))).toEqual(["1.3.6.1.5.5.7.3.1"]);
    const san = AsnConvert.parse(ext("2.5.29.17")!.extnValue, SubjectAlternativeName);
    expect(san.map((g) => g.dNSName ?? g.iPAddress)).toEqual(["registry.local", "192.168.0.12", "::1"]);
    const aki = AsnConvert.parse(ext("2.5.29.35")!.extnValue, AuthorityKeyIdentifier);
    expect(hex(aki.keyIdentifier!.buffer)).toBe(hex(ca.issuer.certificate.keyId));
    expect(aki.authorityCertIssuer).toBeUndefined();
    expect(signatureVerifies(leaf.certificateDer, fixtureKey("ca-p256.key").publicKey, "sha256")).toBe(true);
  });

  test("RSA leaf adds keyEncipherment (TLS 1.2 RSA key exchange)", () => {
    const leaf = issueCertificate({ issuer: ca.issuer, names: ["registry.local"], keyPair: fixtureKey("leaf-rsa2048.key"), csr: false }, deps);
    const actual = hex(tbsOf(leaf.certificateDer));
    expect(actual).toBe(readGolden("pki/server-rsa2048.tbs.hex", actual));
    const ku = AsnConvert.parse(parse(leaf.certificateDer).ext("2.5.29.15")!.extnValue, KeyUsage);
    expect(ku.toNumber()).toBe(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment);
    expect(leaf.keyAlgorithm).toBe("rsa-2048");
  });

  test("IP-only certificate has no CN (an IP in the CN breaks name-constrained chains)", () => {
    const leaf = issueCertificate({ issuer: ca.issuer, names: ["192.168.0.12"], keyPair: fixtureKey("leaf-p256.key"), csr: false }, deps);
    expect(parse(leaf.certificateDer).subject).toEqual(["2.5.4.10=regcert"]);
    expect(leaf.commonName).toBeUndefined();
  });

  test("CN is the first DNS name of at most 64 characters", () => {
    const long = `${"a".repeat(60)}.example.com`;
    const leaf = issueCertificate({ issuer: ca.issuer, names: [long, "registry.local"], keyPair: fixtureKey("leaf-p256.key"), csr: false }, deps);
    expect(leaf.commonName).toBe("registry.local");
  });

  test("a P-384 CA signs with ecdsa-with-SHA384", () => {
    const ca384 = createRootCa({ keyPair: fixtureKey("ca-p384.key") }, deps);
    expect(parse(ca384.certificateDer).t.signature.algorithm).toBe("1.2.840.10045.4.3.3");
    const leaf = issueCertificate({ issuer: ca384.issuer, names: ["registry.local"], keyPair: fixtureKey("leaf-p256.key"), csr: false }, deps);
    expect(parse(leaf.certificateDer).cert.signatureAlgorithm.algorithm).toBe("1.2.840.10045.4.3.3");
    expect(signatureVerifies(leaf.certificateDer, fixtureKey("ca-p384.key").publicKey, "sha384")).toBe(true);
  });

  test("validity above 825 days is refused unless allowed; 825 is fine", () => {
    expect(() => issueCertificate({ issuer: ca.issuer, names: ["r.local"], days: 826, csr: false }, deps)).toThrow(/above 825/);
    expect(issueCertificate({ issuer: ca.issuer, names: ["r.local"], days: 825, csr: false }, deps).notAfter.getTime()).toBe(NOT_BEFORE.getTime() + 825 * DAY);
    expect(issueCertificate({ issuer: ca.issuer, names: ["r.local"], days: 900, allowLongValidity: true, csr: false }, deps).notAfter.getTime()).toBe(NOT_BEFORE.getTime() + 900 * DAY);
  });

  test("a leaf never outlives its CA: shortened, with a warning", () => {
    const shortCa = createRootCa({ keyPair: fixtureKey("ca-p256.key"), days: 30 }, deps);
    const leaf = issueCertificate({ issuer: shortCa.issuer, names: ["r.local"], csr: false }, deps);
    expect(leaf.notAfter.getTime()).toBe(shortCa.notAfter.getTime());
    expect(leaf.warnings.join("\n")).toMatch(/shortened to the CA's expiry/);
  });

  test("an expired CA is refused", () => {
    const later = { now: new Date(NOW.getTime() + 3651 * DAY) };
    expect(() => issueCertificate({ issuer: ca.issuer, names: ["r.local"], csr: false }, later)).toThrow(/CA certificate expired/);
  });

  test("no names: refused before any key is made", () => {
    expect(() => issueCertificate({ issuer: ca.issuer, names: [], csr: false }, deps)).toThrow(/at least one DNS name or IP/);
  });

  test("random serials are 16 bytes and positive", () => {
    const leaf = issueCertificate({ issuer: ca.issuer, names: ["r.local"], csr: false });
    const serial = Buffer.from(leaf.serialHex, "hex");
    expect(serial.length).toBe(16);
    expect(serial[0]! & 0x80).toBe(0);
    expect(serial[0]! & 0x40).toBe(0x40);
  });
});

describe("client profile", () => {
  test("clientAuth EKU, CN from --cn, no SAN when no names", () => {
    const ca = createRootCa({ keyPair: fixtureKey("ca-p256.key") }, deps);
    const leaf = issueCertificate({ issuer: ca.issuer, profile: "client", commonName: "ci-runner", keyPair: fixtureKey("leaf-p256.key"), csr: false }, deps);
    const actual = hex(tbsOf(leaf.certificateDer));
    expect(actual).toBe(readGolden("pki/client-p256.tbs.hex", actual));
    const { ext, subject, extensionIds } = parse(leaf.certificateDer);
    expect(subject).toEqual(["2.5.4.10=regcert", "2.5.4.3=ci-runner"]);
    expect(extensionIds).toEqual(["2.5.29.19!", "2.5.29.15!", "2.5.29.37", "2.5.29.14", "2.5.29.35"]);
    expect(Array.from(AsnConvert.parse(ext("2.5.29.37")!.extnValue, ExtendedKeyUsage))).toEqual(["1.3.6.1.5.5.7.3.2"]);
  });
});

describe("signCsr", () => {
  const ca = () => createRootCa({ keyPair: fixtureKey("ca-p256.key") }, deps);

  test("a CSR asking for CA:TRUE and keyCertSign still gets the server profile", () => {
    const leaf = signCsr({ issuer: ca().issuer, csr: fixtureCsr("ca-true.csr") }, deps);
    const { ext, extensionIds } = parse(leaf.certificateDer);
    expect(AsnConvert.parse(ext("2.5.29.19")!.extnValue, BasicConstraints).cA).toBe(false);
    expect(AsnConvert.parse(ext("2.5.29.15")!.extnValue, KeyUsage).toNumber()).toBe(KeyUsageFlags.digitalSignature);
    expect(extensionIds).toEqual(["2.5.29.19!", "2.5.29.15!", "2.5.29.37", "2.5.29.17", "2.5.29.14", "2.5.29.35"]);
    expect(leaf.names).toEqual({ dns: ["registry.local"], ip: ["192.168.0.12"] });
    expect(leaf.warnings).toContain("asked for CA:TRUE; issued as CA:FALSE (regcert never signs a CA from a CSR)");
    expect(leaf.warnings).toContain("asked for key usage certSign; issued with digitalSignature");
  });

  test("the CSR's public key is certified, nothing else of it", () => {
    const leaf = signCsr({ issuer: ca().issuer, csr: fixtureCsr("ca-true.csr") }, deps);
    const spki = AsnConvert.serialize(parse(leaf.certificateDer).t.subjectPublicKeyInfo);
    expect(hex(spki)).toBe(hex(spkiDer(fixtureKey("leaf-p256.key").publicKey)));
  });

  test("--dns/--ip replace the CSR's names", () => {
    const leaf = signCsr({ issuer: ca().issuer, csr: fixtureCsr("ca-true.csr"), names: ["other.local", "10.0.0.1"] }, deps);
    expect(leaf.names).toEqual({ dns: ["other.local"], ip: ["10.0.0.1"] });
  });

  test("a legacy CN-only CSR (openssl req -new, as the seeds do) gets its CN as a SAN, with a warning", () => {
    const leaf = signCsr({ issuer: ca().issuer, csr: fixtureCsr("seeds-cn-only.csr") }, deps);
    expect(leaf.names).toEqual({ dns: ["registry.conn-me.ru"], ip: [] });
    expect(leaf.warnings.join(" ")).toMatch(/no subjectAltName/);
  });

  test("email and URI SANs of a CSR are dropped with a warning, never silently", () => {
    const leaf = signCsr({ issuer: ca().issuer, csr: fixtureCsr("email-uri-san.csr") }, deps);
    expect(leaf.names).toEqual({ dns: ["registry.local"], ip: [] });
    expect(leaf.warnings.join(" ")).toContain("dropped email:ops@example.com, URI:https://registry.local/ from the CSR's names");
  });

  test("a CSR whose self-signature does not verify is refused", () => {
    const pem = fixtureCsr("ca-true.csr");
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
    const at = der.indexOf(Buffer.from("registry.local"));
    der[at] = (der[at] as number) ^ 0x20; // flip a bit inside the signed CertificationRequestInfo (r → R: still well-formed)
    expect(() => signCsr({ issuer: ca().issuer, csr: new Uint8Array(der) }, deps)).toThrow(/invalid self-signature/);
  });

  test("garbage is a user error, not a crash", () => {
    expect(() => signCsr({ issuer: ca().issuer, csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n" }, deps)).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
  });
});

describe("name constraints", () => {
  const constrained = () =>
    createRootCa({ keyPair: fixtureKey("ca-p256.key"), nameConstraints: caNameConstraints(["registry.local", ".corp.example"], []) }, deps);

  test("DNS-only constraints are critical and also exclude every IPv4 and IPv6 address", () => {
    const nc = parse(constrained().certificateDer).ext("2.5.29.30")!;
    expect(nc.critical).toBe(true);
    const value = AsnConvert.parse(nc.extnValue, NameConstraints);
    expect(value.permittedSubtrees!.map((s) => s.base.dNSName)).toEqual(["registry.local", ".corp.example"]);
    expect(value.excludedSubtrees!.map((s) => s.base.iPAddress)).toEqual(["0.0.0.0/0", "::/0"]);
  });

  test("issuing outside the constraints is refused before signing", () => {
    const ca = constrained();
    expect(() => issueCertificate({ issuer: ca.issuer, names: ["evil.example"], csr: false }, deps)).toThrow(/not within the CA's permitted names/);
    expect(() => issueCertificate({ issuer: ca.issuer, names: ["registry.local", "8.8.8.8"], csr: false }, deps)).toThrow(/IP 8.8.8.8 is excluded/);
    expect(() => issueCertificate({ issuer: ca.issuer, names: ["corp.example"], csr: false }, deps)).toThrow(/not within/);
    expect(issueCertificate({ issuer: ca.issuer, names: ["a.corp.example", "registry.local"], csr: false }, deps).names.dns).toHaveLength(2);
  });

  test("--permit-ip without --permit-dns is refused", () => {
    expect(() => caNameConstraints([], ["192.168.0.0/16"])).toThrow(/every DNS name unconstrained/);
  });
});
