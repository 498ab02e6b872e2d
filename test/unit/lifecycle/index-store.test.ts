/**
 * The certificate index: records, replacement at the same path, rebuild from the archive when
 * index.json is missing or corrupt, merge of records a crashed run left out, and the file checks.
 */
import { existsSync, readFileSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { execFileSync } from "node:child_process";
import { createCsr, createRootCa, issueCertificate, signCsr, type IssuedCertificate } from "../../../src/index.js";
import { readCertificateFacts } from "../../../src/pki/certificate-facts.js";
import {
  archiveDir,
  archiveRecordPath,
  archiveShard,
  legacyArchiveRecordPath,
  readArchiveRecord,
  checkEntryFiles,
  currentEntries,
  indexPath,
  journalPath,
  JOURNAL_LIMIT,
  readIndex,
  recordCertificates,
  recordRevocation,
  revocationRecordPath,
  entrySource,
  entryFieldsFromFacts,
  entryFieldsFromIssued,
  entryFromRecord,
  type ArchiveRecord,
  type IndexEntry,
} from "../../../src/files/index-store.js";
import { readStampCache, saveStampCache, stampCacheChanged, stampOf, stampsPath, type StampCache } from "../../../src/files/file-stamps.js";
import { makeTempDir, removeTempDir } from "../../helpers/workspace.js";

const ca = createRootCa({ commonName: "index test CA" });
let dir: string;
let home: string;

beforeEach(() => {
  dir = makeTempDir("regcert-index-");
  home = join(dir, "home");
});
afterEach(() => removeTempDir(dir));

/** openssl x509 ARGS on a PEM (the independent reading). */
const opensslX509 = (pem: string, args: string[]) => execFileSync("openssl", ["x509", ...args], { input: pem, encoding: "utf8" });

let clock = Date.parse("2026-03-01T00:00:00Z");
/** Issues a certificate, writes its files under dir/NAME.*, returns the archive record. */
function issueTo(name: string, names: string[], outName = name): ArchiveRecord {
  const cert = issueCertificate({ issuer: ca.issuer, names });
  const files = { key: join(dir, `${outName}.key`), certificate: join(dir, `${outName}.crt`), pem: join(dir, `${outName}.pem`), ca: join(dir, "ca.crt") };
  writeFileSync(files.key, cert.privateKeyPem);
  writeFileSync(files.certificate, cert.certificatePem);
  writeFileSync(files.pem, cert.certificatePem);
  writeFileSync(files.ca, ca.certificatePem);
  clock += 1000;
  return {
    name,
    command: "issue",
    issuer: { fingerprint: ca.issuer.certificate.fingerprint, commonName: "index test CA" },
    files,
    recordedAt: new Date(clock).toISOString(),
    certificatePem: cert.certificatePem,
  };
}

test("an empty home reads as an empty index, not a rebuilt one", () => {
  expect(readIndex(home)).toMatchObject({ entries: [], rebuilt: undefined, merged: 0, skipped: 0 });
});

test("records every field the issue asks for, atomically, 0600", () => {
  const record = issueTo("registry", ["registry.local", "192.168.0.12"]);
  recordCertificates(home, [record]);
  const index = JSON.parse(readFileSync(indexPath(home), "utf8"));
  expect(index.version).toBe(1);
  const [entry] = index.certificates;
  expect(Object.keys(entry).sort()).toEqual(
    ["name", "command", "serial", "profile", "names", "commonName", "keyAlgorithm", "notBefore", "notAfter", "fingerprint", "publicKeyFingerprint", "issuer", "files", "recordedAt"].sort(),
  );
  expect(entry).toMatchObject({ name: "registry", profile: "server", keyAlgorithm: "ecdsa-p256", names: { dns: ["registry.local"], ip: ["192.168.0.12"] }, files: record.files });
  expect(entry.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  expect(statSync(indexPath(home)).mode & 0o777).toBe(0o600);
  expect(readdirSync(archiveDir(home))).toEqual([entry.serial.slice(-2)]);
  expect(readdirSync(join(archiveDir(home), entry.serial.slice(-2)))).toEqual([`${entry.serial}.json`]);
  expect(statSync(join(archiveDir(home), entry.serial.slice(-2))).mode & 0o777).toBe(0o700);
  expect(readdirSync(home).filter((f) => f.includes("regcert-tmp"))).toEqual([]);
});

test("a new certificate at the same path replaces the old entry; other paths stay current", () => {
  const first = issueTo("registry", ["registry.local"]);
  recordCertificates(home, [first]);
  recordCertificates(home, [issueTo("mirror", ["mirror.local"])]);
  const second = issueTo("registry", ["registry.local"]);
  const { added } = recordCertificates(home, [second]);
  const { entries } = readIndex(home);
  expect(entries).toHaveLength(3);
  expect(currentEntries(entries).map((e) => e.name).sort()).toEqual(["mirror", "registry"]);
  expect(entries.find((e) => e.name === "registry" && e.replacedBy)?.replacedBy).toBe(added[0]?.serial);
});

describe("rebuild from the archive", () => {
  let serials: string[];
  beforeEach(() => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    recordCertificates(home, [issueTo("registry", ["registry.local"])]); // renewal at the same path
    recordCertificates(home, [issueTo("mirror", ["mirror.local"])]);
    serials = readIndex(home).entries.map((e) => e.serial);
  });

  test("missing index.json: rebuilt, same entries, same current/replaced split", () => {
    const before = readIndex(home).entries;
    unlinkSync(indexPath(home));
    const read = readIndex(home);
    expect(read.rebuilt).toBe("missing");
    expect(read.entries.map((e) => e.serial).sort()).toEqual([...serials].sort());
    expect(currentEntries(read.entries).map((e) => e.serial).sort()).toEqual(currentEntries(before).map((e) => e.serial).sort());
  });

  test.each([
    ["not JSON", "{ this is not json"],
    ["wrong version", JSON.stringify({ version: 99, certificates: [] })],
    ["entries of the wrong shape", JSON.stringify({ version: 1, certificates: [{ name: 1 }] })],
    ["empty file", ""],
  ])("corrupt index.json (%s): rebuilt", (_label, contents) => {
    writeFileSync(indexPath(home), contents);
    const read = readIndex(home);
    expect(read.rebuilt).toBe("corrupt");
    expect(read.entries.map((e) => e.serial).sort()).toEqual([...serials].sort());
    expect(currentEntries(read.entries)).toHaveLength(2);
  });

  test("a record missing from index.json (crash between the two writes) is merged in", () => {
    rmSync(journalPath(home), { force: true }); // the crash left neither an index entry nor a journal line
    const index = JSON.parse(readFileSync(indexPath(home), "utf8"));
    index.certificates = index.certificates.slice(0, 1);
    writeFileSync(indexPath(home), JSON.stringify(index));
    const read = readIndex(home);
    expect(read.rebuilt).toBeUndefined();
    expect(read.merged).toBe(2);
    expect(read.entries).toHaveLength(3);
    expect(currentEntries(read.entries)).toHaveLength(2);
  });

  test("an unreadable archive record is skipped and counted, the rest survive", () => {
    writeFileSync(join(archiveDir(home), "abcdef.json"), "garbage");
    unlinkSync(indexPath(home));
    const read = readIndex(home);
    expect(read.skipped).toBe(1);
    expect(read.entries).toHaveLength(3);
  });

  test("recording after corruption repairs index.json", () => {
    writeFileSync(indexPath(home), "garbage");
    const { read } = recordCertificates(home, [issueTo("third", ["third.local"])]);
    expect(read?.rebuilt).toBe("corrupt");
    expect(JSON.parse(readFileSync(indexPath(home), "utf8")).certificates).toHaveLength(4);
  });
});

describe("the archive layout: issued/SS/SERIAL.json, and homes from before with issued/SERIAL.json", () => {
  test("shards are the serial's last two hex digits; a one-digit serial gets a leading 0", () => {
    expect(archiveShard("c0ffee")).toBe("ee");
    expect(archiveShard("7")).toBe("07");
    expect(archiveRecordPath(home, "c0ffee")).toBe(join(home, "issued", "ee", "c0ffee.json"));
    expect(legacyArchiveRecordPath(home, "c0ffee")).toBe(join(home, "issued", "c0ffee.json"));
  });

  test("an old flat archive is read: rebuild, merge and renew's record lookup find its records; new ones go to shards", () => {
    const old = [issueTo("registry", ["registry.local"]), issueTo("mirror", ["mirror.local"])];
    const { added } = recordCertificates(home, old);
    // the layout before shards: every record directly in issued/
    for (const entry of added) renameSync(archiveRecordPath(home, entry.serial), legacyArchiveRecordPath(home, entry.serial));
    for (const entry of added) rmSync(join(archiveDir(home), archiveShard(entry.serial)), { recursive: true, force: true });
    expect(readdirSync(archiveDir(home)).sort()).toEqual(added.map((e) => `${e.serial}.json`).sort());
    expect(readArchiveRecord(home, added[0]!.serial)?.name).toBe("registry");

    const { added: fresh } = recordCertificates(home, [issueTo("third", ["third.local"])]);
    expect(existsSync(archiveRecordPath(home, fresh[0]!.serial))).toBe(true);
    expect(readArchiveRecord(home, fresh[0]!.serial)?.name).toBe("third");

    // both layouts at once: the rebuild takes all three
    unlinkSync(indexPath(home));
    rmSync(journalPath(home), { force: true });
    const read = readIndex(home);
    expect(read).toMatchObject({ rebuilt: "missing", skipped: 0 });
    expect(read.entries.map((e) => e.name).sort()).toEqual(["mirror", "registry", "third"]);
  });

  test("a record in both layouts (copied by hand) counts once", () => {
    const { added } = recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    writeFileSync(legacyArchiveRecordPath(home, added[0]!.serial), readFileSync(archiveRecordPath(home, added[0]!.serial)));
    unlinkSync(indexPath(home));
    expect(readIndex(home).entries).toHaveLength(1);
  });
});

describe("index.json: one entry per line; indented homes from before are still read and journaled past", () => {
  test("written one entry per line", () => {
    recordCertificates(home, [issueTo("a", ["a.local"]), issueTo("b", ["b.local"])]);
    const lines = readFileSync(indexPath(home), "utf8").split("\n");
    expect(lines[0]).toBe('{"version":1,"certificates":[');
    expect(lines.slice(1, 3).map((l) => JSON.parse(l.replace(/,$/, "")).name)).toEqual(["a", "b"]);
    expect(lines.slice(3)).toEqual(["]}", ""]);
  });

  test("an indented index.json (as regcert wrote it before) is read, and a new record is journaled without rewriting it", () => {
    recordCertificates(home, [issueTo("a", ["a.local"])]);
    const { entries } = readIndex(home);
    const indented = `${JSON.stringify({ version: 1, certificates: entries }, null, 2)}\n`;
    writeFileSync(indexPath(home), indented);
    expect(readIndex(home)).toMatchObject({ rebuilt: undefined, merged: 0 });
    recordCertificates(home, [issueTo("b", ["b.local"])]);
    expect(readFileSync(indexPath(home), "utf8")).toBe(indented);
    expect(readIndex(home).entries.map((e) => e.name)).toEqual(["a", "b"]);
  });
});

describe("the journal: recording does not rewrite a large index.json", () => {
  test("after the first record, entries are appended to index.journal; index.json stays as it was", () => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    const indexBefore = readFileSync(indexPath(home), "utf8");
    const { read, added } = recordCertificates(home, [issueTo("mirror", ["mirror.local"])]);
    expect(read).toBeUndefined();
    expect(readFileSync(indexPath(home), "utf8")).toBe(indexBefore);
    const lines = readFileSync(journalPath(home), "utf8").trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l).serial)).toEqual([added[0]?.serial]);
    expect(statSync(journalPath(home)).mode & 0o777).toBe(0o600);
    expect(readIndex(home)).toMatchObject({ rebuilt: undefined, merged: 0 });
    expect(readIndex(home).entries.map((e) => e.name)).toEqual(["registry", "mirror"]);
  });

  test("a torn last line (crash while appending) is skipped, and the archive still has that certificate", () => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    recordCertificates(home, [issueTo("mirror", ["mirror.local"])]);
    const text = readFileSync(journalPath(home), "utf8");
    writeFileSync(journalPath(home), text.slice(0, text.length - 20));
    const read = readIndex(home);
    expect(read.merged).toBe(1);
    expect(read.entries.map((e) => e.name).sort()).toEqual(["mirror", "registry"]);
  });

  test(`after ${JOURNAL_LIMIT} journaled entries the next record folds everything into index.json and empties the journal`, () => {
    recordCertificates(home, [issueTo("first", ["first.local"])]);
    const base = readIndex(home).entries[0] as IndexEntry;
    // the journal lines as recordCertificates writes them (valid entries; their files do not matter here)
    const filler = Array.from({ length: JOURNAL_LIMIT }, (_, i) => JSON.stringify({ ...base, serial: `f${i.toString(16)}`, name: `filler${i}`, files: { ...base.files, certificate: join(dir, `filler${i}.crt`) } }));
    writeFileSync(journalPath(home), `${filler.join("\n")}\n`);
    const { read } = recordCertificates(home, [issueTo("last", ["last.local"])]);
    expect(read?.entries).toHaveLength(JOURNAL_LIMIT + 1);
    expect(existsSync(journalPath(home))).toBe(false);
    expect(JSON.parse(readFileSync(indexPath(home), "utf8")).certificates).toHaveLength(JOURNAL_LIMIT + 2);
  });
});

describe("checkEntryFiles", () => {
  const entry = () => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    return readIndex(home).entries[0]!;
  };
  const states = (e: ReturnType<typeof entry>) => Object.fromEntries(checkEntryFiles(e).map((c) => [c.role, c.state]));

  test("all present and matching", () => {
    expect(states(entry())).toEqual({ certificate: "ok", pem: "ok", key: "ok", ca: "ok" });
  });
  test("deleted certificate: missing", () => {
    const e = entry();
    unlinkSync(e.files.certificate);
    expect(states(e).certificate).toBe("missing");
  });
  test("another certificate in the file, another key, garbage: changed", () => {
    const e = entry();
    const other = issueCertificate({ issuer: ca.issuer, names: ["registry.local"] });
    writeFileSync(e.files.certificate, other.certificatePem);
    writeFileSync(e.files.key!, other.privateKeyPem);
    writeFileSync(e.files.pem!, "not a certificate");
    expect(states(e)).toMatchObject({ certificate: "changed", key: "changed", pem: "changed" });
  });
});

describe("the stamp cache: files whose stat is unchanged since their contents matched are not read again", () => {
  const FUTURE = () => Date.now() + 60_000; // every file is "quiet" for this clock
  const recorded = () => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    return readIndex(home).entries[0]!;
  };
  const states = (e: IndexEntry, cache?: StampCache) => Object.fromEntries(checkEntryFiles(e, undefined, cache).map((c) => [c.role, c.state]));
  /** the first check stamps every matching file; saved and read back as the next run would */
  const stampAndSave = (e: IndexEntry) => {
    const first = readStampCache(home, FUTURE());
    expect(states(e, first)).toEqual({ certificate: "ok", pem: "ok", key: "ok", ca: "ok" });
    expect(first.added).toBe(3);
    expect(stampCacheChanged(first)).toBe(true);
    saveStampCache(home, first);
    expect(statSync(stampsPath(home)).mode & 0o777).toBe(0o600);
    return readStampCache(home, FUTURE());
  };
  /** rewrites a file in place until the kernel gives it a new ctime (timestamps are coarse: a few ms) */
  const rewriteInPlace = (path: string, contents: string) => {
    const before = statSync(path); // its mtime is a whole second (see the test), so utimes can put it back exactly
    const deadline = Date.now() + 10_000;
    do writeFileSync(path, contents);
    while (statSync(path).ctimeMs === before.ctimeMs && Date.now() < deadline);
    utimesSync(path, before.mtimeMs / 1000, before.mtimeMs / 1000); // mtime put back, as `touch -r` or `cp -p` would
    const after = statSync(path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]); // only ctime tells
    expect(after.ctimeMs).not.toBe(before.ctimeMs);
  };

  test("a stamp that matches is trusted without reading the file (what makes status fast)", () => {
    const e = recorded();
    const second = stampAndSave(e);
    // forge: other contents, then a cache claiming the file's current stat (only a stale-check bypass could do this)
    writeFileSync(e.files.certificate, "not a certificate");
    const forged = readStampCache(home, FUTURE());
    const stat = statSync(e.files.certificate);
    (forged.before as Map<string, Record<string, string>>).get(e.serial)!.certificate = stampOf(stat);
    expect(states(e, forged).certificate).toBe("ok");
    expect(states(e, second).certificate).toBe("changed"); // the honest cache: the stat moved, so the file was read
  });

  test("a second run with every stamp matching changes nothing and saves nothing", () => {
    const e = recorded();
    const second = stampAndSave(e);
    expect(states(e, second)).toEqual({ certificate: "ok", pem: "ok", key: "ok", ca: "ok" });
    expect(second.added).toBe(0);
    expect(stampCacheChanged(second)).toBe(false);
  });

  test("same size, mtime put back: the certificate rewritten in place is still caught (ctime)", () => {
    const e = recorded();
    const size = statSync(e.files.certificate).size;
    // another certificate of exactly the same PEM length (ECDSA signatures vary by a byte or two)
    let other: string | undefined;
    for (let i = 0; i < 50 && other === undefined; i++) {
      const pem = issueCertificate({ issuer: ca.issuer, names: ["registry.local"] }).certificatePem;
      if (pem.length === size) other = pem;
    }
    expect(other).toBeDefined();
    const second1 = Math.floor(Date.now() / 1000) - 3600;
    utimesSync(e.files.certificate, second1, second1);
    const second = stampAndSave(e);
    rewriteInPlace(e.files.certificate, other!);
    expect(states(e, second).certificate).toBe("changed");
  });

  test("a key replaced by rename (new inode) is caught", () => {
    const e = recorded();
    const second = stampAndSave(e);
    const other = issueCertificate({ issuer: ca.issuer, names: ["registry.local"] });
    writeFileSync(`${e.files.key}.new`, other.privateKeyPem);
    renameSync(`${e.files.key}.new`, e.files.key!);
    expect(states(e, second).key).toBe("changed");
  });

  test("files younger than QUIET_MS are checked by content but not stamped (racily clean, as git calls it)", () => {
    const e = recorded();
    const now = readStampCache(home); // the real clock: the files were written just now
    expect(states(e, now)).toEqual({ certificate: "ok", pem: "ok", key: "ok", ca: "ok" });
    expect(now.added).toBe(0);
    expect(now.after.size).toBe(0);
  });

  test("a damaged or foreign cache file is ignored (read as empty), never trusted", () => {
    const e = recorded();
    const damaged = [
      "{ not json",
      JSON.stringify({ version: 99, stamps: {} }),
      JSON.stringify({ version: 1, stamps: [] }),
      JSON.stringify({ version: 1, stamps: { [e.serial]: { certificate: [1, "x"] } } }),
      JSON.stringify({ version: 1, stamps: { [e.serial]: 5 } }),
      JSON.stringify({ version: 1, stamps: { [e.serial]: "certificate" } }),
      JSON.stringify({ version: 1, stamps: { [e.serial]: null } }),
    ];
    for (const contents of damaged) {
      writeFileSync(stampsPath(home), contents);
      const cache = readStampCache(home, FUTURE());
      expect([contents, stampCacheChanged(cache)]).toEqual([contents, true]); // saved over, even when nothing is checked
      expect(states(e, cache)).toEqual({ certificate: "ok", pem: "ok", key: "ok", ca: "ok" }); // read by contents
      expect(cache.added).toBe(3);
    }
    // and a value that is not a stamp is never taken for one: the file is read and judged
    writeFileSync(e.files.certificate, "not a certificate");
    writeFileSync(stampsPath(home), JSON.stringify({ version: 1, stamps: { [e.serial]: { certificate: 1 } } }));
    expect(states(e, readStampCache(home, FUTURE())).certificate).toBe("changed");
  });

  test("saving keeps only what this run confirmed: entries no longer checked are dropped", () => {
    const e = recorded();
    const second = stampAndSave(e);
    const third = readStampCache(home, FUTURE());
    expect(third.before.has(e.serial)).toBe(true);
    expect(stampCacheChanged(third)).toBe(true); // nothing checked in this run: the entry would be dropped
    saveStampCache(home, third);
    expect(readStampCache(home).before.size).toBe(0);
    expect(second.before.size).toBe(1);
  });
});

describe("ACME entries (source \"acme\"): held by an ACME client, no files in the home", () => {
  /** A certificate as `regcert acme serve` records it: no files, the account/order it went to. */
  function acmeRecord(names: string[], order = "order-1"): ArchiveRecord {
    const cert = issueCertificate({ issuer: ca.issuer, names });
    clock += 1000;
    return {
      name: names[0] as string,
      command: "acme",
      issuer: { fingerprint: ca.issuer.certificate.fingerprint, commonName: "index test CA" },
      files: { certificate: "" },
      recordedAt: new Date(clock).toISOString(),
      certificatePem: cert.certificatePem,
      source: "acme",
      acme: { accountId: "acct-1", orderId: order, certId: `cert-${order}` },
    };
  }

  test("an index written before the field (no source) reads as files, unchanged, and the entries keep no source field", () => {
    // one line of index.json exactly as the code before ACME entries wrote it (no source/acme/revoked)
    const record = issueTo("registry", ["registry.local"]);
    recordCertificates(home, [record]);
    const text = readFileSync(indexPath(home), "utf8");
    expect(text).not.toMatch(/"source"|"acme"|"revoked"/);
    const [entry] = readIndex(home).entries;
    expect(entry?.source).toBeUndefined();
    expect(entrySource(entry as IndexEntry)).toBe("files");
    expect(checkEntryFiles(entry as IndexEntry).map((c) => [c.role, c.state])).toContainEqual(["certificate", "ok"]);
  });

  test("a hand-written old-format line (as regcert 0.1 wrote it) is accepted as a files entry", () => {
    const record = issueTo("old", ["old.local"]);
    recordCertificates(home, [record]);
    const [entry] = readIndex(home).entries as IndexEntry[];
    const { source: _s, acme: _a, revoked: _r, ...old } = entry as IndexEntry;
    writeFileSync(indexPath(home), `{"version":1,"certificates":[\n${JSON.stringify(old)}\n]}\n`);
    const read = readIndex(home);
    expect(read.rebuilt).toBeUndefined();
    expect(read.entries).toHaveLength(1);
    expect(entrySource(read.entries[0] as IndexEntry)).toBe("files");
  });

  test("recorded with source, account and order; no files checked; one compact line per entry", () => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    recordCertificates(home, [acmeRecord(["a.acme.test"])]);
    const entries = readIndex(home).entries;
    const acme = entries.find((e) => e.source === "acme") as IndexEntry;
    expect(acme).toMatchObject({ name: "a.acme.test", command: "acme", source: "acme", acme: { accountId: "acct-1", orderId: "order-1" }, files: { certificate: "" } });
    expect(checkEntryFiles(acme)).toEqual([]);
    // the journal (and index.json once folded) keeps one JSON line per entry
    for (const line of readFileSync(journalPath(home), "utf8").trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
  });

  test("a newer ACME certificate for the same names replaces the older one; other names and file entries stay current", () => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    const first = acmeRecord(["a.acme.test", "b.acme.test"], "o1");
    const other = acmeRecord(["c.acme.test"], "o2");
    const second = acmeRecord(["b.acme.test", "a.acme.test"], "o3");
    recordCertificates(home, [first]);
    recordCertificates(home, [other]);
    recordCertificates(home, [second]);
    const current = currentEntries(readIndex(home).entries);
    expect(current.map((e) => e.acme?.orderId ?? e.name).sort()).toEqual(["o2", "o3", "registry"]);
    // the same after a rebuild from the archive
    rmSync(indexPath(home));
    rmSync(journalPath(home), { force: true });
    const rebuilt = readIndex(home);
    expect(rebuilt.rebuilt).toBe("missing");
    expect(currentEntries(rebuilt.entries).map((e) => e.acme?.orderId ?? e.name).sort()).toEqual(["o2", "o3", "registry"]);
    expect(rebuilt.entries.find((e) => e.acme?.orderId === "o1")?.source).toBe("acme");
  });

  test("a revocation marks the entry (index.json rewritten), is kept in its own record, and survives a rebuild; the certificate's record is unchanged", () => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    const record = acmeRecord(["r.acme.test"]);
    const { added } = recordCertificates(home, [record]);
    const serial = (added[0] as IndexEntry).serial;
    const before = readFileSync(archiveRecordPath(home, serial), "utf8");
    const revocation = { at: "2026-03-02T00:00:00.000Z", reason: 4 };
    expect(recordRevocation(home, serial.toUpperCase(), revocation)?.serial).toBe(serial);
    expect(readFileSync(archiveRecordPath(home, serial), "utf8")).toBe(before);
    expect(statSync(revocationRecordPath(home, serial)).mode & 0o777).toBe(0o600);
    expect(existsSync(journalPath(home))).toBe(false);
    expect(readFileSync(indexPath(home), "utf8")).toContain('"revoked":{"at":"2026-03-02T00:00:00.000Z","reason":4}');
    expect(readIndex(home).entries.find((e) => e.serial === serial)?.revoked).toEqual(revocation);
    // a crash after the revocation record but before index.json: the record is applied on read
    unlinkSync(indexPath(home));
    expect(readIndex(home).entries.find((e) => e.serial === serial)?.revoked).toEqual(revocation);
    // revocation records are not certificate records: nothing skipped
    expect(readIndex(home).skipped).toBe(0);
  });

  test("revoking a serial the index does not know keeps the revocation record and returns undefined", () => {
    recordCertificates(home, [issueTo("registry", ["registry.local"])]);
    expect(recordRevocation(home, "7abc", { at: "2026-03-02T00:00:00.000Z", reason: 0 })).toBeUndefined();
    expect(existsSync(revocationRecordPath(home, "7abc"))).toBe(true);
  });
});

describe("index fields without parsing the certificate back (what issue, sign, renew and acme serve record)", () => {
  const shortCa = createRootCa({ commonName: "short CA", days: 30 }, { now: () => new Date("2026-03-01T10:20:30.456Z") });
  const cases: Array<[string, () => IssuedCertificate]> = [
    ["issue, DNS + IPv4 + IPv6 + IDN, P-256, now with milliseconds", () => issueCertificate({ issuer: ca.issuer, names: ["registry.example", "xn--bcher-kva.example", "192.0.2.7", "2001:db8::1"] }, { now: () => new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000 + 999) })],
    ["issue, RSA-2048, client profile, common name", () => issueCertificate({ issuer: ca.issuer, names: ["client.example"], profile: "client", keyAlgorithm: "rsa-2048", commonName: "ci runner" })],
    ["issue, Ed25519, IP only", () => issueCertificate({ issuer: ca.issuer, names: ["127.0.0.1"], keyAlgorithm: "ed25519" })],
    ["validity cut to the CA's expiry", () => issueCertificate({ issuer: shortCa.issuer, names: ["short.example"], days: 90 }, { now: () => new Date("2026-03-05T00:00:00.500Z") })],
    ["signCsr of a CSR (as ACME finalize and sign do)", () => {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
      const csr = createCsr({ privateKey, subject: {}, names: { dns: ["acme.example"], ip: ["::1"] } });
      return signCsr({ issuer: ca.issuer, csr: csr.der, names: { dns: ["acme.example"], ip: ["::1"] }, days: 7 });
    }],
  ];
  test.each(cases)("%s: equal to the fields read back from the certificate", (_what, make) => {
    const issued = make();
    const fromIssued = entryFieldsFromIssued(issued);
    const fromCertificate = entryFieldsFromFacts(readCertificateFacts(issued.certificatePem));
    expect(fromIssued).toEqual(fromCertificate);
    // and equal to openssl's reading of the serial and the end date (an independent judge of the two fields most used)
    const serial = opensslX509(issued.certificatePem, ["-noout", "-serial"]).trim().replace(/^serial=/, "").toLowerCase().replace(/^(00)+(?=.)/, "");
    expect(fromIssued.serial).toBe(serial);
    const end = opensslX509(issued.certificatePem, ["-noout", "-enddate"]).trim().replace(/^notAfter=/, "");
    expect(new Date(end).toISOString()).toBe(fromIssued.notAfter);
  });

  test("recordCertificates with the fields gives the same entry as parsing", () => {
    const cert = issueCertificate({ issuer: ca.issuer, names: ["same.example"] });
    const record: ArchiveRecord = { name: "same", command: "issue", issuer: { fingerprint: ca.issuer.certificate.fingerprint, commonName: "index test CA" }, files: { certificate: join(dir, "same.crt") }, recordedAt: "2026-03-01T00:00:00.000Z", certificatePem: cert.certificatePem };
    const given = recordCertificates(home, [record], { fields: [entryFieldsFromIssued(cert)] }).added[0];
    expect(given).toEqual(entryFromRecord(record));
    expect(JSON.parse(readFileSync(archiveRecordPath(home, cert.serialHex), "utf8"))).toEqual(record);
    // a rebuild (index gone) parses the archive record and finds the same entry
    rmSync(indexPath(home), { force: true });
    rmSync(journalPath(home), { force: true });
    expect(readIndex(home).entries).toEqual([given]);
  });

  test("durable: false (ACME certificates, held by the fsynced ACME journal): the index line only, no archive record", () => {
    recordCertificates(home, [issueTo("files", ["files.example"])]);
    const acme = issueCertificate({ issuer: ca.issuer, names: ["acme.example"] });
    const record: ArchiveRecord = { name: "acme.example", command: "acme", issuer: { fingerprint: ca.issuer.certificate.fingerprint, commonName: "index test CA" }, files: { certificate: "" }, recordedAt: "2026-03-01T00:00:00.000Z", certificatePem: acme.certificatePem, source: "acme", acme: { accountId: "a", orderId: "o", certId: "c" } };
    const added = recordCertificates(home, [record], { fields: [entryFieldsFromIssued(acme)], durable: false }).added[0];
    expect(added).toEqual(entryFromRecord(record));
    expect(existsSync(archiveRecordPath(home, acme.serialHex))).toBe(false);
    expect(readIndex(home).entries.map((e) => e.name)).toEqual(["files", "acme.example"]);
    // a rebuilt index has only what the archive holds (acme serve records the rest again at its start)
    rmSync(indexPath(home), { force: true });
    expect(readIndex(home).entries.map((e) => e.name)).toEqual(["files"]);
  });
});
