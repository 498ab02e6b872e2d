/**
 * The strict DER reader every X.509 structure (certificates, CSRs, extensions) is read with: Go's
 * cryptobyte rules, because what Go cannot parse no Docker/containerd/podman client can use.
 *
 * - framing (src/pki/der.ts readElement): definite lengths only, shortest length form, low tags only;
 * - INTEGER: at least one octet, minimal two's complement (no 0x00 before a clear top bit, no 0xff
 *   before a set top bit) — cryptobyte's checkASN1Integer;
 * - BOOLEAN: one octet, 0x00 or 0xff only;
 * - OBJECT IDENTIFIER: non-empty, minimal base-128 arcs, last arc complete;
 * - BIT STRING: unused-bit count 0..7, none without data, padding bits zero;
 * - UTCTime "YYMMDDHHMM[SS](Z|±hhmm)" and GeneralizedTime "YYYYMMDDHHMMSS(Z|±hhmm)", accepted only when
 *   Go's time.Format gives the same text back (so no "+0000", no fractions, no out-of-range fields);
 * - strings: Go's parseASN1String per type (PrintableString with '*' and '&', UTF-8 valid, IA5 7-bit,
 *   BMPString without surrogates/non-characters, NumericString digits and space, T61String as Latin-1);
 *   any other string type is refused, as Go does.
 *
 * Every failure is a {@link DerError} with a short reason; callers translate it into the error text
 * of the structure they were reading (Go's "x509: malformed …"). Pure: no I/O.
 */
import { readElement as readFramed, type DerElement } from "../der.js";

export type { DerElement } from "../der.js";

/** A DER value that breaks a rule; `reason` says which. */
export class DerError extends Error {
  constructor(readonly reason: string) {
    super(`malformed DER: ${reason}`);
    this.name = "DerError";
  }
}

const bad = (reason: string): never => {
  throw new DerError(reason);
};

/** Universal tags used by X.509 (all low-tag-number form: one octet). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  NumericString: 0x12,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** A context-specific tag `[n]` (implicit primitive, or constructed for explicit/constructed types). */
export const contextTag = (n: number, constructed = false): number => 0x80 | (constructed ? 0x20 : 0) | n;

/** Reads one framed TLV at `offset`, converting framing errors into DerError. */
function frame(buf: Uint8Array, offset: number, end: number): DerElement {
  let el: DerElement;
  try {
    el = readFramed(buf.subarray(0, end), offset);
  } catch (error) {
    return bad(error instanceof Error ? error.message.replace(/^malformed DER: /, "") : "unreadable");
  }
  return el;
}

/**
 * A cursor over a run of DER elements (the contents of a SEQUENCE, SET or explicit tag), read in order
 * like cryptobyte.String: each read checks the framing of exactly the element it returns.
 */
export class DerReader {
  private pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** A reader over the contents of `el` (an element of the same buffer). */
  static inside(buf: Uint8Array, el: DerElement): DerReader {
    return new DerReader(buf, el.contentStart, el.end);
  }

  get empty(): boolean {
    return this.pos >= this.end;
  }

  get offset(): number {
    return this.pos;
  }

  /** The tag of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.empty ? undefined : this.buf[this.pos];
  }

  /** Reads the next element; with `tag`, it must carry that tag. */
  read(tag?: number): DerElement {
    if (this.empty) return bad(tag === undefined ? "missing element" : `missing element with tag 0x${tag.toString(16)}`);
    const el = frame(this.buf, this.pos, this.end);
    if (tag !== undefined && el.tag !== tag) bad(`expected tag 0x${tag.toString(16)}, found 0x${el.tag.toString(16)}`);
    this.pos = el.end;
    return el;
  }

  /** Reads the next element only when it carries `tag`. */
  readOptional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.read(tag) : undefined;
  }

  /** Reads an element with `tag` and returns a reader over its contents. */
  enter(tag: number): DerReader {
    return DerReader.inside(this.buf, this.read(tag));
  }

  /** Every remaining element, in order. */
  readAll(): DerElement[] {
    const out: DerElement[] = [];
    while (!this.empty) out.push(this.read());
    return out;
  }

  /** Throws when elements remain (a structure with trailing data). */
  finish(): void {
    if (!this.empty) bad(`${this.end - this.pos} unexpected byte(s) at the end of a structure`);
  }

  content(el: DerElement): Uint8Array {
    return this.buf.subarray(el.contentStart, el.end);
  }

  whole(el: DerElement): Uint8Array {
    return this.buf.subarray(el.start, el.end);
  }
}

export const contentOf = (buf: Uint8Array, el: DerElement): Uint8Array => buf.subarray(el.contentStart, el.end);
export const wholeOf = (buf: Uint8Array, el: DerElement): Uint8Array => buf.subarray(el.start, el.end);

/** The one element that must fill `bytes` exactly (optionally with `tag`); trailing bytes are an error. */
export function readSingle(bytes: Uint8Array, tag?: number): DerElement {
  const reader = new DerReader(bytes);
  const el = reader.read(tag);
  reader.finish();
  return el;
}

// ---- typed values (each takes the CONTENT octets of an element) ----

/** INTEGER content → bigint, refusing empty and non-minimal encodings. */
export function decodeInteger(bytes: Uint8Array): bigint {
  checkInteger(bytes);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if ((bytes[0] as number) & 0x80) n -= 1n << BigInt(8 * bytes.length);
  return n;
}

/** cryptobyte's checkASN1Integer. */
export function checkInteger(bytes: Uint8Array): void {
  if (bytes.length === 0) bad("empty INTEGER");
  if (bytes.length > 1) {
    const [a, b] = [bytes[0] as number, bytes[1] as number];
    if ((a === 0 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) === 0x80)) bad("INTEGER not minimally encoded");
  }
}

/** A non-negative INTEGER that fits a JS number safely. */
export function decodeSmallUnsigned(bytes: Uint8Array): number {
  const n = decodeInteger(bytes);
  if (n < 0n) bad("negative INTEGER");
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) bad("INTEGER too large");
  return Number(n);
}

/** BOOLEAN content: exactly one octet, 0x00 (false) or 0xff (true). */
export function decodeBoolean(bytes: Uint8Array): boolean {
  if (bytes.length !== 1 || (bytes[0] !== 0x00 && bytes[0] !== 0xff)) bad("BOOLEAN must be 0x00 or 0xff");
  return bytes[0] === 0xff;
}

/** OBJECT IDENTIFIER content → dotted text (minimal arcs, no truncated arc). */
export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) bad("empty OBJECT IDENTIFIER");
  const parts: number[] = [];
  let value = 0;
  let first = true;
  let atStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (atStart && b === 0x80) bad("OBJECT IDENTIFIER arc not minimally encoded");
    atStart = false;
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) bad("OBJECT IDENTIFIER arc too large");
    if ((b & 0x80) === 0) {
      if (first) {
        const x = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(x, value - x * 40);
        first = false;
      } else parts.push(value);
      value = 0;
      atStart = true;
    } else if (i === bytes.length - 1) bad("truncated OBJECT IDENTIFIER");
  }
  return parts.join(".");
}

export interface BitString {
  /** number of padding bits in the last octet (0..7) */
  unusedBits: number;
  bytes: Uint8Array;
}

/** BIT STRING content (cryptobyte's ReadASN1BitString rules). */
export function decodeBitString(content: Uint8Array): BitString {
  const unused = content[0];
  if (unused === undefined || unused > 7 || (content.length === 1 && unused !== 0)) return bad("invalid BIT STRING");
  const last = content[content.length - 1] as number;
  if ((last & ((1 << unused) - 1)) !== 0) bad("BIT STRING padding bits not zero");
  return { unusedBits: unused, bytes: content.subarray(1) };
}

/** A BIT STRING that must be a whole number of octets (keys, signatures). */
export function decodeOctetAlignedBitString(content: Uint8Array): Uint8Array {
  const bits = decodeBitString(content);
  if (bits.unusedBits !== 0) bad("BIT STRING is not octet-aligned");
  return bits.bytes;
}

const latin1 = (bytes: Uint8Array): string => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
};

/** UTCTime content → Date, as Go's cryptobyte ReadASN1UTCTime (seconds optional, re-serialisation must match). */
export function decodeUtcTime(bytes: Uint8Array): Date {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/.exec(latin1(bytes));
  if (!m) return bad("malformed UTCTime");
  const yy = Number(m[1]);
  return buildTime(yy >= 50 ? 1900 + yy : 2000 + yy, m.slice(2, 7), m[7] as string);
}

/** GeneralizedTime content → Date, as Go's ReadASN1GeneralizedTime ("20060102150405Z0700", no fractions). */
export function decodeGeneralizedTime(bytes: Uint8Array): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})$/.exec(latin1(bytes));
  if (!m) return bad("malformed GeneralizedTime");
  return buildTime(Number(m[1]), m.slice(2, 7), m[7] as string);
}

/** A Time CHOICE (UTCTime or GeneralizedTime) by tag. */
export function decodeTime(tag: number, bytes: Uint8Array): Date {
  if (tag === TAG.UTCTime) return decodeUtcTime(bytes);
  if (tag === TAG.GeneralizedTime) return decodeGeneralizedTime(bytes);
  return bad("unsupported time format");
}

function buildTime(year: number, parts: Array<string | undefined>, zone: string): Date {
  const [mo, d, h, mi, s] = parts.map((p) => Number(p ?? "0")) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) bad("time field out of range");
  let ms = Date.UTC(year, mo - 1, d, h, mi, s);
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (new Date(ms).getUTCDate() !== d) bad("day out of range");
  if (zone !== "Z") {
    // Go formats a zero offset as "Z": "+0000"/"-0000" do not survive re-serialisation and are refused
    if (zone.slice(1) === "0000") bad("zero time-zone offset written as ±0000 instead of Z");
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(3, 5));
    if (hours > 23 || minutes > 59) bad("time-zone offset out of range");
    const offset = (hours * 60 + minutes) * 60_000;
    ms -= zone[0] === "+" ? offset : -offset;
  }
  return new Date(ms);
}

/** Go's isPrintable (parser.go): PrintableString plus '*' and '&', which real certificates use. */
function isPrintable(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x27 && b <= 0x29) ||
    (b >= 0x2b && b <= 0x2f) ||
    b === 0x20 ||
    b === 0x3a ||
    b === 0x3d ||
    b === 0x3f ||
    b === 0x2a ||
    b === 0x26
  );
}

export const isIa5 = (bytes: Uint8Array): boolean => bytes.every((b) => b < 0x80);

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** IA5String content → text (7-bit only). */
export function decodeIa5(bytes: Uint8Array): string {
  if (!isIa5(bytes)) bad("invalid IA5String");
  return latin1(bytes);
}

/**
 * A directory string by tag, with Go's parseASN1String rules. Throws DerError whose reason is Go's
 * text ("invalid PrintableString", "unsupported string type: 28", …).
 */
export function decodeString(tag: number, bytes: Uint8Array): string {
  switch (tag) {
    case TAG.T61String:
      return latin1(bytes);
    case TAG.PrintableString:
      if (!bytes.every(isPrintable)) bad("invalid PrintableString");
      return latin1(bytes);
    case TAG.UTF8String:
      try {
        return utf8.decode(bytes);
      } catch {
        return bad("invalid UTF-8 string");
      }
    case TAG.BMPString: {
      if (bytes.length % 2 !== 0) bad("invalid BMPString");
      let end = bytes.length;
      if (end >= 2 && bytes[end - 1] === 0 && bytes[end - 2] === 0) end -= 2;
      let s = "";
      for (let i = 0; i < end; i += 2) {
        const point = ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
        if (point === 0xfffe || point === 0xffff || (point >= 0xfdd0 && point <= 0xfdef) || (point >= 0xd800 && point <= 0xdfff)) bad("invalid BMPString");
        s += String.fromCharCode(point);
      }
      return s;
    }
    case TAG.IA5String:
      return decodeIa5(bytes);
    case TAG.NumericString:
      if (!bytes.every((b) => (b >= 0x30 && b <= 0x39) || b === 0x20)) bad("NumericString contains invalid character");
      return latin1(bytes);
    default:
      return bad(`unsupported string type: ${tag}`);
  }
}

/** Lower-case hex of bytes. */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
