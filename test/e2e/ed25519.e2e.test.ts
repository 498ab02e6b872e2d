/**
 * `--key ed25519` (explicit opt-in): a CA and a registry certificate with Ed25519 keys, judged by
 * openssl verify and by Go (skopeo against the real docker-registry, which itself serves with Go's
 * crypto/tls): Go accepts Ed25519 certificates. The warning names the clients that refuse them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CliResult, runCli, tempWorkspace } from "../helpers/cli.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { openssl } from "../helpers/openssl.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { skopeoRoundTrip } from "../helpers/round-trip.js";
import { skopeoCopy } from "../helpers/skopeo.js";

const SLOW = 120_000;
type Workspace = ReturnType<typeof tempWorkspace>;
let ws: Workspace;
let registry: RunningRegistry | undefined;
let image: OciLayoutInfo;
let issued: CliResult;
let initCa: CliResult;

beforeAll(async () => {
  ws = tempWorkspace("regcert-ed25519-");
  image = makeOciImage(join(ws.dir, "image"), { files: { "hello.txt": "ed25519\n" } });
  initCa = await runCli(["init-ca", "--key", "ed25519"], { cwd: ws.dir, env: ws.env });
  issued = await runCli(["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--key", "ed25519"], { cwd: ws.dir, env: ws.env });
  if (issued.code === 0) registry = await startRegistry({ host: "127.0.0.1", tls: { certificate: join(ws.dir, "certs", "registry.crt"), key: join(ws.dir, "certs", "registry.key") } });
}, SLOW);

afterAll(async () => {
  await registry?.stop();
  ws.cleanup();
}, SLOW);

test("init-ca and issue accept --key ed25519 with a warning naming the clients that refuse it", () => {
  for (const result of [initCa, issued]) {
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: ed25519 is an opt-in: Go clients \(Docker, containerd, skopeo, podman\) accept it, but browsers, Java before 15 and Apple platforms/m);
  }
});

test("openssl: both keys are ED25519, the signature is ED25519, and the chain verifies", async () => {
  const leaf = await openssl(["x509", "-in", join(ws.dir, "certs", "registry.crt"), "-noout", "-text"]);
  expect(leaf.stdout).toContain("Public Key Algorithm: ED25519");
  expect(leaf.stdout).toContain("Signature Algorithm: ED25519");
  const ca = await openssl(["x509", "-in", join(ws.home, "ca.crt"), "-noout", "-text"]);
  expect(ca.stdout).toContain("Public Key Algorithm: ED25519");
  const verified = await openssl(["verify", "-x509_strict", "-CAfile", join(ws.home, "ca.crt"), "-verify_hostname", "localhost", join(ws.dir, "certs", "registry.crt")]);
  expect(verified.stdout).toContain(": OK");
}, SLOW);

test("Go accepts it: skopeo pushes and pulls through docker-registry serving the Ed25519 certificate", async () => {
  if (!registry) throw new Error("issue failed");
  const caPem = readFileSync(join(ws.dir, "certs", "ca.crt"), "utf8");
  await skopeoRoundTrip(ws.dir, image, registry, `localhost:${registry.port}`, caPem, "ed25519/hello");
  await skopeoRoundTrip(ws.dir, image, registry, `127.0.0.1:${registry.port}`, caPem, "ed25519/hello-ip");
}, SLOW);

test("negative control: without our CA Go refuses the same registry", async () => {
  if (!registry) throw new Error("issue failed");
  const push = await skopeoCopy(image.reference, `docker://127.0.0.1:${registry.port}/ed25519/denied:v1`);
  expect(push.code).not.toBe(0);
  expect(push.stderr).toContain("x509: certificate signed by unknown authority");
}, SLOW);

test("inspect and verify describe the Ed25519 certificate", async () => {
  const inspect = await runCli(["inspect", join(ws.dir, "certs", "registry.crt")], { cwd: ws.dir, env: ws.env });
  expect(inspect.code).toBe(0);
  expect(inspect.stdout).toMatch(/key +ed25519/);
  expect(inspect.stdout).toMatch(/signature +Ed25519/);
  const verify = await runCli(["verify", "--cert", join(ws.dir, "certs", "registry.crt"), "--ca", join(ws.home, "ca.crt"), "--host", "localhost"], { cwd: ws.dir, env: ws.env });
  expect(verify.code).toBe(0);
}, SLOW);
