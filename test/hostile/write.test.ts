/**
 * The file layer under stress: the system calls regcert makes (judged by strace: the mode is fixed on
 * the exclusively created temp file before the first key byte, then fsync, then an atomic link or
 * rename, then the directory is fsynced), all-or-nothing sets under injected failures (with and
 * without --force), symlinks at and below the guarded directory, modes whatever the umask, and the
 * home lock (taken over from a dead owner; a live owner makes the next run wait, then give up).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN } from "../helpers/cli.js";
import { toolAvailable } from "../helpers/run-tool.js";
import { treeState } from "../helpers/tree.js";
import { RegcertError } from "../../src/pki/errors.js";
import { cliMessage } from "../../src/cli/option-flags.js";
import { cleanupPendingTemps, ensureDirectory, trackForCleanup, writeFilesAtomic, type FilePlan } from "../../src/files/write.js";
import { withHomeLock } from "../../src/files/home.js";
import { leftovers } from "./harness.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "regcert-write-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const mode = (p: string) => lstatSync(p).mode & 0o777;
const plan = (dir: string, tag: string): FilePlan => [
  { path: join(dir, "registry.key"), contents: `KEY ${tag}\n`, mode: 0o600 },
  { path: join(dir, "registry.csr"), contents: `CSR ${tag}\n`, mode: 0o644 },
  { path: join(dir, "registry.crt"), contents: `CRT ${tag}\n`, mode: 0o644 },
  { path: join(dir, "registry.pem"), contents: `CRT ${tag}\n`, mode: 0o644 },
  { path: join(dir, "ca.crt"), contents: `CA ${tag}\n`, mode: 0o644 },
];
const failAt = (index: number) => (_path: string, i: number) => {
  if (i === index) throw new Error(`injected failure before publishing file #${index}`);
};

(toolAvailable("strace") ? describe : describe.skip)("system calls (strace)", () => {
  test("ca.key: O_CREAT|O_EXCL|O_NOFOLLOW temp with 0600, fchmod 0600 before the first byte, fsync, link, directory fsync", () => {
    const dir = tempDir();
    const trace = join(dir, "trace.txt");
    const env: NodeJS.ProcessEnv = { ...process.env, REGCERT_HOME: join(dir, "home"), CI: "1" };
    delete env.NODE_OPTIONS;
    const run = spawnSync("strace", ["-f", "-s", "64", "-o", trace, "-e", "trace=openat,fchmod,write,pwrite64,fsync,link,rename,close", process.execPath, BIN, "init-ca"], {
      cwd: dir,
      env,
      encoding: "utf8",
      umask: 0o000,
    } as Parameters<typeof spawnSync>[2]);
    expect(run.status).toBe(0);
    const lines = readFileSync(trace, "utf8").split("\n");
    const open = lines.findIndex((l) => /openat\(.*\.ca\.key\.regcert-tmp-[0-9a-f]+", O_WRONLY\|O_CREAT\|O_EXCL\|O_NOFOLLOW.*, 0600\) = \d+/.test(l));
    expect(open).toBeGreaterThanOrEqual(0);
    const fd = /= (\d+)$/.exec(lines[open] as string)?.[1] as string;
    const onFd = lines.slice(open + 1).filter((l) => new RegExp(`\\b(fchmod|write|pwrite64|fsync|close)\\(${fd}[,)]`).test(l));
    const calls = onFd.slice(0, onFd.findIndex((l) => l.includes(`close(${fd})`)) + 1).map((l) => (/\b(fchmod|write|pwrite64|fsync|close)\(/.exec(l) as RegExpExecArray)[1]);
    expect(calls[0]).toBe("fchmod");
    expect(onFd[0]).toContain(`fchmod(${fd}, 0600)`);
    expect(calls.slice(1, -2).every((c) => c === "write" || c === "pwrite64")).toBe(true);
    expect(calls.slice(-2)).toEqual(["fsync", "close"]);
    expect(onFd.find((l) => /write|pwrite64/.test(l))).toContain("-----BEGIN PRIVATE KEY");
    const link = lines.findIndex((l) => /link\(".*\.ca\.key\.regcert-tmp-[0-9a-f]+", ".*\/home\/ca\.key"\) = 0/.test(l));
    expect(link).toBeGreaterThan(open);
    expect(lines.slice(link).some((l) => /openat\(.*\/home", O_RDONLY/.test(l))).toBe(true);
    expect(mode(join(dir, "home", "ca.key"))).toBe(0o600);
  });

  test("issue: every temp file of a set is written, then all are fsynced, before the first is published; each directory fsynced once per set", () => {
    const dir = tempDir();
    const trace = join(dir, "trace.txt");
    const env: NodeJS.ProcessEnv = { ...process.env, REGCERT_HOME: join(dir, "home"), CI: "1" };
    delete env.NODE_OPTIONS;
    const run = spawnSync("strace", ["-f", "-o", trace, "-e", "trace=openat,fsync,link,rename,close", process.execPath, BIN, "--yes", "--quiet", "issue", "--dns", "registry.example.com", "--out", join(dir, "certs")], { cwd: dir, env, encoding: "utf8" });
    expect(run.status).toBe(0);
    const lines = readFileSync(trace, "utf8").split("\n");
    const certs = join(dir, "certs");
    // the five temp files of the leaf set: fd of each, then where each is fsynced and linked
    const opens = lines.flatMap((l, i) => {
      const m = new RegExp(`openat\\(AT_FDCWD, "${certs}/\\.[^"]+\\.regcert-tmp-[0-9a-f]+", O_WRONLY\\|O_CREAT\\|O_EXCL.* = (\\d+)$`).exec(l);
      return m ? [{ line: i, fd: m[1] as string }] : [];
    });
    expect(opens).toHaveLength(5);
    const fsyncOf = (fd: string, after: number) => lines.findIndex((l, i) => i > after && l.includes(`fsync(${fd})`));
    const syncs = opens.map((o) => fsyncOf(o.fd, o.line));
    const links = lines.flatMap((l, i) => (new RegExp(`link\\("${certs}/\\.[^"]+", "${certs}/[^"]+"\\) = 0`).test(l) ? [i] : []));
    expect(links).toHaveLength(5);
    const lastOpen = Math.max(...opens.map((o) => o.line));
    for (const sync of syncs) {
      expect(sync).toBeGreaterThan(lastOpen); // batched: the fsync pass starts after the last temp file is written
      expect(sync).toBeLessThan(Math.min(...links)); // durable before any is published
    }
    const dirSyncs = lines.filter((l, i) => i > Math.max(...links) && new RegExp(`openat\\(AT_FDCWD, "${certs}", O_RDONLY`).test(l));
    expect(dirSyncs.length).toBeGreaterThanOrEqual(1);
  });
});

describe("all-or-nothing sets", () => {
  test.each([0, 1, 2, 3, 4])("a failure before file #%i is published leaves no new file and no temp (no --force)", (index) => {
    const dir = tempDir();
    expect(() => writeFilesAtomic(plan(dir, "new"), { beforePublish: failAt(index) })).toThrow(RegcertError);
    expect(treeState(dir)).toEqual({});
  });

  test.each([0, 1, 2, 3, 4])("with --force, a failure before file #%i puts every old file back byte for byte and mode for mode", (index) => {
    const dir = tempDir();
    writeFilesAtomic(plan(dir, "old"));
    chmodSync(join(dir, "registry.crt"), 0o640);
    const before = treeState(dir);
    expect(() => writeFilesAtomic(plan(dir, "new"), { force: true, beforePublish: failAt(index) })).toThrow(RegcertError);
    expect(treeState(dir)).toEqual(before);
  });

  test("with --force and a partly existing set, new files of a failed run are removed and old ones restored", () => {
    const dir = tempDir();
    writeFilesAtomic(plan(dir, "old").slice(0, 2));
    const before = treeState(dir);
    expect(() => writeFilesAtomic(plan(dir, "new"), { force: true, beforePublish: failAt(4) })).toThrow(RegcertError);
    expect(treeState(dir)).toEqual(before);
  });

  test("a successful --force replaces everything and leaves no backups", () => {
    const dir = tempDir();
    writeFilesAtomic(plan(dir, "old"));
    writeFilesAtomic(plan(dir, "new"), { force: true });
    expect(readFileSync(join(dir, "registry.key"), "utf8")).toBe("KEY new\n");
    expect(leftovers(dir)).toEqual([]);
  });

  test("without --force one existing file refuses the whole set before anything is written", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "registry.crt"), "someone else's\n");
    const before = treeState(dir);
    // the CLI's text (--force); the library's names the option (force: true), engine-errors.test.ts
    let thrown: unknown;
    try {
      writeFilesAtomic(plan(dir, "new"));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RegcertError);
    expect(cliMessage(thrown)).toMatch(/registry\.crt already exists; regcert never replaces files without --force/);
    expect(treeState(dir)).toEqual(before);
  });

  test("identical existing files count as unchanged, not as conflicts", () => {
    const dir = tempDir();
    writeFilesAtomic(plan(dir, "same"));
    expect(writeFilesAtomic(plan(dir, "same"))).toEqual({ written: [], unchanged: plan(dir, "same").map((e) => e.path) });
  });
});

describe("leftovers of a run killed with SIGKILL (no handler can run)", () => {
  test("temp files of the targets older than an hour are removed by the next write; fresh ones and backups are kept", () => {
    const dir = tempDir();
    const stale = join(dir, ".registry.key.regcert-tmp-0123456789ab");
    const fresh = join(dir, ".registry.crt.regcert-tmp-0123456789ab");
    const backup = join(dir, ".registry.crt.regcert-old-0123456789ab");
    const other = join(dir, ".unrelated.key.regcert-tmp-0123456789ab");
    for (const p of [stale, fresh, backup, other]) writeFileSync(p, "half a key");
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const p of [stale, backup, other]) utimesSync(p, old, old);
    writeFilesAtomic(plan(dir, "new"));
    expect([stale, fresh, backup, other].map(existsSync)).toEqual([false, true, true, true]);
  });
});

describe("modes whatever the umask", () => {
  test.each([0o000, 0o022, 0o077, 0o277])("umask %o: key 0600, certificates 0644, new directories as asked", (umask) => {
    const dir = tempDir();
    const old = process.umask(umask);
    try {
      writeFilesAtomic(plan(join(dir, "a", "b"), "x"), { dirMode: 0o700 });
    } finally {
      process.umask(old);
    }
    expect(mode(join(dir, "a", "b", "registry.key"))).toBe(0o600);
    expect(mode(join(dir, "a", "b", "registry.crt"))).toBe(0o644);
    // mkdir honours the umask (never wider than asked): the target is at most 0700
    expect(mode(join(dir, "a", "b")) & ~0o700).toBe(0);
  });
});

describe("symlinks", () => {
  test("a link at the target directory is refused; nothing is written through it", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "out"));
    expect(() => writeFilesAtomic(plan(join(dir, "out"), "x"))).toThrow(/out is a symbolic link/);
    expect(treeState(join(dir, "real"))).toEqual({});
  });

  test("with guardFrom (a certs.d root), a link anywhere between it and the target is refused", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "elsewhere", "HOST"), { recursive: true });
    mkdirSync(join(dir, "root", "etc", "docker"), { recursive: true });
    symlinkSync(join(dir, "elsewhere"), join(dir, "root", "etc", "docker", "certs.d"));
    const target = join(dir, "root", "etc", "docker", "certs.d", "HOST", "ca.crt");
    expect(() => writeFilesAtomic([{ path: target, contents: "CA\n", mode: 0o644 }], { guardFrom: join(dir, "root", "etc", "docker", "certs.d") })).toThrow(/certs\.d is a symbolic link/);
    expect(existsSync(join(dir, "elsewhere", "HOST", "ca.crt"))).toBe(false);
  });

  test("links above guardFrom are followed (fixed system prefixes such as snap's current)", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "x1", "args"), { recursive: true });
    symlinkSync(join(dir, "x1"), join(dir, "current"));
    writeFilesAtomic([{ path: join(dir, "current", "args", "certs.d", "HOST", "ca.crt"), contents: "CA\n", mode: 0o644 }], { guardFrom: join(dir, "current", "args", "certs.d") });
    expect(readFileSync(join(dir, "x1", "args", "certs.d", "HOST", "ca.crt"), "utf8")).toBe("CA\n");
  });

  test("ensureDirectory refuses a file where a directory should be", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "x");
    expect(() => ensureDirectory(join(dir, "file", "sub"))).toThrow(/file exists and is not a directory/);
  });
});

describe("the home lock", () => {
  test("a lock left by a process that no longer exists is taken over at once", async () => {
    const home = tempDir();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    mkdirSync(join(home, ".lock"));
    writeFileSync(join(home, ".lock", "owner"), `${dead.stdout}\n`);
    const started = Date.now();
    expect(await withHomeLock(home, () => "ran", { timeoutMs: 5_000 })).toBe("ran");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(existsSync(join(home, ".lock"))).toBe(false);
  });

  test("a lock held by a live process makes the next run wait and then stop with exit 2 and a hint", async () => {
    const home = tempDir();
    mkdirSync(join(home, ".lock"));
    writeFileSync(join(home, ".lock", "owner"), `${process.ppid}\n`);
    await expect(withHomeLock(home, () => "ran", { timeoutMs: 300 })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("another regcert run holds the lock") });
    expect(existsSync(join(home, ".lock"))).toBe(true);
  });

  test("runs under the same home are serialised", async () => {
    const home = tempDir();
    const order: string[] = [];
    const slow = (tag: string) => async () => {
      order.push(`${tag}:in`);
      await new Promise((r) => setTimeout(r, 100));
      order.push(`${tag}:out`);
    };
    await Promise.all([withHomeLock(home, slow("a")), withHomeLock(home, slow("b"))]);
    expect(order.join(" ")).toMatch(/^(a:in a:out b:in b:out|b:in b:out a:in a:out)$/);
  });

  test("cleanupPendingTemps (the SIGINT/SIGTERM handler) removes a held lock directory", () => {
    const home = tempDir();
    mkdirSync(join(home, ".lock"));
    writeFileSync(join(home, ".lock", "owner"), "1\n");
    trackForCleanup(join(home, ".lock"), "dir");
    cleanupPendingTemps();
    expect(existsSync(join(home, ".lock"))).toBe(false);
  });
});
