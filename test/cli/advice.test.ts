/**
 * Issue #12 "correct advice, every time", through the built CLI. Pasted commands are judged by `sh`
 * itself: the printed lines run in a shell where docker, sudo, curl, ssh and regcert are functions that
 * print the argv they receive, so a line is right exactly when sh hands over the argv we meant, and
 * a `$(touch …)` in a directory name runs nothing. Git's own verdict (`git status`) judges the
 * .gitignore; every user error is exit 2 with one `regcert:` line and one `hint:` line.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRootCa } from "../../src/pki/ca.js";
import { runCli, tempWorkspace } from "../helpers/cli.js";

const ws = tempWorkspace("regcert-advice-");
afterAll(() => ws.cleanup());
const cli = (args: string[], cwd = ws.dir, input?: string) => runCli(["--yes", ...args], { cwd, env: ws.env, ...(input === undefined ? {} : { input }) });

/** argv each stub command received when sh ran `script`: [command, ...args] per call */
function pasteIntoSh(script: string, cwd: string): string[][] {
  const stubs = ["docker", "sudo", "curl", "ssh", "regcert"].map((c) => `${c}() { printf '%s\\036' ${c} "$@"; printf '\\035'; }`).join("\n");
  const r = spawnSync("sh", ["-c", `${stubs}\n${script}`], { cwd, encoding: "utf8" });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  return r.stdout
    .split("\u001d")
    .filter(Boolean)
    .map((call) => call.split("\u001e").slice(0, -1));
}

/** The command lines of the next steps: the indented lines, continuation lines joined, prefixes cut. */
function nextStepCommands(stdout: string): string[] {
  const lines = stdout.split("\n");
  const start = lines.indexOf("Next steps:");
  expect(start).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  let pending = "";
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("     ")) continue;
    let text = line.trim();
    if (pending === "") {
      const prefixed = /^(?:from here over ssh \(CLIENT: the client's address\)|with htpasswd auth|or): (.*)$/.exec(text);
      if (prefixed) text = prefixed[1] as string;
      else if (!/^(docker|sudo|curl|regcert|ssh) /.test(text)) continue;
    }
    if (text.endsWith(" \\")) pending += `${text.slice(0, -2)} `;
    else {
      out.push(pending + text);
      pending = "";
    }
  }
  return out;
}

describe("#12 item 3: printed commands survive a hostile directory name", () => {
  test("issue --out . inside `my certs/$(touch PWNED)`: every pasted line gives sh exactly our argv and runs nothing", async () => {
    const dir = join(ws.dir, "my certs", "$(touch PWNED)`touch PWNED2`'q\"");
    mkdirSync(dir, { recursive: true });
    const r = await cli(["issue", "127.0.0.1", "registry.test", "--out", "."], dir);
    expect(r.code).toBe(0);
    const commands = nextStepCommands(r.stdout);
    expect(commands.length).toBeGreaterThanOrEqual(6);
    const calls = pasteIntoSh(commands.join("\n"), ws.dir);
    const ca = join(dir, "ca.crt");
    expect(calls).toContainEqual(["curl", "--cacert", ca, "https://registry.test:5000/v2/"]);
    expect(calls).toContainEqual(["sudo", "regcert", "install-trust", "--ca", ca, "--host", "registry.test:5000", "--host", "127.0.0.1:5000"]);
    expect(calls).toContainEqual(["ssh", "CLIENT", "sudo", "-n", "regcert", "install-trust", "--ca", "-", "--host", "registry.test:5000", "--host", "127.0.0.1:5000"]);
    expect(calls).toContainEqual(["regcert", "check", "registry.test:5000", "--ca", ca]);
    const run = calls.find((c) => c[0] === "docker" && c[1] === "run");
    expect(run).toEqual(["docker", "run", "-d", "--restart", "unless-stopped", "--name", "registry", "-p", "5000:5000", "-v", `${dir}:/certs:ro`, "-e", "REGISTRY_HTTP_TLS_CERTIFICATE=/certs/registry.crt", "-e", "REGISTRY_HTTP_TLS_KEY=/certs/registry.key", "registry:3.1"]);
    for (const root of [ws.dir, dir, join(ws.dir, "my certs")]) expect(readdirSync(root).filter((f) => f.startsWith("PWNED"))).toEqual([]);
  });

  test("a newline in the directory name neither breaks nor forges a step line", async () => {
    const dir = join(ws.dir, "line\n  4. Run rm -rf ~ now");
    mkdirSync(dir, { recursive: true });
    const r = await cli(["issue", "registry.test", "--out", "."], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^\s+4\. Run rm/m);
    const calls = pasteIntoSh(nextStepCommands(r.stdout).join("\n"), ws.dir);
    expect(calls).toContainEqual(["curl", "--cacert", join(dir, "ca.crt"), "https://registry.test:5000/v2/"]);
  });
});

describe("#12 item 2: sign's next steps never invent a key", () => {
  test("the key beside the CSR is mounted; without one the steps say to add it", async () => {
    const dir = join(ws.dir, "sign");
    mkdirSync(dir);
    const made = spawnSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "keys/web.key", "-out", "keys/web.csr", "-subj", "/CN=web.test", "-addext", "subjectAltName=DNS:web.test"], { cwd: dir, encoding: "utf8", input: "" });
    if (made.error) throw made.error;
    mkdirSync(join(dir, "keys"), { recursive: true });
    const again = spawnSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "keys/web.key", "-out", "keys/web.csr", "-subj", "/CN=web.test", "-addext", "subjectAltName=DNS:web.test"], { cwd: dir, encoding: "utf8" });
    expect(again.status).toBe(0);
    const r = await cli(["sign", "--csr", "keys/web.csr", "--out", "signed"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("/certs/web.key");
    const run = pasteIntoSh(nextStepCommands(r.stdout).filter((c) => c.startsWith("docker run")).join("\n"), dir)[0];
    expect(run).toEqual(expect.arrayContaining(["-v", `${join(dir, "keys")}:/keys:ro`, "-e", "REGISTRY_HTTP_TLS_KEY=/keys/web.key"]));
    writeFileSync(join(dir, "lonely.csr"), readFileSync(join(dir, "keys", "web.csr")));
    const alone = await cli(["sign", "--csr", "lonely.csr", "--out", "signed2"], dir);
    expect(alone.code).toBe(0);
    expect(alone.stdout).not.toContain("REGISTRY_HTTP_TLS_KEY=/certs/");
    expect(alone.stdout).toContain("the private key the CSR was made with (regcert never saw it;");
  });
});

describe("#12 item 4: control characters and surrounding white space in names are refused", () => {
  test.each([
    [["init-ca", "--cn", "evil\u001b[2J"], /^regcert: --cn "evil\\x1b\[2J" contains a control character or line break\nhint: /],
    [["init-ca", "--org", "ok\nforged"], /^regcert: --org "ok\\nforged" contains a control character/],
    [["install-trust", "--ca", "x.crt", "--host", "reg.example.test\n:5000", "--root", "/tmp"], /^regcert: --host "reg\.example\.test\\n:5000" contains a control character/],
    [["issue", " registry.test"], /^regcert: HOSTS " registry\.test" starts or ends with white space\nhint: write it without the spaces: registry\.test\n$/],
    [["htpasswd", "#ops", "--file", "h"], /^regcert: user name "#ops" starts with '#': the registry reads that line as a comment/],
  ])("%j", async (args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\nhint: .+\n$/);
    expect(r.stderr).not.toMatch(/\u001b/);
    expect(existsSync(join(ws.dir, "h"))).toBe(false);
  });

  test("inspect shows a certificate subject with ESC escaped", async () => {
    const evil = createRootCa({ commonName: "evil\u001b]0;owned\u0007\u001b[2J\nforged: line" });
    writeFileSync(join(ws.dir, "evil.crt"), evil.certificatePem);
    const r = await cli(["inspect", "evil.crt"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stdout).toContain("evil\\x1b]0;owned\\x07\\x1b[2J\\nforged: line");
    expect(r.stdout).not.toMatch(/^forged/m);
    const json = await cli(["--json", "inspect", "evil.crt"]);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain("evil\\u001b]0;owned\\u0007\\u001b[2J\\nforged: line"); // JSON keeps the real value
  });
});

describe("#12 item 12: user errors that had no hint", () => {
  test.each([
    [["check", "registry.local:99999"], /^regcert: "registry\.local:99999" has an invalid port 99999: use 1 to 65535\nhint: /],
    [["sign", "--csr", "missing.csr"], /^regcert: missing\.csr does not exist \(--csr\)\nhint: check the path given to --csr/],
    [["install-trust", "--ca", "x.crt", "--host", "r.test:5000", "--root", "/nonexistent-regcert-root"], /^regcert: --root \/nonexistent-regcert-root is not an existing directory\nhint: /],
    [["issue", "--bogus"], /^regcert: unknown option '--bogus'\nhint: run regcert issue --help for usage\n$/],
  ])("%j", async (args, message) => {
    writeFileSync(join(ws.dir, "x.crt"), createRootCa({ commonName: "x" }).certificatePem);
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test("a certificate or a key given as --csr is named as such", async () => {
    const ca = createRootCa({ commonName: "not a csr" });
    writeFileSync(join(ws.dir, "c.crt"), ca.certificatePem);
    writeFileSync(join(ws.dir, "k.key"), ca.privateKeyPem);
    const cert = await cli(["sign", "--csr", "c.crt"]);
    expect(cert.code).toBe(2);
    expect(cert.stderr).toMatch(/^regcert: c\.crt \(--csr\) is a certificate, not a CSR\nhint: /);
    const key = await cli(["sign", "--csr", "k.key"]);
    expect(key.stderr).toMatch(/^regcert: k\.key \(--csr\) is a private key, not a CSR\nhint: /);
  });

  test("--target all leaves k3s alone on a machine without k3s", async () => {
    const root = join(ws.dir, "root-all");
    mkdirSync(root);
    const r = await cli(["install-trust", "--ca", "x.crt", "--host", "r.test:5000", "--root", root, "--target", "all"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Skipping k3s: k3s is not installed here");
    expect(existsSync(join(root, "etc/rancher"))).toBe(false);
    mkdirSync(join(root, "etc/rancher/k3s"), { recursive: true });
    const withK3s = await cli(["install-trust", "--ca", "x.crt", "--host", "r.test:5000", "--root", root, "--target", "all"]);
    expect(withK3s.code).toBe(0);
    expect(existsSync(join(root, "etc/rancher/k3s/registries.yaml"))).toBe(true);
  });
});

describe("#12 item 11: keys in a git work tree", () => {
  const git = (cwd: string, ...args: string[]) => spawnSync("git", ["-c", "user.email=t@example.test", "-c", "user.name=t", ...args], { cwd, encoding: "utf8" });

  test("issue adds *.key to the output directory's .gitignore and says so; git status shows no key", async () => {
    const repo = join(ws.dir, "repo");
    mkdirSync(repo);
    expect(git(repo, "init", "-q").status).toBe(0);
    const r = await cli(["issue", "registry.test"], repo);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Added *.key to certs/.gitignore: this is a git work tree");
    expect(readFileSync(join(repo, "certs", ".gitignore"), "utf8")).toMatch(/^\*\.key$/m);
    const status = git(repo, "status", "--porcelain", "--untracked-files=all").stdout;
    expect(status).toContain("certs/registry.crt");
    expect(status).not.toContain("registry.key");
    expect(git(repo, "add", ".").status).toBe(0);
    expect(git(repo, "ls-files").stdout).not.toContain(".key");
  });

  test("a directory git already tracks is refused without --force, before any key is made", async () => {
    const repo = join(ws.dir, "repo2");
    mkdirSync(join(repo, "deploy"), { recursive: true });
    git(repo, "init", "-q");
    writeFileSync(join(repo, "deploy", "compose.yml"), "x: 1\n");
    git(repo, "add", ".");
    git(repo, "commit", "-qm", "x");
    const r = await cli(["issue", "registry.test", "--out", "deploy"], repo);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: deploy holds files git tracks \(deploy\/compose\.yml\); a private key there is one commit away from being published\nhint: /);
    expect(existsSync(join(repo, "deploy", "registry.key"))).toBe(false);
    const forced = await cli(["issue", "registry.test", "--out", "deploy", "--force"], repo);
    expect(forced.code).toBe(0);
    expect(git(repo, "status", "--porcelain").stdout).not.toContain("registry.key");
  });

  test("outside a work tree nothing is added", async () => {
    const r = await cli(["issue", "registry.test", "--out", "plain"]);
    expect(r.code).toBe(0);
    expect(existsSync(join(ws.dir, "plain", ".gitignore"))).toBe(false);
  });
});

describe("#12 item 7: an edited config.yml in the way", () => {
  test("the refusal talks about that file, not a key or --name", async () => {
    const dir = join(ws.dir, "cfg");
    mkdirSync(dir);
    expect((await cli(["registry-config", "--out", "."], dir)).code).toBe(0);
    writeFileSync(join(dir, "config.yml"), `${readFileSync(join(dir, "config.yml"), "utf8")}# my edit\n`);
    const r = await cli(["registry-config", "--out", "."], dir);
    expect(r.code).toBe(2);
    const error = r.stderr.split("\n").filter((l) => /^(regcert|hint): /.test(l)).join("\n");
    expect(error).not.toMatch(/key|--name/);
    expect(r.stderr).toMatch(/\nregcert: config\.yml already exists with other content; registry-config does not replace a config without --force\nhint: re-run with --force to replace it \(the http\.secret in config\.yml is kept\), or choose another --out\n/);
  });
});
