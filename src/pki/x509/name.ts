/** X.501 Names (issuer, subject) read with Go's parseName rules, keeping every attribute in order. */
import { ATTRIBUTE_NAMES, OID_COMMON_NAME, OID_ORGANIZATION } from "./oids.js";
import { DerReader, TAG, decodeOid, decodeString, DerError, type DerElement } from "./der-reader.js";
import { fail, goRead } from "./errors.js";

export interface NameAttribute {
  oid: string;
  /** "CN", "O", … or the dotted OID */
  name: string;
  value: string;
}

export interface ParsedName {
  /** "CN=…, O=…" in certificate order */
  text: string;
  attributes: NameAttribute[];
  commonName: string | undefined;
  organization: string | undefined;
  empty: boolean;
}

/** Reads the Name whose SEQUENCE element is `el` in `buf`. Throws CertificateParseError with Go's text. */
export function parseName(buf: Uint8Array, el: DerElement): ParsedName {
  if (el.tag !== TAG.SEQUENCE) fail("x509: invalid RDNSequence");
  const attributes: NameAttribute[] = [];
  const rdns = DerReader.inside(buf, el);
  while (!rdns.empty) {
    const set = goRead("x509: invalid RDNSequence", () => rdns.enter(TAG.SET));
    while (!set.empty) {
      const atv = goRead("x509: invalid RDNSequence: invalid attribute", () => set.enter(TAG.SEQUENCE));
      const oid = goRead("x509: invalid RDNSequence: invalid attribute type", () => decodeOid(atv.content(atv.read(TAG.OID))));
      const valueEl = goRead("x509: invalid RDNSequence: invalid attribute value", () => atv.read());
      let value: string;
      try {
        value = decodeString(valueEl.tag, atv.content(valueEl));
      } catch (error) {
        return fail(`x509: invalid RDNSequence: invalid attribute value: ${error instanceof DerError ? error.reason : "unreadable"}`);
      }
      attributes.push({ oid, name: ATTRIBUTE_NAMES[oid] ?? oid, value });
    }
  }
  return {
    text: attributes.map((a) => `${a.name}=${a.value}`).join(", "),
    attributes,
    // Go (pkix.Name.FillFromRDNSequence) keeps the last CN and O when there are several
    commonName: lastValue(attributes, OID_COMMON_NAME),
    organization: lastValue(attributes, OID_ORGANIZATION),
    empty: attributes.length === 0,
  };
}

function lastValue(attributes: NameAttribute[], oid: string): string | undefined {
  let value: string | undefined;
  for (const a of attributes) if (a.oid === oid) value = a.value;
  return value;
}
