/**
 * Positive sweep (issue 11): every certificate regcert makes — root CAs (plain, name-constrained,
 * pathLen 1), an intermediate, server and client leaves, for every key type — parses in the strict
 * model, and the model equals the independent @peculiar/asn1-x509 schema reading field by field.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  NameConstraints,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { createRootCa } from "../../../src/pki/ca.js";
import { createIntermediateCa } from "../../../src/pki/intermediate.js";
import { issueCertificate } from "../../../src/pki/issue.js";
import { KEY_ALGORITHMS, type KeyAlgorithm } from "../../../src/pki/keys.js";
import { formatIpNet, ipTexts, parseCertificate, readCertificate, type ParsedCertificate } from "../../../src/pki/x509/index.js";
import { parseCaCertificate } from "../../../src/pki/issuer.js";
import { readCertificateFacts } from "../../../src/pki/certificate-facts.js";

const hex = (b: ArrayBuffer | Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex"));

function compareWithOracle(der: Uint8Array): ParsedCertificate {
  const model = parseCertificate(der);
  const oracle = AsnConvert.parse(der, Certificate);
  const t = oracle.tbsCertificate;
  expect(model.version).toBe(t.version + 1);
  expect(model.serialHex).toBe(hex(t.serialNumber));
  expect(model.signatureAlgorithm).toBe(oracle.signatureAlgorithm.algorithm);
  expect(hex(model.signature)).toBe(hex(oracle.signatureValue));
  expect(hex(model.rawIssuer)).toBe(hex(AsnConvert.serialize(t.issuer)));
  expect(hex(model.rawSubject)).toBe(hex(AsnConvert.serialize(t.subject)));
  expect(hex(model.spki)).toBe(hex(AsnConvert.serialize(t.subjectPublicKeyInfo)));
  expect(hex(model.tbs)).toBe(hex(AsnConvert.serialize(t)));
  expect(model.notBefore.getTime()).toBe(t.validity.notBefore.getTime().getTime());
  expect(model.notAfter.getTime()).toBe(t.validity.notAfter.getTime().getTime());
  const subjectValues = t.subject.flatMap((rdn) => rdn.map((atv) => [atv.type, atv.value.toString()]));
  expect(model.subjectAttributes.map((a) => [a.oid, a.value])).toEqual(subjectValues);
  const exts = t.extensions ?? [];
  expect(model.extensions.map((e) => [e.oid, e.critical, hex(e.value)])).toEqual(exts.map((e) => [e.extnID, e.critical, hex(e.extnValue.buffer)]));
  const parse = <T>(oid: string, type: new () => T): T | undefined => {
    const found = exts.find((e) => e.extnID === oid);
    return found ? AsnConvert.parse(found.extnValue, type) : undefined;
  };
  const bc = parse(id_ce_basicConstraints, BasicConstraints);
  expect(model.basicConstraintsValid).toBe(bc !== undefined);
  expect(model.isCa).toBe(bc?.cA === true);
  expect(model.maxPathLen).toBe(bc?.pathLenConstraint ?? -1);
  const ku = parse(id_ce_keyUsage, KeyUsage);
  expect(model.hasKeyUsage).toBe(ku !== undefined);
  if (ku) expect(model.keyUsage).toBe(ku.toNumber());
  const eku = parse(id_ce_extKeyUsage, ExtendedKeyUsage);
  expect(model.extKeyUsage).toEqual(eku ? [...eku].map(String) : []);
  const san = parse(id_ce_subjectAltName, SubjectAlternativeName);
  expect(model.dnsNames).toEqual(san ? san.filter((g) => g.dNSName !== undefined).map((g) => g.dNSName) : []);
  expect(ipTexts(model)).toEqual(san ? san.filter((g) => g.iPAddress !== undefined).map((g) => g.iPAddress) : []);
  expect(hex(model.subjectKeyId)).toBe(hex(parse(id_ce_subjectKeyIdentifier, SubjectKeyIdentifier)?.buffer));
  expect(hex(model.authorityKeyId)).toBe(hex(parse(id_ce_authorityKeyIdentifier, AuthorityKeyIdentifier)?.keyIdentifier?.buffer));
  const nc = parse(id_ce_nameConstraints, NameConstraints);
  if (nc) {
    const m = model.nameConstraints;
    expect(m).toBeDefined();
    const sub = (list: NameConstraints["permittedSubtrees"], kind: "dNSName" | "iPAddress") => (list ?? []).map((s) => s.base[kind]).filter((v): v is string => typeof v === "string");
    expect(m?.permittedDns).toEqual(sub(nc.permittedSubtrees, "dNSName"));
    expect(m?.excludedDns).toEqual(sub(nc.excludedSubtrees, "dNSName"));
    expect(m?.permittedIp.map(formatIpNet)).toEqual(sub(nc.permittedSubtrees, "iPAddress"));
    expect(m?.excludedIp.map(formatIpNet)).toEqual(sub(nc.excludedSubtrees, "iPAddress"));
  } else expect(model.nameConstraints).toBeUndefined();
  expect(model.unhandledCriticalExtensions).toEqual([]);
  return model;
}

describe.each(KEY_ALGORITHMS.map((k) => [k]))("%s", (keyAlgorithm: KeyAlgorithm) => {
  const root = createRootCa({ keyAlgorithm, commonName: `Sweep ${keyAlgorithm}`, organization: "regcert sweep", maxPathLen: 1 });

  test("root CA (pathLen 1)", () => {
    const m = compareWithOracle(root.certificateDer);
    expect(m.publicKey.algorithm).toBe(keyAlgorithm);
    expect(m.isCa && m.maxPathLen === 1).toBe(true);
    // the CA loader and the facts reader are views of the same model
    expect(parseCaCertificate(root.certificatePem).keyId).toEqual(m.subjectKeyId);
    expect(readCertificateFacts(root.certificatePem).profile).toBe("ca");
  });

  test("name-constrained root CA", () => {
    const nc = createRootCa({ keyAlgorithm, commonName: "Sweep NC", nameConstraints: { permittedDns: ["registry.test"], permittedIp: ["192.168.0.0/16", "2001:db8::/32"], excludedDns: [], excludedIp: [] } });
    const m = compareWithOracle(nc.certificateDer);
    expect(m.nameConstraints?.critical).toBe(true);
  });

  test("server and client leaves", () => {
    for (const profile of ["server", "client"] as const) {
      const leaf = issueCertificate({ issuer: root.issuer, names: ["registry.test", "192.0.2.10", "2001:db8::10"], profile, keyAlgorithm, csr: false });
      const m = compareWithOracle(leaf.certificateDer);
      expect(m.publicKey.algorithm).toBe(keyAlgorithm);
      const facts = readCertificateFacts(leaf.certificatePem);
      expect(facts.profile).toBe(profile);
      expect(facts.names).toEqual({ dns: ["registry.test"], ip: ["192.0.2.10", "2001:db8::10"] });
      expect(facts.serialHex).toBe(leaf.serialHex);
      expect(readCertificate(leaf.certificatePem).fingerprint).toBe(facts.fingerprint);
    }
  });

  test("intermediate CA", () => {
    const inter = createIntermediateCa({ issuer: root.issuer, permitDns: ["registry.test"], keyAlgorithm });
    const m = compareWithOracle(inter.certificateDer);
    expect(m.isCa).toBe(true);
    expect(m.nameConstraints?.permittedDns).toEqual(["registry.test"]);
  });
});
