/**
 * The built CLI (init-ca, issue, sign) in temp dirs: file modes, --force, exit codes, error lines,
 * --json, --detect-ips, and that a refused or failed run leaves nothing behind.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, type CliResult, runCli } from "../helpers/cli.js";
import { type Workspace, workspacePool } from "../helpers/workspace.js";
import { openssl } from "../helpers/openssl.js";
import { runTool } from "../helpers/run-tool.js";
import { modeOf, sha256File, treeState } from "../helpers/tree.js";

const SLOW = 60_000;

const workspace = workspacePool("regcert-cli-");

function cli(ws: Workspace, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { cwd: ws.dir, env: { ...ws.env, ...env } });
}

async function ok(ws: Workspace, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await cli(ws, args, env);
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return result;
}

/**
 * A user error: exit 2, stderr is one "regcert: …" line plus at most one "hint: …" line, and no
 * stack trace. Returns the message line.
 */
function expectUserError(result: CliResult, ...fragments: string[]): string {
  const lines = result.stderr.trimEnd().split("\n");
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^regcert: /) });
  expect(lines.length).toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^hint: \S/);
  expect(result.stderr).not.toContain("    at ");
  for (const fragment of fragments) expect(lines[0]).toContain(fragment);
  return lines[0]!;
}

/** Every file name under `dir` (recursively) that looks like a leftover temp file. */
function tempFiles(dir: string): string[] {
  return Object.keys(treeState(dir)).filter((p) => p.includes(".regcert-tmp-"));
}

describe("files and modes", () => {
  test.each(["000", "077"])("umask %s: home 0700, ca.key 0600, registry.key 0600, every other file 0644", async (umask) => {
    const ws = workspace();
    const run = await runTool("sh", ["-c", `umask ${umask} && exec "$0" "$@"`, process.execPath, BIN, "issue", "--dns", "registry.local", "--out", "certs"], {
      cwd: ws.dir,
      env: { ...ws.env, NO_COLOR: "1", CI: "1", NODE_OPTIONS: "" },
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    expect(modeOf(ws.home)).toBe(0o700);
    expect(modeOf(join(ws.home, "ca.key"))).toBe(0o600);
    expect(modeOf(join(ws.home, "ca.crt"))).toBe(0o644);
    const certs = join(ws.dir, "certs");
    expect(readdirSync(certs).sort()).toEqual(["ca.crt", "registry.crt", "registry.csr", "registry.key", "registry.pem"]);
    expect(modeOf(join(certs, "registry.key"))).toBe(0o600);
    for (const name of ["ca.crt", "registry.crt", "registry.csr", "registry.pem"]) expect([name, modeOf(join(certs, name))]).toEqual([name, 0o644]);
    // no lock or temp file left in the home, and nothing there that others may write
    const home = treeState(ws.home);
    expect(Object.keys(home).filter((p) => p.includes(".lock") || p.includes(".regcert-tmp-"))).toEqual([]);
    for (const [path, state] of Object.entries(home)) expect([path, (Number.parseInt(state.split(" ")[1]!, 8) & 0o022) === 0]).toEqual([path, true]);
  }, SLOW);

  test("the PEM files hold what their names say", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local", "--out", "certs"]);
    const read = (p: string) => readFileSync(join(ws.dir, "certs", p), "utf8");
    expect(read("registry.key")).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(read("registry.csr")).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----\n$/);
    expect(read("registry.crt")).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    expect(read("registry.pem")).toBe(read("registry.crt"));
    expect(read("ca.crt")).toBe(readFileSync(join(ws.home, "ca.crt"), "utf8"));
    expect(readFileSync(join(ws.home, "ca.key"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  }, SLOW);

  test("--name and --out choose the file names and directory", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "a.local", "--name", "edge", "--out", "deep/dir"]);
    expect(readdirSync(join(ws.dir, "deep", "dir")).sort()).toEqual(["ca.crt", "edge.crt", "edge.csr", "edge.key", "edge.pem"]);
  }, SLOW);
});

describe("never replace without --force", () => {
  test("issue into existing files: exit 2, 'already exist', bytes unchanged; with --force replaced", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local", "--out", "certs"]);
    const certs = join(ws.dir, "certs");
    const before = treeState(certs);
    const homeBefore = treeState(ws.home);
    const refused = await cli(ws, ["issue", "--dns", "registry.local", "--out", "certs"]);
    const message = expectUserError(refused, "already exist", "registry.key");
    expect(refused.stderr).toContain("--force");
    expect(message).toContain(join(certs, "registry.key"));
    expect(treeState(certs)).toEqual(before);
    expect(treeState(ws.home)).toEqual(homeBefore);

    const keyHash = sha256File(join(certs, "registry.key"));
    const crtHash = sha256File(join(certs, "registry.crt"));
    await ok(ws, ["issue", "--dns", "registry.local", "--out", "certs", "--force"]);
    expect(sha256File(join(certs, "registry.key"))).not.toBe(keyHash);
    expect(sha256File(join(certs, "registry.crt"))).not.toBe(crtHash);
    expect(modeOf(join(certs, "registry.key"))).toBe(0o600);
    expect(tempFiles(ws.dir)).toEqual([]);
    // the new pair still belongs together
    const fromKey = await openssl(["pkey", "-in", join(certs, "registry.key"), "-pubout"]);
    const fromCert = await openssl(["x509", "-in", join(certs, "registry.crt"), "-noout", "-pubkey"]);
    expect(fromCert.stdout).toBe(fromKey.stdout);
  }, SLOW);

  test("one foreign file in the way: refused before any key is made, nothing new written, no temp files", async () => {
    const ws = workspace();
    const certs = join(ws.dir, "certs");
    mkdirSync(certs);
    writeFileSync(join(certs, "registry.crt"), "not ours\n");
    const refused = await cli(ws, ["issue", "--dns", "registry.local", "--out", "certs"]);
    expectUserError(refused, "already exist", "registry.crt");
    expect(readdirSync(certs)).toEqual(["registry.crt"]);
    expect(readFileSync(join(certs, "registry.crt"), "utf8")).toBe("not ours\n");
    expect(existsSync(ws.home)).toBe(false); // refused before the CA was made on first use
    expect(tempFiles(ws.dir)).toEqual([]);
  }, SLOW);

  test("a foreign ca.crt in --out is not replaced either, and no other file appears", async () => {
    const ws = workspace();
    const certs = join(ws.dir, "certs");
    mkdirSync(certs);
    writeFileSync(join(certs, "ca.crt"), "some other CA\n");
    const refused = await cli(ws, ["issue", "--dns", "registry.local", "--out", "certs"]);
    expectUserError(refused, "already exist", "ca.crt");
    expect(readdirSync(certs)).toEqual(["ca.crt"]);
    expect(readFileSync(join(certs, "ca.crt"), "utf8")).toBe("some other CA\n");
    expect(tempFiles(ws.dir)).toEqual([]);
  }, SLOW);

  test("init-ca twice: exit 2 'a CA already exists', CA unchanged; --force replaces it", async () => {
    const ws = workspace();
    await ok(ws, ["init-ca"]);
    const before = treeState(ws.home);
    expectUserError(await cli(ws, ["init-ca"]), "a CA already exists");
    expect(treeState(ws.home)).toEqual(before);
    const forced = await ok(ws, ["init-ca", "--force"]);
    expect(forced.stderr).toContain("warning:");
    expect(sha256File(join(ws.home, "ca.key"))).not.toBe(before["ca.key"]!.split(" ")[2]);
    expect(modeOf(join(ws.home, "ca.key"))).toBe(0o600);
  }, SLOW);

  test.each([
    ["ca.crt without ca.key", "ca.crt", "ca.key"],
    ["ca.key without ca.crt", "ca.key", "ca.crt"],
  ])("half a CA (%s): init-ca and issue exit 2 naming the missing file, nothing changes", async (_label, keep, missing) => {
    const ws = workspace();
    await ok(ws, ["init-ca"]);
    rmSync(join(ws.home, missing));
    const before = treeState(ws.home);
    for (const args of [["init-ca"], ["issue", "--dns", "a.local", "--out", "certs"]]) {
      const result = await cli(ws, args);
      expectUserError(result, join(ws.home, missing), "missing");
      expect(result.stderr).not.toContain("neither PEM nor DER");
      expect(treeState(ws.home)).toEqual(before);
    }
    expect(existsSync(join(ws.dir, "certs"))).toBe(false);
    expect([existsSync(join(ws.home, keep)), existsSync(join(ws.home, missing))]).toEqual([true, false]);
  }, SLOW);
});

describe("bad input is exit 2 with one clear line", () => {
  test.each(["10.0.0.300", "a_b.example", "*.local", "host:5000", "bad-.example", "exa mple.com"])("issue %s: the name is quoted, nothing is written", async (name) => {
    const ws = workspace();
    for (const args of [["issue", name], ["issue", "--dns", name]]) {
      const result = await cli(ws, [...args, "--out", "certs"]);
      expectUserError(result, `"${name}"`);
    }
    expect(existsSync(ws.home)).toBe(false);
    expect(existsSync(join(ws.dir, "certs"))).toBe(false);
  }, SLOW);

  test("--ip with a DNS name, --dns with an IP: exit 2, the value quoted", async () => {
    const ws = workspace();
    expectUserError(await cli(ws, ["issue", "--ip", "registry.local"]), '"registry.local"', "not a valid IP address");
    expectUserError(await cli(ws, ["issue", "--dns", "10.0.0.1"]), '"10.0.0.1"', "IP address");
    expectUserError(await cli(ws, ["issue", "--ip", "10.0.0.300"]), '"10.0.0.300"');
  });

  test("--key bogus: exit 2 listing every accepted type, before any CA exists", async () => {
    const ws = workspace();
    for (const args of [["issue", "--dns", "a.local", "--key", "bogus"], ["init-ca", "--key", "bogus"]]) {
      const result = await cli(ws, args);
      expectUserError(result, '"bogus"');
      for (const type of ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"]) expect(result.stderr).toContain(type);
    }
    expect(existsSync(ws.home)).toBe(false);
  });

  test("--days 900: exit 2 mentioning 825; with --force a 900-day certificate", async () => {
    const ws = workspace();
    expectUserError(await cli(ws, ["issue", "--dns", "a.local", "--days", "900"]), "825");
    expect(existsSync(ws.home)).toBe(false);
    const forced = await ok(ws, ["--json", "issue", "--dns", "a.local", "--days", "900", "--force"]);
    const { certificate } = JSON.parse(forced.stdout) as { certificate: { notBefore: string; notAfter: string } };
    const days = (Date.parse(certificate.notAfter) - Date.parse(certificate.notBefore)) / 86_400_000;
    expect(days).toBeGreaterThanOrEqual(900);
    expect(days).toBeLessThan(901);
    const enddate = await openssl(["x509", "-in", join(ws.dir, "certs", "registry.crt"), "-noout", "-enddate"]);
    expect(new Date(enddate.stdout.trim().replace("notAfter=", "")).toISOString()).toBe(certificate.notAfter);
  }, SLOW);

  test.each([["0"], ["-5"], ["abc"], ["1.5"]])("--days %s: exit 2", async (days) => {
    const ws = workspace();
    expectUserError(await cli(ws, ["issue", "--dns", "a.local", `--days=${days}`]), "--days");
  });

  test("--out naming an existing file: exit 2 before a CA is made (was exit 1 'failed to inspect … ENOTDIR')", async () => {
    const ws = workspace();
    writeFileSync(join(ws.dir, "afile"), "x");
    expectUserError(await cli(ws, ["issue", "--dns", "a.local", "--out", "afile"]), "not a directory");
    expect(existsSync(ws.home)).toBe(false);
    expect(readFileSync(join(ws.dir, "afile"), "utf8")).toBe("x");
  });

  test("no names and no terminal: exit 2 saying what is missing", async () => {
    const ws = workspace();
    expectUserError(await cli(ws, ["issue"]), "no names");
    expect(existsSync(ws.home)).toBe(false);
  });

  test("unknown option and missing option value on a subcommand: exit 2, 'regcert: ' line", async () => {
    const ws = workspace();
    for (const args of [["issue", "--bogus"], ["issue", "--days"], ["sign"]]) {
      const result = await cli(ws, args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(/^regcert: /);
      expect(result.stderr).not.toContain("    at ");
    }
  });

  test("sign: a missing CSR file and a tampered CSR are user errors", async () => {
    const ws = workspace();
    expectUserError(await cli(ws, ["sign", "--csr", "nope.csr"]), "nope.csr");
    await ok(ws, ["issue", "--dns", "a.local", "--out", "certs"]);
    const pem = readFileSync(join(ws.dir, "certs", "registry.csr"), "utf8");
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s/g, ""), "base64");
    der[der.length - 5]! ^= 0x01; // a bit of the signature
    writeFileSync(join(ws.dir, "bad.csr"), `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE REQUEST-----\n`);
    expectUserError(await cli(ws, ["sign", "--csr", "bad.csr", "--out", "signed"]), "signature");
    expect(existsSync(join(ws.dir, "signed"))).toBe(false);
  }, SLOW);

  test("sign: a bad name inside the CSR is refused like a bad flag; e-mail/URI SANs are not carried over", async () => {
    const ws = workspace();
    const req = (san: string, out: string) =>
      openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${out}.key`, "-subj", "/CN=x.local", "-addext", `subjectAltName=${san}`, "-out", `${out}.csr`], { cwd: ws.dir });
    expect((await req("DNS:bad_name.local,DNS:ok.local", "bad")).code).toBe(0);
    expectUserError(await cli(ws, ["sign", "--csr", "bad.csr", "--out", "s"]), '"bad_name.local"');
    expect(existsSync(ws.home)).toBe(false);
    expect((await req("DNS:ok.local,email:a@b.example,URI:spiffe://x/y", "odd")).code).toBe(0);
    await ok(ws, ["sign", "--csr", "odd.csr", "--out", "s"]);
    const san = await openssl(["x509", "-in", join(ws.dir, "s", "odd.crt"), "-noout", "-ext", "subjectAltName"]);
    expect(san.stdout.trim().split("\n").slice(1).join("").trim()).toBe("DNS:ok.local");
  }, SLOW);

  test("REGCERT_DEBUG=1 is the only way to see a stack trace", async () => {
    const ws = workspace();
    const debug = await cli(ws, ["issue", "--dns", "a_b.example"], { REGCERT_DEBUG: "1" });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toContain("    at ");
  });
});

describe("names", () => {
  test("positional hosts are sorted into DNS and IP SANs, IPv6 normalised", async () => {
    const ws = workspace();
    const result = await ok(ws, ["--json", "issue", "registry.local", "192.168.0.12", "FD00:0::12", "localhost", "--out", "certs"]);
    const { certificate } = JSON.parse(result.stdout) as { certificate: { dns: string[]; ip: string[]; commonName: string } };
    expect(certificate.dns).toEqual(["registry.local", "localhost"]);
    expect(certificate.ip).toEqual(["192.168.0.12", "fd00::12"]);
    expect(certificate.commonName).toBe("registry.local");
    const san = await openssl(["x509", "-in", join(ws.dir, "certs", "registry.crt"), "-noout", "-ext", "subjectAltName"]);
    expect(san.stdout).toContain("DNS:registry.local, DNS:localhost, IP Address:192.168.0.12, IP Address:FD00:0:0:0:0:0:0:12");
  }, SLOW);

  test("--detect-ips adds the injected non-loopback addresses, not loopback or link-local", async () => {
    const ws = workspace();
    const interfaces = {
      eth0: [
        { address: "192.168.0.12", netmask: "255.255.255.0", family: "IPv4", mac: "02:00:00:00:00:01", internal: false, cidr: "192.168.0.12/24" },
        { address: "fe80::1", netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "02:00:00:00:00:01", internal: false, cidr: "fe80::1/64", scopeid: 2 },
      ],
      lo: [
        { address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: true, cidr: "127.0.0.1/8" },
        { address: "::1", netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", family: "IPv6", mac: "00:00:00:00:00:00", internal: true, cidr: "::1/128", scopeid: 0 },
      ],
    };
    const result = await ok(ws, ["issue", "--dns", "registry.local", "--detect-ips", "--out", "certs"], { REGCERT_TEST_INTERFACES: JSON.stringify(interfaces) });
    expect(result.stdout + result.stderr).toContain("192.168.0.12");
    const san = await openssl(["x509", "-in", join(ws.dir, "certs", "registry.crt"), "-noout", "-ext", "subjectAltName"]);
    expect(san.stdout.trim().split("\n").slice(1).join("").trim()).toBe("DNS:registry.local, IP Address:192.168.0.12");
  }, SLOW);

  test("--detect-ips with only loopback: a warning, and the given names still work", async () => {
    const ws = workspace();
    const interfaces = { lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: true, cidr: "127.0.0.1/8" }] };
    const result = await ok(ws, ["issue", "--dns", "registry.local", "--detect-ips", "--out", "certs"], { REGCERT_TEST_INTERFACES: JSON.stringify(interfaces) });
    expect(result.stderr).toMatch(/^warning: .*no non-loopback/m);
  }, SLOW);
});

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), answers the first prompt that contains
 * `prompt` with `answer` + Enter, and resolves with the exit code and everything the terminal showed.
 */
function runOnTerminal(ws: Workspace, args: string[], prompt: string, answer: string): Promise<{ code: number; screen: string }> {
  return new Promise((resolvePromise) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ws.env, NO_COLOR: "1", TERM: "dumb" };
    delete env.CI;
    delete env.NODE_OPTIONS;
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: ws.dir, env, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let answered = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const onData = (d: Buffer): void => {
      screen += d.toString();
      if (!answered && screen.includes(prompt)) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolvePromise({ code: code ?? 1, screen });
    });
  });
}

describe("on a terminal", () => {
  test("issue without names asks for them, and uses the answer", async () => {
    const ws = workspace();
    const { code, screen } = await runOnTerminal(ws, ["issue", "--out", "certs"], "Names clients use", "registry.local 10.0.0.7");
    expect({ code, tail: screen.slice(-400) }).toMatchObject({ code: 0 });
    const san = await openssl(["x509", "-in", join(ws.dir, "certs", "registry.crt"), "-noout", "-ext", "subjectAltName"]);
    expect(san.stdout).toContain("DNS:registry.local, IP Address:10.0.0.7");
  }, SLOW);

  test("a bad answer is the same exit-2 error as a bad flag", async () => {
    const ws = workspace();
    const { code, screen } = await runOnTerminal(ws, ["issue", "--out", "certs"], "Names clients use", "a_b.example");
    expect(code).toBe(2);
    expect(screen).toContain('regcert: "a_b.example" is not a valid DNS name or IP address');
    expect(screen).not.toContain("    at ");
    expect(existsSync(join(ws.dir, "certs"))).toBe(false);
  }, SLOW);
});

describe("the CA made on first use", () => {
  test("four concurrent first-use issue runs make exactly one CA, and every ca.crt is it", async () => {
    const ws = workspace();
    const runs = await Promise.all([1, 2, 3, 4].map((i) => cli(ws, ["--json", "issue", "--dns", `a${i}.local`, "--out", `o${i}`])));
    for (const run of runs) expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    const created = runs.map((r) => (JSON.parse(r.stdout) as { ca: { created: boolean } }).ca.created);
    expect(created.filter(Boolean)).toHaveLength(1);
    const caHash = sha256File(join(ws.home, "ca.crt"));
    for (const i of [1, 2, 3, 4]) {
      expect(sha256File(join(ws.dir, `o${i}`, "ca.crt"))).toBe(caHash);
      const verify = await openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), join(ws.dir, `o${i}`, "registry.crt")]);
      expect(verify.stdout).toContain(": OK");
    }
    expect(tempFiles(ws.dir)).toEqual([]);
  }, SLOW);

  test("a leaf asked to outlive its CA ends with the CA, with a warning", async () => {
    const ws = workspace();
    await ok(ws, ["init-ca", "--days", "100"]);
    const result = await ok(ws, ["--json", "issue", "--dns", "a.local", "--days", "397"]);
    const parsed = JSON.parse(result.stdout) as { certificate: { notAfter: string }; warnings: string[] };
    const caEnd = await openssl(["x509", "-in", join(ws.home, "ca.crt"), "-noout", "-enddate"]);
    expect(new Date(caEnd.stdout.trim().replace("notAfter=", "")).toISOString()).toBe(parsed.certificate.notAfter);
    expect(parsed.warnings.join("\n")).toMatch(/CA/);
    expect(result.stderr).toMatch(/^warning: /m);
  }, SLOW);
});

describe("--json", () => {
  test("issue --json: one JSON object on stdout with command, ca, certificate, files, warnings", async () => {
    const ws = workspace();
    const result = await ok(ws, ["--json", "issue", "--dns", "registry.local", "--ip", "192.168.0.12", "--out", "certs"]);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["ca", "certificate", "command", "files", "warnings"]);
    expect(parsed).toMatchObject({
      command: "issue",
      ca: { created: true, home: ws.home, certificate: join(ws.home, "ca.crt"), fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) },
      certificate: {
        name: "registry",
        profile: "server",
        keyAlgorithm: "ecdsa-p256",
        serial: expect.stringMatching(/^[0-7][0-9a-f]{31}$/),
        commonName: "registry.local",
        dns: ["registry.local"],
        ip: ["192.168.0.12"],
      },
      files: {
        key: join(ws.dir, "certs", "registry.key"),
        csr: join(ws.dir, "certs", "registry.csr"),
        certificate: join(ws.dir, "certs", "registry.crt"),
        pem: join(ws.dir, "certs", "registry.pem"),
        ca: join(ws.dir, "certs", "ca.crt"),
      },
      warnings: [],
    });
    for (const path of Object.values(parsed.files as Record<string, string>)) expect(existsSync(path)).toBe(true);
    const certificate = parsed.certificate as { serial: string; notAfter: string };
    const serial = await openssl(["x509", "-in", join(ws.dir, "certs", "registry.crt"), "-noout", "-serial"]);
    expect(serial.stdout.trim()).toBe(`serial=${certificate.serial.toUpperCase()}`);
    // the fingerprint is the CA certificate's SHA-256
    const fp = await openssl(["x509", "-in", join(ws.home, "ca.crt"), "-noout", "-fingerprint", "-sha256"]);
    expect(fp.stdout.trim().split("=")[1]!.replace(/:/g, "").toLowerCase()).toBe((parsed.ca as { fingerprint: string }).fingerprint);
    // a second run reuses the CA
    const again = JSON.parse((await ok(ws, ["--json", "issue", "--dns", "b.local", "--out", "certs2"])).stdout) as { ca: { created: boolean } };
    expect(again.ca.created).toBe(false);
  }, SLOW);

  test("init-ca --json and sign --json parse as JSON", async () => {
    const ws = workspace();
    const init = JSON.parse((await ok(ws, ["--json", "init-ca", "--key", "ecdsa-p384"])).stdout) as { command: string; keyAlgorithm: string };
    expect(init).toMatchObject({ command: "init-ca", keyAlgorithm: "ecdsa-p384" });
    await openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "r.key", "-subj", "/CN=r.local", "-out", "r.csr"], { cwd: ws.dir });
    const sign = JSON.parse((await ok(ws, ["--json", "sign", "--csr", "r.csr", "--dns", "r.local", "--out", "signed"])).stdout) as Record<string, unknown>;
    expect(Object.keys(sign).sort()).toEqual(["ca", "certificate", "command", "files", "warnings"]);
    expect(sign).toMatchObject({ command: "sign", certificate: { keyAlgorithm: "rsa-2048", dns: ["r.local"] }, files: { certificate: join(ws.dir, "signed", "r.crt") } });
    expect((sign.files as Record<string, unknown>).key).toBeUndefined();
  }, SLOW);

  test("a user error under --json is still exit 2 with nothing on stdout", async () => {
    const ws = workspace();
    const result = await cli(ws, ["--json", "issue", "--dns", "a_b.example"]);
    expectUserError(result, '"a_b.example"');
    expect(result.stdout).toBe("");
  });
});

describe("text output", () => {
  test("--quiet prints nothing on success; piped output has no colour codes even without NO_COLOR", async () => {
    const ws = workspace();
    const quiet = await ok(ws, ["--quiet", "issue", "--dns", "q.local", "--out", "quiet"]);
    expect({ stdout: quiet.stdout, stderr: quiet.stderr }).toEqual({ stdout: "", stderr: "" });
    expect(existsSync(join(ws.dir, "quiet", "registry.crt"))).toBe(true);
    const piped = await ok(ws, ["issue", "--dns", "c.local", "--out", "color"], { NO_COLOR: "" });
    expect(piped.stdout).toContain("c.local");
    expect(piped.stdout + piped.stderr).not.toContain("\u001b[");
  }, SLOW);

  test("issue prints every file, the expiry date and the next steps with these files", async () => {
    const ws = workspace();
    const result = await ok(ws, ["issue", "--dns", "registry.local", "--ip", "192.168.0.12", "--out", "certs"]);
    for (const file of ["certs/registry.key", "certs/registry.csr", "certs/registry.crt", "certs/registry.pem", "certs/ca.crt"]) expect(result.stdout).toContain(file);
    expect(result.stdout).toMatch(/expires \d{4}-\d{2}-\d{2}/);
    expect(result.stdout).toContain("REGISTRY_HTTP_TLS_CERTIFICATE=/certs/registry.crt");
    expect(result.stdout).toContain("REGISTRY_HTTP_TLS_KEY=/certs/registry.key");
    expect(result.stdout).toContain("/etc/docker/certs.d/registry.local:5000/ca.crt");
    // every name clients use gets trust: install-trust for each HOST:PORT (both names here)
    expect(result.stdout).toContain(`install-trust --ca ${join(ws.dir, "certs", "ca.crt")} --host registry.local:5000 --host 192.168.0.12:5000`);
    expect(result.stdout).toContain("docker login registry.local:5000");
    expect(statSync(join(ws.dir, "certs", "registry.key")).size).toBeGreaterThan(0);
  }, SLOW);
});
