/** spkiFromPkcs8 reads the public key out of PKCS#8 DER exactly as node:crypto (OpenSSL) exports it. */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { spkiFromPkcs8 } from "../../../src/pki/key-identity.js";

const pair = (type: string) =>
  type === "rsa-2048"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : type === "ed25519"
      ? generateKeyPairSync("ed25519")
      : generateKeyPairSync("ec", { namedCurve: type === "ecdsa-p384" ? "P-384" : "P-256" });

test.each(["ecdsa-p256", "ecdsa-p384", "rsa-2048"])("%s: the SPKI equals OpenSSL's export, byte for byte", (type) => {
  const { privateKey } = pair(type);
  const pkcs8 = new Uint8Array(privateKey.export({ type: "pkcs8", format: "der" }));
  const expected = new Uint8Array(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
  expect(Buffer.from(spkiFromPkcs8(pkcs8) ?? [])).toEqual(Buffer.from(expected));
});

test("keys it cannot read without a key object answer undefined (the caller asks node:crypto)", () => {
  const ed = pair("ed25519").privateKey.export({ type: "pkcs8", format: "der" });
  expect(spkiFromPkcs8(new Uint8Array(ed))).toBeUndefined();
  expect(spkiFromPkcs8(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00))).toBeUndefined();
  expect(spkiFromPkcs8(new Uint8Array(0))).toBeUndefined();
});
