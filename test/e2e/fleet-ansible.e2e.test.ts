/**
 * `regcert fleet ansible` with the real engine: three sshd servers on 127.0.0.1 (one per inventory
 * host, host key and authorized key made here), ansible-playbook over ssh against them, each host
 * with its own regcert_root. Judged by independent tools:
 * - `diff -r` and a `find -printf '%m'` listing: each root equals what `regcert install-trust --root`
 *   writes for the same arguments, modes included;
 * - ansible's own PLAY RECAP: check mode changes nothing, the second run reports changed=0, the
 *   uninstall playbook brings every root back to its previous state (foreign files kept);
 * - skopeo pulls through one of the certs.d trees Ansible wrote, from the real docker-registry;
 * - the CA's CN is `{{ 7*7 }}`: ansible prints it verbatim (never 49), so planned data is never Jinja.
 * sshd needs its privilege-separation directory /run/sshd (made by the package at boot); when it is
 * missing the suite creates it and removes it afterwards if still empty.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { makeOciImage } from "../helpers/oci.js";
import { freePort, waitForPort } from "../helpers/ports.js";
import { startRegistry, type RunningRegistry } from "../helpers/registry.js";
import { runTool, toolAvailable, type ToolResult } from "../helpers/run-tool.js";

import { skopeoCopy } from "../helpers/skopeo.js";
import { treeState } from "../helpers/tree.js";

// generous: every playbook run is a few hundred module runs over ssh, on a machine shared with other suites
const SLOW = 600_000;
const HOSTS = 3;
const TOOLS = ["ansible-playbook", "/usr/sbin/sshd", "ssh", "ssh-keygen", "skopeo", "docker-registry"];
const missing = TOOLS.filter((t) => !(t.startsWith("/") ? existsSync(t) : toolAvailable(t)));
const isRoot = process.getuid?.() === 0;
// under CI a missing tool or a non-root runner is a failure, never a silent skip
const runnable = missing.length === 0 && isRoot;
if (!runnable && process.env.CI === "true") {
  test("the fleet ansible e2e can run", () => {
    throw new Error(`fleet ansible e2e needs ${missing.join(", ") || "nothing missing"}${isRoot ? "" : " and root (sshd with a root login)"}`);
  });
}
const suite = runnable ? describe : describe.skip;

const ws = tempWorkspace("regcert-fleet-e2e-");
const sshds: ChildProcess[] = [];
let madeRunSshd = false;
let registry: RunningRegistry;
let inventory: string;
let hostPorts: string[];
let roots: string[];
let pristine: string;
let reference: string;
let ansibleDir: string;
let env: NodeJS.ProcessEnv;
/** ssh control sockets: a short path (sun_path is 108 bytes), removed in afterAll */
const controlDir = join("/tmp", `rcf-${process.pid}`);

const explain = (r: ToolResult) => `${r.command}\nexit ${r.code}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-3000)}`;

async function regcert(args: string[]): Promise<string> {
  const result = await runCli(args, { cwd: ws.dir, env: ws.env, timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** ansible-playbook in its own process group, so a timeout kills its forks and ssh masters too. */
function playbook(file: string, ...extra: string[]): Promise<ToolResult> {
  const args = ["-i", inventory, ...extra, file];
  return new Promise((resolvePromise) => {
    const child = spawn("ansible-playbook", args, { cwd: ws.dir, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, SLOW - 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 124, stdout, stderr, command: `ansible-playbook ${args.join(" ")}` });
    });
  });
}

/** changed= of every host in the PLAY RECAP (throws unless each host is ok, unfailed and reachable). */
function recap(result: ToolResult, hosts = HOSTS): Record<string, number> {
  if (result.code !== 0) throw new Error(`ansible-playbook failed:\n${explain(result)}`);
  const out: Record<string, number> = {};
  for (const m of result.stdout.matchAll(/^(h\d+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    if (m[3] !== "0" || m[4] !== "0") throw new Error(`host ${m[1]} unreachable or failed:\n${explain(result)}`);
    out[m[1] as string] = Number(m[2]);
  }
  if (Object.keys(out).length !== hosts) throw new Error(`expected ${hosts} hosts in the recap:\n${explain(result)}`);
  return out;
}

/** Same tree (diff -r) and same modes and types (find -printf), by tools other than ours. */
async function expectSameTree(actual: string, expected: string): Promise<void> {
  const diff = await runTool("diff", ["-r", "--no-dereference", expected, actual]);
  if (diff.code !== 0) throw new Error(`diff -r found differences:\n${explain(diff)}`);
  const listing = async (dir: string) => (await runTool("find", [dir, "-mindepth", "1", "-printf", "%P %m %y\n"])).stdout.split("\n").sort().join("\n");
  expect(await listing(actual)).toBe(await listing(expected));
  expect(treeState(actual)).toEqual(treeState(expected));
}

/** A client's root before regcert: /etc, the Debian anchor directory, and foreign files regcert must keep. */
function makePristine(dir: string): void {
  mkdirSync(join(dir, "etc/docker/certs.d/foreign.example:5000"), { recursive: true });
  writeFileSync(join(dir, "etc/docker/certs.d/foreign.example:5000/ca.crt"), "not regcert's\n");
  mkdirSync(join(dir, "etc/containers"), { recursive: true });
  writeFileSync(join(dir, "etc/containers/registries.conf"), "unqualified-search-registries = []\n");
  mkdirSync(join(dir, "usr/local/share/ca-certificates"), { recursive: true });
}

async function startSshd(index: number, port: number): Promise<void> {
  const dir = join(ws.dir, "ssh");
  const config = join(dir, `sshd_config.${index}`);
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, `sshd.${index}.pid`)}`,
      "StrictModes no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "Subsystem sftp internal-sftp",
      "",
    ].join("\n"),
  );
  const logFile = join(dir, `sshd.${index}.log`);
  const child = spawn("/usr/sbin/sshd", ["-D", "-f", config, "-E", logFile], { stdio: "ignore" });
  let exited = false;
  child.on("exit", () => (exited = true));
  sshds.push(child);
  if (!(await waitForPort("127.0.0.1", port, 30_000, () => exited))) throw new Error(`sshd ${index} did not start:\n${existsSync(logFile) ? readFileSync(logFile, "utf8") : ""}`);
}

suite("fleet ansible over ssh to three hosts", () => {
  beforeAll(async () => {
    if (!existsSync("/run/sshd")) {
      mkdirSync("/run/sshd", { mode: 0o755 });
      madeRunSshd = true;
    }
    const sshDir = join(ws.dir, "ssh");
    mkdirSync(sshDir);
    for (const key of ["host_key", "client_key"]) {
      const r = await runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "regcert-fleet-e2e", "-f", join(sshDir, key)]);
      if (r.code !== 0) throw new Error(explain(r));
    }
    cpSync(join(sshDir, "client_key.pub"), join(sshDir, "authorized_keys"));
    const ports: number[] = [];
    for (let i = 0; i < HOSTS; i++) ports.push(await freePort());
    await Promise.all(ports.map((port, i) => startSshd(i, port)));

    // a CA whose CN is Jinja, and the registry certificate for 127.0.0.1 and localhost
    await regcert(["init-ca", "--cn", "{{ 7*7 }}"]);
    await regcert(["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--out", "certs"]);
    registry = await startRegistry({ tls: { certificate: join(ws.dir, "certs/registry.crt"), key: join(ws.dir, "certs/registry.key") } });
    // one name keeps each run short (every planned file is a few module runs per host)
    hostPorts = [`127.0.0.1:${registry.port}`];
    const hostFlags = hostPorts.flatMap((h) => ["--host", h]);
    const targets = ["--target", "docker,containerd,containers,system"];

    ansibleDir = join(ws.dir, "ansible");
    await regcert(["fleet", "ansible", ...hostFlags, ...targets, "--ca", "certs/ca.crt", "--out", ansibleDir]);
    writeFileSync(join(ws.dir, "single.yml"), await regcert(["fleet", "ansible", ...hostFlags, ...targets, "--ca", "certs/ca.crt"]));

    pristine = join(ws.dir, "pristine");
    makePristine(pristine);
    reference = join(ws.dir, "reference");
    cpSync(pristine, reference, { recursive: true });
    await regcert(["install-trust", ...hostFlags, ...targets, "--ca", "certs/ca.crt", "--root", reference]);

    roots = [];
    const lines = ["[fleet]"];
    for (let i = 0; i < HOSTS; i++) {
      const root = join(ws.dir, `host${i + 1}`);
      cpSync(pristine, root, { recursive: true });
      roots.push(root);
      lines.push(`h${i + 1} ansible_host=127.0.0.1 ansible_port=${ports[i]} regcert_root=${root}`);
    }
    lines.push("[fleet:vars]", "ansible_user=root", `ansible_ssh_private_key_file=${join(sshDir, "client_key")}`, "ansible_python_interpreter=/usr/bin/python3", "ansible_ssh_common_args='-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes'", "");
    inventory = join(ws.dir, "inventory.ini");
    writeFileSync(inventory, lines.join("\n"));
    const cfg = join(ws.dir, "ansible.cfg");
    writeFileSync(cfg, "[defaults]\n");
    mkdirSync(controlDir, { recursive: true });
    env = {
      HOME: ws.dir,
      ANSIBLE_CONFIG: cfg,
      ANSIBLE_HOST_KEY_CHECKING: "False",
      ANSIBLE_LOCAL_TEMP: join(ws.dir, "ansible-local"),
      ANSIBLE_REMOTE_TEMP: join(ws.dir, "ansible-remote"),
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_RETRY_FILES_ENABLED: "False",
      ANSIBLE_DEPRECATION_WARNINGS: "False",
      ANSIBLE_FORKS: "3",
      // one ssh exec per module run instead of three (mkdir, put, exec): most of a run's time otherwise
      ANSIBLE_PIPELINING: "True",
    };
  }, SLOW);

  afterAll(async () => {
    for (const child of sshds) child.kill("SIGTERM");
    await registry?.stop();
    ws.cleanup();
    rmSync(controlDir, { recursive: true, force: true });
    try {
      if (madeRunSshd) rmdirSync("/run/sshd");
    } catch {
      /* another sshd uses it now */
    }
  }, SLOW);

  test("check mode (the single-file playbook, on one host) reports changes and writes nothing", async () => {
    const result = await playbook("single.yml", "--check", "--limit", "h1");
    const changed = recap(result, 1);
    expect(changed.h1).toBeGreaterThan(0);
    for (const root of roots) await expectSameTree(root, pristine);
  }, SLOW);

  test("install over ssh: each root is what install-trust --root writes, modes included; the {{ }} CN stays data", async () => {
    const result = await playbook(join(ansibleDir, "install.yml"), "-v");
    const changed = recap(result);
    for (const host of Object.keys(changed)) expect(changed[host]).toBeGreaterThan(0);
    for (const root of roots) await expectSameTree(root, reference);
    expect(result.stdout).toContain('"subject": "{{ 7*7 }}"');
    expect(result.stdout).not.toMatch(/"subject": "49"/);
  }, SLOW);

  test("the second run changes nothing (changed=0 on every host)", async () => {
    const changed = recap(await playbook(join(ansibleDir, "install.yml")));
    expect(Object.values(changed)).toEqual(Array(HOSTS).fill(0));
    for (const root of roots) await expectSameTree(root, reference);
  }, SLOW);

  test("skopeo pulls from the real registry through a certs.d tree Ansible wrote; without it, it is refused", async () => {
    const image = makeOciImage(join(ws.dir, "image"), { files: { "hello.txt": "hello from the fleet e2e test\n" } });
    const [byIp] = hostPorts as [string];
    const byName = byIp;
    const push = await skopeoCopy(image.reference, `docker://${byIp}/fleet/hello:v1`, { destCertDir: join(roots[0] as string, "etc/containers/certs.d", byIp) });
    if (push.code !== 0) throw new Error(`${explain(push)}\n${registry.logs().slice(-2000)}`);
    const pull = await skopeoCopy(`docker://${byName}/fleet/hello:v1`, `oci:${join(ws.dir, "pulled")}:v1`, { srcCertDir: join(roots[1] as string, "etc/docker/certs.d", byName) });
    if (pull.code !== 0) throw new Error(`${explain(pull)}\n${registry.logs().slice(-2000)}`);
    const refused = await skopeoCopy(`docker://${byName}/fleet/hello:v1`, `oci:${join(ws.dir, "pulled2")}:v1`, { srcCertDir: join(pristine, "etc/docker/certs.d") });
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/certificate signed by unknown authority/);
  }, SLOW);

  test("uninstall brings every root back to its previous state (foreign files kept)", async () => {
    const changed = recap(await playbook(join(ansibleDir, "uninstall.yml")));
    for (const host of Object.keys(changed)) expect(changed[host]).toBeGreaterThan(0);
    for (const root of roots) await expectSameTree(root, pristine);
    expect(readFileSync(join(roots[0] as string, "etc/docker/certs.d/foreign.example:5000/ca.crt"), "utf8")).toBe("not regcert's\n");
  }, SLOW);
});
