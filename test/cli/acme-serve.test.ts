/**
 * `regcert acme serve` as a user runs it (the built CLI): user mistakes exit 2 with one `regcert:` line
 * and a hint, before anything listens; an encrypted CA key is unlocked once from --passphrase-file
 * and the server then answers its directory over HTTPS with a certificate openssl verifies against
 * ca.crt; --json prints one document with the directory URL and the recipes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, runCli, tempWorkspace } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { startProcess } from "../helpers/process.js";
import { runTool } from "../helpers/run-tool.js";

let ws: ReturnType<typeof tempWorkspace>;
let pass: string;

beforeAll(async () => {
  ws = tempWorkspace("regcert-acme-cli-");
  pass = join(ws.dir, "pass.txt");
  writeFileSync(pass, "correct horse battery staple\n", { mode: 0o600 });
  const r = await runCli(["init-ca", "--passphrase-file", pass], { cwd: ws.dir, env: ws.env });
  expect(r.code).toBe(0);
});
afterAll(() => ws.cleanup());

const serve = (args: string[]) => runCli(["acme", "serve", ...args], { cwd: ws.dir, env: ws.env, timeoutMs: 30_000 });

test.each([
  [["--listen", "127.0.0.1"], /^regcert: --listen "127\.0\.0\.1" is not HOST:PORT\nhint: e\.g\. --listen 127\.0\.0\.1:14000/],
  [["--listen", "127.0.0.1:14000"], /^regcert: acme serve needs an allow-list: which names may it certify\?\nhint: add --allow-dns NAME/],
  [["--listen", "127.0.0.1:14000", "--allow-dns", "localhost", "--days", "900"], /^regcert: --days 900 is outside 1\.\.825\nhint: /],
  [["--listen", "127.0.0.1:14000", "--allow-dns", "10.0.0.1"], /^regcert: --allow-dns "10\.0\.0\.1" is an IP address\nhint: use --allow-ip CIDR/],
  [["--listen", "127.0.0.1:14000", "--allow-ip", "10.0.0.1/8"], /^regcert: "10\.0\.0\.1\/8" has host bits set\nhint: did you mean 10\.0\.0\.0\/8\?/],
  [["--listen", "127.0.0.1:14000", "--allow-dns", "localhost", "--resolve", "nocolon"], /^regcert: --resolve "nocolon" is not NAME:IP\nhint: /],
  [["--listen", "127.0.0.1:14000", "--allow-dns", "localhost"], /^regcert: the CA key in .* is encrypted and no passphrase was given\nhint: pass --passphrase-file FILE/],
])("user error %j", async (args, pattern) => {
  const r = await serve(args as string[]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stdout).toBe("");
});

test("an encrypted CA is unlocked once from --passphrase-file; the HTTPS directory verifies against ca.crt", async () => {
  const port = await freePort();
  const server = await startProcess(process.execPath, [BIN, "--json", "acme", "serve", "--listen", `127.0.0.1:${port}`, "--allow-dns", "registry.test", "--passphrase-file", pass], {
    env: ws.env,
    ready: /"recipes"[\s\S]*\n}\n/,
  });
  try {
    const doc = JSON.parse(server.logs()) as { directoryUrl: string; days: number; recipes: { certbot: string[]; caddy: string[] } };
    expect(doc.directoryUrl).toBe(`https://127.0.0.1:${port}/acme/directory`);
    expect(doc.days).toBe(7);
    expect(doc.recipes.certbot[0]).toContain(`REQUESTS_CA_BUNDLE=${join(ws.home, "ca.crt")}`);
    expect(doc.recipes.caddy).toContain(`\tacme_ca_root ${join(ws.home, "ca.crt")}`);
    const curl = await runTool("curl", ["-sS", "--max-time", "20", "--cacert", join(ws.home, "ca.crt"), doc.directoryUrl]);
    expect(curl.code).toBe(0);
    expect(JSON.parse(curl.stdout).newAccount).toBe(`https://127.0.0.1:${port}/acme/new-account`);
    const s = await runTool("sh", ["-c", `openssl s_client -connect 127.0.0.1:${port} -CAfile '${join(ws.home, "ca.crt")}' -verify_return_error </dev/null 2>&1`]);
    expect(s.stdout).toMatch(/Verify return code: 0 \(ok\)/);
  } finally {
    await server.stop();
  }
});
