/**
 * The start-up layout of the built CLI (scripts/build.mjs): a front bundle (commander + command
 * definitions) and command bundles loaded only when an action runs, each with a V8 code cache.
 * Judged from outside: which files the process reads (a preload that records fs reads), V8's own
 * verdict on each cache (vm.Script#cachedDataRejected in a plain node), exit codes and stderr of the
 * real binary, and a read-only copy of dist/ whose files must not change.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BIN, REPO } from "../helpers/cli.js";
import { buildProgram } from "../../src/cli/program.js";

const CLI = resolve(BIN, "..");
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "regcert-startup-"));
  // records every file the process reads through fs.readFileSync (the loader reads bundles and caches so)
  writeFileSync(
    join(dir, "reads.cjs"),
    `const fs = require("node:fs"); const real = fs.readFileSync; const seen = [];
fs.readFileSync = function (path, ...rest) { seen.push(String(path)); return real.call(this, path, ...rest); };
process.on("exit", () => real !== undefined && fs.writeFileSync(process.env.READS_OUT, seen.join("\\n")));`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], options: { bin?: string; cwd?: string } = {}) {
  const reads = join(dir, `reads-${Math.random().toString(16).slice(2)}.txt`);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CI: "1", READS_OUT: reads, HOME: dir };
  delete env.NODE_OPTIONS;
  const result = spawnSync(process.execPath, ["-r", join(dir, "reads.cjs"), options.bin ?? BIN, ...args], { cwd: options.cwd ?? dir, env, encoding: "utf8", timeout: 60_000 });
  const bundles = existsSync(reads) ? readFileSync(reads, "utf8").split("\n").filter((p) => /\.cjs(\.cache)?$/.test(p)).map((p) => p.slice(p.lastIndexOf("/") + 1)) : [];
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, bundles };
}

test("--help reads only the front bundle and its cache", () => {
  const r = run(["--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("Usage: regcert");
  expect(r.bundles.sort()).toEqual(["regcert.cjs", "regcert.cjs.cache"]);
});

test("a first-use issue reads the front and the issue bundle, not the other commands' bundle", () => {
  const r = run(["--home", join(dir, "home-a"), "--yes", "--quiet", "issue", "--dns", "registry.example.com", "--out", join(dir, "certs-a")]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  expect(r.bundles.sort()).toEqual(["regcert-issue.cjs", "regcert-issue.cjs.cache", "regcert.cjs", "regcert.cjs.cache"]);
  expect(readFileSync(join(dir, "certs-a", "registry.crt"), "utf8")).toContain("BEGIN CERTIFICATE");
});

test("status runs from the other commands' bundle", () => {
  const r = run(["--home", join(dir, "home-a"), "status"]);
  expect(r.code).toBe(0);
  expect(r.bundles).toContain("regcert-commands.cjs");
  expect(r.bundles).not.toContain("regcert-issue.cjs");
});

test("a RegcertError thrown inside a command bundle is the front's class: a user error (exit 2, hint), not an internal error", () => {
  // the name check happens in the issue bundle (src/pki/names.ts); the printer is in the front (src/cli/run.ts)
  const r = run(["--home", join(dir, "home-b"), "--yes", "issue", "--dns", "bad name!", "--out", join(dir, "certs-b")]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^regcert: .*bad name!/m);
  expect(r.stderr).toMatch(/^hint: /m);
  expect(r.stderr).not.toContain("internal error");
  expect(r.bundles).toContain("regcert-issue.cjs");
});

test("V8 accepts every code cache the build wrote (same node, no flags)", () => {
  const caches = readdirSync(CLI).filter((f) => f.endsWith(".cjs.cache"));
  expect(caches.sort()).toEqual(["regcert-commands.cjs.cache", "regcert-issue.cjs.cache", "regcert.cjs.cache"]);
  const check = `const { readFileSync } = require("node:fs"); const { Script } = require("node:vm");
const out = {}; for (const f of ${JSON.stringify(caches.map((c) => join(CLI, c.replace(/\.cache$/, ""))))}) {
  out[f.slice(f.lastIndexOf("/") + 1)] = new Script(readFileSync(f, "latin1"), { filename: f, cachedData: readFileSync(f + ".cache") }).cachedDataRejected; }
process.stdout.write(JSON.stringify(out));`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ["-e", check], { encoding: "utf8", env });
  expect(JSON.parse(r.stdout)).toEqual({ "regcert-commands.cjs": false, "regcert-issue.cjs": false, "regcert.cjs": false });
});

test("each bundle is ASCII and already wrapped as a CommonJS function (the loader reads it as latin1, no concatenation)", () => {
  for (const name of ["regcert.cjs", "regcert-issue.cjs", "regcert-commands.cjs"]) {
    const bytes = readFileSync(join(CLI, name));
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    expect(bytes.toString("latin1").split("\n").find((l) => l.trim() !== "")).toBe("(function (exports, require, module, __filename, __dirname) {");
  }
});

test("a read-only dist/ works and is not written to (no cache writes at run time)", () => {
  const copy = mkdtempSync(join(tmpdir(), "regcert-ro-"));
  try {
    cpSync(join(REPO, "package.json"), join(copy, "package.json"));
    cpSync(resolve(CLI, ".."), join(copy, "dist"), { recursive: true });
    const snapshot = () =>
      readdirSync(join(copy, "dist", "cli"))
        .map((f) => `${f} ${statSync(join(copy, "dist", "cli", f)).mtimeMs} ${statSync(join(copy, "dist", "cli", f)).size}`)
        .sort();
    const before = snapshot();
    const lock = (path: string): void => {
      const stat = statSync(path);
      if (stat.isDirectory()) for (const name of readdirSync(path)) lock(join(path, name));
      chmodSync(path, stat.isDirectory() ? 0o555 : stat.mode & 0o555);
    };
    lock(join(copy, "dist"));
    const bin = join(copy, "dist", "cli", "main.js");
    expect(run(["--help"], { bin }).code).toBe(0);
    const issued = run(["--home", join(dir, "home-ro"), "--yes", "--quiet", "issue", "--dns", "registry.example.com", "--out", join(dir, "certs-ro")], { bin });
    expect({ code: issued.code, stderr: issued.stderr }).toEqual({ code: 0, stderr: "" });
    expect(snapshot()).toEqual(before);
  } finally {
    spawnSync("chmod", ["-R", "u+w", copy]);
    rmSync(copy, { recursive: true, force: true });
  }
});

describe("buildProgram(argv) defines only the group of the command argv names", () => {
  const all = buildProgram().commands.map((c) => c.name());

  test.each(all)("%s is found when argv names it (also after global options)", (name) => {
    expect(buildProgram(["node", "regcert", name]).commands.map((c) => c.name())).toContain(name);
    expect(buildProgram(["node", "regcert", "--home", "issue", "--json", "--home=x", "--yes", name, "--help"]).commands.map((c) => c.name())).toContain(name);
  });

  test("issue defines its own group only; help, unknown words and unknown options define everything", () => {
    expect(buildProgram(["node", "regcert", "issue"]).commands.map((c) => c.name())).toEqual(["init-ca", "issue", "sign"]);
    for (const argv of [["--help"], ["help", "issue"], ["isue"], ["--verbose", "issue"], []]) {
      expect(buildProgram(["node", "regcert", ...argv]).commands.map((c) => c.name())).toEqual(all);
    }
  });
});
