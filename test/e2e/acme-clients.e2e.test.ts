/**
 * `regcert acme serve` against the real ACME clients from Debian, on loopback only: lego (--http and
 * --tls, i.e. tls-alpn-01), certbot standalone http-01, caddy with acme_ca/acme_ca_root. Made-up names
 * (*.test) are validated through --resolve NAME:127.0.0.1, never looked up. Differential: lego and
 * certbot run against Debian's pebble (the reference ACME server) with the same arguments and must
 * succeed there too. Judges: `openssl verify` (printed verdict), skopeo (Go's TLS verdict) pulling from
 * the real docker-registry serving an obtained certificate through an install-trust layout.
 * One regcert server and one pebble for the whole suite; every process is stopped in afterAll.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { runLego, startAcmeServe, succeeded as ok, type AcmeServe } from "../helpers/acme.js";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { openssl } from "../helpers/openssl.js";
import { freePort } from "../helpers/ports.js";
import { startProcess, type RunningProcess } from "../helpers/process.js";
import { startRegistry, type RunningRegistry } from "../helpers/registry.js";
import { describeWithTools, runTool, type ToolResult } from "../helpers/run-tool.js";
import { skopeoCopy } from "../helpers/skopeo.js";
import { readJournal } from "../../src/files/journal.js";

const TOOLS = ["lego", "certbot", "caddy", "pebble", "openssl", "skopeo", "docker-registry", "curl"];
const suite = describeWithTools("acme e2e", TOOLS);

const SLOW = 180_000;
let ws: ReturnType<typeof tempWorkspace>;
let regcert: AcmeServe;
let pebble: RunningProcess;
let directory: string;
let pebbleDirectory: string;
let httpPort: number;
let tlsPort: number;
let caFile: string;
const registries: RunningRegistry[] = [];
let image: OciLayoutInfo;

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args, { cwd: ws.dir, env: ws.env });
  if (r.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function verifyChain(file: string, host: string): Promise<string> {
  const r = await openssl(["verify", "-CAfile", caFile, "-purpose", "sslserver", "-verify_hostname", host, file]);
  expect(r.stdout.trim()).toBe(`${file}: OK`);
  return (await openssl(["x509", "-in", file, "-noout", "-serial"])).stdout.trim();
}

function lego(server: string, path: string, args: string[]): Promise<ToolResult> {
  return runLego({ server, path, caFile, home: ws.dir }, args);
}

function certbot(server: string, dir: string, domain: string): Promise<ToolResult> {
  return runTool(
    "certbot",
    ["certonly", "--standalone", "--http-01-port", String(httpPort), "--http-01-address", "127.0.0.1", "--server", server, "-d", domain, "--non-interactive", "--agree-tos", "--register-unsafely-without-email", "--config-dir", join(dir, "config"), "--work-dir", join(dir, "work"), "--logs-dir", join(dir, "logs")],
    { env: { REQUESTS_CA_BUNDLE: caFile, HOME: ws.dir }, timeoutMs: 120_000 },
  );
}

/** Which challenge types the regcert server recorded as valid for an identifier (read from its journal, HOME/acme/state.journal). */
function validatedTypes(value: string): string[] {
  const types: string[] = [];
  for (const [key, record] of readJournal(join(ws.home, "acme", "state.journal"))) {
    if (!key.startsWith("authz:")) continue;
    const authz = record as { identifier: { value: string }; challenges: Array<{ type: string; status: string }> };
    if (authz.identifier.value === value) for (const c of authz.challenges) if (c.status === "valid") types.push(c.type);
  }
  return types;
}

suite("ACME clients against regcert acme serve and pebble", () => {
  beforeAll(async () => {
    ws = tempWorkspace("regcert-acme-e2e-");
    caFile = join(ws.home, "ca.crt");
    await cli(["init-ca", "--cn", "acme e2e CA"]);
    httpPort = await freePort();
    tlsPort = await freePort();
    regcert = await startAcmeServe(ws.env, ["--allow-dns", "localhost", "--allow-dns", "*.test", "--allow-ip", "127.0.0.1/32", "--http-port", String(httpPort), "--tls-port", String(tlsPort), "--resolve", "certbot.test:127.0.0.1", "--resolve", "caddy.test:127.0.0.1", "--days", "7"]);
    directory = regcert.directoryUrl;
    expect(directory).toBe(`https://127.0.0.1:${regcert.port}/acme/directory`);

    // pebble: its HTTPS certificate from our CA, so the clients' one trust setting covers both servers
    await cli(["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--name", "pebble", "--out", "pebble"]);
    const pebblePort = await freePort();
    const config = join(ws.dir, "pebble.json");
    writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${pebblePort}`,
          managementListenAddress: `127.0.0.1:${await freePort()}`,
          certificate: join(ws.dir, "pebble/pebble.crt"),
          privateKey: join(ws.dir, "pebble/pebble.key"),
          httpPort,
          tlsPort,
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
        },
      }),
    );
    pebble = await startProcess("pebble", ["-config", config], { env: { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" }, ready: /Listening on/ });
    pebbleDirectory = `https://127.0.0.1:${pebblePort}/dir`;
    image = makeOciImage(join(ws.dir, "image"), { files: { "hello.txt": "hello from the acme e2e test\n" } });
  }, SLOW);

  afterAll(async () => {
    await Promise.all(registries.map((r) => r.stop()));
    await regcert?.process.stop();
    await pebble?.stop();
    // the server's lock is gone after a stop (SIGTERM: cli/main.ts removes it)
    if (ws) expect(existsSync(join(ws.home, "acme", "server.lock"))).toBe(false);
    ws?.cleanup();
  }, SLOW);

  test("lego --http (http-01) for localhost: regcert issues a 7-day chain openssl verifies; pebble agrees", async () => {
    ok(await lego(directory, join(ws.dir, "lego-http"), ["--domains", "localhost", "--http", "--http.port", `127.0.0.1:${httpPort}`, "run"]), regcert.process.logs());
    const serial = await verifyChain(join(ws.dir, "lego-http/certificates/localhost.crt"), "localhost");
    expect(serial).toMatch(/^serial=[0-9A-F]+$/);
    const days = (await openssl(["x509", "-in", join(ws.dir, "lego-http/certificates/localhost.crt"), "-noout", "-checkend", String(6 * 86400)])).code;
    expect(days).toBe(0);
    expect((await openssl(["x509", "-in", join(ws.dir, "lego-http/certificates/localhost.crt"), "-noout", "-checkend", String(8 * 86400)])).code).toBe(1);
    expect(validatedTypes("localhost")).toContain("http-01");
    ok(await lego(pebbleDirectory, join(ws.dir, "lego-http-pebble"), ["--domains", "localhost", "--http", "--http.port", `127.0.0.1:${httpPort}`, "run"]), pebble.logs());
    expect(existsSync(join(ws.dir, "lego-http-pebble/certificates/localhost.crt"))).toBe(true);
  }, SLOW);

  test("IP identifiers and this lego: it sends 127.0.0.1 as a dns identifier (no RFC 8738), which is refused as rejectedIdentifier and nothing is issued", async () => {
    // lego from Debian ("lego version dev") puts an IP in a type "dns" identifier; RFC 8738 §3 says type
    // "ip". IP issuance itself is covered in-process with acme-client (test/unit/acme/acme-client.test.ts).
    const r = await lego(directory, join(ws.dir, "lego-ip"), ["--domains", "127.0.0.1", "--http", "--http.port", `127.0.0.1:${httpPort}`, "run"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/urn:ietf:params:acme:error:rejectedIdentifier :: "127\.0\.0\.1" is an IP address, not type dns/);
    expect(existsSync(join(ws.dir, "lego-ip/certificates/127.0.0.1.crt"))).toBe(false);
  }, SLOW);

  test("lego --tls (tls-alpn-01, RFC 8737) for localhost: regcert and pebble both issue", async () => {
    const before = validatedTypes("localhost").filter((t) => t === "tls-alpn-01").length;
    ok(await lego(directory, join(ws.dir, "lego-tls"), ["--domains", "localhost", "--tls", "--tls.port", `127.0.0.1:${tlsPort}`, "run"]), regcert.process.logs());
    await verifyChain(join(ws.dir, "lego-tls/certificates/localhost.crt"), "localhost");
    expect(validatedTypes("localhost").filter((t) => t === "tls-alpn-01").length).toBe(before + 1);
    ok(await lego(pebbleDirectory, join(ws.dir, "lego-tls-pebble"), ["--domains", "localhost", "--tls", "--tls.port", `127.0.0.1:${tlsPort}`, "run"]), pebble.logs());
  }, SLOW);

  test("certbot --standalone (http-01): a --resolve name from regcert, localhost from both", async () => {
    ok(await certbot(directory, join(ws.dir, "certbot"), "certbot.test"), regcert.process.logs());
    await verifyChain(join(ws.dir, "certbot/config/live/certbot.test/fullchain.pem"), "certbot.test");
    ok(await certbot(directory, join(ws.dir, "certbot-local"), "localhost"));
    ok(await certbot(pebbleDirectory, join(ws.dir, "certbot-pebble"), "localhost"), pebble.logs());
    expect(existsSync(join(ws.dir, "certbot-pebble/config/live/localhost/fullchain.pem"))).toBe(true);
  }, SLOW);

  test("caddy with acme_ca + acme_ca_root obtains a certificate (tls-alpn-01 only) and serves it", async () => {
    const dir = join(ws.dir, "caddy");
    mkdirSync(dir, { recursive: true });
    const caddyfile = join(dir, "Caddyfile");
    writeFileSync(
      caddyfile,
      `{\n\tadmin off\n\tdefault_bind 127.0.0.1\n\thttp_port ${await freePort()}\n\thttps_port ${tlsPort}\n\tacme_ca ${directory}\n\tacme_ca_root ${caFile}\n\tstorage file_system ${join(dir, "storage")}\n\tskip_install_trust\n}\ncaddy.test {\n\ttls {\n\t\tissuer acme {\n\t\t\tdisable_http_challenge\n\t\t}\n\t}\n\trespond "ok from caddy"\n}\n`,
    );
    const caddy = await startProcess("caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], {
      env: { HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir },
      ready: /certificate obtained successfully|could not get certificate/,
      timeoutMs: 90_000,
    });
    try {
      expect(caddy.logs()).toContain("certificate obtained successfully");
      expect(validatedTypes("caddy.test")).toEqual(["tls-alpn-01"]);
      const curl = ok(await runTool("curl", ["-sS", "--max-time", "20", "--cacert", caFile, "--resolve", `caddy.test:${tlsPort}:127.0.0.1`, `https://caddy.test:${tlsPort}/`]));
      expect(curl.stdout).toBe("ok from caddy");
    } finally {
      await caddy.stop();
    }
  }, SLOW);

  test("the real docker-registry serves the lego certificate; skopeo pushes through an install-trust layout", async () => {
    const certs = join(ws.dir, "lego-http/certificates");
    const registry = await startRegistry({ tls: { certificate: join(certs, "localhost.crt"), key: join(certs, "localhost.key") } });
    registries.push(registry);
    const hostPort = `localhost:${registry.port}`;
    const root = join(ws.dir, "root");
    mkdirSync(join(root, "etc"), { recursive: true });
    await cli(["install-trust", "--root", root, "--target", "containers", "--host", hostPort, "--ca", caFile]);
    const pushed = await skopeoCopy(image.reference, `docker://${hostPort}/e2e/acme:v1`, { destCertDir: join(root, "etc/containers/certs.d", hostPort) });
    ok(pushed, `\n${registry.logs().slice(-2000)}`);
    const refused = await skopeoCopy(image.reference, `docker://${hostPort}/e2e/acme:v2`, { destCertDir: join(ws.dir, "empty-certs") });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/certificate signed by unknown authority/);
  }, SLOW);

  test("renewal: lego renews the 7-day certificate before expiry; the restarted registry serves the new serial", async () => {
    const path = join(ws.dir, "lego-http");
    const crt = join(path, "certificates/localhost.crt");
    const oldSerial = await verifyChain(crt, "localhost");
    // --days 30: renew when fewer than 30 days are left (the certificate has 7)
    ok(await lego(directory, path, ["--domains", "localhost", "--http", "--http.port", `127.0.0.1:${httpPort}`, "renew", "--days", "30", "--no-random-sleep"]), regcert.process.logs());
    const newSerial = await verifyChain(crt, "localhost");
    expect(newSerial).not.toBe(oldSerial);
    const registry = await startRegistry({ tls: { certificate: crt, key: join(path, "certificates/localhost.key") } });
    registries.push(registry);
    const served = await runTool("sh", ["-c", `openssl s_client -connect 127.0.0.1:${registry.port} -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -serial`]);
    expect(served.stdout.trim()).toBe(newSerial);
  }, SLOW);

  test("a second server on the same home is refused while the first runs", async () => {
    const r = await runCli(["acme", "serve", "--listen", `127.0.0.1:${await freePort()}`, "--allow-dns", "localhost"], { cwd: ws.dir, env: ws.env, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: another regcert acme serve \(pid \d+\) is running on .*\nhint: stop it first/);
  }, SLOW);
});
