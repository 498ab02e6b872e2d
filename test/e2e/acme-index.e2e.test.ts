/**
 * Certificates `regcert acme serve` issues are recorded in the CA home's index (issue #14): lego obtains
 * one over http-01 (everything on 127.0.0.1), then `regcert status --json` lists it with the serial and
 * notAfter that openssl reads from the certificate lego downloaded; lego revokes it and status shows it
 * revoked; `renew --all` leaves ACME certificates to their client (exit 0, nothing written).
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runLego, startAcmeServe, succeeded as ok, type AcmeServe } from "../helpers/acme.js";
import { runCli, tempWorkspace, type CliResult } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { freePort } from "../helpers/ports.js";
import { describeWithTools, type ToolResult } from "../helpers/run-tool.js";
import { treeState } from "../helpers/tree.js";

const TOOLS = ["lego", "openssl"];
const suite = describeWithTools("acme index e2e", TOOLS);

const SLOW = 180_000;
let ws: ReturnType<typeof tempWorkspace>;
let server: AcmeServe;
let directory: string;
let httpPort: number;
let caFile: string;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { cwd: ws.dir, env: { ...ws.env, ...env } });
}

function lego(args: string[]): Promise<ToolResult> {
  return runLego({ server: directory, path: join(ws.dir, "lego"), caFile, home: ws.dir }, ["--domains", "localhost", ...args]);
}

interface StatusCert {
  name: string;
  serial: string;
  notAfter: string;
  state: string;
  source: string;
  names: { dns: string[]; ip: string[] };
  files: Record<string, unknown>;
  revoked?: { at: string; reason: number };
  command: string;
}

async function status(env: NodeJS.ProcessEnv = {}): Promise<{ code: number; certs: StatusCert[]; stdout: string }> {
  const r = await cli(["status", "--json"], env);
  const doc = JSON.parse(r.stdout) as { certificates: StatusCert[]; exitCode: number };
  expect(doc.exitCode).toBe(r.code);
  return { code: r.code, certs: doc.certificates, stdout: r.stdout };
}

suite("acme serve records its certificates in the home's index", () => {
  const crt = () => join(ws.dir, "lego/certificates/localhost.crt");
  let serial: string;
  let notAfter: string;

  async function startServer(): Promise<void> {
    server = await startAcmeServe(ws.env, ["--allow-dns", "localhost", "--http-port", String(httpPort), "--tls-port", String(await freePort()), "--days", "7"]);
    directory = server.directoryUrl;
  }

  beforeAll(async () => {
    ws = tempWorkspace("regcert-acme-index-");
    caFile = join(ws.home, "ca.crt");
    const init = await cli(["init-ca", "--cn", "acme index CA"]);
    expect(init.code).toBe(0);
    httpPort = await freePort();
    await startServer();
    ok(await lego(["--http", "--http.port", `127.0.0.1:${httpPort}`, "run"]), server.process.logs());
    // what an independent tool reads from the downloaded certificate
    serial = (await openssl(["x509", "-in", crt(), "-noout", "-serial"])).stdout.trim().replace(/^serial=/, "");
    notAfter = (await openssl(["x509", "-in", crt(), "-noout", "-enddate"])).stdout.trim().replace(/^notAfter=/, "");
    expect(serial).toMatch(/^[0-9A-F]+$/);
    expect(server.process.logs()).not.toMatch(/from the ACME journal/); // a fresh home: nothing to catch up on
  }, SLOW);

  afterAll(async () => {
    await server?.process.stop();
    ws?.cleanup();
  }, SLOW);

  test("status --json lists it (source acme) with openssl's serial and notAfter; fresh: ok, exit 0", async () => {
    // the order's answer does not wait for the index (group commit right after it): a bounded wait
    const deadline = Date.now() + 20_000;
    let listed = await status();
    while (listed.certs.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      listed = await status();
    }
    const { code, certs } = listed;
    const acme = certs.filter((c) => c.source === "acme");
    expect(acme).toHaveLength(1);
    const [cert] = acme as [StatusCert];
    expect(cert.serial.toUpperCase().replace(/^0+/, "")).toBe(serial.replace(/^0+/, ""));
    expect(new Date(cert.notAfter).getTime()).toBe(Date.parse(notAfter));
    expect(cert).toMatchObject({ name: "localhost", command: "acme", state: "ok", names: { dns: ["localhost"], ip: [] }, files: {} });
    expect(code).toBe(0);
    const human = await cli(["status"]);
    expect(human.stdout).toMatch(/ok .* localhost \(server\) \(acme\) DNS:localhost/);
    expect(human.stdout).toContain("held by its ACME client");
  }, SLOW);

  test("in its last third of life it is due (exit 3): its client stopped renewing; renew --all leaves it alone (exit 0, nothing written)", async () => {
    const late = { REGCERT_NOW: new Date(Date.parse(notAfter) - 86_400_000).toISOString() };
    const { code, certs } = await status(late);
    expect(certs.find((c) => c.source === "acme")?.state).toBe("due");
    expect(code).toBe(3);
    const before = treeState(ws.dir);
    const renew = await cli(["renew", "--all", "--json"], late);
    expect(renew.code).toBe(0);
    const doc = JSON.parse(renew.stdout) as { renewed: unknown[]; skipped: Array<{ name: string; reason: string }> };
    expect(doc.renewed).toEqual([]);
    expect(doc.skipped).toEqual([expect.objectContaining({ name: "localhost", reason: expect.stringMatching(/its ACME client holds the key and renews it/) })]);
    const human = await cli(["renew", "--all"], late);
    expect(human.code).toBe(0);
    expect(human.stderr).toMatch(/not renewing localhost: .*ACME client .* renews it/);
    expect(treeState(ws.dir)).toEqual(before);
    // renewing it by name is a user mistake, with a hint
    const named = await cli(["renew", "localhost"], late);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/^regcert: .*ACME client holds the key.*\nhint: /);
    // so is exporting it: regcert has neither its key nor its files
    const exported = await cli(["export", "localhost", "--p12", "--password-file", "/dev/null"], late);
    expect(exported.code).toBe(2);
    expect(exported.stderr).toMatch(/^regcert: "localhost" \(serial [0-9a-f]+\) was issued through regcert acme serve: .*\nhint: export from the client's files: openssl pkcs12 /);
    expect(treeState(ws.dir)).toEqual(before);
  }, SLOW);

  test("lego revokes it: status shows it revoked (not due, exit 0) even when it would be due", async () => {
    ok(await lego(["revoke", "--reason", "4"]), server.process.logs());
    const late = { REGCERT_NOW: new Date(Date.parse(notAfter) - 86_400_000).toISOString() };
    const { code, certs } = await status(late);
    const cert = certs.find((c) => c.source === "acme") as StatusCert;
    expect(cert.state).toBe("revoked");
    expect(cert.revoked).toMatchObject({ reason: 4 });
    expect(code).toBe(0);
    expect(existsSync(join(ws.home, "index.json"))).toBe(true);
    const human = await cli(["status"], late);
    expect(human.stdout).toMatch(/revoked .* localhost \(server\) \(acme\)/);
  }, SLOW);

  test("an index rebuilt (deleted by hand, or lost in a power cut) takes them from the ACME journal, revoked as they are", async () => {
    await server.process.stop();
    for (const path of ["index.json", "index.journal", "issued"]) rmSync(join(ws.home, path), { recursive: true, force: true });
    const r = await cli(["status", "--json"]);
    expect(r.stderr).toMatch(/index\.json was missing; rebuilt it from 0 archived certificate\(s\) in the home's issued\/ directory and 1 in its ACME journal/);
    const certs = (JSON.parse(r.stdout) as { certificates: StatusCert[] }).certificates;
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({ source: "acme", state: "revoked", revoked: { reason: 4 }, names: { dns: ["localhost"], ip: [] } });
    expect((certs[0] as StatusCert).serial.toUpperCase().replace(/^0+/, "")).toBe(serial.replace(/^0+/, ""));
    expect((certs[0] as StatusCert).notAfter).toBe(new Date(notAfter).toISOString());
  }, SLOW);

  test("an index that lacks them (a recording cut off by a stop) is brought up to date from the ACME journal at the next start", async () => {
    // an index that is there and sound, but without the certificate: no rebuild, so status does not list it
    writeFileSync(join(ws.home, "index.json"), '{"version":1,"certificates":[\n\n]}\n', { mode: 0o600 });
    for (const path of ["index.journal", "issued"]) rmSync(join(ws.home, path), { recursive: true, force: true });
    expect((await status()).certs).toEqual([]);
    await startServer();
    expect(server.process.logs()).toMatch(/recorded 1 ACME certificate\(s\) and 1 revocation\(s\) from the ACME journal/);
    const { certs } = await status();
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({ source: "acme", state: "revoked", revoked: { reason: 4 } });
    expect((certs[0] as StatusCert).serial.toUpperCase().replace(/^0+/, "")).toBe(serial.replace(/^0+/, ""));
  }, SLOW);
});
