/**
 * Minimal DER framing and reading. Used for two things only: framing SEQUENCEs around bytes that are
 * already DER (issuer name and SPKI copied verbatim, a TBS serialised once), and finding the exact
 * bytes of a signed part (a CSR's CertificationRequestInfo, a certificate's subject) so signatures are
 * checked over what was signed, never over a re-encoding. The known-answer tests prove the framed
 * output byte-identical to the schema-encoded one.
 */
import { RegcertError } from "./errors.js";

export function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function derTlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of contents) total += part.length;
  const header = derLength(total);
  const out = new Uint8Array(1 + header.length + total);
  out[0] = tag;
  out.set(header, 1);
  let offset = 1 + header.length;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const derSequence = (...contents: Uint8Array[]): Uint8Array => derTlv(0x30, ...contents);

/** DER INTEGER from big-endian unsigned bytes (adds a 0x00 when the top bit is set, strips redundant zeros). */
export function derUnsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const pad = (trimmed[0] ?? 0) & 0x80 ? Uint8Array.of(0) : new Uint8Array(0);
  return derTlv(0x02, pad, trimmed);
}

export interface DerElement {
  tag: number;
  /** offset of the tag byte */
  start: number;
  /** offset of the first content byte */
  contentStart: number;
  /** offset just past the element */
  end: number;
}

/**
 * Reads one TLV at `offset` with DER's rules, as Go's cryptobyte does: definite lengths only, the
 * shortest length form (long form only for 128 and above, no leading zero octets), low tag numbers
 * only. Throws on truncation or any non-DER framing.
 */
export function readElement(buf: Uint8Array, offset = 0): DerElement {
  const malformed = (why: string) => new RegcertError("regcert.malformedDer", `malformed DER: ${why}`, { exitCode: 2, hint: "the file is not valid DER; re-create it with openssl or regcert" });
  if (offset + 2 > buf.length) throw malformed("truncated");
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw malformed("high tag numbers are not used in X.509");
  const lengthByte = buf[offset + 1] as number;
  let contentStart = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0) throw malformed("indefinite length (BER, not DER)");
    if (count > 4 || contentStart + count > buf.length) throw malformed("truncated or invalid length");
    if (buf[contentStart] === 0) throw malformed("length with a leading zero octet (not the shortest form)");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[contentStart + i] as number);
    if (length < 0x80) throw malformed(`length ${length} written in long form (not the shortest form)`);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > buf.length) throw malformed("truncated");
  return { tag, start: offset, contentStart, end };
}

/** Reads the one TLV that must fill `buf` exactly: trailing bytes are an error, as in Go. */
export function readWholeElement(buf: Uint8Array): DerElement {
  const element = readElement(buf, 0);
  if (element.end !== buf.length) {
    throw new RegcertError("regcert.malformedDer", `malformed DER: ${buf.length - element.end} trailing byte(s) after the structure`, { exitCode: 2, hint: "remove the extra data after the DER structure" });
  }
  return element;
}

/** The children of a constructed element, in order. */
export function readChildren(buf: Uint8Array, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readElement(buf, offset);
    if (child.end > parent.end) throw new RegcertError("regcert.malformedDer", "malformed DER: child overruns parent", { exitCode: 2, hint: "the file is not valid DER; re-create it with openssl or regcert" });
    children.push(child);
    offset = child.end;
  }
  return children;
}

export const elementBytes = (buf: Uint8Array, element: DerElement): Uint8Array => buf.subarray(element.start, element.end);
