/**
 * The public key (SPKI DER) a PKCS#8 private key carries, read from its DER without building a key
 * object: OpenSSL's key decoder costs about a millisecond per key, which made `regcert status` over a
 * home of 10 000 certificates take seconds. EC keys carry the public point in ECPrivateKey's [1]
 * field (RFC 5915); RSA keys carry n and e (RFC 8017). Anything else (Ed25519, encrypted keys, SEC1
 * "EC PRIVATE KEY" PEM, a missing public point) answers undefined, and the caller derives the key the
 * slow way. Pure: bytes in, bytes out.
 *
 * What this proves is that the file names the same public key; it does not re-derive the public key
 * from the private scalar. A file whose private part alone was altered reads as the same key here
 * (the TLS handshake would then fail); `status` checks identity, not integrity.
 */
import { derSequence, derTlv, elementBytes, readChildren, readWholeElement, type DerElement } from "./der.js";

const OID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01); // 1.2.840.10045.2.1
const OID_RSA_ENCRYPTION = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01); // 1.2.840.113549.1.1.1

const TAG = { integer: 0x02, bitString: 0x03, octetString: 0x04, oid: 0x06, sequence: 0x30, explicit1: 0xa1 } as const;

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const content = (buf: Uint8Array, el: DerElement): Uint8Array => buf.subarray(el.contentStart, el.end);

/** SPKI DER of an unencrypted PKCS#8 EC or RSA private key, or undefined when it cannot be read without a key object. */
export function spkiFromPkcs8(pkcs8: Uint8Array): Uint8Array | undefined {
  try {
    const top = readChildren(pkcs8, readWholeElement(pkcs8));
    const [version, algorithm, privateKey] = top;
    if (!version || version.tag !== TAG.integer || !algorithm || algorithm.tag !== TAG.sequence || !privateKey || privateKey.tag !== TAG.octetString) return undefined;
    const algorithmOid = readChildren(pkcs8, algorithm)[0];
    if (!algorithmOid || algorithmOid.tag !== TAG.oid) return undefined;
    const oid = content(pkcs8, algorithmOid);
    const inner = content(pkcs8, privateKey);
    const innerParts = readChildren(inner, readWholeElement(inner));
    const algorithmId = elementBytes(pkcs8, algorithm);
    if (same(oid, OID_EC_PUBLIC_KEY)) {
      // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters OPTIONAL, [1] publicKey BIT STRING OPTIONAL }
      const tagged = innerParts.find((p) => p.tag === TAG.explicit1);
      if (!tagged) return undefined;
      const bits = readChildren(inner, tagged)[0];
      if (!bits || bits.tag !== TAG.bitString) return undefined;
      return derSequence(algorithmId, elementBytes(inner, bits));
    }
    if (same(oid, OID_RSA_ENCRYPTION)) {
      // RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, … }; RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
      const [, modulus, exponent] = innerParts;
      if (!modulus || modulus.tag !== TAG.integer || !exponent || exponent.tag !== TAG.integer) return undefined;
      const rsaPublicKey = derSequence(elementBytes(inner, modulus), elementBytes(inner, exponent));
      return derSequence(algorithmId, derTlv(TAG.bitString, Uint8Array.of(0), rsaPublicKey));
    }
    return undefined;
  } catch {
    return undefined;
  }
}
