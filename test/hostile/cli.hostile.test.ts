/**
 * The hostile-input suite: the built CLI against malformed names and IPs, path tricks, bad numbers
 * and key types, garbage/truncated/oversized PEM, forged CSRs, every broken CA state, symlinks,
 * read-only directories, existing files, concurrent runs and signals. Every case asserts
 *   - the exit code;
 *   - one `regcert:` line (plus an optional `hint:`), never a stack frame;
 *   - every file that existed before is unchanged (sha256 and mode) and nothing new appeared;
 *   - every *.key is 0600;
 *   - no temp files, rollback backups or lock directories are left.
 * Each case runs in its own copy of a template workspace: a CA home and an issued certificate set.
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, runCli, tempWorkspace, type CliResult } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { toolAvailable } from "../helpers/run-tool.js";
import { treeState } from "../helpers/tree.js";
import { caNameConstraints } from "../../src/pki/ca.js";
import { nameConstraintsExtension } from "../../src/pki/extensions.js";
import { forgeCa } from "./forge.js";
import { expectOneLineError, guardTree, leftovers, looseKeys } from "./harness.js";

const hasOpenssl = toolAvailable("openssl");
const isRoot = process.getuid?.() === 0;

type Workspace = ReturnType<typeof tempWorkspace>;
let template: Workspace;
const workspaces: Workspace[] = [];

/** A fresh copy of the template: home/ca.{crt,key}, certs/registry.{key,csr,crt,pem}, certs/ca.crt, inputs/. */
function copyTemplate(): Workspace {
  const ws = tempWorkspace("regcert-hostile-");
  workspaces.push(ws);
  cpSync(template.dir, ws.dir, { recursive: true });
  return ws;
}

async function ossl(args: string[], cwd: string): Promise<void> {
  const r = await openssl(args, { cwd });
  if (r.code !== 0) throw new Error(`${r.command}: ${r.stderr}`);
}

beforeAll(async () => {
  template = tempWorkspace("regcert-hostile-template-");
  const ok = (r: CliResult) => {
    if (r.code !== 0) throw new Error(r.stderr);
  };
  ok(await runCli(["init-ca"], { cwd: template.dir, env: template.env }));
  ok(await runCli(["issue", "--dns", "registry.local", "--ip", "192.168.0.12", "--out", "certs"], { cwd: template.dir, env: template.env }));
  const inputs = join(template.dir, "inputs");
  mkdirSync(inputs);
  writeFileSync(join(inputs, "garbage.csr"), "this is not a certificate request\n");
  writeFileSync(join(inputs, "garbage-pem.csr"), "-----BEGIN CERTIFICATE REQUEST-----\n!!!!not base64!!!!\n-----END CERTIFICATE REQUEST-----\n");
  writeFileSync(join(inputs, "der-garbage.csr"), Buffer.from([0x30, 0x82, 0xff, 0xff, 0x01, 0x02, 0x03]));
  writeFileSync(join(inputs, "big.csr"), Buffer.alloc(2 * 1024 * 1024, 0x41));
  writeFileSync(join(inputs, "pass.txt"), "a passphrase\n");
  cpSync(join(process.cwd(), "test", "fixtures", "csr", "ca-true.csr"), join(inputs, "ca-true.csr"));
  if (hasOpenssl) {
    await ossl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "good.key", "-subj", "/CN=good.local", "-addext", "subjectAltName=DNS:good.local", "-out", "good.csr"], inputs);
    await ossl(["req", "-new", "-newkey", "rsa:1024", "-nodes", "-keyout", "weak.key", "-subj", "/CN=weak.local", "-out", "weak.csr"], inputs);
    await ossl(["req", "-new", "-sha1", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "sha1.key", "-subj", "/CN=sha1.local", "-out", "sha1.csr"], inputs);
    // a valid CSR with one bit of its signature flipped: the self-signature no longer verifies
    await ossl(["req", "-in", "good.csr", "-outform", "DER", "-out", "good.der"], inputs);
    const der = readFileSync(join(inputs, "good.der"));
    der[der.length - 5] = (der[der.length - 5] as number) ^ 0x01;
    writeFileSync(join(inputs, "bad-signature.csr"), der);
    // the same CSR with the subject's name altered after signing
    const pem = readFileSync(join(inputs, "good.csr"), "utf8");
    writeFileSync(join(inputs, "truncated.csr"), pem.slice(0, Math.floor(pem.length / 2)));
    const body = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s/g, ""), "base64");
    const at = body.indexOf(Buffer.from("good.local"));
    body[at] = "h".charCodeAt(0);
    writeFileSync(join(inputs, "altered.csr"), `-----BEGIN CERTIFICATE REQUEST-----\n${body.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE REQUEST-----\n`);
    for (const f of ["good.key", "weak.key", "sha1.key"]) chmodSync(join(inputs, f), 0o600);
    for (const f of ["good.der"]) unlinkSync(join(inputs, f));
  }
  writeFileSync(join(template.dir, "victim.txt"), "a file a symlink will point at\n");
}, 120_000);

afterAll(() => {
  for (const ws of workspaces) rmSync(ws.dir, { recursive: true, force: true });
  template?.cleanup();
});

/** Runs the CLI as another user (for read-only directories: root ignores permissions). */
function runCliAs(uid: number, args: string[], ws: Workspace): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ws.env, NO_COLOR: "1", CI: "1" };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ws.dir, env, uid, gid: uid, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

interface HostileCase {
  /** what is thrown at regcert */
  name: string;
  args: string[] | ((ws: Workspace) => string[]);
  /** expected stderr text (the `regcert:` line) */
  message: RegExp;
  code?: number;
  setup?: (ws: Workspace) => void;
  input?: string;
  needsOpenssl?: boolean;
  /** run as this uid (root only) */
  asUid?: number;
}

const issue = (...extra: string[]) => ["issue", "--out", "out", ...extra];
const signCsr = (file: string, ...extra: string[]) => ["sign", "--csr", join("inputs", file), "--out", "out", ...extra];

function replaceHomeCa(ws: Workspace, ca: { certificatePem: string; keyPem: string }): void {
  writeFileSync(join(ws.home, "ca.crt"), ca.certificatePem);
  writeFileSync(join(ws.home, "ca.key"), ca.keyPem, { mode: 0o600 });
}

const CASES: HostileCase[] = [
  // malformed DNS names and IPs
  { name: "underscore in a host name", args: issue("bad_name.local"), message: /"bad_name\.local" is not a valid DNS name or IP address: underscores/ },
  { name: "label starting with a hyphen", args: issue("--", "-lead.example"), message: /starts or ends with a hyphen|not a valid/ },
  { name: "empty label", args: issue("a..b.example"), message: /empty label/ },
  { name: "IPv4 part above 255", args: issue("10.0.0.300"), message: /IPv4 part 300 is above 255/ },
  { name: "IPv4 with a leading zero (octal in glibc)", args: issue("010.0.0.1"), message: /leading zero/ },
  { name: "IPv4 with three parts", args: issue("10.0.1"), message: /four parts/ },
  { name: "wildcard over a single label", args: issue("*.local"), message: /wildcard needs at least two labels/ },
  { name: "wildcard not left-most", args: issue("reg.*.example"), message: /wildcard must be the whole left-most label/ },
  { name: "HOST:PORT given as a name", args: issue("registry.local:5000"), message: /HOST:PORT|not a valid/ },
  { name: "IPv6 with a zone id", args: issue("fe80::1%eth0"), message: /zone identifiers/ },
  { name: "an IP given to --dns", args: issue("--dns", "192.168.0.1"), message: /is an IP address, not a DNS name/ },
  { name: "a name given to --ip", args: issue("--ip", "registry.local"), message: /is not a valid IP address/ },
  { name: "a name with a newline and a terminal escape sequence", args: issue("evil\n\u001b[31mred.example"), message: /^regcert: HOSTS "evil\\n\\x1b\[31mred\.example" contains a control character or line break\nhint: / },
  { name: "a 300-character name", args: issue(`${"a".repeat(60)}.`.repeat(5) + "example"), message: /longer than 253 characters/ },
  { name: "no names and no terminal to ask", args: issue(), message: /no names given/ },
  // bad ports and path tricks in --host (install-trust)
  { name: "install-trust --host with port 0", args: ["install-trust", "--host", "registry.local:0", "--root", ".", "--target", "docker"], message: /port/ },
  { name: "install-trust --host with port 65536", args: ["install-trust", "--host", "registry.local:65536", "--root", ".", "--target", "docker"], message: /port/ },
  { name: "install-trust --host with a path (../../etc)", args: ["install-trust", "--host", "../../etc", "--root", ".", "--target", "docker"], message: /not a valid|host/ },
  { name: "install-trust --host with a slash", args: ["install-trust", "--host", "registry.local/../../x", "--root", ".", "--target", "docker"], message: /not a valid|host/ },
  // bad --days, --key and other numbers
  { name: "--days 0", args: issue("registry.local", "--days", "0"), message: /--days 0 is not valid/ },
  { name: "--days=-5", args: issue("registry.local", "--days=-5"), message: /--days "-5" is not a whole number/ },
  { name: "--days 1e3", args: issue("registry.local", "--days", "1e3"), message: /not a whole number/ },
  { name: "--days 900 without --force", args: issue("registry.local", "--days", "900"), message: /above 825/ },
  { name: "--days 99999999", args: issue("registry.local", "--days", "99999999", "--force"), message: /not valid/ },
  { name: "--key rsa-1024", args: issue("registry.local", "--key", "rsa-1024"), message: /unknown key type "rsa-1024"/ },
  { name: "--key dsa", args: issue("registry.local", "--key", "dsa"), message: /unknown key type "dsa"/ },
  { name: "--port 70000", args: issue("registry.local", "--port", "70000"), message: /--port 70000 is not a valid port/ },
  { name: "--name with ../ (path trick)", args: issue("registry.local", "--name", "../evil"), message: /--name "\.\.\/evil" is not a plain file name/ },
  { name: "--name absolute path", args: issue("registry.local", "--name", "/etc/passwd"), message: /not a plain file name/ },
  // garbage, truncated and oversized PEM; CSRs with invalid self-signatures
  { name: "a CSR file of plain text", args: signCsr("garbage.csr"), message: /inputs\/garbage\.csr \(--csr\) is neither PEM nor DER/ },
  { name: "a PEM block with invalid base64", args: signCsr("garbage-pem.csr"), message: /no CERTIFICATE REQUEST or NEW CERTIFICATE REQUEST PEM block found in inputs\/garbage-pem\.csr \(--csr\)/ },
  { name: "DER that claims 65,535 bytes and has 7", args: signCsr("der-garbage.csr"), message: /inputs\/der-garbage\.csr \(--csr\) is not a valid PKCS#10 certificate request/ },
  { name: "a 2 MiB CSR", args: signCsr("big.csr"), message: /2097152 bytes; that is not a certificate, CSR or key/ },
  { name: "/dev/zero as the CSR", args: ["sign", "--csr", "/dev/zero", "--out", "out"], message: /\/dev\/zero is not a regular file/ },
  { name: "a directory as the CSR", args: ["sign", "--csr", "inputs", "--out", "out"], message: /inputs is a directory/ },
  { name: "a CSR that does not exist", args: signCsr("missing.csr"), message: /does not exist \(--csr\)/ },
  { name: "garbage on stdin (--csr -)", args: ["sign", "--csr", "-", "--out", "out"], input: "garbage\n", message: /the CSR on standard input \(--csr -\) is neither PEM nor DER/ },
  { name: "a truncated PEM CSR", args: signCsr("truncated.csr"), message: /PEM block found in inputs\/truncated\.csr \(--csr\)/, needsOpenssl: true },
  { name: "a CSR with a flipped signature bit", args: signCsr("bad-signature.csr"), message: /inputs\/bad-signature\.csr \(--csr\) has an invalid self-signature/, needsOpenssl: true },
  { name: "a CSR altered after signing (name changed)", args: signCsr("altered.csr"), message: /invalid self-signature/, needsOpenssl: true },
  { name: "a CSR signed with SHA-1", args: signCsr("sha1.csr"), message: /SHA-1/, needsOpenssl: true },
  { name: "a CSR with an RSA-1024 key", args: signCsr("weak.csr"), message: /1024-bit RSA key/, needsOpenssl: true },
  // every broken CA state
  { name: "home with ca.crt but no ca.key", setup: (ws) => unlinkSync(join(ws.home, "ca.key")), args: issue("registry.local"), message: /ca\.key is missing/ },
  { name: "home with ca.key but no ca.crt", setup: (ws) => unlinkSync(join(ws.home, "ca.crt")), args: issue("registry.local"), message: /ca\.crt is missing/ },
  {
    name: "a ca.key that does not match ca.crt",
    setup: (ws) => writeFileSync(join(ws.home, "ca.key"), generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" })),
    args: issue("registry.local"),
    message: /does not belong to the CA certificate/,
  },
  { name: "a CA certificate with CA:FALSE", setup: (ws) => replaceHomeCa(ws, forgeCa({ ca: false })), args: issue("registry.local"), message: /CA:FALSE/ },
  { name: "a CA whose keyUsage lacks keyCertSign", setup: (ws) => replaceHomeCa(ws, forgeCa({ keyUsage: ["digitalSignature", "crlSign"] })), args: issue("registry.local"), message: /lacks keyCertSign/ },
  {
    name: "an expired CA",
    setup: (ws) => replaceHomeCa(ws, forgeCa({ notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2021-01-01T00:00:00Z") })),
    args: issue("registry.local"),
    message: /the CA certificate expired on 2021-01-01/,
  },
  { name: "a garbage ca.key", setup: (ws) => writeFileSync(join(ws.home, "ca.key"), "garbage"), args: issue("registry.local"), message: /ca\.key is not a PEM private key/ },
  { name: "a garbage ca.crt", setup: (ws) => writeFileSync(join(ws.home, "ca.crt"), "garbage"), args: issue("registry.local"), message: /ca\.crt/ },
  { name: "sign with a broken CA (CA:FALSE)", setup: (ws) => replaceHomeCa(ws, forgeCa({ ca: false })), args: signCsr("good.csr"), message: /CA:FALSE/, needsOpenssl: true },
  // name constraints
  {
    name: "issue for a name outside the CA's name constraints",
    setup: (ws) => replaceHomeCa(ws, forgeCa({ extensions: [nameConstraintsExtension(caNameConstraints(["registry.local"], []))] })),
    args: issue("registry.local", "evil.example"),
    message: /DNS name "evil\.example" is not within the CA's permitted names \(registry\.local\)/,
  },
  {
    name: "sign a CSR for an IP under a DNS-only constrained CA",
    setup: (ws) => replaceHomeCa(ws, forgeCa({ extensions: [nameConstraintsExtension(caNameConstraints(["good.local"], []))] })),
    args: signCsr("good.csr", "--dns", "good.local", "--ip", "10.1.2.3"),
    message: /IP 10\.1\.2\.3 is excluded by the CA's name constraints/,
    needsOpenssl: true,
  },
  { name: "init-ca --permit-ip without --permit-dns", args: ["--home", "newhome", "init-ca", "--permit-ip", "10.0.0.0/8"], message: /--permit-ip without --permit-dns/ },
  { name: "init-ca --permit-ip with host bits set", args: ["--home", "newhome", "init-ca", "--permit-dns", "a.example", "--permit-ip", "10.0.0.1/8"], message: /has host bits set/ },
  { name: "init-ca --permit-dns with a wildcard", args: ["--home", "newhome", "init-ca", "--permit-dns", "*.example.com"], message: /constraints take no wildcard/ },
  // files and directories
  { name: "init-ca over an existing CA", args: ["init-ca"], message: /a CA already exists/ },
  { name: "issue over existing files without --force", args: ["issue", "registry.local", "--out", "certs"], message: /already exist.*never replaces files without --force/ },
  { name: "--out is a symlink to another directory", setup: (ws) => symlinkSync(join(ws.dir, "inputs"), join(ws.dir, "linked")), args: ["issue", "registry.local", "--out", "linked"], message: /linked is a symbolic link/ },
  {
    name: "the key file is a symlink to a victim file",
    setup: (ws) => {
      mkdirSync(join(ws.dir, "out"));
      symlinkSync(join(ws.dir, "victim.txt"), join(ws.dir, "out", "registry.key"));
    },
    args: issue("registry.local", "--force"),
    message: /registry\.key is a symbolic link/,
  },
  {
    name: "ca.crt in --out is a symlink (sign, --force)",
    setup: (ws) => {
      mkdirSync(join(ws.dir, "out"));
      symlinkSync(join(ws.dir, "victim.txt"), join(ws.dir, "out", "ca.crt"));
    },
    args: signCsr("good.csr", "--force"),
    message: /ca\.crt is a symbolic link/,
    needsOpenssl: true,
  },
  { name: "the CA home is a symlink", setup: (ws) => symlinkSync(join(ws.dir, "inputs"), join(ws.dir, "linkhome")), args: ["--home", "linkhome", "init-ca"], message: /linkhome is a symbolic link/ },
  { name: "--out is a regular file", args: ["issue", "registry.local", "--out", "victim.txt"], message: /victim\.txt.*not a directory/ },
  {
    name: "install-trust into a symlinked certs.d",
    setup: (ws) => {
      mkdirSync(join(ws.dir, "root", "etc", "docker"), { recursive: true });
      symlinkSync(join(ws.dir, "inputs"), join(ws.dir, "root", "etc", "docker", "certs.d"));
    },
    args: ["install-trust", "--host", "registry.local:5000", "--root", "root", "--target", "docker"],
    message: /symbolic link/,
  },
  {
    name: "install-trust into a symlinked certs.d/HOST directory",
    setup: (ws) => {
      mkdirSync(join(ws.dir, "root", "etc", "docker", "certs.d"), { recursive: true });
      symlinkSync(join(ws.dir, "inputs"), join(ws.dir, "root", "etc", "docker", "certs.d", "registry.local:5000"));
    },
    args: ["install-trust", "--host", "registry.local:5000", "--root", "root", "--target", "docker"],
    message: /symbolic link/,
  },
  {
    name: "a read-only output directory (as an unprivileged user)",
    setup: (ws) => {
      chmodSync(ws.dir, 0o755);
      for (const p of [ws.home, join(ws.home, "ca.crt"), join(ws.home, "ca.key")]) chownSync(p, 65534, 65534);
      mkdirSync(join(ws.dir, "ro"), { mode: 0o555 });
      chmodSync(join(ws.dir, "ro"), 0o555);
    },
    args: ["issue", "registry.local", "--out", "ro"],
    message: /cannot write .*ro\/registry\.key: permission denied/,
    asUid: 65534,
  },
  { name: "a passphrase file that does not exist", args: issue("registry.local", "--passphrase-file", "nope.txt"), message: /nope\.txt does not exist/ },
];

describe("hostile input: exit code, one-line message, nothing changed, keys 0600, no leftovers", () => {
  test("the suite has at least 40 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  test.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    if (c.needsOpenssl && !hasOpenssl) return;
    if (c.asUid !== undefined && !isRoot) return;
    const ws = copyTemplate();
    c.setup?.(ws);
    const guard = guardTree(ws.dir);
    const args = typeof c.args === "function" ? c.args(ws) : c.args;
    const result = c.asUid !== undefined ? await runCliAs(c.asUid, args, ws) : await runCli(args, { cwd: ws.dir, env: ws.env, timeoutMs: 30_000, ...(c.input === undefined ? {} : { input: c.input }) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: c.code ?? 2, stderr: expect.stringMatching(c.message) });
    expectOneLineError(result);
    guard.unchanged();
    expect(looseKeys(ws.dir)).toEqual([]);
    expect(leftovers(ws.dir)).toEqual([]);
  });
});

describe("accepted with a warning, never obeyed", () => {
  (hasOpenssl ? test : test.skip)("a CSR asking for CA:TRUE is signed with CA:FALSE and the request is named in a warning", async () => {
    const ws = copyTemplate();
    const result = await runCli(signCsr("ca-true.csr"), { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: asked for CA:TRUE; issued as CA:FALSE \(regcert never signs a CA from a CSR\)$/m);
    const text = (await openssl(["x509", "-in", join(ws.dir, "out", "ca-true.crt"), "-noout", "-text"])).stdout;
    expect(text).toContain("CA:FALSE");
    expect(text).not.toContain("CA:TRUE");
    expect(leftovers(ws.dir)).toEqual([]);
  });

  test("a leaf that would outlive its CA is shortened to the CA's expiry, with a warning", async () => {
    const ws = copyTemplate();
    const soon = new Date(Date.now() + 10 * 86_400_000);
    replaceHomeCa(ws, forgeCa({ notAfter: soon }));
    const result = await runCli(issue("registry.local", "--days", "397"), { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: validity shortened to the CA's expiry/m);
    if (hasOpenssl) {
      const end = (await openssl(["x509", "-in", join(ws.dir, "out", "registry.crt"), "-noout", "-enddate"])).stdout;
      expect(new Date(end.replace("notAfter=", "").trim()).getTime()).toBeLessThanOrEqual(soon.getTime());
    }
  });
});

/** Spawns the CLI without waiting (for races and signals). */
function startCli(args: string[], ws: Workspace): { done: Promise<CliResult>; pid: number | undefined; kill(signal: NodeJS.Signals): void } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...ws.env, NO_COLOR: "1", CI: "1" };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ws.dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // killed by a signal's default action (no handler ran): not an exit code regcert chose
      resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}[killed by ${signal}]` : stderr });
    }),
  );
  return { done, pid: child.pid, kill: (signal) => child.kill(signal) };
}

describe("concurrent runs", () => {
  test("two first-use issue runs on an empty home create exactly one CA, and both leaves chain to it", async () => {
    const ws = tempWorkspace("regcert-hostile-race-");
    workspaces.push(ws);
    const [a, b] = await Promise.all([startCli(["issue", "a.local", "--out", "a", "--key", "ecdsa-p384"], ws).done, startCli(["issue", "b.local", "--out", "b", "--key", "ecdsa-p384"], ws).done]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const created = [a, b].filter((r) => r.stdout.includes("Created a new CA")).length;
    expect(created).toBe(1);
    const home = readFileSync(join(ws.home, "ca.crt"), "utf8");
    expect(readFileSync(join(ws.dir, "a", "ca.crt"), "utf8")).toBe(home);
    expect(readFileSync(join(ws.dir, "b", "ca.crt"), "utf8")).toBe(home);
    if (hasOpenssl) {
      for (const leaf of ["a", "b"]) expect((await openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), join(ws.dir, leaf, "registry.crt")])).stdout).toContain(": OK");
    }
    expect(looseKeys(ws.dir)).toEqual([]);
    expect(leftovers(ws.dir)).toEqual([]);
  });

  test("two runs writing the same files without --force: exactly one wins, the other exits 2, the set is whole", async () => {
    const ws = copyTemplate();
    const results = await Promise.all([1, 2, 3].map((i) => startCli(["issue", `r${i}.local`, "--out", "same", "--key", "rsa-2048"], ws).done));
    const codes = results.map((r) => r.code).sort();
    expect(codes).toEqual([0, 2, 2]);
    for (const loser of results.filter((r) => r.code === 2)) expectOneLineError(loser);
    const winner = results.find((r) => r.code === 0) as CliResult;
    const host = /Server certificate for DNS:(r\d\.local)/.exec(winner.stdout)?.[1];
    expect(host).toBeDefined();
    if (hasOpenssl) {
      const crt = join(ws.dir, "same", "registry.crt");
      expect((await openssl(["x509", "-in", crt, "-noout", "-ext", "subjectAltName"])).stdout).toContain(`DNS:${host}`);
      const certKey = (await openssl(["x509", "-in", crt, "-noout", "-pubkey"])).stdout;
      const key = (await openssl(["pkey", "-in", join(ws.dir, "same", "registry.key"), "-pubout"])).stdout;
      expect(key).toBe(certKey);
      expect(readFileSync(join(ws.dir, "same", "registry.pem"), "utf8")).toBe(readFileSync(crt, "utf8"));
    }
    expect(looseKeys(ws.dir)).toEqual([]);
    expect(leftovers(ws.dir)).toEqual([]);
  });
});

describe("signals", () => {
  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s during RSA-4096 CA generation: exit %i, no CA, no lock, no temp files, nothing else touched", async (signal, code) => {
    let result: CliResult | undefined;
    let ws: Workspace | undefined;
    // RSA-4096 takes from a fraction of a second to several; retry if the run finished before the signal landed
    for (let attempt = 0; attempt < 4 && result?.code !== code; attempt++) {
      ws = tempWorkspace("regcert-hostile-signal-");
      workspaces.push(ws);
      writeFileSync(join(ws.dir, "keep.txt"), "pre-existing\n");
      const before = treeState(ws.dir);
      const run = startCli(["issue", "registry.local", "--key", "rsa-4096", "--out", "certs"], ws);
      // the home lock is taken just before the CA key is generated: signal once it exists
      const lock = join(ws.home, ".lock");
      const deadline = Date.now() + 20_000;
      while (!existsSync(lock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      run.kill(signal);
      result = await run.done;
      if (result.code === code) {
        const after = treeState(ws.dir);
        expect(after["keep.txt"]).toBe(before["keep.txt"]);
        // the home directory may exist (it is made before the lock); nothing may be in it
        expect(Object.keys(after).filter((p) => p !== "keep.txt" && p !== "home")).toEqual([]);
        expect(result.stderr).toMatch(/^regcert: interrupted; nothing was left half-written$/m);
        expect(result.stderr).not.toMatch(/^\s+at /m);
      }
    }
    expect(result?.code).toBe(code);
    expect(leftovers((ws as Workspace).dir)).toEqual([]);
    expect(looseKeys((ws as Workspace).dir)).toEqual([]);
  }, 120_000);
});
