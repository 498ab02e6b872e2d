/**
 * CA rollover with certificates `regcert acme serve` issued (issue #14). An ACME client (acme-client,
 * in-process, http-01 on 127.0.0.1) gets one certificate for localhost and one for revoked.test (then
 * revoked) from the built CLI's `acme serve`; the home also has a file certificate (issue).
 *
 * - ca rotate lists the file certificate for `renew --all` and the in-use ACME one apart, as renewed by
 *   its ACME client (the revoked one is not listed), names the running acme serve, and writes nothing
 *   for the ACME certificate: openssl still verifies it with the previous CA only.
 * - ca retire-old is refused (exit 2, one line + hint) while the ACME certificate is in use, also
 *   after the file certificate was renewed; --force retires anyway and says so (text and --json);
 *   once it has expired (openssl -checkend agrees) it no longer holds the retirement up.
 * - acme serve restarted on the new CA issues a certificate openssl verifies with the new CA only; it
 *   replaces the old one for localhost, and retire-old goes through.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace, type CliResult } from "../helpers/cli.js";
import { newAcmeClient, obtainCertificate, startAcmeServe, startHttp01Responder, trustAcmeCa, type AcmeClient, type AcmeServe, type Http01Responder } from "../helpers/acme.js";
import { openssl } from "../helpers/openssl.js";
import { toolAvailable } from "../helpers/run-tool.js";

if (!toolAvailable("openssl") && process.env.CI) throw new Error("acme rollover e2e needs openssl (add it to .ci/run's PACKAGES)");
const suite = toolAvailable("openssl") ? describe : describe.skip;

const SLOW = 180_000;
let ws: ReturnType<typeof tempWorkspace>;
let responder: Http01Responder;
let server: AcmeServe | undefined;
let client: AcmeClient;
const oldCaFile = () => join(ws.dir, "old-ca.crt");
const newCaFile = () => join(ws.dir, "new-ca.crt");
const first = () => join(ws.dir, "localhost-1.pem");
let firstSerial: string; // openssl's, upper-case hex
let firstNotAfter: string; // openssl's

function cli(args: string[], env: NodeJS.ProcessEnv = {}, home = ws.home): Promise<CliResult> {
  return runCli(args, { cwd: ws.dir, env: { ...ws.env, REGCERT_HOME: home, ...env } });
}

/** A copy of the home (without the live server's lock), for a command that must not change the real one. */
function copyHome(name: string): string {
  const copy = join(ws.dir, name);
  cpSync(ws.home, copy, { recursive: true });
  rmSync(join(copy, "acme", "server.lock"), { recursive: true, force: true });
  return copy;
}

const serveArgs = (httpPort: number) => ["--allow-dns", "localhost", "--allow-dns", "*.test", "--resolve", "revoked.test:127.0.0.1", "--http-port", String(httpPort), "--tls-port", "1", "--days", "7"];

type StatusCert = { name: string; serial: string; state: string };

/** status --json's current ACME certificates, once `done` holds (the index is written right after the answer: a bounded wait). */
async function acmeStatus(done: (certs: StatusCert[]) => boolean): Promise<StatusCert[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const doc = JSON.parse((await cli(["status", "--json"])).stdout) as { certificates: Array<{ name: string; serial: string; state: string; source: string }> };
    const acmeCerts = doc.certificates.filter((c) => c.source === "acme");
    if (done(acmeCerts) || Date.now() > deadline) return acmeCerts;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function verifyWith(caFile: string, file: string) {
  const r = await openssl(["verify", "-CAfile", caFile, "-purpose", "sslserver", "-verify_hostname", "localhost", file]);
  return { ok: r.stdout.trim() === `${file}: OK`, text: r.stdout + r.stderr };
}

const bare = (hex: string) => hex.toUpperCase().replace(/^0+/, "");

suite("ca rotate and ca retire-old with certificates from acme serve", () => {
  beforeAll(async () => {
    ws = tempWorkspace("regcert-acme-rollover-");
    expect((await cli(["init-ca", "--cn", "acme rollover CA"])).code).toBe(0);
    expect((await cli(["issue", "--dns", "localhost", "--name", "registry"])).code).toBe(0);
    writeFileSync(oldCaFile(), readFileSync(join(ws.home, "ca.crt")));
    responder = await startHttp01Responder();
    server = await startAcmeServe(ws.env, serveArgs(responder.port));
    trustAcmeCa(readFileSync(oldCaFile(), "utf8"));
    client = await newAcmeClient(server.directoryUrl);
    writeFileSync(first(), await obtainCertificate(client, responder, ["localhost"]));
    const revoked = await obtainCertificate(client, responder, ["revoked.test"]);
    await client.revokeCertificate(revoked, { reason: 4 });
    firstSerial = (await openssl(["x509", "-in", first(), "-noout", "-serial"])).stdout.trim().replace(/^serial=/, "");
    firstNotAfter = (await openssl(["x509", "-in", first(), "-noout", "-enddate"])).stdout.trim().replace(/^notAfter=/, "");
    const listed = await acmeStatus((certs) => certs.length === 2);
    expect(listed.map((c) => [c.name, c.state]).sort()).toEqual([["localhost", "ok"], ["revoked.test", "revoked"]]);
  }, SLOW);

  afterAll(async () => {
    await server?.process.stop();
    await responder?.close();
    ws?.cleanup();
  }, SLOW);

  test("ca rotate: the file certificate is for renew --all; the ACME one is counted apart, renewed by its client; the revoked one is not listed", async () => {
    const copy = copyHome("home-text");
    const r = await cli(["ca", "rotate", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc.certificatesToRenew).toEqual([{ name: "registry", certificate: join(ws.dir, "certs", "registry.crt") }]);
    expect(doc.renewedByAcmeClients).toEqual([{ name: "localhost", serial: expect.any(String), notAfter: new Date(Date.parse(firstNotAfter)).toISOString(), names: { dns: ["localhost"], ip: [] } }]);
    expect(bare((doc.renewedByAcmeClients as Array<{ serial: string }>)[0]?.serial ?? "")).toBe(bare(firstSerial));
    expect(doc.counts).toEqual({ certificatesToRenew: 1, renewedByAcmeClients: 1 });
    expect(doc.acmeServe).toEqual({ running: true, pid: server?.process.child.pid });
    writeFileSync(newCaFile(), readFileSync(join(ws.home, "ca.crt")));

    // the same rotation, printed for a person (on a copy of the home taken before, no server running on it)
    const text = await cli(["ca", "rotate"], {}, copy);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("2. regcert renew --all   (re-issues 1 certificate(s) under the new CA: registry)");
    expect(text.stdout).toMatch(/^ {5}1 ACME certificate\(s\) are renewed by their ACME clients, not by regcert: localhost \(ACME, serial [0-9a-f]+, until \d{4}-\d\d-\d\d\)$/m);
    expect(text.stdout).toContain("restart regcert acme serve so it issues from the new CA; each client switches at its next renewal");
    expect(text.stdout).not.toContain("revoked.test");
    expect(text.stderr).toBe("");

    // rotation did not re-issue the ACME certificate (regcert has no key for it): openssl still chains it to the old CA only
    expect((await verifyWith(oldCaFile(), first())).ok).toBe(true);
    const withNew = await verifyWith(newCaFile(), first());
    expect(withNew.ok).toBe(false);
    expect(withNew.text).toMatch(/unable to get local issuer certificate/);
  }, SLOW);

  test("ca retire-old is refused while the ACME certificate is in use, also once the file certificate is renewed", async () => {
    const both = await cli(["ca", "retire-old"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /^regcert: 2 certificate\(s\) are still signed by the old CA: registry \(certs\/registry\.crt\), localhost \(ACME, serial [0-9a-f]+, until \d{4}-\d\d-\d\d\)\nhint: renew them \(regcert renew --all\), restart the registry; restart regcert acme serve \(it then issues from the new CA\) and let the ACME clients renew \(or revoke those certificates\), then retire; --force retires anyway/,
    );
    expect(both.stderr).not.toContain("revoked.test");

    expect((await cli(["renew", "--all"])).code).toBe(0);
    expect((await verifyWith(newCaFile(), join(ws.dir, "certs", "registry.crt"))).ok).toBe(true);
    const acmeOnly = await cli(["ca", "retire-old"]);
    expect(acmeOnly.code).toBe(2);
    expect(acmeOnly.stderr).toMatch(/^regcert: 1 certificate\(s\) are still signed by the old CA: localhost \(ACME, serial [0-9a-f]+, until \d{4}-\d\d-\d\d\)\nhint: restart regcert acme serve /);
    expect(acmeOnly.stdout).toBe("");
  }, SLOW);

  test("--force retires anyway and names the ACME certificate (text: a warning; --json: forcedWith, forcedWithAcme)", async () => {
    const json = await cli(["ca", "retire-old", "--force", "--json"], {}, copyHome("home-force-json"));
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { forcedWith: string[]; forcedWithAcme: Array<{ name: string; serial: string }> };
    expect(doc.forcedWith).toEqual(["localhost"]);
    expect(doc.forcedWithAcme).toEqual([{ name: "localhost", serial: expect.any(String), notAfter: new Date(Date.parse(firstNotAfter)).toISOString() }]);
    expect(bare(doc.forcedWithAcme[0]?.serial ?? "")).toBe(bare(firstSerial));

    const text = await cli(["ca", "retire-old", "--force"], {}, copyHome("home-force-text"));
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^warning: localhost \(ACME, serial [0-9a-f]+, until \d{4}-\d\d-\d\d\) is still signed by the retired CA: clients that drop it will refuse it until its ACME client renews from the new CA$/m);
    expect(text.stdout).toMatch(/^✓ Retired the old CA "acme rollover CA"/m);
  }, SLOW);

  test("an expired ACME certificate does not hold the retirement up (openssl -checkend agrees it has expired by then)", async () => {
    const later = new Date(Date.parse(firstNotAfter) + 86_400_000);
    const seconds = String(Math.ceil((later.getTime() - Date.now()) / 1000));
    const checkend = await openssl(["x509", "-in", first(), "-noout", "-checkend", seconds]);
    expect(checkend.stdout.trim()).toBe("Certificate will expire");
    const r = await cli(["ca", "retire-old", "--json"], { REGCERT_NOW: later.toISOString() }, copyHome("home-expired"));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ forcedWith: [], forcedWithAcme: [] });
  }, SLOW);

  test("acme serve restarted on the new CA: the client's next certificate chains to the new CA only; it replaces the old one and retire-old goes through", async () => {
    const port = server?.port;
    await server?.process.stop();
    server = await startAcmeServe(ws.env, serveArgs(responder.port), { port }); // the same URL: the client keeps its directory
    trustAcmeCa([readFileSync(newCaFile(), "utf8"), readFileSync(oldCaFile(), "utf8")]);
    const second = join(ws.dir, "localhost-2.pem");
    writeFileSync(second, await obtainCertificate(client, responder, ["localhost"])); // the same account: it lives in the ACME journal
    expect((await verifyWith(newCaFile(), second)).ok).toBe(true);
    expect((await verifyWith(oldCaFile(), second)).ok).toBe(false);
    const secondSerial = (await openssl(["x509", "-in", second, "-noout", "-serial"])).stdout.trim().replace(/^serial=/, "");
    // status lists current certificates only: the new one for localhost, the old one replaced
    const listed = await acmeStatus((certs) => certs.some((c) => bare(c.serial) === bare(secondSerial)));
    expect(listed.filter((c) => c.name === "localhost").map((c) => bare(c.serial))).toEqual([bare(secondSerial)]);

    const retire = await cli(["ca", "retire-old"]);
    expect(retire.stderr).toBe("");
    expect(retire.code).toBe(0);
    expect(retire.stdout).toMatch(/^✓ Retired the old CA "acme rollover CA": it is no longer in the trust bundle; its key was deleted$/m);
  }, SLOW);
});
