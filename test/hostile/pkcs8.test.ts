/**
 * Encrypted PKCS#8 (src/pki/pkcs8.ts) against OpenSSL in both directions, and against hostile key
 * files: keys OpenSSL encrypts with other PRFs/ciphers/scrypt are opened; what we write OpenSSL
 * opens; an absurd iteration count is refused in milliseconds instead of burning CPU; malformed
 * structures and wrong passphrases are one-line RegcertErrors (exit 2), never crashes.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { EncryptedData, EncryptedPrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { openssl } from "../helpers/openssl.js";
import { toolAvailable } from "../helpers/run-tool.js";
import { RegcertError } from "../../src/pki/errors.js";
import { toPem } from "../../src/pki/pem.js";
import {
  OID_PBES2,
  OID_PBKDF2,
  PBKDF2_ITERATIONS,
  decryptPrivateKey,
  describeEncryptedKey,
  encryptPrivateKey,
  encryptPrivateKeyPem,
  isEncryptedKeyPem,
} from "../../src/pki/pkcs8.js";
import { Pbes2Params, Pbkdf2Params } from "../../src/pki/pbes2-schema.js";
import { makeTempDir, removeTempDir } from "../helpers/workspace.js";

const itOpenssl = toolAvailable("openssl") ? test : test.skip;
let dir: string;
beforeAll(() => {
  dir = makeTempDir("regcert-pkcs8-");
  writeFileSync(join(dir, "pass.txt"), "pässwörd with spaces\n");
});
afterAll(() => removeTempDir(dir));
const PASS = "pässwörd with spaces";

const ec = (): KeyObject => generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
const samePublic = (a: KeyObject, b: KeyObject) =>
  expect(createPublicKey(a).export({ type: "spki", format: "der" }).equals(createPublicKey(b).export({ type: "spki", format: "der" }))).toBe(true);

function refusal(fn: () => unknown): RegcertError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RegcertError);
    expect((error as RegcertError).exitCode).toBe(2);
    expect((error as RegcertError).message).not.toContain("\n");
    return error as RegcertError;
  }
  throw new Error("expected a refusal");
}

describe("what regcert writes", () => {
  test("is PBES2 / PBKDF2-HMAC-SHA256 / 600,000 iterations / AES-256-CBC, and decrypts to the same key", () => {
    const key = ec();
    const pem = encryptPrivateKeyPem(key, PASS);
    expect(isEncryptedKeyPem(pem)).toBe(true);
    expect(describeEncryptedKey(pem)).toEqual({ scheme: "PBES2", kdf: "PBKDF2", prf: "hmacWithSHA256", iterations: PBKDF2_ITERATIONS, cipher: "aes-256-cbc", strong: true });
    samePublic(decryptPrivateKey(pem, PASS), key);
  });

  test("is byte for byte the @peculiar schema encoding of the same structure (the independent oracle)", () => {
    const key = ec();
    const salt = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const iv = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 - i);
    for (const iterations of [PBKDF2_ITERATIONS, 8_388_607, 8_388_608, 10_000_000]) {
      const ours = encryptPrivateKey(key, PASS, { salt, iv, iterations });
      // the ciphertext is the one thing the oracle cannot make: take it from what we wrote
      const parsed = AsnConvert.parse(ours, EncryptedPrivateKeyInfo);
      const kdf = new Pbkdf2Params({
        salt: new OctetString(salt),
        iterationCount: Uint8Array.from(Buffer.from(iterations.toString(16).padStart(8, "0").replace(/^(00)+(?=[0-7])/, ""), "hex")).buffer,
        prf: new AlgorithmIdentifier({ algorithm: "1.2.840.113549.2.9", parameters: Uint8Array.of(5, 0).buffer }),
      });
      const pbes2 = new Pbes2Params({
        keyDerivationFunc: new AlgorithmIdentifier({ algorithm: OID_PBKDF2, parameters: AsnConvert.serialize(kdf) }),
        encryptionScheme: new AlgorithmIdentifier({ algorithm: "2.16.840.1.101.3.4.1.42", parameters: AsnConvert.serialize(new OctetString(iv)) }),
      });
      const oracle = new EncryptedPrivateKeyInfo({
        encryptionAlgorithm: new AlgorithmIdentifier({ algorithm: OID_PBES2, parameters: AsnConvert.serialize(pbes2) }),
        encryptedData: new EncryptedData(parsed.encryptedData.buffer),
      });
      expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(AsnConvert.serialize(oracle)).toString("hex"));
      samePublic(decryptPrivateKey(ours, PASS), key);
    }
  });

  test("salt and IV are fresh each time", () => {
    const key = ec();
    expect(encryptPrivateKeyPem(key, PASS)).not.toBe(encryptPrivateKeyPem(key, PASS));
  });

  test("refuses an empty passphrase and fewer than 600,000 iterations", () => {
    expect(refusal(() => encryptPrivateKey(ec(), "")).message).toContain("empty passphrase");
    expect(refusal(() => encryptPrivateKey(ec(), PASS, { iterations: 2048 })).message).toContain("2048 PBKDF2 iterations");
  });

  itOpenssl("OpenSSL opens it (EC and RSA keys), and refuses a wrong passphrase", async () => {
    const keys = [ec(), generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey];
    for (const [i, key] of keys.entries()) {
      const path = join(dir, `ours-${i}.pem`);
      writeFileSync(path, encryptPrivateKeyPem(key, PASS));
      const out = await openssl(["pkey", "-in", path, "-passin", `file:${join(dir, "pass.txt")}`, "-pubout"]);
      expect(out.code).toBe(0);
      expect(out.stdout).toBe(createPublicKey(key).export({ type: "spki", format: "pem" }));
      expect((await openssl(["pkey", "-in", path, "-passin", "pass:wrong", "-noout"])).code).not.toBe(0);
    }
  });
});

describe("what OpenSSL writes", () => {
  test.each([
    ["openssl 3 default (hmacWithSHA256, AES-256-CBC, 2048 iterations)", ["-v2", "aes-256-cbc"]],
    ["hmacWithSHA1 (the RFC 8018 default PRF, no prf field)", ["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"]],
    ["hmacWithSHA512 and AES-192-CBC", ["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512"]],
    ["scrypt (N=2^14, r=8, p=1) through node:crypto", ["-v2", "aes-256-cbc", "-scrypt"]],
  ])("%s: opened with the right passphrase, refused with a wrong one", async (_what, args) => {
    if (!toolAvailable("openssl")) return;
    const key = ec();
    const plain = join(dir, "plain.pem");
    writeFileSync(plain, key.export({ type: "pkcs8", format: "pem" }));
    const out = join(dir, `theirs-${args.join("")}.pem`);
    const made = await openssl(["pkcs8", "-topk8", "-in", plain, "-out", out, "-passout", `file:${join(dir, "pass.txt")}`, ...args]);
    expect(made.code).toBe(0);
    const pem = readFileSync(out, "utf8");
    samePublic(decryptPrivateKey(pem, PASS), key);
    expect(describeEncryptedKey(pem).strong).toBe(false);
    expect(refusal(() => decryptPrivateKey(pem, "wrong")).message).toContain("wrong passphrase");
  });
});

/** An EncryptedPrivateKeyInfo with chosen PBKDF2 parameters (and garbage ciphertext). */
function craft(iterations: Uint8Array, options: { keyLength?: Uint8Array; iv?: Uint8Array } = {}): string {
  const kdf = new Pbkdf2Params({
    salt: new OctetString(new Uint8Array(16)),
    iterationCount: iterations.slice().buffer,
    ...(options.keyLength ? { keyLength: options.keyLength.slice().buffer } : {}),
    prf: new AlgorithmIdentifier({ algorithm: "1.2.840.113549.2.9", parameters: Uint8Array.of(5, 0).buffer }),
  });
  const pbes2 = new Pbes2Params({
    keyDerivationFunc: new AlgorithmIdentifier({ algorithm: OID_PBKDF2, parameters: AsnConvert.serialize(kdf) }),
    encryptionScheme: new AlgorithmIdentifier({ algorithm: "2.16.840.1.101.3.4.1.42", parameters: AsnConvert.serialize(new OctetString(options.iv ?? new Uint8Array(16))) }),
  });
  const info = new EncryptedPrivateKeyInfo({
    encryptionAlgorithm: new AlgorithmIdentifier({ algorithm: OID_PBES2, parameters: AsnConvert.serialize(pbes2) }),
    encryptedData: new EncryptedData(new Uint8Array(48)),
  });
  return toPem("ENCRYPTED PRIVATE KEY", new Uint8Array(AsnConvert.serialize(info)));
}

describe("hostile key files", () => {
  test.each([
    ["2^40 iterations", Uint8Array.of(0x01, 0, 0, 0, 0, 0)],
    ["2^80 iterations", Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)],
    ["a negative iteration count", Uint8Array.of(0xff)],
    ["zero iterations", Uint8Array.of(0)],
  ])("%s: refused in well under a second, naming the limit", (_what, iterations) => {
    const started = Date.now();
    const error = refusal(() => decryptPrivateKey(craft(iterations), PASS, "hostile.key"));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error.message).toMatch(/hostile\.key asks for .* PBKDF2 iterations; regcert accepts 1 to 10000000/);
  });

  test("a key length that does not fit the cipher, or a short IV, is refused", () => {
    expect(refusal(() => decryptPrivateKey(craft(Uint8Array.of(1), { keyLength: Uint8Array.of(16) }), PASS)).code).toBe("regcert.badKey");
    expect(refusal(() => decryptPrivateKey(craft(Uint8Array.of(1), { iv: new Uint8Array(8) }), PASS)).code).toBe("regcert.badKey");
  });

  test("garbage ciphertext under sane parameters is 'wrong passphrase', not a crash", () => {
    expect(refusal(() => decryptPrivateKey(craft(Uint8Array.of(0x03, 0xe8)), PASS)).code).toBe("regcert.wrongPassphrase");
  });

  test.each([
    ["an empty PEM block", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n-----END ENCRYPTED PRIVATE KEY-----\n"],
    ["base64 of random bytes", `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${Buffer.from("not DER at all, just text").toString("base64")}\n-----END ENCRYPTED PRIVATE KEY-----\n`],
    ["a truncated key", encryptPrivateKeyPem(ec(), PASS).slice(0, 200) + "\n-----END ENCRYPTED PRIVATE KEY-----\n"],
  ])("%s: a one-line RegcertError", (_what, pem) => {
    refusal(() => decryptPrivateKey(pem, PASS));
  });

  test("an empty passphrase is refused before any work", () => {
    expect(refusal(() => decryptPrivateKey(encryptPrivateKeyPem(ec(), PASS), "")).message).toContain("empty passphrase");
  });
});
