/**
 * The certificates `regcert acme serve` issued, as its journal (HOME/acme/state.journal) holds them:
 * the durable copy the home's index is derived from for ACME entries (they have no archive record of
 * their own). Read when the index is rebuilt (readIndex) and at `acme serve` start (reconcileAcmeIndex).
 * Only the certificate records are read here; the ACME protocol's own objects stay src/acme's business.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readCertificateFacts } from "../pki/certificate-facts.js";
import { parsePemBlocks, toPem } from "../pki/pem.js";
import type { ArchiveRecord, Revocation } from "./index-store.js";
import { readJournal } from "./journal.js";

/** Where `acme serve` keeps its state (src/acme/file-store.ts writes it; the path is the home's layout). */
export const acmeJournalPath = (home: string): string => join(home, "acme", "state.journal");

/** A certificate record of the ACME journal (src/acme/types.ts CertRecord, the fields read here). */
export interface JournalCertificate {
  id: string;
  accountId: string;
  orderId: string;
  serial: string;
  /** the leaf, then the CA that signed it */
  chainPem?: string;
  revoked?: Revocation;
}

/** Every certificate record in the ACME journal of the home (none when there is no journal). */
export function acmeJournalCertificates(home: string): JournalCertificate[] {
  const certs: JournalCertificate[] = [];
  for (const [key, value] of readJournal(acmeJournalPath(home))) if (key.startsWith("cert:")) certs.push(value as JournalCertificate);
  return certs;
}

/** The name an ACME certificate is listed under: its first identifier. */
export const acmeEntryName = (names: { dns: string[]; ip: string[] }, serial: string): string => names.dns[0] ?? names.ip[0] ?? serial;

/**
 * The index record of a journal certificate: the leaf of its chain, its issuer named by the CA
 * certificate that follows it in the chain (the CA that signed it then, also after a rotation).
 * Undefined when the chain holds no certificate. Parses the leaf (this runs only for certificates
 * the index lacks).
 */
export function acmeArchiveRecord(cert: JournalCertificate, recordedAt?: string): ArchiveRecord | undefined {
  const blocks = parsePemBlocks(cert.chainPem ?? "").filter((b) => b.label === "CERTIFICATE");
  const leaf = blocks[0];
  if (!leaf) return undefined;
  const certificatePem = toPem("CERTIFICATE", leaf.der);
  const facts = readCertificateFacts(certificatePem, `ACME certificate ${cert.serial}`);
  const caBlock = blocks[1];
  let issuer: ArchiveRecord["issuer"] = { fingerprint: "", commonName: null };
  if (caBlock) {
    let commonName: string | null = null;
    try {
      commonName = readCertificateFacts(caBlock.der, "the ACME certificate's CA").commonName ?? null;
    } catch {
      /* a CA regcert cannot read: named by fingerprint only */
    }
    issuer = { fingerprint: createHash("sha256").update(caBlock.der).digest("hex"), commonName };
  }
  return {
    name: acmeEntryName(facts.names, facts.serialHex),
    command: "acme",
    issuer,
    files: { certificate: "" },
    // a rebuild has no record of when: the certificate's own start serves to order a client's renewals
    recordedAt: recordedAt ?? facts.notBefore.toISOString(),
    certificatePem,
    source: "acme",
    acme: { accountId: cert.accountId, orderId: cert.orderId, certId: cert.id },
  };
}
