/**
 * install-trust for the targets of issue 13 through the built binary, always under --root TMP or
 * --user with a temp HOME: buildkit's merge (content kept; a file that does not parse refused
 * untouched with the parser's line; uninstall gives the file back), windows (printed only without
 * --root, never a C: path written), home-only targets need --user, unknown --target lists the words.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, runCli, tempWorkspace, type CliResult } from "../helpers/cli.js";
import { treeState } from "../helpers/tree.js";

const FIXTURES = join(REPO, "test", "fixtures", "trust");
const HOST = "registry.local:5000";
const workspaces: Array<ReturnType<typeof tempWorkspace>> = [];
afterAll(() => {
  for (const ws of workspaces) ws.cleanup();
});

function setup(): { dir: string; root: string; home: string; ca: string; run(args: string[]): Promise<CliResult> } {
  const ws = tempWorkspace("regcert-eco-");
  workspaces.push(ws);
  const root = join(ws.dir, "root");
  mkdirSync(join(root, "etc"), { recursive: true });
  const ca = join(ws.dir, "ca.crt");
  writeFileSync(ca, readFileSync(join(FIXTURES, "ca-a.crt")));
  const home = join(ws.dir, "user");
  mkdirSync(home);
  return { dir: ws.dir, root, home, ca, run: (args) => runCli(args, { cwd: ws.dir, env: { ...ws.env, HOME: home, XDG_CONFIG_HOME: "", SUDO_USER: "" } }) };
}

/** exit 2, one `regcert:` line and one `hint:` line. */
function expectUserError(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(2);
  const lines = result.stderr.trimEnd().split("\n").filter((l) => !l.startsWith("warning:"));
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^regcert: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines[1]).toMatch(/^hint: /);
}

test("buildkit: merged into an existing buildkitd.toml, re-run unchanged, uninstall gives the file back byte for byte", async () => {
  const env = setup();
  const toml = join(env.root, "etc/buildkit/buildkitd.toml");
  mkdirSync(join(env.root, "etc/buildkit"));
  const original = readFileSync(join(FIXTURES, "buildkitd.toml"), "utf8");
  writeFileSync(toml, original);
  const pristine = treeState(env.root);
  const args = ["install-trust", "--root", env.root, "--target", "buildkit", "--host", HOST, "--ca", env.ca];
  const first = await env.run(args);
  expect(first.code).toBe(0);
  const merged = readFileSync(toml, "utf8");
  expect(merged.startsWith(original)).toBe(true);
  expect(merged).toContain(`[registry."${HOST}"]\n  ca = ["/etc/buildkit/certs.d/${HOST}/ca.crt"]`);
  expect(readFileSync(join(env.root, "etc/buildkit/certs.d", HOST, "ca.crt"), "utf8")).toBe(readFileSync(env.ca, "utf8"));
  expect(first.stdout + first.stderr).toContain("docker buildx create --name regcert --driver docker-container --config /etc/buildkit/buildkitd.toml");
  expect((await env.run(args)).stdout).toContain("nothing changed");
  const removed = await env.run([...args, "--uninstall"]);
  expect(removed.code).toBe(0);
  expect(readFileSync(toml, "utf8")).toBe(original);
  expect(treeState(env.root)).toEqual(pristine);
});

test("buildkit: a buildkitd.toml that does not parse is refused untouched, exit 2 with the parser's line", async () => {
  const env = setup();
  mkdirSync(join(env.root, "etc/buildkit"));
  const toml = join(env.root, "etc/buildkit/buildkitd.toml");
  writeFileSync(toml, 'debug = true\n[registry."x"\n');
  const pristine = treeState(env.root);
  const result = await env.run(["install-trust", "--root", env.root, "--target", "buildkit", "--host", HOST, "--ca", env.ca]);
  expectUserError(result, /buildkitd\.toml is not valid TOML \(line 2, column/);
  expect(treeState(env.root)).toEqual(pristine);
});

test("k3d: an unparsable registries file is refused untouched with the parser's line", async () => {
  const env = setup();
  const dir = join(env.root, "etc/regcert/k3d");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "registries.yaml"), "configs:\n  a: [\n");
  const pristine = treeState(env.root);
  const result = await env.run(["install-trust", "--root", env.root, "--target", "k3d", "--host", HOST, "--ca", env.ca]);
  expectUserError(result, /registries\.yaml is not valid YAML .*line \d+/);
  expect(treeState(env.root)).toEqual(pristine);
});

test("windows without --root: PowerShell steps printed, nothing written; with --root: both directory names under it", async () => {
  const env = setup();
  const cwdBefore = treeState(env.dir);
  const printed = await env.run(["install-trust", "--target", "windows", "--host", HOST, "--ca", env.ca]);
  expect(printed.code).toBe(0);
  expect(printed.stdout + printed.stderr).toContain("C:\\ProgramData\\docker\\certs.d\\registry.local_5000_");
  expect(existsSync("/ProgramData")).toBe(false);
  expect(treeState(env.dir)).toEqual(cwdBefore);
  const rooted = await env.run(["install-trust", "--root", env.root, "--target", "windows", "--host", HOST, "--ca", env.ca]);
  expect(rooted.code).toBe(0);
  for (const name of ["registry.local_5000_", "registry.local5000"]) expect(existsSync(join(env.root, "ProgramData/docker/certs.d", name, "ca.crt"))).toBe(true);
});

test("desktop, nerdctl, minikube need --user; with it they write into the user's home", async () => {
  const env = setup();
  expectUserError(await env.run(["install-trust", "--root", env.root, "--target", "desktop", "--host", HOST, "--ca", env.ca]), /home directory/);
  const done = await env.run(["install-trust", "--user", "--target", "desktop,nerdctl,minikube", "--host", HOST, "--ca", env.ca]);
  expect(done.code).toBe(0);
  expect(existsSync(join(env.home, ".docker/certs.d", HOST, "ca.crt"))).toBe(true);
  expect(existsSync(join(env.home, ".config/containerd/certs.d", HOST, "hosts.toml"))).toBe(true);
  expect(existsSync(join(env.home, ".minikube/certs/regcert-9ed8514ea42a2e54.pem"))).toBe(true);
  expect(done.stdout + done.stderr).toContain("minikube start --embed-certs");
  const removed = await env.run(["install-trust", "--user", "--target", "desktop,nerdctl,minikube", "--host", HOST, "--ca", env.ca, "--uninstall"]);
  expect(removed.code).toBe(0);
  // everything regcert made is gone; ~/.config itself (created on the way) is the user's, left in place
  expect(treeState(env.home)).toEqual({ ".config": "dir 0755" });
});

test("unknown --target: exit 2 listing every target", async () => {
  const env = setup();
  const result = await env.run(["install-trust", "--root", env.root, "--target", "buildx", "--host", HOST, "--ca", env.ca]);
  expectUserError(result, /--target "buildx" is not a known target/);
  expect(result.stderr).toContain("desktop, nerdctl, buildkit, kind, minikube, k3d, all");
});
