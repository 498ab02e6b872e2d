/**
 * `regcert api` against the real registry (Debian docker-registry 2.8) holding images pushed by
 * skopeo: catalog and tags (pagination followed), the digest equals `skopeo inspect`'s, delete
 * removes the tag and refuses when sibling tags share the manifest, the 405 of a registry without
 * delete enabled is explained, garbage-collect frees the blobs, and htpasswd auth is honoured.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace, type CliResult } from "../helpers/cli.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { runTool } from "../helpers/run-tool.js";
import { certsDirFor, skopeoCopy, skopeoInspect } from "../helpers/skopeo.js";
import { cliIn, okIn } from "../helpers/workspace.js";

const ws = tempWorkspace("regcert-api-");
const registries: RunningRegistry[] = [];
let imageA: OciLayoutInfo;
let imageB: OciLayoutInfo;
let caPem: string;
let registry: RunningRegistry;
let hostPort: string;
let certDir: string;

const regcert = (args: string[], input?: string): Promise<CliResult> => cliIn(ws, args, input === undefined ? {} : { input });
const ok = (args: string[], input?: string): Promise<CliResult> => okIn(ws, args, input === undefined ? {} : { input });

async function push(image: OciLayoutInfo, ref: string, reg = registry, creds?: string): Promise<void> {
  const dir = certsDirFor(join(ws.dir, `trust-${reg.port}`), `127.0.0.1:${reg.port}`, caPem);
  const result = await skopeoCopy(image.reference, `docker://127.0.0.1:${reg.port}/${ref}`, { destCertDir: dir, ...(creds ? { destCreds: creds } : {}) });
  if (result.code !== 0) throw new Error(`push ${ref} failed:\n${result.stderr}\n${reg.logs().slice(-2000)}`);
}

async function serve(options: Parameters<typeof startRegistry>[0]): Promise<RunningRegistry> {
  const r = await startRegistry(options);
  registries.push(r);
  return r;
}

const tls = () => ({ certificate: join(ws.dir, "certs", "registry.crt"), key: join(ws.dir, "certs", "registry.key") });

beforeAll(async () => {
  imageA = makeOciImage(join(ws.dir, "image-a"), { files: { "a.txt": "image a\n" } });
  imageB = makeOciImage(join(ws.dir, "image-b"), { files: { "b.txt": "image b\n" } });
  await ok(["issue", "localhost", "127.0.0.1", "--out", "certs"]);
  caPem = readFileSync(join(ws.dir, "certs", "ca.crt"), "utf8");
  registry = await serve({ tls: tls() });
  hostPort = `127.0.0.1:${registry.port}`;
  certDir = certsDirFor(join(ws.dir, "trust-main"), hostPort, caPem);
  await push(imageA, "team/app:v1");
  await push(imageA, "team/app:v1-alias");
  await push(imageB, "team/app:v2");
  await push(imageB, "team/other:latest");
  await push(imageB, "solo:latest");
});

afterAll(async () => {
  for (const r of registries) await r.stop();
  ws.cleanup();
});

test("catalog lists every repository, following pagination", async () => {
  const paged = await ok(["--json", "api", hostPort, "catalog", "--page-size", "1"]);
  expect(JSON.parse(paged.stdout)).toEqual({ registry: hostPort, repositories: ["solo", "team/app", "team/other"] });
  const human = await ok(["api", hostPort, "catalog"]);
  expect(human.stdout).toBe("solo\nteam/app\nteam/other\n");
});

test("tags lists every tag, following pagination", async () => {
  const result = await ok(["--json", "api", hostPort, "tags", "team/app", "--page-size", "2"]);
  expect(JSON.parse(result.stdout)).toEqual({ registry: hostPort, repository: "team/app", tags: ["v1", "v1-alias", "v2"] });
});

test("digest is the one skopeo inspect reports (OCI manifest Accept header sent)", async () => {
  const result = await ok(["--json", "api", hostPort, "digest", "team/app:v1"]);
  const json = JSON.parse(result.stdout) as { digest: string; mediaType: string };
  const inspected = await skopeoInspect(`docker://${hostPort}/team/app:v1`, { certDir });
  expect(inspected.code).toBe(0);
  expect(json.digest).toBe((JSON.parse(inspected.stdout) as { Digest: string }).Digest);
  expect(json.digest).toBe(imageA.manifestDigest);
  expect(json.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
  expect((await ok(["api", hostPort, "digest", "team/app:v2"])).stdout).toBe(`${imageB.manifestDigest}\n`);
});

test("delete refuses when sibling tags share the manifest, names them, and --force deletes them all", async () => {
  const refused = await regcert(["api", hostPort, "delete", "team/app:v1"]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toBe(
    `regcert: deleting team/app@${imageA.manifestDigest} would also remove tag v1-alias: a manifest is deleted with every tag that points at it\n` +
      "hint: re-run with --force to delete v1, v1-alias together (to drop only one tag, push something else to it instead)\n",
  );
  expect(JSON.parse((await ok(["--json", "api", hostPort, "tags", "team/app"])).stdout).tags).toEqual(["v1", "v1-alias", "v2"]);
  const forced = await ok(["api", hostPort, "delete", "team/app:v1", "--force"]);
  expect(forced.stdout).toContain(`Deleted team/app@${imageA.manifestDigest} (tags v1, v1-alias)`);
  expect(forced.stdout).toContain("docker-registry garbage-collect /etc/docker/registry/config.yml");
  expect(JSON.parse((await ok(["--json", "api", hostPort, "tags", "team/app"])).stdout).tags).toEqual(["v2"]);
  const gone = await skopeoInspect(`docker://${hostPort}/team/app:v1`, { certDir });
  expect(gone.code).not.toBe(0);
});

test("delete by digest of a manifest used in two repositories touches only the named one; garbage-collect frees the deleted layer", async () => {
  const refused = await regcert(["api", hostPort, "delete", `solo@${imageB.manifestDigest}`]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toBe(`regcert: deleting solo@${imageB.manifestDigest} would remove tag latest: a manifest is deleted with every tag that points at it\nhint: re-run with --force to delete it with that tag\n`);
  const result = await ok(["--json", "api", hostPort, "delete", `solo@${imageB.manifestDigest}`, "--force"]);
  expect(JSON.parse(result.stdout)).toMatchObject({ repository: "solo", deleted: imageB.manifestDigest, tags: ["latest"] });
  expect((await skopeoInspect(`docker://${hostPort}/team/other:latest`, { certDir })).code).toBe(0);
  const missing = await regcert(["api", hostPort, "digest", "solo:latest"]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("solo:latest: not found (MANIFEST_UNKNOWN)");

  // image A's layer is referenced by nothing now: the printed garbage-collect command removes it
  const blob = (digest: string) => join(registry.dir, "storage", "docker/registry/v2/blobs/sha256", digest.slice(7, 9), digest.slice(7), "data");
  const layerA = imageA.layerDigests[0] as string;
  const layerB = imageB.layerDigests[0] as string;
  expect(existsSync(blob(layerA))).toBe(true);
  const gc = await runTool("docker-registry", ["garbage-collect", registry.configPath]);
  expect(gc.code).toBe(0);
  expect(existsSync(blob(layerA))).toBe(false);
  expect(existsSync(blob(layerB))).toBe(true);
});

test("a registry without storage.delete.enabled: the 405 becomes the fix", async () => {
  const noDelete = await serve({ tls: tls(), deleteEnabled: false });
  await push(imageA, "ro/app:v1", noDelete);
  const result = await regcert(["api", `127.0.0.1:${noDelete.port}`, "delete", "ro/app:v1"]);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    `regcert: delete ro/app@${imageA.manifestDigest}: the registry does not allow deleting (405 UNSUPPORTED): storage.delete.enabled is false, its default\n` +
      "hint: set storage.delete.enabled: true in the registry's config.yml (regcert registry-config writes it), or REGISTRY_STORAGE_DELETE_ENABLED=true, and restart the registry\n",
  );
});

test("auth is honoured: 401 without credentials, works with --user/--password-stdin, wrong password refused", async () => {
  await ok(["htpasswd", "alice", "--password-stdin", "--cost", "4"], "alice-pw\n");
  const authed = await serve({ tls: tls(), htpasswd: { path: join(ws.dir, "auth", "htpasswd") } });
  const hp = `127.0.0.1:${authed.port}`;
  await push(imageA, "priv/app:v1", authed, "alice:alice-pw");
  const anonymous = await regcert(["api", hp, "catalog"]);
  expect(anonymous.code).toBe(1);
  expect(anonymous.stderr).toContain("catalog: authentication required");
  expect(anonymous.stderr).toContain("hint: add --user USER --password-stdin");
  const good = await ok(["--json", "api", hp, "tags", "priv/app", "--user", "alice", "--password-stdin"], "alice-pw\n");
  expect(JSON.parse(good.stdout).tags).toEqual(["v1"]);
  const wrong = await regcert(["api", hp, "tags", "priv/app", "--user", "alice", "--password-stdin"], "nope\n");
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain("the registry refused user alice");
});

test("TLS is verified with our CA and Go's name rules; mistakes are usage errors", async () => {
  const otherCa = join(ws.dir, "other-ca.crt");
  const other = tempWorkspace("regcert-api-other-");
  try {
    const made = await runCli(["init-ca"], { cwd: other.dir, env: other.env });
    expect(made.code).toBe(0);
    const untrusted = await regcert(["api", hostPort, "catalog", "--ca", join(other.home, "ca.crt")]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain(`hint: regcert check ${hostPort} diagnoses the connection and TLS`);
  } finally {
    other.cleanup();
  }
  void otherCa;
  expect((await regcert(["api", hostPort, "list"])).code).toBe(2);
  expect((await regcert(["api", hostPort, "digest", "Team/App:v1"])).code).toBe(2);
  expect((await regcert(["api", hostPort, "digest", "team/app"])).code).toBe(2);
  expect((await regcert(["api", hostPort, "tags"])).code).toBe(2);
});
