#!/usr/bin/env node
// ACME throughput, side by side: `regcert acme serve` (the real CLI, durable journal) and Debian's
// pebble (PEBBLE_VA_NOSLEEP=1), each a separate process on loopback, driven by the same in-process
// client: ORDERS orders (new-order -> http-01 -> finalize -> download) from CLIENTS concurrent accounts.
// Reports orders/s, p50/p99 latency per order, and the server's RSS at start, middle and end.
// Servers run one after the other, ROUNDS times alternating (regcert, pebble, regcert, …), so a load
// change on this shared machine hits both. Appends a section to bench/RESULTS.md with BENCH_WRITE=1.
//
//   npm run build && node bench/acme.mjs            (ORDERS=500 CLIENTS=20 ROUNDS=2)
//   BASE_BIN=/work/base/dist/cli/main.js ROUNDS=3 BENCH_WRITE=1 node bench/acme.mjs   (plus an earlier build)
//   KINDS=regcert ACME_PROFILE_DIR=/tmp/prof node bench/acme.mjs                       (server CPU profile)
// Besides orders/s and latency it reports CPU per order (server from /proc, client from cpuUsage):
// on this shared 2-core machine throughput follows the load of the other users, CPU per order does not.
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import { createServer as netServer } from "node:net";
import { tmpdir, loadavg } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { FlattenedSign, calculateJwkThumbprint, exportJWK } from "jose";

// the client signs with WebCrypto (threadpool): give it the same pool size as the server gets
process.env.UV_THREADPOOL_SIZE ??= "16";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = process.env.REGCERT_DIST || "dist";
const BIN = join(ROOT, DIST, "cli", "main.js");
const { createCsr } = await import(join(ROOT, DIST, "index.js"));
const ORDERS = Number(process.env.ORDERS ?? 500);
const CLIENTS = Number(process.env.CLIENTS ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const POLL_MS = 25;
// KINDS=regcert runs only one server (profiling); the table needs regcert and pebble. BASE_BIN=/path/to/
// an earlier build's dist/cli/main.js adds "base": that build's `acme serve`, side by side (before/after).
const BASE_BIN = process.env.BASE_BIN;
const KINDS = (process.env.KINDS ?? (BASE_BIN ? "regcert,pebble,base" : "regcert,pebble")).split(",");
let stalls = 0;

const freePort = () => new Promise((r) => { const s = netServer(); s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => r(port)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), "regcert-acme-bench-"));
const home = join(work, "home");
const env = { ...process.env, REGCERT_HOME: home, NO_COLOR: "1", CI: "1" };
delete env.NODE_OPTIONS;
const cli = (args) => { const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd: work, encoding: "utf8" }); if (r.status !== 0) throw new Error(`regcert ${args.join(" ")}: ${r.stderr}`); };
cli(["init-ca", "--cn", "acme bench CA"]);
cli(["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--name", "pebble", "--out", "pebble"]);
const ca = readFileSync(join(home, "ca.crt"));
// the base build keeps its state in its own layout: it gets a copy of the home (same CA), not ours
const baseHome = join(work, "base-home");
cpSync(home, baseHome, { recursive: true });
const agent = new Agent({ ca, keepAlive: true, maxSockets: 64 });
// keep-alive as real clients do (Go's and Python's clients reuse connections), the same for both
// servers; counted, so a server that closes connections (more TLS handshakes) shows up in the output
let connections = 0;
const createConnection = agent.createConnection.bind(agent);
agent.createConnection = (...args) => { connections++; return createConnection(...args); };

// the http-01 responder both servers validate against
const answers = new Map();
const httpPort = await freePort();
const responder = createServer((req, res) => { const a = answers.get(req.url.split("/").pop()); res.writeHead(a ? 200 : 404).end(a ?? ""); });
await new Promise((r) => responder.listen(httpPort, "127.0.0.1", r));

function call(url, { method = "POST", body } = {}) {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { method, agent, headers: body ? { "content-type": "application/jose+json" } : {}, timeout: 20_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolvePromise({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout (no answer in 20 s): ${method} ${url}`)));
    req.on("error", reject);
    req.end(body);
  });
}

async function freshNonce(url) {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await call(url, { method: "HEAD" })).headers["replay-nonce"];
    } catch (error) {
      stalls++;
      if (attempt >= 3) throw error;
    }
  }
}

class Client {
  constructor(dir) { this.dir = dir; }
  async init() {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.key = privateKey;
    this.jwk = await exportJWK(publicKey);
    this.thumb = await calculateJwkThumbprint(this.jwk, "sha256");
    this.nonce = await freshNonce(this.dir.newNonce);
    const r = await this.post(this.dir.newAccount, { termsOfServiceAgreed: true }, true);
    this.kid = r.headers.location;
  }
  async post(url, payload, useJwk = false, attempt = 0) {
    const header = { alg: "ES256", nonce: this.nonce, url, ...(useJwk ? { jwk: this.jwk } : { kid: this.kid }) };
    const jws = await new FlattenedSign(new TextEncoder().encode(payload === "" ? "" : JSON.stringify(payload))).setProtectedHeader(header).sign(this.key);
    let r;
    try {
      r = await call(url, { body: JSON.stringify(jws) });
    } catch (error) {
      // a request that got no answer in time (seen once with pebble under load): count it, retry with a fresh nonce
      stalls++;
      if (attempt >= 3) throw error;
      this.nonce = await freshNonce(this.dir.newNonce);
      return this.post(url, payload, useJwk, attempt + 1);
    }
    this.nonce = r.headers["replay-nonce"] ?? this.nonce;
    if (r.status >= 400) {
      const problem = JSON.parse(r.text || "{}");
      if ((problem.type?.endsWith("badNonce") || r.status === 429) && attempt < 20) {
        if (r.status === 429) await sleep(1000 * Number(r.headers["retry-after"] ?? 1));
        return this.post(url, payload, useJwk, attempt + 1);
      }
      throw new Error(`${url}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    return r;
  }
  async poll(url, until) {
    for (let i = 0; i < 2000; i++) {
      const body = JSON.parse((await this.post(url, "")).text);
      if (until(body)) return body;
      if (body.status === "invalid") throw new Error(`${url} invalid: ${JSON.stringify(body.error ?? body.challenges)}`);
      await sleep(POLL_MS);
    }
    throw new Error(`${url}: still ${until}`);
  }
  async order() {
    const o = await this.post(this.dir.newOrder, { identifiers: [{ type: "dns", value: "localhost" }] });
    const orderUrl = o.headers.location;
    let order = JSON.parse(o.text);
    for (const authzUrl of order.authorizations) {
      const authz = JSON.parse((await this.post(authzUrl, "")).text);
      if (authz.status === "valid") continue;
      const ch = authz.challenges.find((c) => c.type === "http-01");
      answers.set(ch.token, `${ch.token}.${this.thumb}`);
      await this.post(ch.url, {});
      await this.poll(authzUrl, (a) => a.status === "valid");
      answers.delete(ch.token);
    }
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const csr = Buffer.from(createCsr({ privateKey, subject: {}, names: { dns: ["localhost"], ip: [] } }).der).toString("base64url");
    order = JSON.parse((await this.post(order.finalize, { csr })).text);
    if (order.status !== "valid") order = await this.poll(orderUrl, (x) => x.status === "valid");
    const cert = await this.post(order.certificate, "");
    if (!cert.text.includes("BEGIN CERTIFICATE")) throw new Error("no certificate");
  }
}

// CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s)
function cpuSeconds(pid) {
  try { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100; } catch { return NaN; }
}

function rssMb(pid) {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024; } catch { return NaN; }
}

async function startServer(kind) {
  const port = await freePort();
  let child; let dirUrl;
  if (kind === "regcert" || kind === "base") {
    // SERVER_NODE_FLAGS="--trace-gc" shows the live heap after each full GC (in the server's log, printed at the end)
    const prof = [...(process.env.ACME_PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", process.env.ACME_PROFILE_DIR] : []), ...(process.env.SERVER_NODE_FLAGS?.split(" ").filter(Boolean) ?? [])];
    child = spawn(process.execPath, [...prof, kind === "base" ? BASE_BIN : BIN, "acme", "serve", "--listen", `127.0.0.1:${port}`, "--allow-dns", "localhost", "--http-port", String(httpPort), "--tls-port", String(await freePort())], { env: kind === "base" ? { ...env, REGCERT_HOME: baseHome } : env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    dirUrl = `https://127.0.0.1:${port}/acme/directory`;
  } else {
    const config = join(work, "pebble.json");
    writeFileSync(config, JSON.stringify({ pebble: { listenAddress: `127.0.0.1:${port}`, managementListenAddress: `127.0.0.1:${await freePort()}`, certificate: join(work, "pebble/pebble.crt"), privateKey: join(work, "pebble/pebble.key"), httpPort, tlsPort: await freePort(), ocspResponderURL: "", externalAccountBindingRequired: false } }));
    child = spawn("pebble", ["-config", config], { env: { ...env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    dirUrl = `https://127.0.0.1:${port}/dir`;
  }
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 300; i++) {
    try { const r = await call(dirUrl, { method: "GET" }); if (r.status === 200) return { child, dir: JSON.parse(r.text), log: () => log }; } catch { /* not yet */ }
    await sleep(100);
  }
  try { process.kill(-child.pid, "SIGKILL"); } catch {}
  throw new Error(`${kind} did not start:\n${log}`);
}

async function runOnce(kind) {
  const server = await startServer(kind);
  try {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => { const c = new Client(server.dir); await c.init(); return c; }));
    const rss = [rssMb(server.child.pid)];
    const latencies = [];
    const trail = [];
    let next = 0;
    const started = performance.now();
    const cpu0 = cpuSeconds(server.child.pid);
    const connections0 = connections;
    const client0 = process.cpuUsage();
    await Promise.all(clients.map(async (c) => {
      for (;;) {
        const i = next++;
        if (i >= ORDERS) return;
        const t = performance.now();
        await c.order();
        latencies.push(performance.now() - t);
        if (i === Math.floor(ORDERS / 2)) rss.push(rssMb(server.child.pid));
        if (i % Math.max(1, Math.floor(ORDERS / 10)) === 0) trail.push(rssMb(server.child.pid));
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    const serverCpuMs = ((cpuSeconds(server.child.pid) - cpu0) * 1000) / ORDERS;
    const c = process.cpuUsage(client0);
    const clientCpuMs = (c.user + c.system) / 1000 / ORDERS;
    const tlsConnections = connections - connections0;
    rss.push(rssMb(server.child.pid));
    latencies.sort((a, b) => a - b);
    const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    const result = { kind, ordersPerSec: ORDERS / seconds, p50: q(0.5), p99: q(0.99), rss, trail, stalls, serverCpuMs, clientCpuMs, tlsConnections };
    stalls = 0;
    if (process.env.SERVER_NODE_FLAGS) console.error(server.log().split("\n").filter((l) => /Mark-Compact/.test(l)).join("\n"));
    return result;
  } finally {
    try { process.kill(-server.child.pid, "SIGTERM"); } catch {}
    await sleep(500);
  }
}

const results = [];
const failures = [];
const load = [loadavg()[0]];
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of KINDS) {
      let r;
      try {
        r = await runOnce(kind);
      } catch (error) {
        // a round whose requests got no answer even after retries (seen with pebble under load) is
        // reported and left out of the medians, not allowed to end the whole run
        stalls = 0;
        failures.push(`${kind} round ${round + 1}: ${error.message.split("\n")[0]}`);
        console.error(`${kind} round ${round + 1} FAILED: ${error.message}`);
        continue;
      }
      results.push(r);
      console.error(`${kind} round ${round + 1}: ${r.ordersPerSec.toFixed(1)} orders/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, ${r.stalls} stalled requests, ${r.tlsConnections} TLS connections opened, CPU per order server ${r.serverCpuMs.toFixed(1)} ms client ${r.clientCpuMs.toFixed(1)} ms, RSS ${r.rss.map((x) => x.toFixed(0)).join("/")} MB (every tenth of the run: ${r.trail.map((x) => x.toFixed(0)).join(" ")})`);
    }
  }
} finally {
  load.push(loadavg()[0]);
  responder.close();
  agent.destroy();
  rmSync(work, { recursive: true, force: true });
}

if (!KINDS.includes("regcert") || !KINDS.includes("pebble")) process.exit(0);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const summary = {};
for (const kind of KINDS) {
  const rs = results.filter((r) => r.kind === kind);
  summary[kind] = { serverCpuMs: median(rs.map((r) => r.serverCpuMs)), clientCpuMs: median(rs.map((r) => r.clientCpuMs)), ordersPerSec: median(rs.map((r) => r.ordersPerSec)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), rss: rs.map((r) => r.rss.map((x) => x.toFixed(0)).join("/")).join(", "), stalls: rs.map((r) => r.stalls).join(", "), all: rs.map((r) => r.ordersPerSec.toFixed(1)).join(", ") };
}
const ratio = summary.regcert.ordersPerSec / summary.pebble.ordersPerSec;
const lines = [
  "",
  `## ACME server vs pebble (issue 14), ${new Date().toISOString().slice(0, 16)}Z`,
  "",
  `${ORDERS} orders (new-order → http-01 → finalize → download) from ${CLIENTS} concurrent in-process accounts, ${ROUNDS} alternating rounds per server; load average ${load.map((l) => l.toFixed(2)).join(" → ")}. regcert: \`regcert acme serve\` (CLI, durable journal HOME/acme/state.journal, HTTPS)${BASE_BIN ? "; base: the same command from the build before this change (one fsynced file per record)" : ""}; pebble: Debian's, PEBBLE_VA_NOSLEEP=1, PEBBLE_WFE_NONCEREJECT=0, PEBBLE_AUTHZREUSE=0 (every order validated, as for regcert). Medians of the rounds. CPU per order: user+system time of the server process (/proc) and of the client process over the timed part, divided by the orders. \`node bench/acme.mjs\`.`,
  "",
  "| server | orders/s (median) | orders/s per round | p50 ms | p99 ms | server CPU ms/order | client CPU ms/order | stalled requests (20 s, retried) | server RSS MB (start/middle/end per round) |",
  "|---|---:|---|---:|---:|---:|---:|---|---|",
  ...KINDS.map((k) => `| ${k === "base" ? "regcert before (base build)" : k} | ${summary[k].ordersPerSec.toFixed(1)} | ${summary[k].all} | ${summary[k].p50.toFixed(0)} | ${summary[k].p99.toFixed(0)} | ${summary[k].serverCpuMs.toFixed(1)} | ${summary[k].clientCpuMs.toFixed(1)} | ${summary[k].stalls} | ${summary[k].rss} |`),
  "",
  ...(failures.length ? [`- rounds that failed (left out of the medians): ${failures.join("; ")}.`] : []),
  `- throughput ratio regcert/pebble: ${ratio.toFixed(2)}× (goal ≥ 2×: ${ratio >= 2 ? "met" : "**not met**"}); p99 ${summary.regcert.p99.toFixed(0)} vs ${summary.pebble.p99.toFixed(0)} ms (goal ≤ pebble's: ${summary.regcert.p99 <= summary.pebble.p99 ? "met" : "**not met**"}).`,
  "",
];
console.log(lines.join("\n"));
if (process.env.BENCH_WRITE === "1") appendFileSync(join(ROOT, "bench", "RESULTS.md"), lines.join("\n"));
