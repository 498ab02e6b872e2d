/**
 * The hand-framed CSR (src/pki/csr-encode.ts) is byte-identical to the @peculiar/asn1-csr encoding of
 * the same CertificationRequestInfo (the oracle below is the code createCsr used before), for every key
 * type and name shape; and openssl accepts the whole CSR's self-signature.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Attributes, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { Attribute, Extensions, Name, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { encodeName, type SubjectFields } from "../../../src/pki/certificate.js";
import { createCsr } from "../../../src/pki/csr.js";
import { encodeCertificationRequestInfo, encodeCsr } from "../../../src/pki/csr-encode.js";
import { derSequence } from "../../../src/pki/der.js";
import { subjectAltNameExtension } from "../../../src/pki/extensions.js";
import { spkiDer } from "../../../src/pki/keys.js";
import type { NameSet } from "../../../src/pki/names.js";
import { DerReader, TAG, readSingle } from "../../../src/pki/x509/der-reader.js";
import { openssl } from "../../helpers/openssl.js";
import { toolAvailable } from "../../helpers/run-tool.js";

function oracleInfo(subject: SubjectFields, spki: Uint8Array, names: NameSet): Uint8Array {
  const attributes = new Attributes();
  if (names.dns.length + names.ip.length > 0) {
    const extensions = AsnConvert.parse(derSequence(subjectAltNameExtension(names)), Extensions);
    attributes.push(new Attribute({ type: "1.2.840.113549.1.9.14", values: [AsnConvert.serialize(extensions)] }));
  }
  const info = new CertificationRequestInfo({ version: 0, subject: AsnConvert.parse(encodeName(subject), Name), subjectPKInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo), attributes });
  return new Uint8Array(AsnConvert.serialize(info));
}

const keys = {
  p256: () => generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey,
  p384: () => generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey,
  rsa2048: () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
  ed25519: () => generateKeyPairSync("ed25519").privateKey,
};
const nameSets: Array<[string, NameSet, SubjectFields]> = [
  ["DNS + IPv4 + IPv6", { dns: ["registry.test", "*.registry.test"], ip: ["192.168.0.12", "2001:db8::1"] }, { commonName: "registry.test", organization: "regcert" }],
  ["IP only, no CN", { dns: [], ip: ["10.0.0.1"] }, {}],
  ["no names", { dns: [], ip: [] }, { commonName: "client-1" }],
  ["many names (long form lengths)", { dns: Array.from({ length: 40 }, (_, i) => `host-${i}.registry.test`), ip: [] }, { commonName: "host-0.registry.test" }],
];

describe.each(Object.entries(keys))("%s", (_, makeKey) => {
  const key = makeKey();
  test.each(nameSets)("%s: CertificationRequestInfo byte-identical to @peculiar's", (__, names, subject) => {
    const spki = spkiDer(key);
    expect(Buffer.from(encodeCertificationRequestInfo(encodeName(subject), spki, names)).toString("hex")).toBe(Buffer.from(oracleInfo(subject, spki, names)).toString("hex"));
  });
  test("createCsr is the hand-framed encoder", () => {
    const csr = createCsr({ privateKey: key, subject: { commonName: "registry.test" }, names: nameSets[0]?.[1] as NameSet });
    const again = encodeCsr({ privateKey: key, subject: { commonName: "registry.test" }, names: nameSets[0]?.[1] as NameSet });
    // signatures are randomised (ECDSA); the signed part must be the same bytes
    const info = (der: Uint8Array) => {
      const r = DerReader.inside(der, readSingle(der, TAG.SEQUENCE));
      return Buffer.from(r.whole(r.read(TAG.SEQUENCE))).toString("hex");
    };
    expect(info(csr.der)).toBe(info(again.der));
    expect(info(csr.der)).toBe(Buffer.from(oracleInfo({ commonName: "registry.test" }, spkiDer(key), nameSets[0]?.[1] as NameSet)).toString("hex"));
  });
});

(toolAvailable("openssl") || process.env.CI === "true" ? test : test.skip)("openssl req -verify accepts the hand-framed CSR", async () => {
  const dir = mkdtempSync(join(tmpdir(), "regcert-csr-"));
  try {
    const file = join(dir, "r.csr");
    writeFileSync(file, encodeCsr({ privateKey: keys.p256(), subject: { commonName: "registry.test" }, names: nameSets[0]?.[1] as NameSet }).pem);
    const r = await openssl(["req", "-in", file, "-noout", "-verify", "-text"]);
    expect(r.code).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/verify OK/i);
    expect(r.stdout).toContain("DNS:registry.test, DNS:*.registry.test, IP Address:192.168.0.12, IP Address:2001:DB8:0:0:0:0:0:1");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
