/**
 * A tiny DER tree editor for forging certificates with bad encodings: parse a real certificate's TBS
 * (leniently: this is the test's own tool, not the product's reader), change one node or one length
 * form, re-encode with every enclosing length recomputed, then re-sign with the CA key.
 */
import { keySigner } from "../../src/pki/signer.js";
import { ECDH, type KeyObject } from "node:crypto";
import { signTbs } from "../../src/pki/certificate.js";
import { signatureSchemeFor } from "../../src/pki/keys.js";
import { decodePemOrDer } from "../../src/pki/pem.js";

export interface DerNode {
  tag: number;
  /** children of a constructed node; undefined for primitive */
  children?: DerNode[];
  content?: Uint8Array;
  /** write the length in this many octets (long form, 0x80|n), even when short form would do */
  lengthOctets?: number;
}

function readLength(buf: Uint8Array, at: number): [length: number, headerEnd: number] {
  const first = buf[at] as number;
  if (first < 0x80) return [first, at + 1];
  let n = 0;
  for (let i = 0; i < (first & 0x7f); i++) n = n * 256 + (buf[at + 1 + i] as number);
  return [n, at + 1 + (first & 0x7f)];
}

export function parseTree(buf: Uint8Array, at = 0): [DerNode, number] {
  const tag = buf[at] as number;
  const [length, start] = readLength(buf, at + 1);
  const end = start + length;
  if (tag & 0x20) {
    const children: DerNode[] = [];
    for (let p = start; p < end; ) {
      const [child, next] = parseTree(buf, p);
      children.push(child);
      p = next;
    }
    return [{ tag, children }, end];
  }
  return [{ tag, content: buf.slice(start, end) }, end];
}

export function encodeTree(node: DerNode): Uint8Array {
  const body = node.children ? Buffer.concat(node.children.map(encodeTree)) : Buffer.from(node.content ?? []);
  const n = body.length;
  let header: number[];
  if (node.lengthOctets !== undefined) {
    const bytes: number[] = [];
    for (let i = 0, v = n; i < node.lengthOctets; i++, v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    header = [0x80 | node.lengthOctets, ...bytes];
  } else if (n < 0x80) header = [n];
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    header = [0x80 | bytes.length, ...bytes];
  }
  return new Uint8Array(Buffer.concat([Buffer.from([node.tag, ...header]), body]));
}

/** The TBS children: [version], serial, signature, issuer, validity, subject, spki, [3] extensions. */
export interface TbsView {
  tbs: DerNode;
  serial: DerNode;
  validity: DerNode;
  spki: DerNode;
  /** Extension SEQUENCEs, in order */
  extensions: DerNode[];
}

export function viewTbs(tbs: DerNode): TbsView {
  const c = tbs.children ?? [];
  const o = c[0]?.tag === 0xa0 ? 1 : 0;
  const extWrapper = c.find((n) => n.tag === 0xa3);
  return { tbs, serial: c[o] as DerNode, validity: c[o + 3] as DerNode, spki: c[o + 5] as DerNode, extensions: extWrapper?.children?.[0]?.children ?? [] };
}

const OID_BYTES: Record<string, string> = { basicConstraints: "551d13", subjectAltName: "551d11", keyUsage: "551d0f" };

export function extensionNode(view: TbsView, name: keyof typeof OID_BYTES): DerNode {
  const found = view.extensions.find((e) => Buffer.from(e.children?.[0]?.content ?? []).toString("hex") === OID_BYTES[name]);
  if (!found) throw new Error(`no ${name} extension`);
  return found;
}

/** Certificate = SEQUENCE { tbs, algorithm, signature }: split a real one into its TBS tree. */
export function tbsOf(certificatePem: string): DerNode {
  const der = decodePemOrDer(certificatePem, ["CERTIFICATE"], "test certificate")[0] as Uint8Array;
  const [cert] = parseTree(der);
  return cert.children?.[0] as DerNode;
}

/** Re-encodes the (edited) TBS and signs it with the CA key: a certificate only its encoding breaks. */
export function resign(tbs: DerNode, caKey: KeyObject): Uint8Array {
  return signTbs(encodeTree(tbs), keySigner(caKey));
}

/** A P-256 public point in compressed form (0x02/0x03 || X). */
export function compressP256(uncompressed: Uint8Array): Uint8Array {
  return new Uint8Array(ECDH.convertKey(Buffer.from(uncompressed), "prime256v1", undefined, undefined, "compressed") as Buffer);
}
