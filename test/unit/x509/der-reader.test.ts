/** The strict typed readers: each DER rule Go's cryptobyte enforces, one case per rule. */
import {
  DerError,
  DerReader,
  TAG,
  decodeBitString,
  decodeBoolean,
  decodeGeneralizedTime,
  decodeInteger,
  decodeOid,
  decodeString,
  decodeUtcTime,
  readSingle,
} from "../../../src/pki/x509/der-reader.js";

const b = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ""), "hex"));
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));
const rejects = (fn: () => unknown, reason: RegExp): void => {
  expect(fn).toThrow(DerError);
  expect(fn).toThrow(reason);
};

describe("framing", () => {
  test("a SEQUENCE is read child by child", () => {
    const r = new DerReader(b("3006 020101 0101ff"));
    const inner = r.enter(TAG.SEQUENCE);
    expect(decodeInteger(inner.content(inner.read(TAG.INTEGER)))).toBe(1n);
    expect(decodeBoolean(inner.content(inner.read(TAG.BOOLEAN)))).toBe(true);
    expect(inner.empty).toBe(true);
    r.finish();
  });
  test.each([
    ["long form for a length below 128", "30 8103 020101", /long form/],
    ["indefinite length", "3080 020101 0000", /indefinite/],
    ["leading zero length octet", "30 820003 020101", /leading zero|long form/],
    ["truncated", "3005 020101", /truncated/],
    ["high tag number", "1f01 00", /high tag/],
  ])("%s is refused", (_, hex, reason) => rejects(() => readSingle(b(hex)), reason));
  test("trailing bytes are refused", () => rejects(() => readSingle(b("020101 00")), /unexpected byte/));
  test("a wrong tag is refused", () => rejects(() => readSingle(b("020101"), TAG.SEQUENCE), /expected tag 0x30/));
});

describe("INTEGER", () => {
  test.each([
    ["00", 0n],
    ["7f", 127n],
    ["0080", 128n],
    ["ff", -1n],
    ["ff7f", -129n],
    ["00ff", 255n],
  ])("%s = %s", (hex, n) => expect(decodeInteger(b(hex))).toBe(n));
  test.each(["", "0001", "007f", "ffff", "ff80", "000080"])("%s is not minimal", (hex) => rejects(() => decodeInteger(b(hex)), /INTEGER/));
});

describe("BOOLEAN", () => {
  test.each([["00", false], ["ff", true]])("%s", (hex, v) => expect(decodeBoolean(b(hex))).toBe(v));
  test.each(["01", "7f", "", "0000"])("%s is refused", (hex) => rejects(() => decodeBoolean(b(hex)), /BOOLEAN/));
});

describe("OBJECT IDENTIFIER", () => {
  test.each([
    ["551d13", "2.5.29.19"],
    ["2a864886f70d01010b", "1.2.840.113549.1.1.11"],
    ["608648016503040311", "2.16.840.1.101.3.4.3.17"],
  ])("%s = %s", (hex, oid) => expect(decodeOid(b(hex))).toBe(oid));
  test.each(["", "55801d", "5581"])("%s is refused", (hex) => rejects(() => decodeOid(b(hex)), /OBJECT IDENTIFIER/));
});

describe("BIT STRING", () => {
  test("unused bits and padding", () => expect(decodeBitString(b("05a0")).unusedBits).toBe(5));
  test.each(["", "08ff", "01", "0587"])("%s is refused", (hex) => rejects(() => decodeBitString(b(hex)), /BIT STRING/));
});

describe("time, as Go's cryptobyte reads it", () => {
  test.each([
    ["261203093000Z", "2026-12-03T09:30:00.000Z"],
    ["2612030930Z", "2026-12-03T09:30:00.000Z"],
    ["491231235959Z", "2049-12-31T23:59:59.000Z"],
    ["500101000000Z", "1950-01-01T00:00:00.000Z"],
    ["261203093000+0100", "2026-12-03T08:30:00.000Z"],
  ])("UTCTime %s", (text, iso) => expect(decodeUtcTime(ascii(text)).toISOString()).toBe(iso));
  test.each(["261203093000", "261203093000+0000", "261303093000Z", "260230000000Z", "261203246000Z", "2612030930.5Z", "26120309300Z"])(
    "UTCTime %s is refused",
    (text) => rejects(() => decodeUtcTime(ascii(text)), /UTCTime|range|offset/),
  );
  test("GeneralizedTime", () => expect(decodeGeneralizedTime(ascii("20501231235959Z")).toISOString()).toBe("2050-12-31T23:59:59.000Z"));
  test.each(["20501231235959.5Z", "205012312359Z", "20501231235959", "20501231235959-0000"])("GeneralizedTime %s is refused", (text) =>
    rejects(() => decodeGeneralizedTime(ascii(text)), /GeneralizedTime|offset/),
  );
});

describe("strings, as Go's parseASN1String", () => {
  test("PrintableString allows * and &", () => expect(decodeString(TAG.PrintableString, ascii("*.a & b"))).toBe("*.a & b"));
  test("T61String is Latin-1", () => expect(decodeString(TAG.T61String, b("e9"))).toBe("é"));
  test("BMPString drops a terminator", () => expect(decodeString(TAG.BMPString, b("004100420000"))).toBe("AB"));
  test.each([
    [TAG.PrintableString, "41_", /invalid PrintableString/],
    [TAG.UTF8String, "c3", /invalid UTF-8/],
    [TAG.IA5String, "80", /invalid IA5String/],
    [TAG.BMPString, "d800", /invalid BMPString/],
    [TAG.NumericString, "31a", /NumericString/],
    [0x1c, "00000041", /unsupported string type: 28/],
  ])("tag %s %s is refused", (tag, value, reason) => {
    const bytes = value.endsWith("_") ? ascii("A_") : value === "31a" ? ascii("1a") : b(value);
    rejects(() => decodeString(tag, bytes), reason);
  });
});
