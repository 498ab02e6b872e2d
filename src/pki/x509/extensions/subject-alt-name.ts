/** subjectAltName (RFC 5280 §4.2.1.6), as Go's parseSANExtension/forEachSAN. */
import { DerReader, TAG, isIa5, readSingle } from "../der-reader.js";
import { fail, goRead } from "../errors.js";
import { OID } from "../oids.js";
import type { ExtensionParser } from "./types.js";

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

/** ::ffff:a.b.c.d in 16 bytes: Go refuses it in SANs and constraints (it would match as IPv4 and IPv6). */
export const isIpv4Mapped = (ip: Uint8Array): boolean => ip.length === 16 && ip.subarray(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff));

export const subjectAltName: ExtensionParser = {
  oid: OID.subjectAltName,
  name: "subjectAltName",
  parse(ext, cert) {
    const v = ext.value;
    const seq = goRead("x509: invalid subject alternative names", () => DerReader.inside(v, readSingle(v, TAG.SEQUENCE)));
    while (!seq.empty) {
      const name = goRead("x509: invalid subject alternative name", () => seq.read());
      if ((name.tag & 0xc0) !== 0x80) continue;
      const data = seq.content(name);
      switch (name.tag & 0x1f) {
        case 1:
          if (!isIa5(data)) fail("x509: SAN rfc822Name is malformed");
          cert.emailAddresses.push(latin1(data));
          break;
        case 2:
          if (!isIa5(data)) fail("x509: SAN dNSName is malformed");
          cert.dnsNames.push(latin1(data));
          break;
        case 6:
          if (!isIa5(data)) fail("x509: SAN uniformResourceIdentifier is malformed");
          cert.uris.push(latin1(data));
          break;
        case 7:
          if (isIpv4Mapped(data)) fail("x509: SAN iPAddress contains IPv4-mapped IPv6 address");
          if (data.length !== 4 && data.length !== 16) fail(`x509: cannot parse IP address of length ${data.length}`);
          cert.ipAddresses.push(new Uint8Array(data));
          break;
        default:
          break;
      }
    }
    cert.hasSan = true;
    cert.sanCritical = ext.critical;
    // Go marks a SAN with none of the four name types it reads as unhandled
    return cert.dnsNames.length + cert.ipAddresses.length + cert.emailAddresses.length + cert.uris.length > 0;
  },
};
