/**
 * `regcert status` through the built CLI: certificates of different lifetimes looked at on different
 * days (REGCERT_NOW, test-only), the JSON schema, the exit codes 0/3/4 a cron job relies on, files
 * that vanished or changed, and an index that is missing or corrupt (rebuilt, never blocking issue).
 */
import { readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CliResult } from "../helpers/cli.js";
import { cliIn, okIn, type Workspace, workspacePool } from "../helpers/workspace.js";
import { openssl } from "../helpers/openssl.js";
import { QUIET_MS } from "../../src/files/file-stamps.js";
import { createRootCa, issueCertificate } from "../../src/index.js";

const workspace = workspacePool("regcert-status-");

const cli = (ws: Workspace, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => cliIn(ws, args, { env });
const ok = (ws: Workspace, args: string[]): Promise<CliResult> => okIn(ws, args);

const DAY = 86_400_000;
const inDays = (days: number) => ({ REGCERT_NOW: new Date(Date.now() + days * DAY).toISOString() });

interface StatusJson {
  schema: string;
  exitCode: number;
  warnDays: number;
  now: string;
  rollover: boolean;
  cas: Array<Record<string, unknown>>;
  certificates: Array<{ name: string; state: string; daysLeft: number; reasons: string[]; files: Record<string, { path: string; state: string }> } & Record<string, unknown>>;
  index: { path: string; rebuilt: string | null; merged: number; skipped: number };
}

async function statusJson(ws: Workspace, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; json: StatusJson; stderr: string }> {
  const result = await cli(ws, ["status", "--json", ...args], env);
  return { code: result.code, json: JSON.parse(result.stdout) as StatusJson, stderr: result.stderr };
}

const states = (json: StatusJson) => Object.fromEntries(json.certificates.map((c) => [c.name, c.state]));

describe("certificates of different ages", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local", "--ip", "127.0.0.1", "--name", "registry"]); // 397 days
    await ok(ws, ["issue", "--dns", "soon.local", "--name", "soon", "--days", "20"]);
    await ok(ws, ["issue", "--client", "--cn", "ci-runner", "--name", "ci", "--days", "60"]);
  });

  test("today: one is within the 30-day window -> exit 3", async () => {
    const { code, json } = await statusJson(ws);
    expect(code).toBe(3);
    expect(json.exitCode).toBe(3);
    expect(states(json)).toEqual({ registry: "ok", soon: "due", ci: "ok" });
    const soon = json.certificates.find((c) => c.name === "soon")!;
    expect(soon.daysLeft).toBe(19);
    expect(soon.reasons).toEqual(["expires in 19 day(s)"]);
  });

  test("--warn-days 10: nothing due -> exit 0; --warn-days 70: the 60-day client is due too", async () => {
    expect((await statusJson(ws, ["--warn-days", "10"])).code).toBe(0);
    const wide = await statusJson(ws, ["--warn-days", "70"]);
    expect(wide.code).toBe(3);
    expect(states(wide.json)).toEqual({ registry: "ok", soon: "due", ci: "due" });
  });

  test("25 days later: one expired -> exit 4", async () => {
    const { code, json } = await statusJson(ws, [], inDays(25));
    expect(code).toBe(4);
    expect(states(json)).toEqual({ registry: "ok", soon: "expired", ci: "ok" });
    expect(json.certificates.find((c) => c.name === "soon")!.daysLeft).toBe(-6);
  });

  test("390 days later: the registry certificate is due, the others expired", async () => {
    const { code, json } = await statusJson(ws, [], inDays(390));
    expect(code).toBe(4);
    expect(states(json)).toEqual({ registry: "due", soon: "expired", ci: "expired" });
    expect(json.certificates.find((c) => c.name === "registry")!.daysLeft).toBe(6);
  });

  test("human output: one line per certificate, the reason, the summary and the renew command", async () => {
    const result = await cli(ws, ["status"]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^CA \(current\) "regcert CA .*": ok, expires \d{4}-\d\d-\d\d \(36\d\d days left\)$/m);
    expect(result.stdout).toMatch(/^ {2}due\s+19 days {2}soon \(server\) DNS:soon\.local, expires /m);
    expect(result.stdout).toMatch(/^ {2}ok\s+59 days {2}ci \(client\) CN=ci-runner, expires /m);
    expect(result.stdout).toContain("- expires in 19 day(s)");
    expect(result.stdout).toContain("Summary: 2 ok, 1 due (exit 3)");
    expect(result.stdout).toContain("Renew: regcert renew --all --within 30");
    expect(result.stderr).toBe("");
  });

  test("--quiet prints nothing; the exit code alone answers (cron)", async () => {
    const result = await cli(ws, ["status", "--quiet"], inDays(25));
    expect(result).toEqual({ code: 4, stdout: "", stderr: "" });
  });
});

test("the JSON schema regcert.status/1", async () => {
  const ws = workspace();
  await ok(ws, ["issue", "--dns", "registry.local", "--ip", "10.1.2.3", "--key", "rsa-2048"]);
  const { code, json } = await statusJson(ws);
  expect(code).toBe(0);
  expect(Object.keys(json).sort()).toEqual(["cas", "certificates", "command", "exitCode", "home", "index", "now", "rollover", "schema", "warnDays"]);
  expect(json).toMatchObject({ schema: "regcert.status/1", command: "status", exitCode: 0, warnDays: 30, rollover: false, index: { rebuilt: null, merged: 0, skipped: 0 } });
  expect(json.cas).toEqual([
    {
      role: "current",
      commonName: expect.stringMatching(/^regcert CA /),
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      keyAlgorithm: "rsa-2048", // a CA made on first use takes the key type of that issue
      notBefore: expect.any(String),
      notAfter: expect.any(String),
      daysLeft: expect.any(Number),
      state: "ok",
      path: join(ws.home, "ca.crt"),
    },
  ]);
  const certs = join(ws.dir, "certs");
  expect(json.certificates).toEqual([
    {
      name: "registry",
      profile: "server",
      serial: expect.stringMatching(/^[0-9a-f]{32}$/),
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      names: { dns: ["registry.local"], ip: ["10.1.2.3"] },
      commonName: "registry.local",
      keyAlgorithm: "rsa-2048",
      notBefore: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      daysLeft: 396,
      state: "ok",
      reasons: [],
      issuer: { fingerprint: json.cas[0]!.fingerprint, commonName: json.cas[0]!.commonName, trust: "current" },
      files: {
        certificate: { path: join(certs, "registry.crt"), state: "ok" },
        pem: { path: join(certs, "registry.pem"), state: "ok" },
        key: { path: join(certs, "registry.key"), state: "ok" },
        csr: { path: join(certs, "registry.csr"), state: "ok" },
        ca: { path: join(certs, "ca.crt"), state: "ok" },
      },
      source: "files",
      command: "issue",
      recordedAt: expect.any(String),
    },
  ]);
});

describe("files that vanish or change", () => {
  test("a deleted key -> missing, exit 4; a CSR gone is only mentioned", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local"]);
    unlinkSync(join(ws.dir, "certs", "registry.csr"));
    const fine = await statusJson(ws);
    expect(fine.code).toBe(0);
    expect(fine.json.certificates[0]!.reasons).toEqual([`csr ${join(ws.dir, "certs", "registry.csr")} is missing`]);
    unlinkSync(join(ws.dir, "certs", "registry.key"));
    const { code, json } = await statusJson(ws);
    expect(code).toBe(4);
    expect(json.certificates[0]).toMatchObject({ state: "missing", files: { key: { state: "missing" } } });
  });

  test("a certificate file overwritten by something else -> changed, exit 4", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local"]);
    await ok(ws, ["issue", "--dns", "other.local", "--name", "other"]);
    const crt = join(ws.dir, "certs", "registry.crt");
    writeFileSync(crt, readFileSync(join(ws.dir, "certs", "other.crt")));
    const { code, json } = await statusJson(ws);
    expect(code).toBe(4);
    expect(states(json)).toEqual({ registry: "changed", other: "ok" });
  });

  test("issue --force at the same path replaces the entry instead of adding a second one", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local"]);
    await ok(ws, ["issue", "--dns", "registry.local", "--ip", "10.0.0.1", "--force"]);
    const { code, json } = await statusJson(ws);
    expect(code).toBe(0);
    expect(json.certificates).toHaveLength(1);
    expect(json.certificates[0]!.names).toEqual({ dns: ["registry.local"], ip: ["10.0.0.1"] });
  });
});

describe("a missing or corrupt index", () => {
  test("corrupt: status rebuilds it from the archive, says so, and saves it", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "a.local", "--name", "a"]);
    await ok(ws, ["issue", "--dns", "b.local", "--name", "b"]);
    writeFileSync(join(ws.home, "index.json"), "{ not json");
    const { code, json, stderr } = await statusJson(ws);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^warning: the certificate index .*index\.json was corrupt; rebuilt it from 2 archived certificate\(s\)/);
    expect(json.index.rebuilt).toBe("corrupt");
    expect(Object.keys(states(json)).sort()).toEqual(["a", "b"]);
    expect(JSON.parse(readFileSync(join(ws.home, "index.json"), "utf8")).certificates).toHaveLength(2);
    expect((await statusJson(ws)).stderr).toBe(""); // saved: no second rebuild
  });

  test("missing: issue still works, warns, and the index ends up complete", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "a.local", "--name", "a"]);
    rmSync(join(ws.home, "index.json"));
    const issued = await cli(ws, ["issue", "--dns", "b.local", "--name", "b"]);
    expect(issued.code).toBe(0);
    expect(issued.stderr).toMatch(/index\.json was missing; rebuilt it/);
    const { json } = await statusJson(ws);
    expect(Object.keys(states(json)).sort()).toEqual(["a", "b"]);
  });

  test("an index that cannot be written never blocks issuing", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "a.local", "--name", "a"]);
    rmSync(join(ws.home, "index.json"));
    // a directory where index.json should be: the write fails, the certificate is still issued
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(ws.home, "index.json"));
    const issued = await cli(ws, ["issue", "--dns", "b.local", "--name", "b"]);
    expect(issued.code).toBe(0);
    expect(issued.stderr).toMatch(/^warning: the certificate was written, but recording it in the index .* failed/m);
    expect(readFileSync(join(ws.dir, "certs", "b.crt"), "utf8")).toContain("BEGIN CERTIFICATE");
  });
});

describe("user errors", () => {
  test("no CA: exit 2 with a hint", async () => {
    const ws = workspace();
    const result = await cli(ws, ["status"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`regcert: no CA in ${ws.home}\nhint: create one with \`regcert init-ca\` (or \`regcert issue\`), or pass --home DIR\n`);
  });
  test("a bad --warn-days", async () => {
    const ws = workspace();
    await ok(ws, ["init-ca"]);
    const result = await cli(ws, ["status", "--warn-days", "soon"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^regcert: --warn-days "soon" is not a whole number\nhint: /);
  });
  test("an empty index: exit 0 and says how certificates get there", async () => {
    const ws = workspace();
    await ok(ws, ["init-ca"]);
    const result = await cli(ws, ["status"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("No certificates in the index yet");
  });
});

test("the CA counts too: within the window -> exit 3 with the rotate hint; expired -> exit 4", async () => {
  const ws = workspace();
  await ok(ws, ["init-ca", "--days", "20"]);
  const due = await cli(ws, ["status"]);
  expect(due.code).toBe(3);
  expect(due.stdout).toMatch(/^CA \(current\) ".*": due, expires .* \(19 days left\)$/m);
  expect(due.stdout).toContain("start now with regcert ca rotate");
  expect((await cli(ws, ["status"], inDays(21))).code).toBe(4);
});

describe("the stamp cache (index.stamps.json) and a certificate replaced behind the index's back", () => {
  test("quiet files are stamped; a replaced certificate is read again and the file's own facts reported, as openssl sees them", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local", "--name", "registry"]); // 397 days
    await ok(ws, ["issue", "--dns", "registry.local", "--name", "short", "--days", "20"]);
    // files younger than QUIET_MS are checked by their contents but not stamped (racily clean): let them settle
    await new Promise((r) => setTimeout(r, QUIET_MS + 1_000));
    const first = await statusJson(ws);
    expect(first.code).toBe(3);
    expect(states(first.json)).toEqual({ registry: "ok", short: "due" });
    const registry = first.json.certificates.find((c) => c.name === "registry")!;
    const stamps = JSON.parse(readFileSync(join(ws.home, "index.stamps.json"), "utf8")) as { version: number; stamps: Record<string, Record<string, string>> };
    expect(stamps.version).toBe(1);
    expect(Object.keys(stamps.stamps[registry.serial as string] ?? {}).sort()).toEqual(["certificate", "key", "pem"]);
    expect(statSync(join(ws.home, "index.stamps.json")).mode & 0o777).toBe(0o600);

    // nothing changed: same verdicts, and the cache is not rewritten
    const cacheBefore = statSync(join(ws.home, "index.stamps.json"));
    const second = await statusJson(ws);
    expect(second.json.certificates).toEqual(first.json.certificates);
    expect(statSync(join(ws.home, "index.stamps.json")).ctimeMs).toBe(cacheBefore.ctimeMs);

    // the 20-day certificate copied over registry.crt, its mtime put back (as cp -p or touch -r would)
    const crt = join(ws.dir, "certs", "registry.crt");
    const mtime = statSync(crt).mtime;
    writeFileSync(crt, readFileSync(join(ws.dir, "certs", "short.crt")));
    utimesSync(crt, mtime, mtime);
    const { code, json } = await statusJson(ws);
    expect(code).toBe(4);
    const replaced = json.certificates.find((c) => c.name === "registry")!;
    expect(replaced.state).toBe("changed");
    expect(replaced.files.certificate!.state).toBe("changed");
    expect(replaced.files.pem!.state).toBe("ok"); // the .pem copy was not touched

    // the facts shown are the file's, judged by openssl
    const serial = (await openssl(["x509", "-in", crt, "-noout", "-serial"])).stdout.trim().replace(/^serial=/, "").toLowerCase().replace(/^(00)+(?=.)/, "");
    expect(replaced.serial).toBe(serial);
    expect(replaced.serial).not.toBe(registry.serial);
    const enddate = (await openssl(["x509", "-in", crt, "-noout", "-enddate"])).stdout.trim().replace(/^notAfter=/, "");
    expect(replaced.notAfter).toBe(new Date(enddate).toISOString());
    expect(replaced.names).toEqual({ dns: ["registry.local"], ip: [] });
    // openssl: it expires within the 30-day window (exit 1), not within 18 days (exit 0); status: due in 19 days
    const within = (days: number) => openssl(["x509", "-in", crt, "-noout", "-checkend", String(days * 86_400)]);
    expect(await within(30)).toMatchObject({ code: 1, stdout: "Certificate will expire\n" });
    expect(await within(18)).toMatchObject({ code: 0, stdout: "Certificate will not expire\n" });
    expect(replaced.daysLeft).toBe(19);
    expect(replaced.reasons).toContain("expires in 19 day(s)");
    expect(replaced.reasons[0]).toBe(`the certificate file holds serial ${serial}, not the recorded ${registry.serial}: dates and names shown are the file's`);
  });

  test("a home without a cache (every home before it) and one with a damaged cache: read by contents, then cached", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local"]);
    writeFileSync(join(ws.home, "index.stamps.json"), "{ damaged");
    const { code, json, stderr } = await statusJson(ws);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(states(json)).toEqual({ registry: "ok" });
    // rewritten as a valid (here empty: the files are younger than QUIET_MS) cache
    expect(JSON.parse(readFileSync(join(ws.home, "index.stamps.json"), "utf8"))).toEqual({ version: 1, stamps: {} });
  });
});

test("a replaced certificate with a hostile subject cannot forge a status line or reach the terminal raw", async () => {
  const ws = workspace();
  await ok(ws, ["issue", "--dns", "registry.local"]);
  const other = createRootCa({ commonName: "elsewhere" });
  const hostile = issueCertificate({ issuer: other.issuer, profile: "client", commonName: "evil\n  ok       999 days  forged (server) DNS:fine.local\u001b[2J" });
  writeFileSync(join(ws.dir, "certs", "registry.crt"), hostile.certificatePem);
  const result = await cli(ws, ["status"]);
  expect(result.code).toBe(4);
  expect(result.stdout).not.toContain("\u001b");
  expect(result.stdout).not.toMatch(/^ {2}ok\s+999 days/m);
  expect(result.stdout).toContain("CN=evil\\n  ok       999 days  forged (server) DNS:fine.local\\x1b[2J, expires");
});
