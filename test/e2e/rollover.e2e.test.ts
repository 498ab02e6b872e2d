/**
 * CA rollover end to end, with the real docker-registry (distribution 2.8) on loopback and skopeo
 * (Go's crypto/x509, as Docker, containerd and podman use) as the client:
 *
 *   issue (CA 1) -> registry serves a CA-1 certificate
 *   ca rotate (CA 2) -> install-trust writes the overlap bundle (CA 2 + CA 1) into a client's certs.d
 *   the overlap client pushes: before renew, after renew (registry still on the old certificate),
 *   and after the registry restarts with the CA-2 certificate — every push succeeds
 *   a client that trusts only CA 1 fails after the switch (why the overlap is needed)
 *   ca retire-old -> install-trust leaves only CA 2; a registry serving a CA-1 certificate is refused
 *
 * Client trust directories are written by `regcert install-trust --target containers --root DIR`,
 * exactly what a client machine gets, and handed to skopeo with --dest-cert-dir.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { makeOciImage, readOciLayout, type OciLayoutInfo } from "../helpers/oci.js";
import { openssl } from "../helpers/openssl.js";
import { freePort } from "../helpers/ports.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import type { ToolResult } from "../helpers/run-tool.js";
import { certsDirFor, skopeoCopy } from "../helpers/skopeo.js";

const SLOW = 180_000;
type Workspace = ReturnType<typeof tempWorkspace>;

let ws: Workspace;
let image: OciLayoutInfo;
const registries: RunningRegistry[] = [];

async function regcert(args: string[]): Promise<string> {
  const result = await runCli(args, { cwd: ws.dir, env: ws.env });
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

async function serve(port: number, certificate: string, key: string): Promise<RunningRegistry> {
  const registry = await startRegistry({ port, tls: { certificate, key } });
  registries.push(registry);
  return registry;
}

/** A client machine's trust for HOST:PORT, written by regcert install-trust under its own root. */
async function installTrust(client: string, hostPort: string): Promise<string> {
  mkdirSync(join(ws.dir, client), { recursive: true });
  await regcert(["install-trust", "--host", hostPort, "--target", "containers", "--root", join(ws.dir, client)]);
  return join(ws.dir, client, "etc", "containers", "certs.d", hostPort);
}

const caCount = (certDir: string) => (readFileSync(join(certDir, "ca.crt"), "utf8").match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;

let pushes = 0;
function push(hostPort: string, certDir: string): Promise<ToolResult> {
  pushes += 1;
  return skopeoCopy(image.reference, `docker://${hostPort}/rollover/hello:v${pushes}`, { destCertDir: certDir });
}

function expectPushed(result: ToolResult, registry?: RunningRegistry): void {
  if (result.code !== 0) throw new Error(`push failed:\n${result.command}\n${result.stderr}${registry ? `\n--- registry log ---\n${registry.logs().slice(-3000)}` : ""}`);
}

/** The issuer CN of the certificate a TLS server presents, as openssl's client sees it. */
async function servedIssuer(port: number): Promise<string> {
  const result = await openssl(["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost"], { timeoutMs: 20_000, input: "" });
  return /issuer=.*CN\s*=\s*([^\n,]+)/.exec(result.stdout)?.[1]?.trim() ?? `(no certificate: ${result.stderr.slice(0, 200)})`;
}

beforeAll(() => {
  ws = tempWorkspace("regcert-rollover-e2e-");
  image = makeOciImage(join(ws.dir, "image"), { files: { "hello.txt": "hello across a CA rollover\n" } });
}, SLOW);

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  ws.cleanup();
}, SLOW);

test(
  "overlap clients push before and after the registry switches to a new-CA certificate; after retire-old an old-CA certificate is refused",
  async () => {
    const certs = join(ws.dir, "certs");
    const crt = join(certs, "registry.crt");
    const key = join(certs, "registry.key");
    const port = await freePort();
    const hostPort = `127.0.0.1:${port}`;

    // 1. CA 1 and a registry certificate; keep a copy of that pair for the final negative check
    await regcert(["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--out", "certs"]);
    const oldCaCn = /CN\s*=\s*([^\n,]+)/.exec((await openssl(["x509", "-in", join(ws.home, "ca.crt"), "-noout", "-subject"])).stdout)?.[1]?.trim();
    mkdirSync(join(ws.dir, "old-pair"));
    copyFileSync(crt, join(ws.dir, "old-pair", "registry.crt"));
    copyFileSync(key, join(ws.dir, "old-pair", "registry.key"));
    const oldCaPem = readFileSync(join(ws.home, "ca.crt"));
    const oldOnlyDir = certsDirFor(join(ws.dir, "old-only-client"), hostPort, oldCaPem);
    let registry = await serve(port, crt, key);
    expectPushed(await push(hostPort, oldOnlyDir), registry);

    // 2. rotate: the overlap bundle (new CA + old CA) reaches the client before anything switches
    const rotated = await regcert(["ca", "rotate"]);
    expect(rotated).toContain("Safe order");
    const overlapDir = await installTrust("overlap-client", hostPort);
    expect(caCount(overlapDir)).toBe(2);
    expectPushed(await push(hostPort, overlapDir), registry); // registry still on the CA-1 certificate
    expect(await servedIssuer(port)).toBe(oldCaCn);

    // 3. renew under CA 2: the files change, the running registry does not (it read them at start)
    const renewed = await regcert(["renew", "registry"]);
    expect(renewed).toContain("(now signed by the new CA)");
    expect(renewed).toContain("docker restart registry");
    expectPushed(await push(hostPort, overlapDir), registry);
    expect(await servedIssuer(port)).toBe(oldCaCn);

    // 4. restart, as the renew output says: now the CA-2 certificate is served
    await registry.stop();
    registry = await serve(port, crt, key);
    const newCaCn = await servedIssuer(port);
    expect(newCaCn).not.toBe(oldCaCn);
    expect(newCaCn).toMatch(/^regcert CA /);
    expectPushed(await push(hostPort, overlapDir), registry); // no failure across the switch
    // a client that never got the overlap bundle fails now: that is what the overlap prevents
    const stale = await push(hostPort, oldOnlyDir);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain("x509: certificate signed by unknown authority");

    // the data made it: pull the last push back through the overlap trust
    const back = join(ws.dir, "pulled");
    const pull = await skopeoCopy(`docker://${hostPort}/rollover/hello:v${pushes - 1}`, `oci:${back}:v1`, { srcCertDir: overlapDir });
    expectPushed(pull, registry);
    expect(readOciLayout(back).layerDigests).toEqual(image.layerDigests);

    // 5. retire the old CA; clients re-run install-trust and now trust only CA 2
    await regcert(["ca", "retire-old"]);
    expect(caCount(await installTrust("overlap-client", hostPort))).toBe(1);
    const newDir = await installTrust("new-client", hostPort);
    expect(caCount(newDir)).toBe(1);
    expectPushed(await push(hostPort, newDir), registry);
    expectPushed(await push(hostPort, overlapDir), registry);

    // 6. a registry still serving a CA-1 certificate is refused by a client with the new bundle …
    const oldPort = await freePort();
    const oldHostPort = `127.0.0.1:${oldPort}`;
    const oldRegistry = await serve(oldPort, join(ws.dir, "old-pair", "registry.crt"), join(ws.dir, "old-pair", "registry.key"));
    const refused = await push(oldHostPort, await installTrust("new-client", oldHostPort));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("x509: certificate signed by unknown authority");
    // … while the same registry is fine for a client that trusts CA 1 (so the refusal is about trust)
    expectPushed(await push(oldHostPort, certsDirFor(join(ws.dir, "old-only-client"), oldHostPort, oldCaPem)), oldRegistry);
  },
  SLOW,
);
