/**
 * The certificate index of a CA home: what regcert issued or signed, and where it wrote the files.
 *
 *   HOME/index.json            { version: 1, certificates: [IndexEntry…] }: what status and renew read
 *   HOME/index.journal         entries recorded since index.json was last written, one JSON line each:
 *                              issue appends here (O(1)) instead of rewriting a large index.json, and
 *                              every JOURNAL_LIMIT entries folds the journal into index.json
 *   HOME/issued/SS/SERIAL.json one archive record per certificate (its PEM, the files, the CSR of a
 *                              signed request): written once, never changed. Sharded by the serial's
 *                              last two hex digits (SS), like git's objects/: writing a record lists
 *                              its directory for stale temp files, and a flat issued/ of 10,000 records
 *                              made that the main cost of `issue` into a big home. Homes written before
 *                              keep issued/SERIAL.json: both layouts are read, new records go to shards.
 *
 * Like easy-rsa's index.txt + certs_by_serial/, but JSON and written atomically. The archive is the
 * source of truth: a missing or corrupt index.json is rebuilt from it (and the caller says so), and
 * records the index lacks (a run that crashed between the two writes) are merged in on read. Which
 * certificate is current is derived, not stored in the archive: of the records that wrote the same
 * certificate path, the newest one is current and the others are "replaced by" it.
 */
import { createHash, createPrivateKey } from "node:crypto";
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { join, resolve } from "node:path";
import { readCertificateFacts, type CertificateFacts, type CertificateKind } from "../pki/certificate-facts.js";
import { spkiFromPkcs8 } from "../pki/key-identity.js";
import { publicKeyFingerprint } from "../pki/keys.js";
import { parsePemBlocks } from "../pki/pem.js";
import type { IssuedCertificate } from "../pki/issue.js";
import type { NameSet } from "../pki/names.js";
import type { FileCheck } from "../pki/status.js";
import { acmeArchiveRecord, acmeJournalCertificates, type JournalCertificate } from "./acme-certificates.js";
import { rememberStamp, stampMatches, type StampCache } from "./file-stamps.js";
import { readUtf8 } from "./read-text.js";
import { ensureDirectory, writeFilesAtomic } from "./write.js";

export const INDEX_VERSION = 1;

export interface IndexFiles {
  key?: string | undefined;
  csr?: string | undefined;
  certificate: string;
  pem?: string | undefined;
  ca?: string | undefined;
}

export type IndexCommand = "issue" | "sign" | "renew" | "adopt" | "acme";

/**
 * Where the certificate is held: "files" (absent in entries before ACME; the default) are paths in
 * IndexFiles that status checks; "acme" is a certificate `regcert acme serve` issued to an ACME client,
 * which holds the key and the certificate: no files (files.certificate is "", so older readers still
 * accept the entry), nothing to check on disk, and renew leaves it to the client.
 */
export type IndexSource = "files" | "acme";

/** The ACME account and order a certificate was issued for (source "acme"). */
export interface AcmeOrigin {
  accountId: string;
  orderId: string;
  /** the certificate's id in the ACME server (its download URL ends with it) */
  certId: string;
}

/** A revocation (RFC 5280 reason code) recorded for an entry. */
export interface Revocation {
  at: string;
  reason: number;
}

export interface IndexEntry {
  /** the file-name stem (--name): what `regcert renew NAME` takes */
  name: string;
  /** how it got here: issue, sign, renew, or adopt (renew --cert of a file the index did not know) */
  command: IndexCommand;
  serial: string;
  profile: CertificateKind;
  names: NameSet;
  commonName: string | null;
  keyAlgorithm: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the certificate DER, hex */
  fingerprint: string;
  /** SHA-256 of the public key (SPKI), hex: matches the key file */
  publicKeyFingerprint: string;
  /** the CA that signed it, by certificate fingerprint */
  issuer: { fingerprint: string; commonName: string | null };
  /** absolute paths of what was written */
  files: IndexFiles;
  recordedAt: string;
  /** serial of the certificate that replaced this one at the same path; absent while current */
  replacedBy?: string;
  /** absent: "files" */
  source?: IndexSource;
  acme?: AcmeOrigin;
  revoked?: Revocation;
}

/** Where the entry's certificate is held ("files" for entries written before the field existed). */
export const entrySource = (entry: Pick<IndexEntry, "source">): IndexSource => entry.source ?? "files";

/** What the archive keeps per certificate (facts are re-read from the PEM on rebuild). */
export interface ArchiveRecord {
  name: string;
  command: IndexCommand;
  issuer: IndexEntry["issuer"];
  files: IndexFiles;
  recordedAt: string;
  certificatePem: string;
  /** the request a `sign` run signed: renew re-signs it, since regcert never had that key */
  csrPem?: string;
  /** absent: "files" */
  source?: IndexSource;
  acme?: AcmeOrigin;
}

export interface IndexRead {
  path: string;
  entries: IndexEntry[];
  /** why the index was rebuilt from the archive, if it was */
  rebuilt: "missing" | "corrupt" | undefined;
  /** archive records that were missing from index.json and were merged in */
  merged: number;
  /** archive records that could not be read (skipped) */
  skipped: number;
  /** of a rebuild's entries, those taken from the ACME journal (ACME certificates have no archive record) */
  fromAcmeJournal?: number;
}

export const indexPath = (home: string) => join(home, "index.json");
export const journalPath = (home: string) => join(home, "index.journal");

/** Journal entries after which a recording run rewrites index.json (and empties the journal). */
export const JOURNAL_LIMIT = 256;
export const archiveDir = (home: string) => join(home, "issued");

/**
 * The shard directory of a serial: its LAST two hex digits ("0" + a one-digit serial). The first ones
 * are not random (regcert's serials start 0x40-0x7f: 64 shards) and sequential serials share them.
 */
export const archiveShard = (serial: string) => serial.padStart(2, "0").slice(-2);

/** Where a record is written: issued/SS/SERIAL.json. */
export const archiveRecordPath = (home: string, serial: string) => join(archiveDir(home), archiveShard(serial), `${serial}.json`);

/** Where homes before the sharding kept it (still read): issued/SERIAL.json. */
export const legacyArchiveRecordPath = (home: string, serial: string) => join(archiveDir(home), `${serial}.json`);

const isString = (v: unknown): v is string => typeof v === "string";

function isEntry(value: unknown): value is IndexEntry {
  const e = value as Partial<IndexEntry> | null;
  return (
    typeof e === "object" &&
    e !== null &&
    isString(e.name) &&
    isString(e.serial) &&
    isString(e.fingerprint) &&
    isString(e.notBefore) &&
    isString(e.notAfter) &&
    !Number.isNaN(Date.parse(e.notAfter)) &&
    typeof e.files === "object" &&
    e.files !== null &&
    isString(e.files.certificate) &&
    typeof e.names === "object" &&
    e.names !== null &&
    Array.isArray(e.names.dns) &&
    Array.isArray(e.names.ip) &&
    typeof e.issuer === "object" &&
    e.issuer !== null &&
    isString(e.issuer.fingerprint)
  );
}

/** The index fields that come from the certificate itself (the certificate is trusted over anything else). */
export type EntryFields = Pick<IndexEntry, "serial" | "profile" | "names" | "commonName" | "keyAlgorithm" | "notBefore" | "notAfter" | "fingerprint" | "publicKeyFingerprint">;

/** The index fields of a certificate read back from its bytes. */
export function entryFieldsFromFacts(facts: CertificateFacts): EntryFields {
  return {
    serial: facts.serialHex,
    profile: facts.profile,
    names: facts.names,
    commonName: facts.commonName ?? null,
    keyAlgorithm: facts.keyAlgorithm,
    notBefore: facts.notBefore.toISOString(),
    notAfter: facts.notAfter.toISOString(),
    fingerprint: facts.fingerprint,
    publicKeyFingerprint: facts.publicKeyFingerprint,
  };
}

/**
 * The same fields from what the engine returned when it made the certificate (issue, sign, renew, ACME
 * finalize), without parsing it back: equal to entryFieldsFromFacts of the certificate (a test pins it).
 */
export function entryFieldsFromIssued(issued: IssuedCertificate): EntryFields {
  return {
    serial: issued.serialHex.replace(/^(00)+(?=.)/, ""),
    profile: issued.profile,
    names: { dns: [...issued.names.dns], ip: [...issued.names.ip] },
    commonName: issued.commonName ?? null,
    keyAlgorithm: issued.keyAlgorithm,
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
    fingerprint: issued.fingerprint,
    publicKeyFingerprint: issued.publicKeyFingerprint,
  };
}

/** Builds an index entry from an archive record, trusting the certificate over anything else (or the fields given for it). */
export function entryFromRecord(record: ArchiveRecord, fields?: EntryFields): IndexEntry {
  return {
    name: record.name,
    command: record.command,
    ...(fields ?? entryFieldsFromFacts(readCertificateFacts(record.certificatePem, `the archived certificate of ${record.name}`))),
    issuer: record.issuer,
    files: record.files,
    recordedAt: record.recordedAt,
    ...(record.source === "acme" ? { source: "acme" as const } : {}),
    ...(record.acme ? { acme: record.acme } : {}),
  };
}

/**
 * What a newer certificate replaces: the one at the same certificate path, or for ACME certificates
 * (no path) the one for the same set of names (a client renewing its certificate).
 */
function replacementKey(entry: IndexEntry): string {
  if (entrySource(entry) === "acme") return `acme:${[...entry.names.dns, ...entry.names.ip.map((ip) => `ip:${ip}`)].sort().join(",")}`;
  return resolve(entry.files.certificate);
}

/** Marks every entry but the newest per certificate path as replaced by its successor. */
function deriveReplacements(entries: IndexEntry[]): IndexEntry[] {
  const byPath = new Map<string, IndexEntry[]>();
  for (const entry of entries) {
    const key = replacementKey(entry);
    byPath.set(key, [...(byPath.get(key) ?? []), entry]);
  }
  for (const group of byPath.values()) {
    group.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.notBefore.localeCompare(b.notBefore));
    group.forEach((entry, i) => {
      const next = group[i + 1];
      if (next) entry.replacedBy = next.serial;
      else delete entry.replacedBy;
    });
  }
  return entries;
}

const RECORD_FILE = /^[0-9a-f]+\.json$/;
const SHARD_DIR = /^[0-9a-f]{2}$/;

const REVOCATION_FILE = /^([0-9a-f]+)\.revoked\.json$/;

/** Where the revocation of a serial is recorded: issued/SS/SERIAL.revoked.json, beside its record (which is never changed). */
export const revocationRecordPath = (home: string, serial: string) => join(archiveDir(home), archiveShard(serial), `${serial}.revoked.json`);

/**
 * Serials in the archive, both layouts, and those with a revocation record (file names only: cheap
 * even with thousands of certificates).
 */
function archiveListing(home: string): { serials: string[]; revoked: string[] } {
  const dir = archiveDir(home);
  if (!existsSync(dir)) return { serials: [], revoked: [] };
  const serials = new Set<string>();
  const revoked: string[] = [];
  for (const name of readdirSync(dir)) {
    if (RECORD_FILE.test(name)) serials.add(name.slice(0, -5)); // the layout before shards
    else if (SHARD_DIR.test(name)) {
      // listed, not typed: some filesystems do not report entry types
      let files: string[] = [];
      try {
        files = readdirSync(join(dir, name));
      } catch {
        /* not a directory */
      }
      for (const file of files) {
        if (RECORD_FILE.test(file)) serials.add(file.slice(0, -5));
        else {
          const match = REVOCATION_FILE.exec(file);
          if (match) revoked.push(match[1] as string);
        }
      }
    }
  }
  return { serials: [...serials], revoked };
}

function readRevocation(home: string, serial: string): Revocation | undefined {
  try {
    const value = JSON.parse(readFileSync(revocationRecordPath(home, serial), "utf8")) as Partial<Revocation>;
    return isString(value.at) && typeof value.reason === "number" ? { at: value.at, reason: value.reason } : undefined;
  } catch {
    return undefined;
  }
}

function readRecord(home: string, serial: string): ArchiveRecord {
  let text: string;
  try {
    text = readFileSync(archiveRecordPath(home, serial), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    text = readFileSync(legacyArchiveRecordPath(home, serial), "utf8");
  }
  const record = JSON.parse(text) as ArchiveRecord;
  if (!isString(record.certificatePem) || !isString(record.name) || !isString(record.files?.certificate)) throw new Error("incomplete");
  return record;
}

/**
 * Reads the index; rebuilds it from the archive when index.json is missing or corrupt, and merges in
 * archive records it lacks. Never writes (see saveIndex) and never throws for a damaged index.
 */
export function readIndex(home: string): IndexRead {
  const path = indexPath(home);
  let entries: IndexEntry[] | undefined;
  let rebuilt: IndexRead["rebuilt"];
  if (!existsSync(path)) rebuilt = "missing";
  else {
    try {
      const parsed = JSON.parse(readUtf8(path)) as { version?: unknown; certificates?: unknown };
      if (parsed.version !== INDEX_VERSION || !Array.isArray(parsed.certificates) || !parsed.certificates.every(isEntry)) throw new Error("bad shape");
      entries = parsed.certificates;
    } catch {
      rebuilt = "corrupt";
    }
  }
  const { serials, revoked } = archiveListing(home);
  const known = new Set((entries ?? []).map((e) => e.serial));
  let merged = 0;
  let skipped = 0;
  const all = [...(entries ?? [])];
  // entries recorded since index.json was written (a rebuild takes everything from the archive instead)
  let journaled = 0;
  if (entries) {
    for (const entry of readJournal(home)) {
      if (known.has(entry.serial)) continue;
      known.add(entry.serial);
      all.push(entry);
      journaled++;
    }
  }
  // only records the index lacks are parsed (all of them when rebuilding)
  for (const serial of serials) {
    if (known.has(serial)) continue;
    try {
      all.push(entryFromRecord(readRecord(home, serial)));
      if (entries) merged++;
    } catch {
      skipped++; // unreadable JSON, or an archived PEM that no longer parses
    }
  }
  // ACME certificates have no archive record (the ACME journal is their durable copy): a rebuild takes them from there
  const before = all.length;
  if (rebuilt) skipped += addAcmeJournalEntries(home, all, known);
  const fromAcmeJournal = all.length - before;
  // revocations are records of their own (the certificate's record is never changed): applied to entries that lack them
  if (revoked.length > 0) {
    const bySerial = new Map(all.map((e) => [e.serial, e]));
    for (const serial of revoked) {
      const entry = bySerial.get(serial);
      if (!entry || entry.revoked) continue;
      const revocation = readRevocation(home, serial);
      if (revocation) entry.revoked = revocation;
    }
  }
  // nothing to rebuild from and nothing there: an empty index, not a "rebuilt" one
  if (rebuilt === "missing" && serials.length === 0 && fromAcmeJournal === 0) rebuilt = undefined;
  return { path, entries: rebuilt || merged > 0 || journaled > 0 ? deriveReplacements(all) : all, rebuilt, merged, skipped, ...(fromAcmeJournal > 0 ? { fromAcmeJournal } : {}) };
}

/** Adds the ACME journal's certificates `known` lacks (revoked ones marked); returns how many could not be read. */
function addAcmeJournalEntries(home: string, all: IndexEntry[], known: Set<string>): number {
  let skipped = 0;
  let certs: JournalCertificate[];
  try {
    certs = acmeJournalCertificates(home);
  } catch {
    return 1; // an unreadable journal: acme serve says why at its start
  }
  for (const cert of certs) {
    if (known.has(cert.serial)) continue;
    try {
      const record = acmeArchiveRecord(cert);
      if (!record) continue;
      const entry = entryFromRecord(record);
      if (cert.revoked) entry.revoked = cert.revoked;
      known.add(entry.serial);
      all.push(entry);
    } catch {
      skipped++;
    }
  }
  return skipped;
}

/** The journal's entries, in order; a torn last line (a crash while appending) is skipped: the archive has it. */
function readJournal(home: string): IndexEntry[] {
  let text: string;
  try {
    text = readUtf8(journalPath(home));
  } catch {
    return [];
  }
  const entries: IndexEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const entry: unknown = JSON.parse(line);
      if (isEntry(entry)) entries.push(entry);
    } catch {
      /* torn or damaged line */
    }
  }
  return entries;
}

/** index.json exists and begins as saveIndex writes it (a cheap look, not a parse: a damaged one is rewritten instead of journaled past). */
function indexLooksWritten(home: string): boolean {
  const head = Buffer.alloc(32);
  let fd: number | undefined;
  try {
    fd = openSync(indexPath(home), "r");
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString("latin1");
    // as written now, or indented as homes before one-entry-per-line have it
    return text.startsWith(`{"version":${INDEX_VERSION},`) || text.startsWith(`{\n  "version": ${INDEX_VERSION},`);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How many lines the journal holds (0 when there is none). */
function journalLength(home: string): number {
  try {
    const text = readFileSync(journalPath(home), "latin1");
    let lines = 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
    return lines;
  } catch {
    return 0;
  }
}

/** Appends entries to the journal (0600), one JSON line each, and fsyncs it (unless not durable: see RecordOptions). */
function appendJournal(home: string, entries: IndexEntry[], durable = true): void {
  const fd = openSync(journalPath(home), "a", 0o600);
  try {
    writeSync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The text of index.json: one entry per line. */
const indexBody = (entries: IndexEntry[]): string => `{"version":${INDEX_VERSION},"certificates":[\n${entries.map((e) => JSON.stringify(e)).join(",\n")}\n]}\n`;

/** Writes index.json atomically (replacing the old one: it is ours and derived from the archive). */
export function saveIndex(home: string, entries: IndexEntry[]): void {
  ensureDirectory(home, 0o700);
  // one entry per line: a third smaller than indented JSON (status parses all of it) and still grep-able
  const body = indexBody(entries);
  writeFilesAtomic([{ path: indexPath(home), contents: body, mode: 0o600, label: "certificate index" }], { force: true, dirMode: 0o700 });
  // what the journal held is in index.json now (callers pass readIndex's entries, journal included)
  rmSync(journalPath(home), { force: true });
}

export interface RecordOptions {
  /** the index fields of each record, when the caller has them (entryFieldsFromIssued): no parse */
  fields?: Array<EntryFields | undefined>;
  /**
   * false: certificates another fsynced store already holds (the ACME journal: acme serve puts every
   * certificate there before answering): no archive record of their own and no fsync, just the index
   * line. What a power cut or a rebuilt index loses of them, acme serve records again at its next
   * start from that journal (reconcileAcmeIndex). Creating a file costs ~0.8 ms on a common ext4 disk,
   * the home's lock ~1.7 ms: per certificate of a busy ACME server that was a third of its CPU.
   * Default true: the archive record is the certificate's only durable record.
   */
  durable?: boolean;
}

/**
 * Records newly written certificates: archive record first (the source of truth), then the index,
 * marking what they replace at the same certificate path. Call it holding the home's lock.
 *
 * While index.json exists and the journal is short, the entries are appended to the journal: the cost
 * does not grow with the home (a home of 10 000 certificates has a 10 MB index.json); readIndex
 * derives the replacements. Otherwise (no index yet, or a full journal) index.json is rewritten with
 * everything, and `read` says what readIndex found (for reporting a rebuild).
 */
export function recordCertificates(home: string, records: ArchiveRecord[], options: RecordOptions = {}): { read: IndexRead | undefined; added: IndexEntry[] } {
  const durable = options.durable ?? true;
  const journal = indexLooksWritten(home) && journalLength(home) + records.length <= JOURNAL_LIMIT;
  const read = journal ? undefined : readIndex(home);
  const added = records.map((record, i) => entryFromRecord(record, options.fields?.[i]));
  if (durable) {
    ensureDirectory(archiveDir(home), 0o700);
    writeFilesAtomic(
      records.map((record, i) => ({ path: archiveRecordPath(home, added[i]?.serial as string), contents: `${JSON.stringify(record, null, 2)}\n`, mode: 0o600, label: "archive record" })),
      { dirMode: 0o700 },
    );
  } else ensureDirectory(home, 0o700);
  if (!read) {
    appendJournal(home, added, durable);
    return { read, added };
  }
  const fresh = new Set(added.map((e) => e.serial));
  const entries = read.entries.filter((e) => !fresh.has(e.serial));
  for (const entry of added) {
    for (const old of entries) {
      if (!old.replacedBy && replacementKey(old) === replacementKey(entry)) old.replacedBy = entry.serial;
    }
    entries.push(entry);
  }
  writeIndexAfterRecords(home, entries);
  return { read, added };
}

/**
 * Records that a certificate was revoked: a revocation record beside its archive record (fsynced: the
 * source of truth, which readIndex applies), then index.json rewritten with the entry marked (a
 * revocation is rare; the journal is folded in). Call it holding the home's lock. Returns the entry,
 * or undefined when the index does not know the serial (the revocation record is kept all the same).
 */
export function recordRevocation(home: string, serial: string, revocation: Revocation): IndexEntry | undefined {
  const bare = (hex: string) => hex.toLowerCase().replace(/^0+(?=.)/, "");
  const read = readIndex(home);
  const entry = read.entries.find((e) => bare(e.serial) === bare(serial));
  const recorded = entry?.serial ?? serial.toLowerCase();
  writeFilesAtomic([{ path: revocationRecordPath(home, recorded), contents: `${JSON.stringify(revocation)}\n`, mode: 0o600, label: "revocation record" }], { force: true, dirMode: 0o700 });
  if (!entry) return undefined;
  entry.revoked = revocation;
  writeIndexAfterRecords(home, read.entries);
  return entry;
}

/**
 * index.json as recordCertificates writes it, after the archive records: atomically (temp file +
 * rename) but without fsyncs, since the archive records just written (fsynced) are the source of
 * truth: after a power cut readIndex finds the old index.json (and merges the records it lacks) or a
 * missing or damaged one (and rebuilds it from the archive, saying so). Saves a first-use issue two
 * of its thirteen fsyncs. The journal is folded in, so it goes (a plain unlink: rmSync loads rimraf).
 */
function writeIndexAfterRecords(home: string, entries: IndexEntry[]): void {
  writeFilesAtomic([{ path: indexPath(home), contents: indexBody(entries), mode: 0o600, label: "certificate index" }], { force: true, dirMode: 0o700, durable: false });
  try {
    unlinkSync(journalPath(home));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/** The entries still in use (not replaced by a newer certificate at the same path). */
export const currentEntries = (entries: IndexEntry[]): IndexEntry[] => entries.filter((e) => !e.replacedBy);

/** Certificates and keys are a few KiB: one read into this buffer instead of readFileSync's stat + allocation. */
const SMALL_FILE = Buffer.alloc(64 * 1024);

/** The file's bytes (a copy), or why not; open + read + close, no stat (status reads tens of thousands). */
function readOrState(path: string): Buffer | "missing" | "unreadable" {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    let length = 0;
    for (let n = 1; n > 0 && length < SMALL_FILE.length; length += n) n = readSync(fd, SMALL_FILE, length, SMALL_FILE.length - length, null);
    // a file that fills the buffer is not a certificate or key of ours: read it whole
    return length < SMALL_FILE.length ? Buffer.from(SMALL_FILE.subarray(0, length)) : readFileSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether a key file holds the key with this public-key fingerprint. The public key is read from the
 * PKCS#8 DER first (no key object: OpenSSL's decoder costs ~1 ms a key, seconds for a big home); only
 * keys that cannot be read that way, or that seem to differ, go through node:crypto for the verdict.
 */
function keyState(data: Buffer, fingerprint: string): FileCheck["state"] {
  const pkcs8 = parsePemBlocks(data.toString("latin1")).find((b) => b.label === "PRIVATE KEY")?.der;
  const spki = pkcs8 ? spkiFromPkcs8(pkcs8) : undefined;
  if (spki && createHash("sha256").update(spki).digest("hex") === fingerprint) return "ok";
  try {
    return publicKeyFingerprint(createPrivateKey(data)) === fingerprint ? "ok" : "changed";
  } catch {
    return "unreadable";
  }
}

/** A file that only needs to exist (CSR, ca.crt): stat it, do not read it; `seen` remembers answers (many entries share one ca.crt). */
function existsState(path: string, seen?: Map<string, FileCheck["state"]>): FileCheck["state"] {
  const known = seen?.get(path);
  if (known) return known;
  let state: FileCheck["state"];
  try {
    state = statSync(path).isFile() ? "ok" : "unreadable";
  } catch (error) {
    state = (error as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable";
  }
  seen?.set(path, state);
  return state;
}

/** The file's stat, or why there is none (a missing file is not an exception: status stats tens of thousands). */
function statOrState(path: string): Stats | "missing" | "unreadable" {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? "missing";
  } catch {
    return "unreadable";
  }
}

/**
 * Whether the files an entry recorded are still there and still match it: the certificate (and its
 * .pem copy) by fingerprint, the key by its public key. The CSR and ca.crt only need to exist. Pass
 * one `seen` map for a whole run to stat a shared ca.crt once, and a stamp cache (file-stamps.ts) to
 * skip reading files whose stat is exactly what it was when their contents last matched.
 */
export function checkEntryFiles(entry: IndexEntry, seen?: Map<string, FileCheck["state"]>, stamps?: StampCache): FileCheck[] {
  const checks: FileCheck[] = [];
  if (entrySource(entry) === "acme") return checks; // the ACME client holds it: no files in the home
  // the .pem copy usually holds the same bytes as the certificate: judged once
  let judged: { data: Buffer; state: FileCheck["state"] } | undefined;
  /** the state from the stamp when the stat matches it; otherwise the contents are judged (and a match stamped) */
  const check = (role: string, path: string, judge: (data: Buffer) => FileCheck["state"]): FileCheck["state"] => {
    const stat = stamps ? statOrState(path) : undefined;
    if (typeof stat === "string") return stat;
    if (stat && stat.isFile() && stamps && stampMatches(stamps, entry.serial, role, stat)) return "ok";
    const data = readOrState(path);
    if (typeof data === "string") return data;
    const state = judge(data);
    if (state === "ok" && stat?.isFile() && stamps) rememberStamp(stamps, entry.serial, role, stat);
    return state;
  };
  const judgeCertificate = (data: Buffer): FileCheck["state"] => {
    if (judged && judged.data.equals(data)) return judged.state;
    // the fingerprint is the SHA-256 of the DER: no ASN.1 parse needed to compare it
    const der = parsePemBlocks(data.toString("latin1")).find((b) => b.label === "CERTIFICATE")?.der;
    const matches = der !== undefined && createHash("sha256").update(der).digest("hex") === entry.fingerprint;
    judged = { data, state: matches ? "ok" : "changed" };
    return judged.state;
  };
  checks.push({ role: "certificate", path: entry.files.certificate, state: check("certificate", entry.files.certificate, judgeCertificate), required: true });
  if (entry.files.pem) checks.push({ role: "pem", path: entry.files.pem, state: check("pem", entry.files.pem, judgeCertificate), required: false });
  if (entry.files.key) checks.push({ role: "key", path: entry.files.key, state: check("key", entry.files.key, (data) => keyState(data, entry.publicKeyFingerprint)), required: true });
  for (const role of ["csr", "ca"] as const) {
    const path = entry.files[role];
    if (!path) continue;
    checks.push({ role, path, state: existsState(path, seen), required: false });
  }
  return checks;
}

/** The archive record of a serial, or undefined when it is missing or unreadable. */
export function readArchiveRecord(home: string, serial: string): ArchiveRecord | undefined {
  if (!/^[0-9a-f]+$/.test(serial)) return undefined;
  try {
    return readRecord(home, serial);
  } catch {
    return undefined;
  }
}
