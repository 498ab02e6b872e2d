/** basicConstraints (RFC 5280 §4.2.1.9), as Go's parseBasicConstraintsExtension. */
import { DerReader, TAG, decodeBoolean, decodeSmallUnsigned, readSingle } from "../der-reader.js";
import { goRead } from "../errors.js";
import { OID } from "../oids.js";
import type { ExtensionParser } from "./types.js";

export const basicConstraints: ExtensionParser = {
  oid: OID.basicConstraints,
  name: "basicConstraints",
  parse(ext, cert) {
    const v = ext.value;
    goRead("x509: invalid basic constraints", () => {
      const seq = DerReader.inside(v, readSingle(v, TAG.SEQUENCE));
      const ca = seq.readOptional(TAG.BOOLEAN);
      if (ca) cert.isCa = decodeBoolean(seq.content(ca));
      const pathLen = seq.readOptional(TAG.INTEGER);
      if (pathLen) cert.maxPathLen = decodeSmallUnsigned(seq.content(pathLen));
    });
    cert.basicConstraintsValid = true;
    cert.basicConstraintsCritical = ext.critical;
    return true;
  },
};
