/**
 * regcert install-trust through the built binary, always under --root TMP (or --user with a temp
 * HOME), with stub update-ca-certificates / update-ca-trust first on PATH, and a check that the
 * machine's own trust (its CA bundle and certs.d directories) is untouched after the suite.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { REPO, runCli, tempWorkspace, worldReadableCli, type CliResult } from "../helpers/cli.js";
import { modeOf, treeState } from "../helpers/tree.js";

type Workspace = ReturnType<typeof tempWorkspace>;

const FIXTURES = join(REPO, "test", "fixtures", "trust");
const CA_A = readFileSync(join(FIXTURES, "ca-a.crt"), "utf8");
const CA_B = readFileSync(join(FIXTURES, "ca-b.crt"), "utf8");
const CA_A_ID = "9ed8514ea42a2e54";
const HOST = "registry.local:5000";

/** The real system's trust, which no test may change (CI runs as root). */
const SYSTEM_PATHS = ["/etc/ssl/certs/ca-certificates.crt", "/etc/docker", "/etc/containers", "/etc/containerd", "/usr/local/share/ca-certificates", "/etc/pki/ca-trust/source/anchors", "/etc/rancher"];
function systemState(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of SYSTEM_PATHS) out[path] = existsSync(path) ? (statSync(path).isDirectory() ? treeState(path) : readFileSync(path).toString("base64")) : null;
  return out;
}

let before: Record<string, unknown>;
const workspaces: Workspace[] = [];
let stubDir: string;
let stubLog: string;

beforeAll(() => {
  before = systemState();
  const ws = tempWorkspace("regcert-trust-stubs-");
  workspaces.push(ws);
  stubDir = join(ws.dir, "bin");
  stubLog = join(ws.dir, "stub.log");
  mkdirSync(stubDir);
  for (const name of ["update-ca-certificates", "update-ca-trust"]) {
    writeFileSync(join(stubDir, name), `#!/bin/sh\necho "${name} $*" >> '${stubLog}'\n`);
    chmodSync(join(stubDir, name), 0o755);
  }
});

afterAll(() => {
  for (const ws of workspaces) ws.cleanup();
  expect(systemState()).toEqual(before);
  // the refresh stubs were never needed: every run used --root or --user
  expect(existsSync(stubLog)).toBe(false);
});

interface Env {
  ws: Workspace;
  root: string;
  ca: string;
  run(args: string[], input?: string): Promise<CliResult>;
}

/** A workspace with ROOT/etc (a real root always has /etc) and ca-a.crt copied in. */
function setup(): Env {
  const ws = tempWorkspace("regcert-trust-");
  workspaces.push(ws);
  const root = join(ws.dir, "root");
  mkdirSync(join(root, "etc"), { recursive: true });
  const ca = join(ws.dir, "ca.crt");
  copyFileSync(join(FIXTURES, "ca-a.crt"), ca);
  const env = { ...ws.env, PATH: `${stubDir}:${process.env.PATH ?? ""}`, SUDO_USER: "" };
  return { ws, root, ca, run: (args, input) => runCli(args, { cwd: ws.dir, env, ...(input === undefined ? {} : { input }) }) };
}

function expectOk(result: CliResult): void {
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}`);
}

describe("install, idempotence, uninstall", () => {
  test("docker, containers, containerd: files, modes, contents; a second run changes nothing; uninstall restores the tree exactly, foreign files stay", async () => {
    const { root, ca, run } = setup();
    // foreign content that must survive: another registry's dir, and a file inside our registry dir
    mkdirSync(join(root, "etc/docker/certs.d/other:5000"), { recursive: true });
    writeFileSync(join(root, "etc/docker/certs.d/other:5000/ca.crt"), CA_B);
    mkdirSync(join(root, "etc/containers/certs.d", HOST), { recursive: true });
    writeFileSync(join(root, "etc/containers/certs.d", HOST, "mirror.crt"), CA_B);
    const pristine = treeState(root);

    const args = ["install-trust", "--ca", ca, "--host", HOST, "--host", "192.168.0.12:5000", "--root", root, "--target", "docker,containers,containerd"];
    const first = await run(args);
    expectOk(first);
    for (const dir of ["etc/docker/certs.d", "etc/containers/certs.d", "etc/containerd/certs.d"]) {
      for (const host of [HOST, "192.168.0.12:5000"]) {
        const file = join(root, dir, host, "ca.crt");
        expect(readFileSync(file, "utf8")).toBe(CA_A);
        expect(modeOf(file)).toBe(0o644);
        expect(modeOf(join(root, dir, host))).toBe(0o755);
      }
    }
    expect(readFileSync(join(root, "etc/containerd/certs.d", HOST, "hosts.toml"), "utf8")).toBe(readFileSync(join(REPO, "test/golden/trust/containerd-hosts.toml"), "utf8"));
    expect(first.stdout).toContain(`Wrote ${join(root, "etc/docker/certs.d", HOST, "ca.crt")}`);
    expect(first.stdout).toContain("Trust installed for registry.local:5000, 192.168.0.12:5000 in docker, containerd, containers.");
    expect(first.stderr).toContain('config_path = "/etc/containerd/certs.d"');

    const installed = treeState(root);
    const mtime = statSync(join(root, "etc/docker/certs.d", HOST, "ca.crt")).mtimeMs;
    const second = await run(args);
    expectOk(second);
    expect(second.stdout).toContain("Already installed for registry.local:5000, 192.168.0.12:5000 (docker, containerd, containers); nothing changed.");
    expect(second.stdout).not.toContain("Wrote");
    expect(treeState(root)).toEqual(installed);
    expect(statSync(join(root, "etc/docker/certs.d", HOST, "ca.crt")).mtimeMs).toBe(mtime);

    const removed = await run([...args, "--uninstall"]);
    expectOk(removed);
    expect(removed.stdout).toContain(`Removed ${join(root, "etc/containerd/certs.d", HOST, "hosts.toml")}`);
    expect(treeState(root)).toEqual(pristine);

    const again = await run([...args, "--uninstall"]);
    expectOk(again);
    expect(again.stdout).toContain("Nothing to uninstall");
    expect(treeState(root)).toEqual(pristine);
  });

  test("a registry on 443 gets HOST and HOST:443; IPv6 gets [addr]:port", async () => {
    const { root, ca, run } = setup();
    expectOk(await run(["install-trust", "--ca", ca, "--host", "registry.example", "--host", "[FD00::12]:5000", "--root", root, "--target", "docker"]));
    expect(readFileSync(join(root, "etc/docker/certs.d/registry.example/ca.crt"), "utf8")).toBe(CA_A);
    expect(readFileSync(join(root, "etc/docker/certs.d/registry.example:443/ca.crt"), "utf8")).toBe(CA_A);
    expect(readFileSync(join(root, "etc/docker/certs.d/[fd00::12]:5000/ca.crt"), "utf8")).toBe(CA_A);
  });

  test("a CA rollover bundle: every CA in ca.crt, one system anchor per CA; regcert's old bundle is updated, not refused", async () => {
    const { ws, root, ca, run } = setup();
    mkdirSync(join(root, "usr/local/share/ca-certificates"), { recursive: true });
    expectOk(await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker,system"]));
    const bundle = join(ws.dir, "bundle.crt");
    writeFileSync(bundle, CA_B + CA_A);
    const update = await run(["install-trust", "--ca", bundle, "--host", HOST, "--root", root, "--target", "docker,system"]);
    expectOk(update);
    expect(update.stdout).toContain(`Updated ${join(root, "etc/docker/certs.d", HOST, "ca.crt")}`);
    expect(readFileSync(join(root, "etc/docker/certs.d", HOST, "ca.crt"), "utf8")).toBe(CA_B + CA_A);
    expect(readFileSync(join(root, `usr/local/share/ca-certificates/regcert-${CA_A_ID}.crt`), "utf8")).toBe(CA_A);
    expect(update.stdout).toMatch(/Then run: update-ca-certificates .*not run: --root/);
    // uninstall with only the new CA still recognises the bundle as regcert's
    const removed = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker,system", "--uninstall"]);
    expectOk(removed);
    expect(existsSync(join(root, "etc/docker"))).toBe(false);
    expect(existsSync(join(root, `usr/local/share/ca-certificates/regcert-${CA_A_ID}.crt`))).toBe(false);
    // CA B's anchor is not part of this uninstall (it was given CA A only), so it stays
    expect(readFileSync(join(root, "usr/local/share/ca-certificates/regcert-d03c9f30a8cbfbfe.crt"), "utf8")).toBe(CA_B);
  });

  test("--ca - reads the CA from standard input; without --ca the home's ca.crt is used and no CA is ever created", async () => {
    const { ws, root, run } = setup();
    expectOk(await run(["install-trust", "--ca", "-", "--host", HOST, "--root", root, "--target", "containers"], CA_A));
    expect(readFileSync(join(root, "etc/containers/certs.d", HOST, "ca.crt"), "utf8")).toBe(CA_A);
    const none = await run(["install-trust", "--host", HOST, "--root", root, "--target", "containers"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`regcert: no CA certificate in ${ws.home} (install-trust never creates a CA)\nhint: pass the registry's CA with --ca FILE (or --ca - to read it from stdin), e.g. the ca.crt written by regcert issue\n`);
    expect(existsSync(ws.home)).toBe(false);
    mkdirSync(ws.home, { mode: 0o700 });
    writeFileSync(join(ws.home, "ca.crt"), CA_B);
    expectOk(await run(["install-trust", "--host", "other.local:5000", "--root", root, "--target", "containers"]));
    expect(readFileSync(join(root, "etc/containers/certs.d/other.local:5000/ca.crt"), "utf8")).toBe(CA_B);
  });
});

describe("targets", () => {
  test("default: the runtimes found under the root, said by name; docker when none", async () => {
    const { root, ca, run } = setup();
    const none = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root]);
    expectOk(none);
    expect(none.stdout).toContain(`No container runtime found on ${root}; installing for docker (choose with --target).`);
    expect(existsSync(join(root, "etc/docker/certs.d", HOST, "ca.crt"))).toBe(true);

    const other = setup();
    mkdirSync(join(other.root, "usr/bin"), { recursive: true });
    writeFileSync(join(other.root, "usr/bin/podman"), "");
    mkdirSync(join(other.root, "etc/containerd"), { recursive: true });
    writeFileSync(join(other.root, "etc/containerd/config.toml"), 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n');
    const result = await other.run(["install-trust", "--ca", other.ca, "--host", HOST, "--root", other.root]);
    expectOk(result);
    expect(result.stdout).toContain(`Found on ${other.root}: containerd (/etc/containerd/config.toml), containers (/usr/bin/podman).`);
    expect(result.stderr).not.toContain("config_path");
    expect(existsSync(join(other.root, "etc/docker"))).toBe(false);
    expect(existsSync(join(other.root, "etc/containers/certs.d", HOST, "ca.crt"))).toBe(true);
    expect(existsSync(join(other.root, "etc/containerd/certs.d", HOST, "hosts.toml"))).toBe(true);
  });

  test("--target all: every target that applies; microk8s and the system store are skipped (said so) when not installed", async () => {
    const { root, ca, run } = setup();
    const pristine = treeState(root);
    const args = ["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "all"];
    const result = await run(args);
    expectOk(result);
    expect(result.stdout).toContain("Skipping system: no system CA store here (no /usr/local/share/ca-certificates).");
    expect(result.stdout).toContain("Skipping microk8s: microk8s is not installed here (no /var/snap/microk8s/current/args).");
    // #12: no k3s here, so `all` writes no /etc/rancher/k3s/registries.yaml
    expect(result.stdout).toContain("Skipping k3s: k3s is not installed here (no /usr/local/bin/k3s or /etc/rancher/k3s).");
    expect(result.stdout).toContain(`Trust installed for ${HOST} in docker, containerd, containers.`);
    expect(existsSync(join(root, "etc/rancher"))).toBe(false);
    expectOk(await run([...args, "--uninstall"]));
    expect(treeState(root)).toEqual(pristine);
    // named explicitly, a missing store is an error, not a skip
    const named = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker,system"]);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/^regcert: no system CA store here \(no \/usr\/local\/share\/ca-certificates\) under /);
    expect(treeState(root)).toEqual(pristine);
  });

  test("microk8s writes through snap's `current` symlink (a fixed prefix), and is refused when not installed", async () => {
    const { root, ca, run } = setup();
    const missing = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "microk8s"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`regcert: microk8s is not installed here (no /var/snap/microk8s/current/args) under ${root}\nhint: install microk8s first (sudo snap install microk8s --classic), or leave microk8s out of --target\n`);
    mkdirSync(join(root, "var/snap/microk8s/7001/args/certs.d/docker.io"), { recursive: true });
    symlinkSync("7001", join(root, "var/snap/microk8s/current"));
    const pristine = treeState(root);
    const ok = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "microk8s"]);
    expectOk(ok);
    expect(readFileSync(join(root, "var/snap/microk8s/7001/args/certs.d", HOST, "hosts.toml"), "utf8")).toContain(`server = "https://${HOST}"`);
    expect(ok.stdout).toContain("Then run: snap restart microk8s");
    expectOk(await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "microk8s", "--uninstall"]));
    expect(treeState(root)).toEqual(pristine);
  });

  test("k3s: registries.yaml merged (other entries kept, mode kept), uninstall restores the exact bytes", async () => {
    const { root, ca, run } = setup();
    mkdirSync(join(root, "etc/rancher/k3s"), { recursive: true });
    const original = "# site registries\nconfigs:\n  mirror.internal:5000:\n    auth:\n      username: puller\n      password: secret\n";
    writeFileSync(join(root, "etc/rancher/k3s/registries.yaml"), original, { mode: 0o640 });
    chmodSync(join(root, "etc/rancher/k3s/registries.yaml"), 0o640);
    const pristine = treeState(root);
    const result = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "k3s"]);
    expectOk(result);
    const doc = parseYaml(readFileSync(join(root, "etc/rancher/k3s/registries.yaml"), "utf8"));
    expect(doc.configs["mirror.internal:5000"]).toEqual({ auth: { username: "puller", password: "secret" } });
    expect(doc.configs[HOST]).toEqual({ tls: { ca_file: `/etc/rancher/k3s/regcert/${HOST}/ca.crt` } });
    expect(modeOf(join(root, "etc/rancher/k3s/registries.yaml"))).toBe(0o640);
    expect(readFileSync(join(root, "etc/rancher/k3s/regcert", HOST, "ca.crt"), "utf8")).toBe(CA_A);
    expect(result.stdout).toContain("Then run: systemctl restart k3s");
    expectOk(await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "k3s", "--uninstall"]));
    expect(treeState(root)).toEqual(pristine);
  });

  test("--user: rootless Docker and podman dirs in HOME, with the note that the per-user containers dir hides the system one", async () => {
    const { ws, ca } = setup();
    const home = join(ws.dir, "userhome");
    mkdirSync(join(home, ".config"), { recursive: true });
    const env = { ...ws.env, HOME: home, XDG_CONFIG_HOME: "", SUDO_USER: "", PATH: `${stubDir}:${process.env.PATH ?? ""}` };
    const result = await runCli(["install-trust", "--user", "--ca", ca, "--host", HOST], { cwd: ws.dir, env });
    expectOk(result);
    expect(readFileSync(join(home, ".config/docker/certs.d", HOST, "ca.crt"), "utf8")).toBe(CA_A);
    expect(readFileSync(join(home, ".config/containers/certs.d", HOST, "ca.crt"), "utf8")).toBe(CA_A);
    expect(result.stdout).toContain("no longer /etc/containers/certs.d/<host:port>/");
    expectOk(await runCli(["install-trust", "--user", "--ca", ca, "--host", HOST, "--uninstall"], { cwd: ws.dir, env }));
    expect(treeState(home)).toEqual({ ".config": "dir 0755" });
    const wrong = await runCli(["install-trust", "--user", "--ca", ca, "--host", HOST, "--target", "system"], { cwd: ws.dir, env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("regcert: --user has no per-user location for system");
  });

  test("macos/windows: exact commands printed; windows writes only under --root, and uninstall restores it", async () => {
    const { root, ca, run } = setup();
    const pristine = treeState(root);
    const result = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "macos,windows"]);
    expectOk(result);
    expect(result.stdout).toContain(`  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${ca}`);
    expect(result.stdout).toContain(`  certutil -addstore -f Root ${ca}`);
    const removal = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "macos,windows", "--uninstall"]);
    expect(removal.stdout).toContain("  certutil -delstore Root 4E1665CFC5BA7DDF7DC13B3C2323965A");
    expect(removal.stdout).toContain("  sudo security delete-certificate -Z F222FB25FD11FB9E25D4E670734163FCA2789B32 /Library/Keychains/System.keychain");
    expect(treeState(root)).toEqual(pristine);
  });
});

describe("client pair (mTLS)", () => {
  test("client.cert 0644 + client.key 0600 beside ca.crt; hosts.toml names them; uninstall without the flags removes them", async () => {
    const { root, ca, run } = setup();
    const pristine = treeState(root);
    const args = ["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker,containerd"];
    expectOk(await run([...args, "--client-cert", join(FIXTURES, "client-a.crt"), "--client-key", join(FIXTURES, "client-a.key")]));
    for (const dir of ["etc/docker/certs.d", "etc/containerd/certs.d"]) {
      expect(modeOf(join(root, dir, HOST, "client.cert"))).toBe(0o644);
      expect(modeOf(join(root, dir, HOST, "client.key"))).toBe(0o600);
      expect(readFileSync(join(root, dir, HOST, "client.cert"), "utf8")).toBe(readFileSync(join(FIXTURES, "client-a.crt"), "utf8"));
    }
    expect(readFileSync(join(root, "etc/containerd/certs.d", HOST, "hosts.toml"), "utf8")).toContain('client = [["client.cert", "client.key"]]');
    expectOk(await run([...args, "--uninstall"]));
    expect(treeState(root)).toEqual(pristine);
  });

  test("a CA, a server certificate or a mismatched key is never copied as a client pair", async () => {
    const { ws, root, ca, run } = setup();
    expectOk(await run(["issue", "--dns", "registry.local", "--out", "certs", "--yes"]));
    const pristine = treeState(root);
    const server = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker", "--client-cert", join(ws.dir, "certs/registry.crt"), "--client-key", join(ws.dir, "certs/registry.key")]);
    expect(server.code).toBe(2);
    expect(server.stderr).toMatch(/^regcert: --client-cert is not a client certificate \(no clientAuth extended key usage\); a server certificate's key must not be copied to clients\n/);
    const asCa = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker", "--client-cert", ca, "--client-key", join(FIXTURES, "client-a.key")]);
    expect(asCa.code).toBe(2);
    expect(asCa.stderr).toMatch(/^regcert: --client-cert is a CA certificate; its key must never go into a trust directory\n/);
    const mismatch = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker", "--client-cert", join(FIXTURES, "client-a.crt"), "--client-key", join(REPO, "test/fixtures/keys/leaf-p256.key")]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/^regcert: --client-key does not belong to --client-cert\n/);
    const half = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--client-cert", join(FIXTURES, "client-a.crt")]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/^regcert: --client-cert and --client-key go together\n/);
    const keyAsCa = await run(["install-trust", "--ca", join(FIXTURES, "client-a.key"), "--host", HOST, "--root", root]);
    expect(keyAsCa.code).toBe(2);
    expect(keyAsCa.stderr).toMatch(/private key; regcert never copies a key into a trust directory/);
    expect(treeState(root)).toEqual(pristine);
  });
});

describe("hostile and wrong input: exit 2, one message, nothing written", () => {
  const refused = async (env: Env, args: string[], stderr: string | RegExp) => {
    const pristine = treeState(env.root);
    const result = await env.run(["install-trust", "--ca", env.ca, "--root", env.root, ...args]);
    expect(result.code).toBe(2);
    if (typeof stderr === "string") expect(result.stderr).toBe(stderr);
    else expect(result.stderr).toMatch(stderr);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(treeState(env.root)).toEqual(pristine);
    return result;
  };

  test("bad host, bad port, no host", async () => {
    const env = setup();
    await refused(env, ["--host", "bad_host:5000", "--target", "docker"], 'regcert: "bad_host" is not a valid DNS name or IP address: underscores are not allowed in host names (RFC 1123)\nhint: e.g. --dns registry.local or --ip 192.168.0.12\n');
    await refused(env, ["--host", "registry.local:70000", "--target", "docker"], 'regcert: --host "registry.local:70000" has an invalid port 70000: use 1 to 65535\nhint: e.g. --host registry.local:5000\n');
    await refused(env, ["--host", "registry.local:0"], /invalid port 0/);
    await refused(env, ["--host", "fd00::1:5000"], /looks like an IPv6 address without brackets/);
    await refused(env, ["--target", "docker"], "regcert: no --host given: name the registry as clients type it\nhint: e.g. regcert install-trust --host registry.local:5000 --host 192.168.0.12:5000\n");
    await refused(env, ["--host", HOST, "--target", "dockr"], 'regcert: --target "dockr" is not a known target\nhint: use one or more of: docker, containerd, containers, system, k3s, microk8s, macos, windows, desktop, nerdctl, buildkit, kind, minikube, k3d, all\n');
  });

  test("a symlinked certs.d, host directory or ca.crt is refused and nothing is written anywhere", async () => {
    const env = setup();
    const elsewhere = join(env.ws.dir, "elsewhere");
    mkdirSync(join(elsewhere, HOST), { recursive: true });
    mkdirSync(join(env.root, "etc/docker"), { recursive: true });
    symlinkSync(elsewhere, join(env.root, "etc/docker/certs.d"));
    const outside = treeState(elsewhere);
    await refused(env, ["--host", HOST, "--target", "containers,docker"], new RegExp(`^regcert: ${join(env.root, "etc/docker/certs.d").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is a symbolic link; regcert does not write trust files through links\nhint: `));
    expect(treeState(elsewhere)).toEqual(outside);
    expect(existsSync(join(env.root, "etc/containers"))).toBe(false);

    const env2 = setup();
    mkdirSync(join(env2.root, "etc/containers/certs.d"), { recursive: true });
    symlinkSync(elsewhere, join(env2.root, "etc/containers/certs.d", HOST));
    await refused(env2, ["--host", HOST, "--target", "containers"], /is a symbolic link/);
    expect(treeState(elsewhere)).toEqual(outside);

    const env3 = setup();
    mkdirSync(join(env3.root, "etc/containers/certs.d", HOST), { recursive: true });
    symlinkSync(join(elsewhere, "target.crt"), join(env3.root, "etc/containers/certs.d", HOST, "ca.crt"));
    await refused(env3, ["--host", HOST, "--target", "containers"], /ca\.crt is a symbolic link/);
    expect(treeState(elsewhere)).toEqual(outside);
  });

  test("a symlinked registries.yaml, a directory where ca.crt goes, a missing --root: refused before anything is written", async () => {
    const env = setup();
    mkdirSync(join(env.root, "etc/rancher/k3s"), { recursive: true });
    writeFileSync(join(env.ws.dir, "elsewhere.yaml"), "configs: {}\n");
    symlinkSync(join(env.ws.dir, "elsewhere.yaml"), join(env.root, "etc/rancher/k3s/registries.yaml"));
    await refused(env, ["--host", HOST, "--target", "docker,k3s"], /registries\.yaml is a symbolic link/);
    expect(readFileSync(join(env.ws.dir, "elsewhere.yaml"), "utf8")).toBe("configs: {}\n");

    const env2 = setup();
    mkdirSync(join(env2.root, "etc/containers/certs.d", HOST, "ca.crt"), { recursive: true });
    await refused(env2, ["--host", HOST, "--target", "docker,containers"], /ca\.crt exists and is not a regular file/);

    const env3 = setup();
    const missing = await env3.run(["install-trust", "--ca", env3.ca, "--root", join(env3.ws.dir, "nope"), "--host", HOST]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`regcert: --root ${join(env3.ws.dir, "nope")} is not an existing directory\nhint: create it first (mkdir -p ${join(env3.ws.dir, "nope")}), or pass the directory that holds etc/ of the image or chroot\n`);
    expect(existsSync(join(env3.ws.dir, "nope"))).toBe(false);
  });

  test("a ca.crt someone else put there is not replaced without --force", async () => {
    const env = setup();
    mkdirSync(join(env.root, "etc/docker/certs.d", HOST), { recursive: true });
    writeFileSync(join(env.root, "etc/docker/certs.d", HOST, "ca.crt"), "# theirs\n" + CA_B);
    await refused(env, ["--host", HOST, "--target", "docker"], new RegExp(`already exists with content regcert did not write; not replacing\nhint: look at the file\\(s\\); re-run with --force to replace them\n$`));
    expectOk(await env.run(["install-trust", "--ca", env.ca, "--root", env.root, "--host", HOST, "--target", "docker", "--force"]));
    expect(readFileSync(join(env.root, "etc/docker/certs.d", HOST, "ca.crt"), "utf8")).toBe(CA_A);
  });

  test("no permission to write: exit 2 with the sudo hint, nothing written (run as nobody)", async () => {
    const env = setup();
    chmodSync(env.ws.dir, 0o755);
    chmodSync(env.ca, 0o644);
    const pristine = treeState(env.root);
    if (process.getuid?.() !== 0) {
      chmodSync(env.root, 0o555);
    }
    // nobody runs a world-readable copy of the CLI: the checkout may be in a 0700 directory (#12 item 10)
    const copy = worldReadableCli();
    const args = ["install-trust", "--ca", env.ca, "--root", env.root, "--host", HOST, "--target", "docker"];
    const result =
      process.getuid?.() === 0
        ? await runCliAs(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", `HOME=${env.ws.dir}`, "NO_COLOR=1", "CI=1", process.execPath, copy.bin, ...args]).finally(() => copy.cleanup())
        : await env.run(args).finally(() => copy.cleanup());
    chmodSync(env.root, 0o755);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`regcert: cannot write ${join(env.root, "etc/docker")}: permission denied\nhint: re-run with sudo (sudo regcert install-trust …), or use --root DIR / --user\n`);
    expect(treeState(env.root)).toEqual(pristine);
  });
});

describe("--dry-run and --json", () => {
  test("--dry-run prints paths and contents (never the client key) and writes nothing", async () => {
    const { root, ca, run } = setup();
    const pristine = treeState(root);
    const result = await run(["install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "containerd", "--dry-run", "--client-cert", join(FIXTURES, "client-a.crt"), "--client-key", join(FIXTURES, "client-a.key")]);
    expectOk(result);
    expect(result.stdout).toContain(`would write ${join(root, "etc/containerd/certs.d", HOST, "hosts.toml")} (mode 0644)`);
    expect(result.stdout).toContain(`    server = "https://${HOST}"`);
    expect(result.stdout).toContain("(client private key,");
    expect(result.stdout).not.toContain("PRIVATE KEY");
    expect(treeState(root)).toEqual(pristine);
    const json = await run(["--json", "install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "containerd", "--dry-run", "--client-cert", join(FIXTURES, "client-a.crt"), "--client-key", join(FIXTURES, "client-a.key")]);
    expectOk(json);
    expect(json.stdout).not.toContain("PRIVATE KEY");
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ command: "install-trust", action: "install", dryRun: true, hosts: [HOST], targets: ["containerd"], cas: [{ id: CA_A_ID }] });
    expect(doc.files.map((f: { runtimePath: string }) => f.runtimePath)).toEqual([`/etc/containerd/certs.d/${HOST}/ca.crt`, `/etc/containerd/certs.d/${HOST}/client.cert`, `/etc/containerd/certs.d/${HOST}/client.key`, `/etc/containerd/certs.d/${HOST}/hosts.toml`]);
    expect(treeState(root)).toEqual(pristine);
  });

  test("--json install then uninstall: one JSON document each, nothing else on stdout", async () => {
    const { root, ca, run } = setup();
    const installed = await run(["--json", "install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker"]);
    expectOk(installed);
    expect(JSON.parse(installed.stdout)).toMatchObject({ action: "install", changed: true, files: [{ path: join(root, "etc/docker/certs.d", HOST, "ca.crt"), state: "written", mode: 0o644 }] });
    const again = await run(["--json", "install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, files: [{ state: "unchanged" }] });
    const removed = await run(["--json", "install-trust", "--ca", ca, "--host", HOST, "--root", root, "--target", "docker", "--uninstall"]);
    expect(JSON.parse(removed.stdout)).toMatchObject({ action: "uninstall", changed: true, removed: [join(root, "etc/docker/certs.d", HOST, "ca.crt")] });
  });
});

/** Runs an argv (setpriv … node main.js …) and collects the result like runCli. */
async function runCliAs(argv: string[]): Promise<CliResult> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: { PATH: `${stubDir}:${process.env.PATH ?? ""}` } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 1, stdout, stderr });
    });
  });
}
