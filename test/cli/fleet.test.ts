/** `regcert fleet` through the built CLI: user mistakes are exit 2 with one `regcert:` line naming the line and a hint; --out writes the layout. */
import { readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { REPO, runCli, tempWorkspace } from "../helpers/cli.js";

const CA = join(REPO, "test/fixtures/trust/ca-a.crt");
const fixture = (name: string) => join(REPO, "test/fixtures/trust", name);
const ws = tempWorkspace("regcert-fleet-cli-");
afterAll(() => ws.cleanup());

const fleet = (args: string[], input?: string) => runCli(["fleet", ...args], { cwd: ws.dir, env: ws.env, ...(input === undefined ? {} : { input }) });

function expectUserError(result: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe("");
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^hint: \S/);
}

test.each([
  ["duplicate", "a.example.test:5000\n# x\nA.example.test:5000\n", /^regcert: hosts\.txt line 3: a\.example\.test:5000 is listed twice \(first at hosts\.txt line 1\)$/],
  ["bad port", "a.example.test:5000\nb.example.test:70000\n", /^regcert: hosts\.txt line 2: --host "b\.example\.test:70000" has an invalid port 70000/],
  ["control character", "a.example.test:5000\n\u001b]0;owned\u0007b:5000\n", /^regcert: hosts\.txt line 2 holds a control character: \\x1b\]0;owned\\x07b:5000$/],
])("a hosts file with a %s: exit 2 naming the line, nothing written", async (_name, text, message) => {
  writeFileSync(join(ws.dir, "hosts.txt"), text);
  expectUserError(await fleet(["ansible", "--hosts-from", "hosts.txt", "--ca", CA, "--out", "refused"]), message);
  expect(existsSync(join(ws.dir, "refused"))).toBe(false);
});

test("a CA that is not a CA, and a client key without its certificate: exit 2", async () => {
  expectUserError(await fleet(["cloud-init", "--host", "a.example.test:5000", "--ca", fixture("client-a.crt")]), /^regcert: the CA file holds a certificate that is not a CA/);
  expectUserError(await fleet(["ansible", "--host", "a.example.test:5000", "--ca", CA, "--client-key", fixture("client-a.key")]), /^regcert: --client-key was given without --client-cert$/);
});

test("hosts from stdin; --out DIR writes the playbooks and the role; --json summarises", async () => {
  const result = await fleet(["ansible", "--hosts-from", "-", "--ca", CA, "--out", "play", "--json"], "a.example.test:5000\nb.example.test:5001\n");
  expect(result.code).toBe(0);
  const json = JSON.parse(result.stdout) as { command: string; hosts: number; files: string[] };
  expect(json.command).toBe("fleet ansible");
  expect(json.hosts).toBe(2);
  for (const path of ["install.yml", "uninstall.yml", "roles/regcert_trust/tasks/install.yml", "roles/regcert_trust/vars/main.yml"]) {
    expect(json.files).toContain(join(ws.dir, "play", path));
    expect(statSync(join(ws.dir, "play", path)).mode & 0o777).toBe(0o644);
  }
  expect(readFileSync(join(ws.dir, "play/roles/regcert_trust/vars/main.yml"), "utf8")).toContain('path: !unsafe "/etc/docker/certs.d/b.example.test:5001/ca.crt"');
});

test("engines print to stdout by default", async () => {
  const result = await fleet(["talos", "--host", "a.example.test:5000", "--ca", CA]);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^kind: RegistryTLSConfig$/m);
  const uninstall = await fleet(["ansible", "--host", "a.example.test:5000", "--ca", CA, "--uninstall"]);
  expect(uninstall.stdout).toContain("regcert | remove the files whose content is what regcert wrote");
});
