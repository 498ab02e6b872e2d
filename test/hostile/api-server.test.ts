/**
 * `regcert api` against a broken or hostile registry (issue #12 item 5), served by a small HTTPS server
 * on 127.0.0.1 in this process, with a certificate from our own CA (so TLS itself succeeds):
 * - a Link back at the same page (the 5 GB loop) and a Link to another server stop the pagination,
 *   and the other server never sees a request;
 * - one body byte every 300 ms is cut off by the total deadline (an idle timer never fires on it);
 * - a body above the cap is refused (declared by Content-Length, or streamed);
 * - `tags` as a string, invalid JSON and `null` are user errors naming the endpoint, never a crash;
 * - `tags: null` (an empty repository) is an empty list.
 * Then the built CLI: names and headers with ESC and newlines reach the terminal escaped.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createRootCa } from "../../src/pki/ca.js";
import { issueCertificate } from "../../src/pki/issue.js";
import { prepareIssuer } from "../../src/pki/issuer.js";
import { RegcertError } from "../../src/pki/errors.js";
import { RegistryApiError, RegistryClient } from "../../src/registry/api.js";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const ca = createRootCa({ commonName: "hostile api test CA" });
const leaf = issueCertificate({ issuer: prepareIssuer({ certificate: ca.certificatePem, privateKey: ca.privateKeyPem }), names: ["127.0.0.1"], profile: "server", days: 30 });

interface TestServer {
  port: number;
  hits: string[];
  handle: Handler;
  server: Server;
}

function start(): Promise<TestServer> {
  return new Promise((resolve) => {
    const t = { hits: [] as string[], handle: ((_q, r) => r.end()) as Handler } as TestServer;
    t.server = createServer({ cert: leaf.certificatePem, key: leaf.privateKeyPem }, (req, res) => {
      t.hits.push(req.url ?? "");
      t.handle(req, res);
    });
    t.server.listen(0, "127.0.0.1", () => {
      t.port = (t.server.address() as AddressInfo).port;
      resolve(t);
    });
  });
}

let main: TestServer;
let other: TestServer;
const drips = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  main = await start();
  other = await start();
});
afterAll(async () => {
  for (const d of drips) clearInterval(d);
  for (const t of [main, other]) {
    t.server.closeAllConnections();
    await new Promise((r) => t.server.close(r));
  }
});
beforeEach(() => {
  main.hits = [];
  other.hits = [];
});

const client = (extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) =>
  new RegistryClient({ host: "127.0.0.1", port: main.port, caPem: ca.certificatePem, timeoutMs: 10_000, ...extra });

const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(200, { "Content-Type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};

async function refusal(promise: Promise<unknown>): Promise<RegcertError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RegcertError);
    return error as RegcertError;
  }
  throw new Error("expected a refusal");
}

test("a Link back at the same page stops after that page, with a user error naming the endpoint", async () => {
  main.handle = (req, res) => json(res, { repositories: ["a", "b"] }, { Link: `<${req.url}>; rel="next"` });
  const error = await refusal(client().catalog());
  expect(error.exitCode).toBe(2);
  expect(error.message).toMatch(/^GET \/v2\/_catalog on 127\.0\.0\.1:\d+ gave an unexpected answer: its Link header points back at a page already read/);
  expect(error.hint).toBeTruthy();
  expect(main.hits).toHaveLength(1);
});

test("a cycle over two pages stops too", async () => {
  main.handle = (req, res) => json(res, { repositories: ["x"] }, { Link: `</v2/_catalog?n=100&last=${req.url?.includes("last=x") ? "y" : "x"}>; rel="next"` });
  await refusal(client().catalog());
  expect(main.hits.length).toBeLessThanOrEqual(3);
});

test("a Link to another server is never followed", async () => {
  main.handle = (_req, res) => json(res, { repositories: ["a"] }, { Link: `<https://127.0.0.1:${other.port}/v2/_catalog?last=a>; rel="next"` });
  other.handle = (_req, res) => json(res, { repositories: ["stolen"] });
  const error = await refusal(client().catalog());
  expect(error.message).toMatch(/points at another server/);
  expect(other.hits).toEqual([]);
});

test("the pages of one list are capped in total", async () => {
  let page = 0;
  const big = Array.from({ length: 2000 }, (_, i) => `repo-${"x".repeat(40)}-${i}`);
  main.handle = (_req, res) => json(res, { repositories: big }, { Link: `</v2/_catalog?page=${++page}>; rel="next"` });
  const error = await refusal(client({ maxListBytes: 1024 * 1024 }).catalog());
  expect(error.message).toMatch(/the pages add up to more than 1 MiB/);
  expect(main.hits.length).toBeLessThan(20);
});

test("one body byte every 300 ms is cut off by the total deadline (not an idle timer)", async () => {
  main.handle = (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.write("{");
    const drip = setInterval(() => res.write(" "), 300);
    drips.add(drip);
    res.on("close", () => clearInterval(drip));
  };
  const error = await refusal(client({ timeoutMs: 1500 }).catalog());
  expect(error).toBeInstanceOf(RegistryApiError);
  expect(error.message).toMatch(/did not complete within 1\.5 s \(the whole request/);
});

test("a body above the cap is refused, declared or streamed", async () => {
  main.handle = (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(64 * 1024 * 1024) });
    res.write("{");
  };
  expect((await refusal(client().catalog())).message).toMatch(/larger than 4 MiB/);
  main.handle = (_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    const chunk = "x".repeat(64 * 1024);
    let sent = 0;
    const push = () => {
      while (sent < 200 && res.write(chunk)) sent++;
      if (sent < 200) res.once("drain", push);
      else res.end();
    };
    push();
  };
  expect((await refusal(client({ maxResponseBytes: 1024 * 1024 }).catalog())).message).toMatch(/larger than 1 MiB/);
});

test.each([
  ["tags as a string", { name: "team/app", tags: "latest" }, /"tags" is string, not a list/],
  ["tags holding numbers", { name: "team/app", tags: [1, 2] }, /"tags" holds something other than strings/],
  ["a JSON null", null, /the body is not a JSON object/],
  ["a JSON list", ["latest"], /the body is not a JSON object/],
  ["no tags key", { name: "team/app" }, /it has no "tags" list/],
  ["invalid JSON", "{not json", /the body is not JSON/],
])("%s is a user error naming the endpoint", async (_name, body, why) => {
  main.handle = (_req, res) => json(res, body);
  const error = await refusal(client().tags("team/app"));
  expect(error.exitCode).toBe(2);
  expect(error.message).toMatch(/^GET \/v2\/team\/app\/tags\/list on 127\.0\.0\.1:\d+ gave an unexpected answer: /);
  expect(error.message).toMatch(why);
  expect(error.hint).toMatch(/regcert check 127\.0\.0\.1:/);
});

test("tags: null (an empty repository) is an empty list", async () => {
  main.handle = (_req, res) => json(res, { name: "team/app", tags: null });
  await expect(client().tags("team/app")).resolves.toEqual([]);
});

describe("through the CLI", () => {
  const ws = tempWorkspace();
  afterAll(() => ws.cleanup());
  let caFile: string;
  beforeAll(() => {
    caFile = join(ws.dir, "ca.crt");
    writeFileSync(caFile, ca.certificatePem);
  });

  test("names with ESC and newlines are printed escaped; an empty repository says so on stderr", async () => {
    main.handle = (_req, res) => json(res, { repositories: ["ok", "evil\u001b[2J\nforged line", "rtl\u202egnp.exe"] });
    const r = await runCli(["api", `127.0.0.1:${main.port}`, "catalog", "--ca", caFile], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ok\nevil\\x1b[2J\\nforged line\nrtl\\u202egnp.exe\n");
    main.handle = (_req, res) => json(res, { name: "team/app", tags: null });
    const empty = await runCli(["api", `127.0.0.1:${main.port}`, "tags", "team/app", "--ca", caFile], { cwd: ws.dir, env: ws.env });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe("");
    expect(empty.stderr).toBe("warning: team/app has no tags (its manifests were deleted, or only pushed by digest)\n");
  });

  test("a WWW-Authenticate header with C1 controls (CSI) reaches stderr escaped", async () => {
    // Node's HTTP parser refuses C0 controls (ESC) in header values, but passes bytes 0x80-0xff as
    // latin1: 0x9b is the C1 control CSI, which terminals honour like ESC [. Written raw, as a hostile
    // server would (Node's server refuses to send it).
    main.handle = (req) => {
      req.socket.end(Buffer.from('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="\x9b2J\x9b1;1Hforged"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', "latin1"));
    };
    const r = await runCli(["api", `127.0.0.1:${main.port}`, "catalog", "--ca", caFile], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/[\u001b\u009b]/);
    expect(r.stderr).toContain('realm="\\x9b2J\\x9b1;1Hforged"');
  });

  test("a tags string is exit 2 with a hint, not letters one per line", async () => {
    main.handle = (_req, res) => json(res, { name: "team/app", tags: "latest" });
    const r = await runCli(["api", `127.0.0.1:${main.port}`, "tags", "team/app", "--ca", caFile], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^regcert: GET \/v2\/team\/app\/tags\/list on 127\.0\.0\.1:\d+ gave an unexpected answer: "tags" is string, not a list\nhint: /);
  });
});
