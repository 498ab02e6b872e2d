/** extKeyUsage (RFC 5280 §4.2.1.12), as Go's parseExtKeyUsageExtension. */
import { DerReader, TAG, decodeOid, readSingle } from "../der-reader.js";
import { goRead } from "../errors.js";
import { OID } from "../oids.js";
import type { ExtensionParser } from "./types.js";

export const extKeyUsage: ExtensionParser = {
  oid: OID.extKeyUsage,
  name: "extKeyUsage",
  parse(ext, cert) {
    const v = ext.value;
    goRead("x509: invalid extended key usages", () => {
      const seq = DerReader.inside(v, readSingle(v, TAG.SEQUENCE));
      while (!seq.empty) cert.extKeyUsage.push(decodeOid(seq.content(seq.read(TAG.OID))));
    });
    cert.hasEku = true;
    return true;
  },
};
