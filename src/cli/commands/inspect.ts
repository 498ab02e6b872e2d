/** regcert inspect: what a certificate, chain, CSR or key file holds; never prints key material. */
import { describeInput, type CertificateSummary, type InspectItem, type KeySummary } from "../../pki/describe.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import type { Context } from "../context.js";
import { readInputFile } from "../input.js";

const colonHex = (hex: string): string => (hex.toUpperCase().match(/.{2}/g) ?? []).join(":");
const keyLine = (k: KeySummary | null): string => (k ? `${k.algorithm} (public key SHA-256 ${k.publicKeyFingerprintSha256})` : "unknown");

function certificateLines(c: CertificateSummary): string[] {
  const left = c.status === "expired" ? `expired ${-c.daysLeft} days ago` : c.status === "notYetValid" ? "not valid yet" : `${c.daysLeft} days left`;
  const sans = [...c.san.dns.map((d) => `DNS:${d}`), ...c.san.ip.map((i) => `IP:${i}`)];
  const bc = c.basicConstraints ? `CA:${c.basicConstraints.ca ? "TRUE" : "FALSE"}${c.basicConstraints.pathLen !== null ? `, pathLen ${c.basicConstraints.pathLen}` : ""}${c.basicConstraints.critical ? " (critical)" : ""}` : "absent";
  const lines = [
    `  issuer        ${c.issuer || "(empty)"}${c.selfSigned ? " (self-signed)" : ""}${c.issuedByNext === true ? " — signed by the next certificate" : c.issuedByNext === false ? " — NOT signed by the next certificate" : ""}`,
    `  serial        ${c.serial}`,
    `  valid         ${c.notBefore} → ${c.notAfter} (${left})`,
    `  key           ${keyLine(c.key)}`,
    `  SANs          ${sans.join(", ") || "none (Go clients will match no name: they ignore the CN)"}`,
    `  basic constr. ${bc}`,
    `  key usage     ${c.keyUsage?.join(", ") ?? "absent"}`,
    `  ext. usage    ${c.extendedKeyUsage?.join(", ") ?? "absent (any)"}`,
  ];
  if (c.nameConstraints) lines.push(`  constraints   permitted ${c.nameConstraints.permitted.join(", ") || "-"}; excluded ${c.nameConstraints.excluded.join(", ") || "-"}`);
  lines.push(`  SKI / AKI     ${c.subjectKeyId ?? "-"} / ${c.authorityKeyId ?? "-"}`, `  signature     ${c.signatureAlgorithm}`, `  SHA-256       ${colonHex(c.fingerprintSha256)}`);
  if (c.goParseError) lines.push(`  warning: Go clients cannot parse this certificate: ${c.goParseError}`);
  return lines;
}

function itemLines(item: InspectItem, heading: string): string[] {
  switch (item.type) {
    case "certificate":
      return [`${heading}certificate: ${item.subject || "(empty subject)"}`, ...certificateLines(item)];
    case "csr":
      return [
        `${heading}certificate request: ${item.subject || "(empty subject)"}`,
        `  key           ${keyLine(item.key)}`,
        `  SANs          ${[...item.san.dns.map((d) => `DNS:${d}`), ...item.san.ip.map((i) => `IP:${i}`)].join(", ") || "none"}`,
      ];
    case "privateKey":
      if (item.encrypted) {
        const how = item.encryption ? ` (${item.encryption.kdf}${item.encryption.iterations ? ` ${item.encryption.iterations} iterations` : ""}, ${item.encryption.cipher ?? "unknown cipher"}${item.encryption.strong ? "" : "; weaker than regcert writes"})` : "";
        return [`${heading}private key: encrypted${how}; type and size need the passphrase`];
      }
      return [`${heading}private key: ${keyLine(item.key)}, not encrypted`];
    case "publicKey":
      return [`${heading}public key: ${keyLine(item.key)}`];
  }
}

export async function run(ctx: Context, file: string): Promise<void> {
  const report = describeInput(await readInputFile(file, "inspect"));
  if (ctx.globals.json) {
    ctx.ui.result(report);
    return;
  }
  const total = report.items.length;
  report.items.forEach((item, i) => {
    for (const line of itemLines(item, total > 1 ? `[${i + 1}/${total}] ` : "")) ctx.ui.info(sanitizeForTerminal(line)); // one line each: a subject with a newline must not forge one
  });
}
