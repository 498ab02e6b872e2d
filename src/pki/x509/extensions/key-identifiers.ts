/** subjectKeyIdentifier and authorityKeyIdentifier (RFC 5280 §4.2.1.1-2), as Go's parser.go. */
import { DerReader, TAG, contextTag, readSingle } from "../der-reader.js";
import { fail, goRead } from "../errors.js";
import { OID } from "../oids.js";
import type { ExtensionParser } from "./types.js";

export const subjectKeyIdentifier: ExtensionParser = {
  oid: OID.subjectKeyIdentifier,
  name: "subjectKeyIdentifier",
  parse(ext, cert) {
    if (ext.critical) fail("x509: subject key identifier incorrectly marked critical");
    const v = ext.value;
    cert.subjectKeyId = goRead("x509: invalid subject key identifier", () => new Uint8Array(v.subarray(readSingle(v, TAG.OCTET_STRING).contentStart)));
    return true;
  },
};

export const authorityKeyIdentifier: ExtensionParser = {
  oid: OID.authorityKeyIdentifier,
  name: "authorityKeyIdentifier",
  parse(ext, cert) {
    if (ext.critical) fail("x509: authority key identifier incorrectly marked critical");
    const v = ext.value;
    goRead("x509: invalid authority key identifier", () => {
      const seq = DerReader.inside(v, readSingle(v, TAG.SEQUENCE));
      for (const part of seq.readAll()) {
        if (part.tag === contextTag(0)) cert.authorityKeyId = new Uint8Array(seq.content(part));
        else if (part.tag === contextTag(1, true)) cert.akiHasIssuer = true;
        else if (part.tag === contextTag(2)) cert.akiHasSerial = true;
      }
    });
    cert.hasAki = true;
    return true;
  },
};
