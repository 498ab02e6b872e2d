/**
 * `regcert check` against real registries (Debian docker-registry 2.8 on loopback) in every state the
 * issue names: good, unknown CA, name mismatch (IP vs a DNS-only certificate), expired, plain HTTP,
 * mTLS required, connection refused, and a port that accepts but never answers (bounded).
 * Each diagnosis is asserted with the exact Go client error text from reference/client-errors.md,
 * and skopeo (a Go client) is asked too, so the verdicts cannot drift from what clients do.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { runCli, tempWorkspace, type CliResult } from "../helpers/cli.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { freePort } from "../helpers/ports.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { certsDirFor, skopeoCopy } from "../helpers/skopeo.js";
import { openssl } from "../helpers/openssl.js";
import { runTool } from "../helpers/run-tool.js";
import { createRootCa } from "../../src/pki/ca.js";
import { createIntermediateCa } from "../../src/pki/intermediate.js";
import { issueCertificate } from "../../src/pki/issue.js";
import { cliIn, okIn } from "../helpers/workspace.js";

type Workspace = ReturnType<typeof tempWorkspace>;
const ws: Workspace = tempWorkspace("regcert-check-");
const other: Workspace = tempWorkspace("regcert-check-other-");
const registries: RunningRegistry[] = [];
let image: OciLayoutInfo;
let caPath: string;
let caPem: string;

interface CheckJson {
  ok: boolean;
  tls: { version: string } | null;
  chain: { subject: string; dns: string[]; ip: string[]; trusted: boolean; ca: boolean }[];
  http: { status: number; apiVersion?: string; authRequired: boolean; challenge?: string } | null;
  findings: { code: string; severity: string; message: string; go?: string; fix: string }[];
}

const regcert = (args: string[], w: Workspace = ws): Promise<CliResult> => cliIn(w, args);
const ok = async (args: string[], w: Workspace = ws): Promise<void> => void (await okIn(w, args));

/** `regcert --json check` (no local side: this machine's /etc is not the test's business); exit code and parsed JSON. */
async function check(target: string, extra: string[] = []): Promise<{ code: number; json: CheckJson; stderr: string }> {
  const result = await regcert(["--json", "check", target, "--no-local", "--timeout", "10", ...extra]);
  if (result.code === 2) throw new Error(`check ${target} was a usage error:\n${result.stderr}`);
  return { code: result.code, json: JSON.parse(result.stdout) as CheckJson, stderr: result.stderr };
}

/** A judge's run must succeed; its stderr is the failure message otherwise. */
function succeeded(result: { code: number; stdout?: string; stderr: string; command?: string }): void {
  if (result.code !== 0) throw new Error(`${result.command ?? "judge"} exited ${result.code}:\n${result.stderr}${result.stdout ?? ""}`);
}

const finding = (json: CheckJson, code: string) => json.findings.find((f) => f.code === code);

async function serve(options: Parameters<typeof startRegistry>[0]): Promise<RunningRegistry> {
  const registry = await startRegistry(options);
  registries.push(registry);
  return registry;
}

/** skopeo's verdict (a Go client) on pushing to host:port trusting only caPem. */
async function skopeoPush(hostPort: string, name: string, trust = caPem, extra: Parameters<typeof skopeoCopy>[2] = {}): Promise<{ code: number; stderr: string }> {
  const certDir = certsDirFor(join(ws.dir, `trust-${name}`), hostPort, trust);
  return skopeoCopy(image.reference, `docker://${hostPort}/check/${name}:v1`, { destCertDir: certDir, timeoutMs: 30_000, ...extra });
}

const certs = (name: string) => ({ certificate: join(ws.dir, "certs", `${name}.crt`), key: join(ws.dir, "certs", `${name}.key`) });

beforeAll(async () => {
  image = makeOciImage(join(ws.dir, "image"));
  await ok(["issue", "localhost", "127.0.0.1", "--out", "certs"]);
  await ok(["issue", "localhost", "--name", "dnsonly", "--out", "certs"]);
  await ok(["issue", "--client", "--cn", "ci", "--name", "client", "--out", "certs"]);
  await ok(["issue", "localhost", "::1", "--name", "v6", "--out", "certs"]);
  await ok(["init-ca", "--cn", "Other CA"], other);
  await ok(["issue", "localhost", "127.0.0.1", "--out", "certs"], other);
  await ok(["issue", "localhost", "--name", "dnsonly", "--out", "certs"], other);
  caPath = join(ws.dir, "certs", "ca.crt");
  caPem = readFileSync(caPath, "utf8");
  // an expired certificate: a CA made "three years ago" (still valid) issued it "two years ago" for 30 days
  const day = 86_400_000;
  const oldCa = createRootCa({ commonName: "check old CA", days: 3650 }, { now: new Date(Date.now() - 1095 * day) });
  const issued = issueCertificate({ issuer: { certificate: oldCa.certificatePem, privateKey: oldCa.privateKey }, names: ["localhost", "127.0.0.1"], days: 30 }, { now: new Date(Date.now() - 730 * day) });
  writeFileSync(join(ws.dir, "certs", "expired.crt"), issued.certificatePem);
  writeFileSync(join(ws.dir, "certs", "expired.key"), issued.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(ws.dir, "certs", "old-ca.crt"), oldCa.certificatePem);
  // a root that allows one intermediate, an intermediate, and a leaf it signs: served with and without the chain
  const root = createRootCa({ commonName: "check chain root", maxPathLen: 1 });
  const intermediate = createIntermediateCa({ issuer: { certificate: root.certificatePem, privateKey: root.privateKey }, permitDns: ["localhost"], permitIp: ["127.0.0.1/32"] });
  const leaf = issueCertificate({ issuer: { certificate: intermediate.certificatePem, privateKey: intermediate.privateKeyPem }, names: ["localhost", "127.0.0.1"] });
  writeFileSync(join(ws.dir, "certs", "chain-root.crt"), root.certificatePem);
  writeFileSync(join(ws.dir, "certs", "chain.crt"), leaf.certificatePem + intermediate.certificatePem);
  writeFileSync(join(ws.dir, "certs", "chain.key"), leaf.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(ws.dir, "certs", "leafonly.crt"), leaf.certificatePem);
  writeFileSync(join(ws.dir, "certs", "leafonly.key"), leaf.privateKeyPem, { mode: 0o600 });
});

afterAll(async () => {
  for (const registry of registries) await registry.stop();
  ws.cleanup();
  other.cleanup();
});

test("good: TLS verified, name matches, API answers; exit 0, like skopeo", async () => {
  const registry = await serve({ tls: certs("registry") });
  const { code, json } = await check(`127.0.0.1:${registry.port}`);
  expect(code).toBe(0);
  expect(json.ok).toBe(true);
  expect(json.tls?.version).toMatch(/^TLSv1\.[23]$/);
  expect(json.chain[0]).toMatchObject({ subject: "O=regcert, CN=localhost", dns: ["localhost"], ip: ["127.0.0.1"] });
  expect(json.http).toMatchObject({ status: 200, apiVersion: "registry/2.0", authRequired: false });
  expect(finding(json, "loopback")?.message).toContain("dockerd treats 127.0.0.0/8 and ::1 as insecure");
  expect((await skopeoPush(`127.0.0.1:${registry.port}`, "good")).code).toBe(0);

  // the home's CA is the default trust, and the human output ends with the verdict
  const human = await regcert(["check", `localhost:${registry.port}`, "--no-local"]);
  expect(human.code).toBe(0);
  expect(human.stdout).toContain("ok    GET /v2/: 200, Docker-Distribution-Api-Version: registry/2.0");
  expect(human.stdout.trim().split("\n").at(-1)).toBe("Result: a Docker client would succeed.");
});

test("auth required: 401 with the realm is reported, still exit 0 (docker login is the next step)", async () => {
  const added = await runCli(["htpasswd", "alice", "--password-stdin", "--cost", "4"], { cwd: ws.dir, env: ws.env, input: "pw\n" });
  expect(added.code).toBe(0);
  const htpasswd = join(ws.dir, "auth", "htpasswd");
  const registry = await serve({ tls: certs("registry"), htpasswd: { path: htpasswd, realm: "Check Realm" } });
  const { code, json } = await check(`127.0.0.1:${registry.port}`);
  expect(code).toBe(0);
  expect(json.http).toMatchObject({ status: 401, authRequired: true, challenge: 'Basic realm="Check Realm"' });
  expect(finding(json, "authRequired")?.fix).toBe(`docker login 127.0.0.1:${registry.port} (users: regcert htpasswd USER)`);
});

test("unknown CA: names the CA that signed the served certificate and the one given", async () => {
  const registry = await serve({ tls: { certificate: join(other.dir, "certs", "registry.crt"), key: join(other.dir, "certs", "registry.key") } });
  const { code, json } = await check(`127.0.0.1:${registry.port}`, ["--ca", caPath]);
  expect(code).toBe(1);
  const f = finding(json, "unknownAuthority");
  expect(f?.severity).toBe("error");
  expect(f?.go).toBe("x509: certificate signed by unknown authority");
  const otherCa = readFileSync(join(other.dir, "certs", "ca.crt"), "utf8");
  expect(otherCa).not.toBe(caPem);
  expect(f?.message).toMatch(/^the served certificate \("O=regcert, CN=localhost"\) was issued by "O=regcert, CN=Other CA"; certs\/ca\.crt holds "O=regcert, CN=regcert CA [^"]+" \(SHA-256 [0-9a-f]{16}…\)/);
  const skopeo = await skopeoPush(`127.0.0.1:${registry.port}`, "unknown");
  expect(skopeo.code).not.toBe(0);
  expect(skopeo.stderr).toContain(f?.go);
});

test("name mismatch: an IP on a DNS-only certificate gets Go's exact error and the re-issue fix", async () => {
  const registry = await serve({ tls: certs("dnsonly") });
  const { code, json } = await check(`127.0.0.1:${registry.port}`);
  expect(code).toBe(1);
  const f = finding(json, "noIpSan");
  expect(f?.go).toBe("x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs");
  expect(f?.message).toContain("it has DNS:localhost");
  // #12 item 7 / #16: never the bare command that would write ./certs: the home's index knows the
  // served certificate (by fingerprint), so the fix is the real command with its --name and --out
  expect(f?.fix).toBe("re-issue with --ip 127.0.0.1: regcert issue localhost 127.0.0.1 --name dnsonly --out certs --force");
  const skopeo = await skopeoPush(`127.0.0.1:${registry.port}`, "mismatch");
  expect(skopeo.code).not.toBe(0);
  expect(skopeo.stderr).toContain(f?.go);
  // by name the same certificate is fine
  expect((await check(`localhost:${registry.port}`)).code).toBe(0);

  // the printed command is the fix: run as printed, the re-issued certificate passes by IP, for skopeo too
  const argv = (f?.fix ?? "").replace(/^re-issue with --ip 127\.0\.0\.1: /, "").split(" ");
  expect(argv.slice(0, 1)).toEqual(["regcert"]);
  await ok(argv.slice(1));
  const fixed = await serve({ tls: certs("dnsonly") });
  expect((await check(`127.0.0.1:${fixed.port}`)).code).toBe(0);
  expect((await skopeoPush(`127.0.0.1:${fixed.port}`, "mismatch-fixed")).code).toBe(0);
});

test("name mismatch on a certificate this home did not issue: the fix names NAME and DIR to fill in", async () => {
  const registry = await serve({ tls: { certificate: join(other.dir, "certs", "dnsonly.crt"), key: join(other.dir, "certs", "dnsonly.key") } });
  const { code, json } = await check(`127.0.0.1:${registry.port}`, ["--ca", join(other.dir, "certs", "ca.crt")]);
  expect(code).toBe(1);
  expect(finding(json, "noIpSan")?.fix).toBe("re-issue with --ip 127.0.0.1: regcert issue localhost 127.0.0.1 --name NAME --out DIR --force (the --name and --out it was issued with)");
});

test("expired: the expiry date and Go's text", async () => {
  const registry = await serve({ tls: certs("expired") });
  const { code, json } = await check(`127.0.0.1:${registry.port}`, ["--ca", join(ws.dir, "certs", "old-ca.crt")]);
  expect(code).toBe(1);
  const f = finding(json, "expired");
  expect(f?.go).toMatch(/^x509: certificate has expired or is not yet valid: current time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ is after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(finding(json, "trusted")?.severity).toBe("ok");
  const skopeo = await skopeoPush(`127.0.0.1:${registry.port}`, "expired", readFileSync(join(ws.dir, "certs", "old-ca.crt"), "utf8"));
  expect(skopeo.code).not.toBe(0);
  expect(skopeo.stderr).toContain("x509: certificate has expired or is not yet valid");
});

test("intermediates: the full chain verifies; a leaf served without its intermediate is diagnosed as such", async () => {
  const rootCa = join(ws.dir, "certs", "chain-root.crt");
  const full = await serve({ tls: certs("chain") });
  const good = await check(`127.0.0.1:${full.port}`, ["--ca", rootCa]);
  expect(good.code).toBe(0);
  expect(finding(good.json, "trusted")?.message).toContain('1 intermediate(s), then CA "O=regcert, CN=check chain root"');
  const bare = await serve({ tls: certs("leafonly") });
  const bad = await check(`127.0.0.1:${bare.port}`, ["--ca", rootCa]);
  expect(bad.code).toBe(1);
  const f = finding(bad.json, "unknownAuthority");
  expect(f?.message).toContain("the server sent no intermediates: if an intermediate signed it, append it to the certificate file");
  const skopeo = await skopeoPush(`127.0.0.1:${bare.port}`, "leafonly", readFileSync(rootCa, "utf8"));
  expect(skopeo.code).not.toBe(0);
  expect(skopeo.stderr).toContain("x509: certificate signed by unknown authority");
});

test("plain HTTP: says the port speaks HTTP, not TLS", async () => {
  const registry = await serve({});
  expect(registry.url.startsWith("http://")).toBe(true);
  const { code, json } = await check(`127.0.0.1:${registry.port}`);
  expect(code).toBe(1);
  const f = finding(json, "plainHttp");
  expect(f?.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${registry.port} speaks plain HTTP, not TLS \\(GET /v2/ over HTTP answered 200\\)`));
  expect(f?.go).toBe("http: server gave HTTP response to HTTPS client");
  const skopeo = await skopeoPush(`127.0.0.1:${registry.port}`, "plain");
  expect(skopeo.code).not.toBe(0);
  expect(skopeo.stderr).toContain("http: server gave HTTP response to HTTPS client");
});

test("mTLS required: diagnosed without a client certificate, passes with one", async () => {
  const registry = await serve({ tls: { ...certs("registry"), clientCas: [caPath] } });
  const without = await check(`127.0.0.1:${registry.port}`);
  expect(without.code).toBe(1);
  const f = finding(without.json, "clientCertificateRequired");
  expect(f?.severity).toBe("error");
  expect(f?.go).toBe("remote error: tls: bad certificate");
  expect(f?.fix).toContain("client.cert + client.key");
  const skopeo = await skopeoPush(`127.0.0.1:${registry.port}`, "mtls");
  expect(skopeo.code).not.toBe(0);
  expect(skopeo.stderr).toMatch(/remote error: tls: bad certificate|connection reset by peer/);
  const withCert = await check(`127.0.0.1:${registry.port}`, ["--client-cert", join(ws.dir, "certs", "client.crt"), "--client-key", join(ws.dir, "certs", "client.key")]);
  expect(withCert.code).toBe(0);
  expect(withCert.json.http?.status).toBe(200);
});

test("IPv6: [::1]:PORT against a certificate with IP:::1", async () => {
  const registry = await serve({ host: "::1", tls: certs("v6") });
  const { code, json } = await check(`[::1]:${registry.port}`);
  expect(code).toBe(0);
  expect(finding(json, "nameMatches")?.message).toBe("name: ::1 is in the certificate (DNS:localhost, IP:::1)");
  expect(finding(json, "loopback")?.severity).toBe("note");
});

test("connection refused: nothing listens", async () => {
  const port = await freePort();
  const { code, json } = await check(`127.0.0.1:${port}`);
  expect(code).toBe(1);
  expect(finding(json, "connectionRefused")?.message).toBe(`nothing listens on 127.0.0.1:${port} (connection refused)`);
});

describe("a port that accepts but never answers", () => {
  let server: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  test("times out within the bound and says so", async () => {
    const { port } = server.address() as { port: number };
    const started = Date.now();
    const result = await regcert(["--json", "check", `127.0.0.1:${port}`, "--no-local", "--timeout", "1"]);
    const elapsed = Date.now() - started;
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as CheckJson;
    expect(finding(json, "handshakeTimeout")?.message).toBe(`the TLS handshake did not finish within 1 s: something accepts connections on 127.0.0.1:${port} but does not answer`);
    // 1 s for the handshake plus CLI start-up on a loaded machine; without the bound it would hang until jest kills it
    expect(elapsed).toBeLessThan(15_000);
  });
});

test("user mistakes exit 2", async () => {
  const bad = await regcert(["check", "127.0.0.1:99999"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('regcert: "127.0.0.1:99999" has an invalid port');
  const noCa = await runCli(["check", "127.0.0.1:5000"], { cwd: other.dir, env: { ...other.env, REGCERT_HOME: join(other.dir, "empty-home") } });
  expect(noCa.code).toBe(2);
  expect(noCa.stderr).toContain("there is no CA in");
  const timeout = await regcert(["check", "127.0.0.1:5000", "--timeout", "0"]);
  expect(timeout.code).toBe(2);
});

test("the local side counts: a good registry but a mis-named ca.pem in certs.d fails, with the rename as the fix", async () => {
  const registry = await serve({ tls: certs("registry") });
  const root = join(ws.dir, "fake-root");
  const dir = join(root, "etc/docker/certs.d", `localhost:${registry.port}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ca.pem"), caPem);
  const bad = await regcert(["check", `localhost:${registry.port}`, "--root", root]);
  expect(bad.code).toBe(1);
  // #12 item 7: under --root the finding and its fix name the files under that root, and keep --root
  expect(bad.stdout).toContain(`FAIL  ${dir}/ca.pem is ignored: Docker reads CA certificates only from *.crt files`);
  expect(bad.stdout).toContain(`fix: mv ${dir}/ca.pem ${dir}/ca.crt (or regcert install-trust --host localhost:${registry.port} --root ${root})`);
  renameSync(join(dir, "ca.pem"), join(dir, "ca.crt"));
  const good = await regcert(["check", `localhost:${registry.port}`, "--root", root]);
  expect(good.code).toBe(0);
  expect(good.stdout).toContain(`ok    ${dir}/ holds the CA: Docker trusts the registry`);
});

describe("defect 6: the registry's own self-signed certificate given as --ca (the seeds' practice)", () => {
  // openssl req -x509 as the seeds run it (CA:TRUE by openssl.cnf's v3_ca), and one marked CA:FALSE:
  // Go accepts a certificate that is itself in the root pool either way
  for (const kind of ["CA:TRUE", "CA:FALSE"] as const) {
    test(`${kind}: check says OK, like skopeo with that file as ca.crt, curl --cacert and regcert verify`, async () => {
      const stem = join(ws.dir, "certs", `selfsigned-${kind === "CA:TRUE" ? "ca" : "leaf"}`);
      const made = await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${stem}.key`, "-out", `${stem}.crt`, "-days", "30", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-addext", `basicConstraints=critical,${kind}`]);
      expect(made.code).toBe(0);
      const registry = await serve({ tls: { certificate: `${stem}.crt`, key: `${stem}.key` } });
      const hostPort = `127.0.0.1:${registry.port}`;
      // the judges: skopeo (Go) with the file in its cert dir, and curl (OpenSSL) with --cacert
      const skopeo = await skopeoPush(hostPort, `selfsigned-${kind === "CA:TRUE" ? "ca" : "leaf"}`, readFileSync(`${stem}.crt`, "utf8"));
      succeeded(skopeo);
      const curl = await runTool("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20", "--cacert", `${stem}.crt`, `https://${hostPort}/v2/`]);
      succeeded(curl);
      expect(curl.stdout).toBe("200");
      const { code, json } = await check(hostPort, ["--ca", `${stem}.crt`]);
      expect(json.findings.filter((f) => f.severity === "error")).toEqual([]);
      expect(code).toBe(0);
      expect(json.ok).toBe(true);
      expect(finding(json, "trusted")?.message).toContain("is itself one of the CAs in");
      expect(json.chain[0]?.trusted).toBe(true);
      // the human output does not call the served leaf "the CA you trust"
      const human = await regcert(["check", hostPort, "--no-local", "--ca", `${stem}.crt`]);
      expect(human.stdout).toContain("chain[0]: CN=localhost (given as the CA itself: trusted as it is)");
      expect(human.stdout).not.toContain("(the CA you trust)");
      // and verify, the same validator offline, agrees
      const verified = await regcert(["verify", "--cert", `${stem}.crt`, "--ca", `${stem}.crt`, "--host", "127.0.0.1"]);
      expect(verified.code).toBe(0);
    });
  }
});

describe("issue 12 item 6: a plain-HTTP registry, judged per client with this machine's settings (skopeo is the judge)", () => {
  let registry: RunningRegistry;
  let hostPort: string;
  const insecureConf = () => `unqualified-search-registries = []\n\n[[registry]]\nlocation = "${hostPort}"\ninsecure = true\n`;
  const containersFinding = (json: CheckJson) => json.findings.find((f) => f.code === "plainHttpClient" && f.message.startsWith("podman, skopeo"));

  beforeAll(async () => {
    const htpasswd = join(ws.dir, "auth", "plain-htpasswd");
    const added = await runCli(["htpasswd", "bob", "--password-stdin", "--cost", "4", "--file", htpasswd], { cwd: ws.dir, env: ws.env, input: "pw\n" });
    expect(added.code).toBe(0);
    registry = await serve({ htpasswd: { path: htpasswd, realm: "Plain Realm" } });
    hostPort = `127.0.0.1:${registry.port}`;
  });

  test("registries.conf insecure = true: check says podman/skopeo work over plain HTTP; skopeo logs in and pushes", async () => {
    const root = join(ws.dir, "root-insecure");
    mkdirSync(join(root, "etc/containers"), { recursive: true });
    writeFileSync(join(root, "etc/containers/registries.conf"), insecureConf());
    const result = await regcert(["--json", "check", hostPort, "--root", root, "--timeout", "10"]);
    const json = JSON.parse(result.stdout) as CheckJson;
    expect(finding(json, "plainHttp")?.fix).toContain("give the registry TLS");
    const claim = containersFinding(json);
    expect(claim?.severity).toBe("warning");
    expect(claim?.message).toContain("fall back to plain HTTP and work");
    // the local side's insecure setting is what keeps them working: it is not to be removed before TLS
    const local = (JSON.parse(result.stdout) as { local: { findings: Array<{ code: string; fix: string }> } }).local.findings;
    expect(local.find((f) => f.code === "local.registriesConfInsecure")?.fix).toMatch(/^keep it while the registry speaks plain HTTP; once it has TLS: remove "insecure = true"/);
    // the judge: skopeo under that same registries.conf, logging in with htpasswd credentials over plain HTTP
    const skopeo = await skopeoPush(hostPort, "plain-insecure", caPem, { registriesConf: insecureConf(), destCreds: "bob:pw" });
    succeeded(skopeo);
    // nothing claims that logins break: the registry accepted bob's login over plain HTTP just now
    const human = await regcert(["check", hostPort, "--root", root, "--timeout", "10"]);
    expect(human.stdout).not.toMatch(/break docker login/);
    expect(human.stdout.trim().split("\n").at(-1)).toMatch(/^Result: no TLS\. .*podman, skopeo, buildah and CRI-O work over plain HTTP with this machine's settings .*Fix: give the registry TLS\.$/);
  });

  test("no insecure setting: check says podman/skopeo refuse with Go's error, as skopeo does; --tls-verify=false works, as check says", async () => {
    const root = join(ws.dir, "root-plain");
    mkdirSync(join(root, "etc/containers"), { recursive: true });
    const result = await regcert(["--json", "check", hostPort, "--root", root, "--timeout", "10"]);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as CheckJson;
    const claim = containersFinding(json);
    expect(claim?.severity).toBe("error");
    expect(claim?.go).toBe("http: server gave HTTP response to HTTPS client");
    expect(claim?.message).toContain("--tls-verify=false makes one command use plain HTTP");
    const refused = await skopeoPush(hostPort, "plain-refused", caPem, { destCreds: "bob:pw" });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(claim?.go);
    const unverified = await skopeoPush(hostPort, "plain-noverify", caPem, { destCreds: "bob:pw", tlsVerify: false });
    succeeded(unverified);
  });
});
