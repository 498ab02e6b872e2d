/**
 * Every DER the engine writes by hand or reuses from a cache is byte-identical to what the
 * @peculiar/asn1-x509 schema layer encodes for the same value (the engine used that layer before it
 * was made fast: see bench/RESULTS.md). Fixed keys, fixed time, fixed serial; the oracle builds each
 * structure with the schema classes, field by field, exactly as the pre-fast-path engine did.
 *
 * Covered: Name, Validity (UTCTime and GeneralizedTime), every extension builder (all key usage
 * masks, DNS/IPv4/IPv6 SANs, CIDR name constraints), the cached static extensions and per-issuer AKI,
 * the whole TBSCertificate of each profile, the outer Certificate framed around the signed TBS, and
 * the SPKI/PKCS#8 re-framed from an EC key's SEC1 export.
 */
import { keySigner } from "../../../src/pki/signer.js";
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  KeyIdentifier,
  KeyUsage,
  Name,
  NameConstraints,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from "@peculiar/asn1-x509";
import { caNameConstraints, createRootCa, issueCertificate, type RootCa } from "../../../src/index.js";
import { encodeName, encodeTbsCertificate, encodeValidity, signTbs, type SubjectFields } from "../../../src/pki/certificate.js";
import { derUnsignedInteger, elementBytes, readChildren, readElement } from "../../../src/pki/der.js";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  namedBitString,
  nameConstraintsExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  type KeyUsageName,
  type NameConstraintsSpec,
} from "../../../src/pki/extensions.js";
import { encodeKeyPair, exportPrivateKeyPem, keyIdentifier, signatureSchemeFor, spkiDer } from "../../../src/pki/keys.js";
import { classifyNames, type NameSet } from "../../../src/pki/names.js";
import { REPO } from "../../helpers/cli.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const deps = { now: NOW, randomSerial: () => Uint8Array.of(0x01) };
const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");
const schemaDer = (value: unknown) => hex(AsnConvert.serialize(value));

function fixtureKey(name: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey(readFileSync(join(REPO, "test/fixtures/keys", name), "utf8"));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

// ---- the oracle: the schema encodings the engine used before it wrote DER itself ----

function schemaName(subject: SubjectFields): Name {
  const rdns: RelativeDistinguishedName[] = [];
  const add = (type: string, value: string | undefined) => {
    if (value) rdns.push(new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]));
  };
  add("2.5.4.10", subject.organization);
  add("2.5.4.3", subject.commonName);
  return new Name(rdns);
}

function schemaExtension(oid: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

const KU_FLAGS: Record<KeyUsageName, number> = { digitalSignature: 1, keyEncipherment: 4, certSign: 32, crlSign: 64 };
const schemaKeyUsage = (usages: readonly KeyUsageName[]) =>
  schemaExtension(id_ce_keyUsage, true, new KeyUsage(usages.reduce((acc, name) => acc | KU_FLAGS[name], 0)));
const schemaSan = (names: NameSet, critical = false) =>
  schemaExtension(
    id_ce_subjectAltName,
    critical,
    new SubjectAlternativeName([...names.dns.map((dNSName) => new GeneralName({ dNSName })), ...names.ip.map((iPAddress) => new GeneralName({ iPAddress }))]),
  );
const schemaSki = (keyId: Uint8Array) => schemaExtension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId));
const schemaAki = (keyId: Uint8Array) => schemaExtension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) }));
const schemaBasicConstraints = (ca: boolean, pathLen?: number) =>
  schemaExtension(id_ce_basicConstraints, true, new BasicConstraints(ca ? (pathLen === undefined ? { cA: true } : { cA: true, pathLenConstraint: pathLen }) : {}));
const schemaEku = (oids: string[]) => schemaExtension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(oids));

function schemaNameConstraints(spec: NameConstraintsSpec): Extension {
  const subtrees = (dns: string[], ip: string[]) =>
    new GeneralSubtrees([
      ...dns.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })),
      ...ip.map((iPAddress) => new GeneralSubtree({ base: new GeneralName({ iPAddress }) })),
    ]);
  const value = new NameConstraints({});
  if (spec.permittedDns.length + spec.permittedIp.length > 0) value.permittedSubtrees = subtrees(spec.permittedDns, spec.permittedIp);
  if (spec.excludedDns.length + spec.excludedIp.length > 0) value.excludedSubtrees = subtrees(spec.excludedDns, spec.excludedIp);
  return schemaExtension(id_ce_nameConstraints, true, value);
}

/** The whole TBSCertificate through the schema, from the parts of an issued certificate. */
function schemaTbs(parts: {
  serial: Uint8Array;
  signatureOid: string;
  rsa: boolean;
  issuer: Name;
  notBefore: Date;
  notAfter: Date;
  subject: Name;
  spki: Uint8Array;
  extensions: Extension[];
}): TBSCertificate {
  const integer = derUnsignedInteger(parts.serial);
  return new TBSCertificate({
    version: Version.v3,
    serialNumber: integer.slice(2).buffer,
    signature: new AlgorithmIdentifier({ algorithm: parts.signatureOid, ...(parts.rsa ? { parameters: Uint8Array.of(0x05, 0x00).buffer } : {}) }),
    issuer: parts.issuer,
    validity: new Validity({ notBefore: parts.notBefore, notAfter: parts.notAfter }),
    subject: parts.subject,
    subjectPublicKeyInfo: AsnConvert.parse(parts.spki, SubjectPublicKeyInfo),
    extensions: new Extensions(parts.extensions),
  });
}

function tbsOf(der: Uint8Array): Uint8Array {
  const first = readChildren(der, readElement(der))[0];
  if (!first) throw new Error("no TBS");
  return elementBytes(der, first);
}

// ---- Name and Validity ----

describe("Name", () => {
  test.each<[string, SubjectFields]>([
    ["empty", {}],
    ["O only (IP-only leaf)", { organization: "regcert" }],
    ["CN only", { commonName: "registry.local" }],
    ["O and CN", { organization: "regcert", commonName: "registry.example.com" }],
    ["non-ASCII", { organization: "Müller & Søn — Ünïcode", commonName: "реестр.example" }],
    ["astral plane", { organization: "🐳 registry team", commonName: "a".repeat(64) }],
    ["CA name with user@host and date", { organization: "regcert", commonName: "regcert CA root@vm 2026-11-24" }],
  ])("%s", (_label, subject) => {
    expect(hex(encodeName(subject))).toBe(schemaDer(schemaName(subject)));
  });
});

describe("Validity", () => {
  test.each<[string, string, string]>([
    ["typical leaf window", "2025-12-31T23:55:00Z", "2027-02-01T23:55:00Z"],
    ["single-digit fields", "2001-02-03T04:05:06Z", "2009-09-09T09:09:09Z"],
    ["last UTCTime second, first GeneralizedTime second", "2049-12-31T23:59:59Z", "2050-01-01T00:00:00Z"],
    ["a 100-year CA", "2026-01-01T00:00:00Z", "2125-12-08T00:00:00Z"],
    ["pre-2000 UTCTime", "1999-12-31T23:59:59Z", "2000-01-01T00:00:00Z"],
    ["milliseconds are dropped", "2026-05-05T05:05:05.999Z", "2060-05-05T05:05:05.001Z"],
  ])("%s", (_label, from, to) => {
    const notBefore = new Date(from);
    const notAfter = new Date(to);
    expect(hex(encodeValidity(notBefore, notAfter))).toBe(schemaDer(new Validity({ notBefore, notAfter })));
  });
});

// ---- extensions ----

describe("extensions", () => {
  test("basicConstraints: leaf, CA, CA with pathLen 0..4 and 300 (two-byte INTEGER)", () => {
    expect(hex(basicConstraintsExtension(false))).toBe(schemaDer(schemaBasicConstraints(false)));
    expect(hex(basicConstraintsExtension(true))).toBe(schemaDer(schemaBasicConstraints(true)));
    for (const pathLen of [0, 1, 2, 3, 4, 127, 128, 300]) {
      expect(hex(basicConstraintsExtension(true, pathLen))).toBe(schemaDer(schemaBasicConstraints(true, pathLen)));
    }
  });

  test("the named-bit BIT STRING matches @peculiar's BitString for every 9-bit key usage mask", () => {
    for (let mask = 0; mask < 512; mask++) expect(hex(namedBitString(mask))).toBe(schemaDer(new KeyUsage(mask)));
  });

  test("keyUsage: every subset of the four usages the profiles name", () => {
    const all: KeyUsageName[] = ["digitalSignature", "keyEncipherment", "certSign", "crlSign"];
    for (let subset = 1; subset < 16; subset++) {
      const usages = all.filter((_, i) => subset & (1 << i));
      expect(hex(keyUsageExtension(usages))).toBe(schemaDer(schemaKeyUsage(usages)));
    }
  });

  test("extKeyUsage: serverAuth, clientAuth, both", () => {
    expect(hex(extKeyUsageExtension(["serverAuth"]))).toBe(schemaDer(schemaEku([id_kp_serverAuth])));
    expect(hex(extKeyUsageExtension(["clientAuth"]))).toBe(schemaDer(schemaEku([id_kp_clientAuth])));
    expect(hex(extKeyUsageExtension(["serverAuth", "clientAuth"]))).toBe(schemaDer(schemaEku([id_kp_serverAuth, id_kp_clientAuth])));
  });

  test.each<[string, string[]]>([
    ["one DNS name", ["registry.local"]],
    ["the seeds' names", ["registry.example.com", "192.168.0.12"]],
    ["IPv6 forms", ["::1", "fd00::12", "2001:db8:0:0:1:0:0:1", "fe80::1:2:3:4", "2001:db8::ffff:0:1"]],
    ["v4-mapped IPv6 becomes IPv4", ["::ffff:10.0.0.1", "registry.local"]],
    ["wildcard and IDN", ["*.registry.local", "bücher.example", "xn--bcher-kva.example"]],
    ["many names", Array.from({ length: 40 }, (_, i) => `host${i}.example.com`)],
  ])("subjectAltName: %s", (_label, inputs) => {
    const names = classifyNames(inputs);
    expect(hex(subjectAltNameExtension(names))).toBe(schemaDer(schemaSan(names)));
    expect(hex(subjectAltNameExtension(names, true))).toBe(schemaDer(schemaSan(names, true)));
  });

  test("SKI and AKI, including the cached AKI of an issuer", () => {
    for (const name of ["ca-p256.key", "ca-p384.key", "leaf-rsa2048.key"]) {
      const keyId = keyIdentifier(spkiDer(fixtureKey(name).publicKey));
      expect(hex(subjectKeyIdentifierExtension(keyId))).toBe(schemaDer(schemaSki(keyId)));
      expect(hex(authorityKeyIdentifierExtension(keyId))).toBe(schemaDer(schemaAki(keyId)));
      expect(hex(authorityKeyIdentifierExtension(keyId))).toBe(schemaDer(schemaAki(keyId))); // second call: from the cache
    }
  });

  test.each<[string, NameConstraintsSpec]>([
    ["DNS only (every IP excluded)", caNameConstraints(["registry.local", ".corp.example"], [])],
    ["DNS and IPv4/IPv6 ranges", caNameConstraints(["registry.local"], ["192.168.0.0/16", "10.1.2.3/32", "fd00::/8", "2001:db8::/33", "::1/128"])],
    ["odd prefixes", { permittedDns: [], permittedIp: ["172.16.0.0/12", "0.0.0.0/0", "10.0.0.0/7", "2001:db8:8000::/49"], excludedDns: ["bad.example"], excludedIp: ["::/0"] }],
    ["excluded only", { permittedDns: [], permittedIp: [], excludedDns: ["evil.example"], excludedIp: ["192.0.2.0/24"] }],
  ])("nameConstraints: %s", (_label, spec) => {
    expect(hex(nameConstraintsExtension(spec))).toBe(schemaDer(schemaNameConstraints(spec)));
  });
});

// ---- whole certificates ----

describe("TBSCertificate and Certificate, fully schema-encoded vs the engine's", () => {
  let ca: RootCa;
  const caKey = fixtureKey("ca-p256.key");
  beforeAll(() => {
    ca = createRootCa({ commonName: "KAT Root", organization: "regcert", keyPair: caKey }, deps);
  });

  test("root CA (self-signed, name-constrained)", () => {
    const constrained = createRootCa(
      { commonName: "KAT Root", keyPair: caKey, nameConstraints: caNameConstraints(["registry.local"], ["192.168.0.0/16"]) },
      deps,
    );
    const spki = spkiDer(caKey.publicKey);
    const name = schemaName({ organization: "regcert", commonName: "KAT Root" });
    const expected = schemaTbs({
      serial: Uint8Array.of(1),
      signatureOid: "1.2.840.10045.4.3.2",
      rsa: false,
      issuer: name,
      subject: name,
      notBefore: constrained.notBefore,
      notAfter: constrained.notAfter,
      spki,
      extensions: [
        schemaBasicConstraints(true, 0),
        schemaKeyUsage(["certSign", "crlSign"]),
        schemaSki(keyIdentifier(spki)),
        schemaNameConstraints(caNameConstraints(["registry.local"], ["192.168.0.0/16"])),
      ],
    });
    expect(hex(tbsOf(constrained.certificateDer))).toBe(schemaDer(expected));
  });

  test.each<[string, string, string[], "server" | "client", string | undefined]>([
    ["server, P-256 leaf", "leaf-p256.key", ["registry.local", "192.168.0.12", "::1"], "server", undefined],
    ["server, RSA-2048 leaf (keyEncipherment)", "leaf-rsa2048.key", ["registry.example.com", "192.168.0.12"], "server", undefined],
    ["server, IP only (no CN, SAN still non-critical: O is set)", "leaf-p256.key", ["192.168.0.12"], "server", undefined],
    ["client with --cn, no SAN", "leaf-p256.key", [], "client", "ci-runner"],
  ])("%s", (_label, keyFile, inputs, profile, commonName) => {
    const key = fixtureKey(keyFile);
    const names = classifyNames(inputs);
    const leaf = issueCertificate({ issuer: ca.issuer, names, profile, keyPair: key, csr: false, ...(commonName ? { commonName } : {}) }, deps);
    const spki = new Uint8Array(key.publicKey.export({ type: "spki", format: "der" }));
    const rsa = keyFile.includes("rsa");
    const usages: KeyUsageName[] = rsa ? ["digitalSignature", "keyEncipherment"] : ["digitalSignature"];
    const extensions = [schemaBasicConstraints(false), schemaKeyUsage(usages), schemaEku([profile === "server" ? id_kp_serverAuth : id_kp_clientAuth])];
    if (names.dns.length + names.ip.length > 0) extensions.push(schemaSan(names));
    extensions.push(schemaSki(keyIdentifier(spki)), schemaAki(ca.issuer.certificate.keyId));
    const expected = schemaTbs({
      serial: Uint8Array.of(1),
      signatureOid: "1.2.840.10045.4.3.2",
      rsa: false,
      issuer: schemaName({ organization: "regcert", commonName: "KAT Root" }),
      subject: schemaName({ organization: "regcert", commonName: commonName ?? names.dns[0] }),
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      spki,
      extensions,
    });
    const tbs = tbsOf(leaf.certificateDer);
    expect(hex(tbs)).toBe(schemaDer(expected));

    // the outer Certificate framed around the TBS bytes == the schema's Certificate of the same parts
    const parsed = AsnConvert.parse(leaf.certificateDer, Certificate);
    const framed = new Certificate({
      tbsCertificate: AsnConvert.parse(tbs, TBSCertificate),
      signatureAlgorithm: new AlgorithmIdentifier({ algorithm: "1.2.840.10045.4.3.2" }),
      signatureValue: parsed.signatureValue,
    });
    expect(hex(leaf.certificateDer)).toBe(schemaDer(framed));
    expect(verify("sha256", tbs, { key: caKey.publicKey, dsaEncoding: "der" }, Buffer.from(parsed.signatureValue))).toBe(true);
  });

  test("an RSA issuer: RSA AlgorithmIdentifier with NULL parameters, signTbs framing", () => {
    const rsaCa = createRootCa({ commonName: "RSA Root", keyPair: fixtureKey("leaf-rsa2048.key") }, deps);
    const scheme = signatureSchemeFor(rsaCa.privateKey);
    const leafKey = fixtureKey("leaf-p256.key");
    const spki = spkiDer(leafKey.publicKey);
    const subjectName = encodeName({ organization: "regcert", commonName: "r.local" });
    const parts = {
      serial: Uint8Array.of(0x80, 0x01), // high bit set: the INTEGER gains a leading zero
      scheme,
      issuerName: rsaCa.issuer.certificate.subjectName,
      notBefore: NOW,
      notAfter: new Date("2060-01-01T00:00:00Z"),
      subjectName,
      spki,
      extensions: [basicConstraintsExtension(false), subjectAltNameExtension(classifyNames(["r.local"]))],
    };
    const tbs = encodeTbsCertificate(parts);
    const expected = schemaTbs({
      serial: parts.serial,
      signatureOid: "1.2.840.113549.1.1.11",
      rsa: true,
      issuer: schemaName({ organization: "regcert", commonName: "RSA Root" }),
      subject: schemaName({ organization: "regcert", commonName: "r.local" }),
      notBefore: parts.notBefore,
      notAfter: parts.notAfter,
      spki,
      extensions: [schemaBasicConstraints(false), schemaSan(classifyNames(["r.local"]))],
    });
    expect(hex(tbs)).toBe(schemaDer(expected));
    const der = signTbs(tbs, keySigner(rsaCa.privateKey));
    const parsed = AsnConvert.parse(der, Certificate);
    expect(hex(der)).toBe(schemaDer(new Certificate({ tbsCertificate: expected, signatureAlgorithm: parsed.signatureAlgorithm, signatureValue: parsed.signatureValue })));
  });

  test("the issuer Name is the CA's subject bytes, verbatim", () => {
    expect(hex(ca.issuer.certificate.subjectName)).toBe(schemaDer(schemaName({ organization: "regcert", commonName: "KAT Root" })));
  });
});

// ---- keys ----

describe("SPKI and PKCS#8 re-framed from an EC key's SEC1 export == node:crypto's own export", () => {
  const same = (key: { privateKey: KeyObject; publicKey: KeyObject }) => {
    const spki = hex(key.publicKey.export({ type: "spki", format: "der" }));
    const pem = key.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    expect(hex(spkiDer(key.privateKey))).toBe(spki);
    expect(hex(spkiDer(key.publicKey))).toBe(spki);
    expect(exportPrivateKeyPem(key.privateKey)).toBe(pem);
    const encoded = encodeKeyPair(key);
    expect(hex(encoded.spki)).toBe(spki);
    expect(encoded.privateKeyPem).toBe(pem);
  };

  test("fixture keys (P-256, P-384, RSA-2048 takes the native path)", () => {
    for (const name of ["ca-p256.key", "ca-p384.key", "leaf-p256.key", "leaf-rsa2048.key"]) same(fixtureKey(name));
  });

  test("200 fresh keys per curve, P-256, P-384, P-521 (private scalars with leading zero bytes included)", () => {
    for (const namedCurve of ["prime256v1", "secp384r1", "secp521r1"]) {
      for (let i = 0; i < 200; i++) same(generateKeyPairSync("ec", { namedCurve }));
    }
  });
});
