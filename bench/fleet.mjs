#!/usr/bin/env node
/**
 * Fleet rendering at scale (issue 15: 10,000 hosts in ≤ 1 s, linear growth). For N hosts it times,
 * side by side in the same run:
 * - `regcert fleet <engine> --hosts-from FILE --out -` as a process (wall time, median of RUNS);
 * - the same render in-process through the library (renderFleet), without process start-up;
 * - the peer: `node -e 0` (process start-up alone) and `regcert install-trust --dry-run` for ONE host.
 * Prints a Markdown section (append it to bench/RESULTS.md). Usage: node bench/fleet.mjs [RUNS]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(new URL("..", import.meta.url).pathname);
const dist = join(repo, process.env.REGCERT_DIST || "dist");
const bin = join(dist, "cli", "main.js");
const lib = await import(join(dist, "index.js"));
const runs = Number(process.argv[2] ?? 5);
const ca = join(repo, "test/fixtures/trust/ca-a.crt");
const caPem = readFileSync(ca, "utf8");
const dir = mkdtempSync(join(tmpdir(), "regcert-bench-fleet-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = { ...process.env, NO_COLOR: "1", REGCERT_HOME: join(dir, "home") };

function wall(argv) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, argv, { env, maxBuffer: 1 << 30 });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0) throw new Error(`${argv.join(" ")}: exit ${r.status}\n${r.stderr}`);
    bytes = r.stdout.length;
  }
  return { ms: median(times), bytes };
}

function inProcess(engine, hosts) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const { rendering } = lib.renderFleet({ engine, hosts, caPem });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    bytes = rendering.stdout.length;
  }
  return { ms: median(times), bytes };
}

const rows = [];
const node0 = wall(["-e", "0"]).ms;
const one = wall([bin, "install-trust", "--dry-run", "--ca", ca, "--root", dir, "--target", "docker,containerd,containers", "--host", "reg0.example.test:5000"]).ms;
for (const engine of ["ansible", "cloud-init", "ignition", "talos"]) {
  for (const n of [1000, 10000]) {
    const hosts = Array.from({ length: n }, (_, i) => `reg${i}.example.test:${5000 + (i % 7)}`);
    const file = join(dir, `hosts-${n}.txt`);
    writeFileSync(file, `${hosts.join("\n")}\n`);
    const cli = wall([bin, "fleet", engine, "--hosts-from", file, "--ca", ca]);
    const libRun = inProcess(engine, hosts);
    rows.push({ engine, n, cli: cli.ms, lib: libRun.ms, bytes: cli.bytes });
  }
}
rmSync(dir, { recursive: true, force: true });

const fmt = (x) => x.toFixed(0);
console.log(`## Fleet rendering (issue 15)\n`);
console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end, Node ${process.version}, median of ${runs} runs. Targets: docker,containerd,containers (the default). Peers in the same run: \`node -e 0\` ${fmt(node0)} ms; \`regcert install-trust --dry-run\` for one host ${fmt(one)} ms.\n`);
console.log("| engine | hosts | `regcert fleet` (process) ms | vs install-trust for 1 host | in-process render ms | output MB | MB per 1k hosts | in-process ms per 1k hosts |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.engine} | ${r.n} | ${fmt(r.cli)} | ${(r.cli / one).toFixed(2)}× | ${fmt(r.lib)} | ${(r.bytes / 1e6).toFixed(1)} | ${(r.bytes / 1e6 / (r.n / 1000)).toFixed(2)} | ${(r.lib / (r.n / 1000)).toFixed(0)} |`);
const a = rows.filter((r) => r.engine === "ansible");
if (a.length === 2) console.log(`\nGrowth 1k → 10k hosts (ansible, in-process): ×${(a[1].lib / a[0].lib).toFixed(1)} time, ×${(a[1].bytes / a[0].bytes).toFixed(1)} bytes (10× hosts; linear is ×10).`);
