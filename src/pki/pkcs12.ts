/**
 * PKCS#12 (RFC 7292) keystores for Java-based registries and appliances (Sonatype Nexus, Artifactory,
 * Jetty/Tomcat fronts), built with the @peculiar ASN.1 schemas (asn1-pfx, asn1-pkcs8, asn1-cms) and
 * node:crypto; nothing here hand-encodes DER.
 *
 * Profiles:
 * - "aes" (default): what OpenSSL 3 and Java 17 write by default, with a stronger KDF: key and
 *   certificates under PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), MAC HMAC-SHA-256. Read by OpenSSL
 *   ≥ 1.1, Java ≥ 8u301/11.0.12/17 (JDK-8153005), Go's x/crypto/pkcs12 does not read it.
 * - "legacy": pbeWithSHAAnd3-KeyTripleDES-CBC for key and certificates, MAC HMAC-SHA-1, 2,048
 *   iterations: what Java 8 before 8u301 and old appliances can read (`openssl pkcs12 -legacy`).
 * - no password: certificates and key unencrypted, no MAC (OpenSSL `-nodes -nomac`); Java 17 reads
 *   such a truststore without a password.
 *
 * A truststore holds only CA certificates, each a certBag carrying Oracle's trusted-key-usage
 * attribute (2.16.840.1.113894.746875.1.1 = anyExtendedKeyUsage), which is what makes Java's keytool
 * list it as a trustedCertEntry (without it Java ignores a certificate that has no key).
 */
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes, type KeyObject } from "node:crypto";
import { AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { ContentInfo, EncryptedContent, EncryptedContentInfo, id_data, id_encryptedData } from "@peculiar/asn1-cms";
import { DigestInfo } from "@peculiar/asn1-rsa";
import { EncryptedData as Pkcs8EncryptedData, EncryptedPrivateKeyInfo, PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import {
  AuthenticatedSafe,
  CertBag,
  MacData,
  PFX,
  PKCS12Attribute,
  SafeBag,
  SafeContents,
  id_certBag,
  id_keyBag,
  id_pbeWithSHAAnd3_KeyTripleDES_CBC,
  id_pkcs8ShroudedKeyBag,
  id_x509Certificate,
} from "@peculiar/asn1-pfx";
import { opt, phrase, userError } from "./errors.js";
import { OID_PBES2, OID_PBKDF2 } from "./pkcs8.js";
import { Pbes2Params, Pbkdf2Params } from "./pbes2-schema.js";

export type Pkcs12Profile = "aes" | "legacy";

/** PBKDF2 iterations of the "aes" profile; also the MAC's. Java and OpenSSL default to 2,048–10,000; a keystore password deserves more. */
export const PKCS12_ITERATIONS = 100_000;
/** The legacy profile's count: OpenSSL's `-legacy` default, which Java 8 and old appliances read quickly. */
export const PKCS12_LEGACY_ITERATIONS = 2048;

/** Oracle's attribute that marks a trusted certificate entry (Java's PKCS12KeyStore, TrustedKeyUsage). */
export const OID_JAVA_TRUSTED_KEY_USAGE = "2.16.840.1.113894.746875.1.1";
const OID_ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
const OID_FRIENDLY_NAME = "1.2.840.113549.1.9.20";
const OID_LOCAL_KEY_ID = "1.2.840.113549.1.9.21";
const OID_HMAC_SHA256 = "1.2.840.113549.2.9";
const OID_AES256_CBC = "2.16.840.1.101.3.4.1.42";
const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
const OID_SHA1 = "1.3.14.3.2.26";

// Single values of PKCS#12 attributes, declared as one-alternative CHOICEs so the schema writes them.
class BmpStringValue {
  value = "";
  constructor(value = "") {
    this.value = value;
  }
}
AsnType({ type: AsnTypeTypes.Choice })(BmpStringValue);
AsnProp({ type: AsnPropTypes.BmpString })(BmpStringValue.prototype, "value");

class OidValue {
  value = "";
  constructor(value = "") {
    this.value = value;
  }
}
AsnType({ type: AsnTypeTypes.Choice })(OidValue);
AsnProp({ type: AsnPropTypes.ObjectIdentifier })(OidValue.prototype, "value");

/** pkcs-12PbeParams (RFC 7292 Appendix C): salt and iteration count of the pkcs-12PbeIds ciphers. */
class Pkcs12PbeParams {
  salt = new OctetString();
  iterations = 0;
  constructor(params: Partial<Pkcs12PbeParams> = {}) {
    Object.assign(this, params);
  }
}
AsnType({ type: AsnTypeTypes.Sequence })(Pkcs12PbeParams);
AsnProp({ type: OctetString })(Pkcs12PbeParams.prototype, "salt");
AsnProp({ type: AsnPropTypes.Integer })(Pkcs12PbeParams.prototype, "iterations");

/** CMS EncryptedData (RFC 5652 §8): not in @peculiar/asn1-cms, so declared here. */
class CmsEncryptedData {
  version = 0;
  encryptedContentInfo = new EncryptedContentInfo();
  constructor(params: Partial<CmsEncryptedData> = {}) {
    Object.assign(this, params);
  }
}
AsnType({ type: AsnTypeTypes.Sequence })(CmsEncryptedData);
AsnProp({ type: AsnPropTypes.Integer })(CmsEncryptedData.prototype, "version");
AsnProp({ type: EncryptedContentInfo })(CmsEncryptedData.prototype, "encryptedContentInfo");

const ab = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;
const der = (value: unknown): ArrayBuffer => AsnConvert.serialize(value);

/** The password as PKCS#12 wants it for its own KDF: BMPString (UTF-16 big-endian) with two zero bytes (RFC 7292 B.1). */
function bmpPassword(password: string): Buffer {
  const bytes = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) bytes.writeUInt16BE(password.charCodeAt(i), i * 2);
  return bytes;
}

/**
 * RFC 7292 Appendix B.2 key derivation (ID 1 = key, 2 = IV, 3 = MAC key). Node has no API for it;
 * OpenSSL's PKCS12_key_gen_uni is the reference, and `openssl pkcs12 -info` checks every byte.
 */
export function pkcs12Kdf(hash: "sha1" | "sha256", password: string, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, length: number): Buffer {
  const v = 64;
  const fill = (source: Uint8Array): Buffer => {
    if (source.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length] as number;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt), fill(bmpPassword(password))]);
  const result: Buffer[] = [];
  let produced = 0;
  while (produced < length) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let i = 1; i < iterations; i++) A = createHash(hash).update(A).digest();
    result.push(A);
    produced += A.length;
    if (produced >= length) break;
    const B = fill(A).subarray(0, v);
    for (let j = 0; j < I.length; j += v) {
      // I_j = (I_j + B + 1) mod 2^(8v)
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j + k] as number) + (B[k] as number) + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(result).subarray(0, length);
}

interface Encrypted {
  algorithm: AlgorithmIdentifier;
  ciphertext: Buffer;
}

function encrypt(plain: Uint8Array, password: string, profile: Pkcs12Profile, iterations: number): Encrypted {
  const salt = randomBytes(profile === "legacy" ? 8 : 16);
  if (profile === "legacy") {
    const key = pkcs12Kdf("sha1", password, salt, 1, iterations, 24);
    const iv = pkcs12Kdf("sha1", password, salt, 2, iterations, 8);
    const cipher = createCipheriv("des-ede3-cbc", key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    const params = new Pkcs12PbeParams({ salt: new OctetString(salt), iterations });
    return { algorithm: new AlgorithmIdentifier({ algorithm: id_pbeWithSHAAnd3_KeyTripleDES_CBC, parameters: der(params) }), ciphertext };
  }
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  key.fill(0);
  const kdf = new Pbkdf2Params({
    salt: new OctetString(salt),
    iterationCount: ab(Uint8Array.from(integerBytes(iterations))),
    prf: new AlgorithmIdentifier({ algorithm: OID_HMAC_SHA256, parameters: ab(Uint8Array.of(0x05, 0x00)) }),
  });
  const pbes2 = new Pbes2Params({
    keyDerivationFunc: new AlgorithmIdentifier({ algorithm: OID_PBKDF2, parameters: der(kdf) }),
    encryptionScheme: new AlgorithmIdentifier({ algorithm: OID_AES256_CBC, parameters: der(new OctetString(iv)) }),
  });
  return { algorithm: new AlgorithmIdentifier({ algorithm: OID_PBES2, parameters: der(pbes2) }), ciphertext };
}

function integerBytes(value: number): number[] {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  if ((bytes[0] ?? 0x80) & 0x80) bytes.unshift(0);
  return bytes;
}

// PKCS12Attribute's constructor drops its argument (asn1-pfx 2.x calls Object.assign(params)), so the fields are set after construction
const attribute = (attrId: string, value: unknown): PKCS12Attribute => Object.assign(new PKCS12Attribute(), { attrId, attrValues: [der(value)] });

function certBag(certificateDer: Uint8Array, attributes: PKCS12Attribute[]): SafeBag {
  return new SafeBag({
    bagId: id_certBag,
    bagValue: der(new CertBag({ certId: id_x509Certificate, certValue: der(new OctetString(certificateDer)) })),
    ...(attributes.length > 0 ? { bagAttributes: attributes } : {}),
  });
}

/** One SafeContents as an AuthenticatedSafe entry: encrypted (EncryptedData) when a password is given, plain (Data) otherwise. */
function safeContentInfo(bags: SafeBag[], password: string | undefined, profile: Pkcs12Profile, iterations: number): ContentInfo {
  const contents = new Uint8Array(der(new SafeContents(bags)));
  if (password === undefined) return new ContentInfo({ contentType: id_data, content: der(new OctetString(contents)) });
  const { algorithm, ciphertext } = encrypt(contents, password, profile, iterations);
  const encryptedData = new CmsEncryptedData({
    version: 0,
    encryptedContentInfo: new EncryptedContentInfo({
      contentType: id_data,
      contentEncryptionAlgorithm: algorithm,
      encryptedContent: new EncryptedContent({ value: new OctetString(ciphertext) }),
    }),
  });
  return new ContentInfo({ contentType: id_encryptedData, content: der(encryptedData) });
}

function pfx(safes: ContentInfo[], password: string | undefined, profile: Pkcs12Profile, iterations: number): Uint8Array {
  const authSafe = new Uint8Array(der(new AuthenticatedSafe(safes)));
  const result = new PFX({ version: 3, authSafe: new ContentInfo({ contentType: id_data, content: der(new OctetString(authSafe)) }) });
  if (password === undefined) {
    // no password: no MAC at all (the schema's default would write an empty MacData)
    delete (result as { macData?: MacData }).macData;
  } else {
    // RFC 7292 §5.1: the MAC key comes from the PKCS#12 KDF (ID 3) with the MAC's hash
    const hash = profile === "legacy" ? "sha1" : "sha256";
    const salt = randomBytes(profile === "legacy" ? 8 : 16);
    const key = pkcs12Kdf(hash, password, salt, 3, iterations, hash === "sha1" ? 20 : 32);
    const mac = createHmac(hash, key).update(authSafe).digest();
    result.macData = new MacData({
      mac: new DigestInfo({ digestAlgorithm: new AlgorithmIdentifier({ algorithm: hash === "sha1" ? OID_SHA1 : OID_SHA256, parameters: null }), digest: new OctetString(mac) }),
      macSalt: new OctetString(salt),
      iterations,
    });
  }
  return new Uint8Array(der(result));
}

function checkPassword(password: string | undefined): void {
  if (password === "") throw userError("regcert.emptySecret", "an empty keystore password is not allowed", phrase`put the password on the first line of ${opt("password")}, or pass ${opt("noPassword", true)} for an unprotected keystore`);
}

export interface KeystoreOptions {
  /** the leaf's private key (goes into a pkcs8ShroudedKeyBag; a plain keyBag without a password) */
  privateKey: KeyObject;
  /** the leaf certificate, DER */
  certificate: Uint8Array;
  /** issuer certificates, DER, leaf's issuer first (the CA) */
  chain?: Uint8Array[];
  /** the alias Java shows (friendlyName); e.g. "registry" */
  alias: string;
  /** undefined = no password (no encryption, no MAC) */
  password: string | undefined;
  /** default "aes" */
  profile?: Pkcs12Profile;
  /** default PKCS12_ITERATIONS ("aes") or PKCS12_LEGACY_ITERATIONS ("legacy") */
  iterations?: number;
}

/** A PKCS#12 with the key, its certificate and the chain (OpenSSL's layout: certificates in one safe, the key in another). */
export function createPkcs12Keystore(options: KeystoreOptions): Uint8Array {
  checkPassword(options.password);
  const profile = options.profile ?? "aes";
  const iterations = options.iterations ?? (profile === "legacy" ? PKCS12_LEGACY_ITERATIONS : PKCS12_ITERATIONS);
  // localKeyId pairs the key with its certificate: SHA-1 of the certificate, as OpenSSL writes it
  const localKeyId = new OctetString(createHash("sha1").update(options.certificate).digest());
  const keyAttributes = [attribute(OID_FRIENDLY_NAME, new BmpStringValue(options.alias)), attribute(OID_LOCAL_KEY_ID, localKeyId)];
  const bags = [certBag(options.certificate, keyAttributes), ...(options.chain ?? []).map((c) => certBag(c, []))];
  const pkcs8 = new Uint8Array(options.privateKey.export({ type: "pkcs8", format: "der" }));
  let keyBag: SafeBag;
  if (options.password === undefined) {
    keyBag = new SafeBag({ bagId: id_keyBag, bagValue: der(AsnConvert.parse(pkcs8, PrivateKeyInfo)), bagAttributes: keyAttributes });
  } else {
    const { algorithm, ciphertext } = encrypt(pkcs8, options.password, profile, iterations);
    const shrouded = new EncryptedPrivateKeyInfo({ encryptionAlgorithm: algorithm, encryptedData: new Pkcs8EncryptedData(ciphertext) });
    keyBag = new SafeBag({ bagId: id_pkcs8ShroudedKeyBag, bagValue: der(shrouded), bagAttributes: keyAttributes });
  }
  pkcs8.fill(0);
  return pfx([safeContentInfo(bags, options.password, profile, iterations), safeContentInfo([keyBag], undefined, profile, iterations)], options.password, profile, iterations);
}

export interface TruststoreOptions {
  /** CA certificates, DER, with the alias each gets */
  certificates: Array<{ der: Uint8Array; alias: string }>;
  password: string | undefined;
  profile?: Pkcs12Profile;
  iterations?: number;
}

/** A Java truststore: CA certificates only, each marked trusted for any purpose (keytool: trustedCertEntry). */
export function createPkcs12Truststore(options: TruststoreOptions): Uint8Array {
  checkPassword(options.password);
  const profile = options.profile ?? "aes";
  const iterations = options.iterations ?? (profile === "legacy" ? PKCS12_LEGACY_ITERATIONS : PKCS12_ITERATIONS);
  const bags = options.certificates.map((c) =>
    certBag(c.der, [attribute(OID_FRIENDLY_NAME, new BmpStringValue(c.alias)), attribute(OID_JAVA_TRUSTED_KEY_USAGE, new OidValue(OID_ANY_EXTENDED_KEY_USAGE))]),
  );
  return pfx([safeContentInfo(bags, options.password, profile, iterations)], options.password, profile, iterations);
}
