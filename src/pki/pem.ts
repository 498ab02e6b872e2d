/** PEM armour (RFC 7468): encode DER with 64-column base64, and find blocks of a given label. */
import { userError } from "./errors.js";

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. Text outside blocks (openssl's "Certificate:" dumps) is ignored. */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const raw = match[2] ?? "";
    // RFC 1421 headers (Proc-Type: …) only where there is a colon: the common case skips the regex
    const body = (raw.includes(":") ? raw.replace(/^[A-Za-z-]+:.*$/gm, "") : raw).replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) continue;
    blocks.push({ label: match[1] as string, der: new Uint8Array(Buffer.from(body, "base64")) });
  }
  return blocks;
}

const LABEL_WORDS: Record<string, string> = {
  CERTIFICATE: "a certificate",
  "CERTIFICATE REQUEST": "a CSR",
  "NEW CERTIFICATE REQUEST": "a CSR",
  "PRIVATE KEY": "a private key",
  "ENCRYPTED PRIVATE KEY": "an encrypted private key",
  "EC PRIVATE KEY": "a private key",
  "RSA PRIVATE KEY": "a private key",
  "PUBLIC KEY": "a public key",
  "TRUSTED CERTIFICATE": "a certificate",
  "X509 CRL": "a CRL",
};
const describeLabel = (label: string): string => LABEL_WORDS[label] ?? `a ${label} PEM block`;

/** DER of every block with one of `labels`; input that is not PEM at all is taken as one DER blob. */
export function decodePemOrDer(input: string | Uint8Array, labels: string[], what: string): Uint8Array[] {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("latin1");
  if (text.includes("-----BEGIN ")) {
    const blocks = parsePemBlocks(text);
    const found = blocks.filter((b) => labels.includes(b.label)).map((b) => b.der);
    const other = blocks[0]?.label;
    if (found.length === 0 && other !== undefined) {
      // e.g. a certificate or a key passed as --csr: say what it is, not only what it is not
      throw userError("regcert.wrongPemType", `${what} is ${describeLabel(other)}, not ${[...new Set(labels.map(describeLabel))].join(" or ")}`, `give the file with the ${labels[0]} block (regcert inspect FILE shows what a file holds)`);
    }
    if (found.length === 0) {
      throw userError("regcert.noPem", `no ${labels.join(" or ")} PEM block found in ${what}`, "give a PEM file with that block (openssl x509/req/pkey -text shows what a file holds), or regcert inspect FILE");
    }
    return found;
  }
  if (typeof input !== "string" && input.length > 0 && input[0] === 0x30) return [input];
  throw userError("regcert.notPem", `${what} is neither PEM nor DER`, "give a PEM (BEGIN …) or DER file; regcert inspect FILE shows what it holds");
}
