/**
 * The local side of `regcert check`, on a fake root in a temp dir: certs.d names and files, insecure
 * settings that bypass TLS, containerd's config_path. Each finding carries its fix.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRootCa } from "../../../src/pki/ca.js";
import { checkLocalSide } from "../../../src/registry/local-check.js";
import { makeTempDir, removeTempDir } from "../../helpers/workspace.js";

const ca = createRootCa({ commonName: "local-check CA" });
const otherCa = createRootCa({ commonName: "another CA" });
let root: string;

function put(path: string, contents: string): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, contents);
}

const run = (host = "registry.local", port = 5000) => checkLocalSide({ root, host, port, caPem: ca.certificatePem });
const ids = (findings: ReturnType<typeof run>) => findings.map((f) => `${f.status}:${f.id}`);

beforeEach(() => {
  root = makeTempDir("regcert-local-");
});
afterEach(() => removeTempDir(root));

test("an empty machine has nothing to say", () => {
  expect(run()).toEqual([]);
});

test("Docker without a certs.d directory for the registry: a warning with the install-trust fix", () => {
  mkdirSync(join(root, "etc/docker"), { recursive: true });
  const [f] = run();
  expect(f).toMatchObject({ id: "local.noDockerTrust", status: "warn", fix: `regcert install-trust --host registry.local:5000 --root ${root}` });
});

test("a correct ca.crt is ok; the wrong CA fails with Go's error", () => {
  put("etc/docker/certs.d/registry.local:5000/ca.crt", ca.certificatePem);
  expect(ids(run())).toEqual(["ok:local.trusted"]);
  put("etc/docker/certs.d/registry.local:5000/ca.crt", otherCa.certificatePem);
  const [f] = run();
  expect(f).toMatchObject({ id: "local.wrongCa", status: "fail", clientError: "x509: certificate signed by unknown authority", fix: `regcert install-trust --host registry.local:5000 --force --root ${root}` });
});

test("a bundle holding the CA among others is ok (rollover)", () => {
  put("etc/docker/certs.d/registry.local:5000/ca.crt", otherCa.certificatePem + ca.certificatePem);
  expect(ids(run())).toEqual(["ok:local.trusted"]);
});

test("ca.pem is ignored by Docker: rename it", () => {
  put("etc/docker/certs.d/registry.local:5000/ca.pem", ca.certificatePem);
  const findings = run();
  expect(ids(findings)).toEqual(["fail:local.ignoredFile", "fail:local.noCa"]);
  expect(findings[0]?.fix).toBe(`mv ${root}/etc/docker/certs.d/registry.local:5000/ca.pem ${root}/etc/docker/certs.d/registry.local:5000/ca.crt (or regcert install-trust --host registry.local:5000 --root ${root})`);
});

test("stray .key and .cert without a partner break the directory, with Docker's own messages", () => {
  put("etc/docker/certs.d/registry.local:5000/ca.crt", ca.certificatePem);
  put("etc/docker/certs.d/registry.local:5000/registry.key", "x");
  put("etc/docker/certs.d/registry.local:5000/ca.cert", ca.certificatePem);
  const findings = run();
  const certWithoutKey = findings.find((f) => f.id === "local.certWithoutKey");
  expect(certWithoutKey?.clientError).toBe("missing key ca.key for client certificate ca.cert. CA certificates must use the extension .crt");
  expect(certWithoutKey?.fix).toBe(`rename it: mv ${root}/etc/docker/certs.d/registry.local:5000/ca.cert ${root}/etc/docker/certs.d/registry.local:5000/ca.crt`);
  const stray = findings.find((f) => f.id === "local.strayKey");
  expect(stray?.clientError).toBe("missing client certificate registry.cert for key registry.key");
  // a client pair named correctly is fine
  rmSync(join(root, "etc/docker/certs.d/registry.local:5000/registry.key"));
  rmSync(join(root, "etc/docker/certs.d/registry.local:5000/ca.cert"));
  put("etc/docker/certs.d/registry.local:5000/client.cert", "x");
  put("etc/docker/certs.d/registry.local:5000/client.key", "x");
  expect(ids(run())).toEqual(["ok:local.trusted"]);
});

test("port 443: the plain host directory is where clients look", () => {
  put("etc/docker/certs.d/registry.local/ca.crt", ca.certificatePem);
  expect(ids(run("registry.local", 443))).toEqual(["ok:local.trusted"]);
});

test("containers/image certs.d is checked too", () => {
  put("etc/containers/certs.d/registry.local:5000/ca.crt", otherCa.certificatePem);
  expect(run()[0]).toMatchObject({ id: "local.wrongCa", message: expect.stringContaining("podman/skopeo") });
});

test("insecure settings that bypass TLS: daemon.json, DOCKER_OPTS, the dockerd unit, registries.conf(.d)", () => {
  put("etc/docker/daemon.json", JSON.stringify({ "insecure-registries": ["registry.local:5000", "10.0.0.0/8"] }));
  put("etc/default/docker", 'DOCKER_OPTS="--insecure-registry registry.local:5000"\n#DOCKER_OPTS="--insecure-registry=registry.local:5000"\n');
  put("etc/systemd/system/docker.service.d/override.conf", "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --insecure-registry=registry.local:5000\n");
  put("etc/containers/registries.conf", '[[registry]]\nlocation = "registry.local:5000"\ninsecure = true\n\n[[registry]]\nlocation = "other:5000"\ninsecure = true\n');
  put("etc/containers/registries.conf.d/50-old.conf", "[registries.insecure]\nregistries = ['registry.local:5000']\n");
  const findings = run();
  expect(ids(findings)).toEqual(["warn:local.noDockerTrust", "warn:local.insecureRegistries", "warn:local.insecureFlag", "warn:local.insecureFlag", "warn:local.registriesConfInsecure", "warn:local.registriesConfInsecure"]);
  expect(findings[1]?.fix).toBe('remove "registry.local:5000" from insecure-registries in /etc/docker/daemon.json, then systemctl reload docker');
  expect(findings[3]?.message).toContain("/etc/systemd/system/docker.service.d/override.conf");
  expect(findings[4]?.message).toContain("/etc/containers/registries.conf sets insecure = true for registry.local:5000");
  // a CIDR covers an IP registry
  expect(ids(checkLocalSide({ root, host: "10.1.2.3", port: 5000, caPem: ca.certificatePem }))).toContain("warn:local.insecureRegistries");
});

test("invalid daemon.json is a failure (dockerd will not start)", () => {
  put("etc/docker/daemon.json", "{ insecure-registries: [ }");
  expect(ids(run())).toEqual(["warn:local.noDockerTrust", "fail:local.daemonJsonInvalid"]);
});

test("containerd: hosts dir without config_path, then with it; hosts.toml must name the CA", () => {
  put("etc/containerd/certs.d/registry.local:5000/hosts.toml", 'server = "https://registry.local:5000"\n[host."https://registry.local:5000"]\n  ca = "ca.crt"\n');
  put("etc/containerd/certs.d/registry.local:5000/ca.crt", ca.certificatePem);
  put("etc/containerd/config.toml", "version = 2\n");
  expect(ids(run())).toEqual(["warn:local.containerdConfigPath"]);
  expect(run()[0]?.fix).toContain('config_path = "/etc/containerd/certs.d"');
  put("etc/containerd/config.toml", 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n');
  expect(ids(run())).toEqual(["ok:local.containerdConfigPath"]);
  put("etc/containerd/certs.d/registry.local:5000/ca.crt", otherCa.certificatePem);
  expect(ids(run())).toEqual(["ok:local.containerdConfigPath", "fail:local.containerdWrongCa"]);
  rmSync(join(root, "etc/containerd/certs.d/registry.local:5000/hosts.toml"));
  expect(ids(run())).toEqual(["ok:local.containerdConfigPath", "warn:local.containerdNoHostsToml"]);
});

test("#12 item 7: fixes keep --root and name the files under it; without --root they name /etc", () => {
  mkdirSync(join(root, "etc/docker"), { recursive: true });
  const underRoot = run().find((x) => x.id === "local.noDockerTrust");
  expect(underRoot?.fix).toBe(`regcert install-trust --host registry.local:5000 --root ${root}`);
  expect(underRoot?.message).toContain(`${root}/etc/docker/certs.d/registry.local:5000/`);
  const real = checkLocalSide({ root: "/", host: "registry.invalid", port: 5000, caPem: ca.certificatePem });
  for (const f of real) expect(f.fix ?? "").not.toContain("--root");
});
