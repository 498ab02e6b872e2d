/**
 * The Docker 29 checks of `regcert check`'s local side, on a fake root: containerd image store
 * detection (daemon.json feature, package version), hosts.toml and _default under /etc/docker/certs.d,
 * the multi-endpoint override, insecure-registries and client certificates with that store, and
 * buildx builders without a CA (their stored buildkitd.toml). Never runs docker.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRootCa } from "../../../src/pki/ca.js";
import { detectImageStore } from "../../../src/registry/docker29.js";
import { checkLocalSide } from "../../../src/registry/local-check.js";
import { renderHostsToml } from "../../../src/trust/containerd.js";

const ca = createRootCa({ commonName: "docker29 CA" });
let root: string;
const put = (path: string, contents: string) => {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, contents);
};
const run = () => checkLocalSide({ root, host: "registry.local", port: 5000, caPem: ca.certificatePem });
const byId = (id: string) => run().filter((f) => f.id === id);
const SNAPSHOTTER = JSON.stringify({ features: { "containerd-snapshotter": true } });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "regcert-d29-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test("store detection: daemon.json feature wins; else the installed engine's major version", () => {
  expect(detectImageStore(root).store).toBe("unknown");
  put("var/lib/dpkg/status", "Package: docker-ce\nStatus: install ok installed\nVersion: 5:29.1.2-1~debian.12~bookworm\n\nPackage: other\nVersion: 1.0\n");
  expect(detectImageStore(root)).toMatchObject({ store: "containerd" });
  put("var/lib/dpkg/status", "Package: docker-ce\nStatus: install ok installed\nVersion: 5:28.5.1-1\n");
  expect(detectImageStore(root).store).toBe("classic");
  put("etc/docker/daemon.json", SNAPSHOTTER);
  expect(detectImageStore(root).store).toBe("containerd");
  put("etc/docker/daemon.json", JSON.stringify({ features: { "containerd-snapshotter": false } }));
  expect(detectImageStore(root).store).toBe("classic");
});

test("classic store: none of the containerd-store findings", () => {
  put("etc/docker/daemon.json", JSON.stringify({ "insecure-registries": ["registry.local:5000"] }));
  put("etc/docker/certs.d/registry.local:5000/client.cert", "x");
  expect(run().filter((f) => f.id.startsWith("local.docker29"))).toEqual([]);
});

test("containerd store: regcert's hosts.toml is fine (one endpoint per URL); two endpoints explain the override", () => {
  put("etc/docker/daemon.json", SNAPSHOTTER);
  put("etc/docker/certs.d/registry.local:5000/ca.crt", ca.certificatePem);
  put("etc/docker/certs.d/registry.local:5000/hosts.toml", renderHostsToml("registry.local:5000", false));
  expect(byId("local.docker29ImageStore")[0]?.status).toBe("ok");
  expect(byId("local.docker29MultiEndpoint")).toEqual([]);
  put("etc/docker/certs.d/registry.local:5000/hosts.toml", 'server = "https://registry.local:5000"\n[host."https://mirror.local:5000"]\n  ca = "ca.crt"\n');
  expect(byId("local.docker29MultiEndpoint")[0]?.message).toMatch(/2 endpoints .*overrides daemon\.json/);
});

test("containerd store: an unparsable hosts.toml fails with its line; _default and skip_verify warn", () => {
  put("etc/docker/daemon.json", SNAPSHOTTER);
  put("etc/docker/certs.d/registry.local:5000/hosts.toml", 'server = "https://registry.local:5000"\n[host."https://registry.local:5000"\n');
  expect(byId("local.docker29HostsTomlInvalid")[0]).toMatchObject({ status: "fail" });
  expect(byId("local.docker29HostsTomlInvalid")[0]?.message).toMatch(/line 2/);
  put("etc/docker/certs.d/_default/hosts.toml", "skip_verify = true\n");
  expect(byId("local.docker29Default")[0]?.status).toBe("warn");
  expect(byId("local.docker29SkipVerify")[0]?.message).toContain("_default");
});

test("containerd store: insecure-registries and client certificates are flagged with the upstream issues", () => {
  put("etc/docker/daemon.json", JSON.stringify({ features: { "containerd-snapshotter": true }, "insecure-registries": ["registry.local:5000"] }));
  put("etc/docker/certs.d/registry.local:5000/client.cert", "x");
  put("etc/docker/certs.d/registry.local:5000/client.key", "x");
  expect(byId("local.docker29Insecure")[0]?.message).toContain("moby#51080");
  expect(byId("local.docker29ClientCert")[0]?.message).toContain("moby#51662");
});

test("buildx: a docker-container builder without the CA in its buildkitd.toml is flagged; with it, or the docker driver, not", () => {
  const instance = (name: string, driver: string, toml?: string) =>
    put(`root/.docker/buildx/instances/${name}`, JSON.stringify({ Name: name, Driver: driver, Nodes: [{ Name: `${name}0`, Endpoint: "unix:///var/run/docker.sock", Files: toml === undefined ? null : { "buildkitd.toml": Buffer.from(toml).toString("base64") } }], Dynamic: false }));
  instance("plain", "docker-container");
  instance("default", "docker");
  instance("good", "docker-container", '[registry."registry.local:5000"]\n  ca = ["/etc/buildkit/certs.d/registry.local:5000/ca.crt"]\n');
  instance("other", "docker-container", '[registry."elsewhere:5000"]\n  ca = ["/x/ca.crt"]\n');
  const flagged = byId("local.buildxNoCa").map((f) => f.message.split('"')[1]);
  expect(flagged).toEqual(["other", "plain"]);
  expect(byId("local.buildxNoCa")[0]?.fix).toContain("--target buildkit");
});
