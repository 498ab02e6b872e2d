#!/usr/bin/env node
/**
 * Fleet rendering at scale (issue 15: 10,000 hosts in ≤ 1 s, linear growth). For N hosts (1k, 10k,
 * 20k) and every engine it measures, side by side in the same run (runs interleaved, so both see the
 * same load):
 * - `regcert fleet <engine> --hosts-from FILE --out - > /dev/null` as a process: wall time and CPU
 *   time (user + sys of the child, from the shell's `times`), median of RUNS;
 * - the same render in-process through the library (checkHosts + renderFleet + the text's UTF-8 length,
 *   streamed through writeStdout where the build has it), without start-up;
 * - for the build in BEFORE_DIST (e.g. /work/base/dist, a build of an earlier commit) the same;
 * - the peers: `node -e 0` (process start-up alone) and `regcert install-trust --dry-run` for ONE host.
 * Prints a Markdown section (append it to bench/RESULTS.md).
 * Usage: [BEFORE_DIST=DIR] [ENGINES=ansible,talos] [SIZES=1000,10000] node bench/fleet.mjs [RUNS]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(new URL("..", import.meta.url).pathname);
const after = { label: "after", dist: join(repo, process.env.REGCERT_DIST || "dist") };
const builds = [...(process.env.BEFORE_DIST ? [{ label: "before", dist: resolve(process.env.BEFORE_DIST) }] : []), after];
for (const b of builds) {
  b.bin = join(b.dist, "cli", "main.js");
  b.lib = await import(join(b.dist, "index.js"));
}
const runs = Number(process.argv[2] ?? 3);
const engines = (process.env.ENGINES ?? "ansible,cloud-init,ignition,talos,bottlerocket,openshift,pod-bundle").split(",");
const sizes = (process.env.SIZES ?? "1000,10000,20000").split(",").map(Number);
const ca = join(repo, "test/fixtures/trust/ca-a.crt");
const caPem = readFileSync(ca, "utf8");
const dir = mkdtempSync(join(tmpdir(), "regcert-bench-fleet-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = { ...process.env, NO_COLOR: "1", REGCERT_HOME: join(dir, "home") };

/** One process run: wall ms and the child's user+sys ms (POSIX `times` in sh prints the children's). */
function once(argv) {
  const t = process.hrtime.bigint();
  const r = spawnSync("/bin/sh", ["-c", '"$@" >/dev/null 2>/dev/null; s=$?; times; exit $s', "sh", process.execPath, ...argv], { env, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: exit ${r.status}`);
  const children = r.stdout.trim().split("\n").pop() ?? "";
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { wall, cpu: ((secs[0] ?? NaN) + (secs[1] ?? NaN)) * 1000 };
}

/** Runs every job RUNS times, interleaved; returns the medians per job. */
function interleaved(jobs) {
  const seen = jobs.map(() => ({ wall: [], cpu: [] }));
  for (let i = 0; i < runs; i++) {
    jobs.forEach((argv, j) => {
      const r = once(argv);
      seen[j].wall.push(r.wall);
      seen[j].cpu.push(r.cpu);
    });
  }
  return seen.map((s) => ({ wall: median(s.wall), cpu: median(s.cpu) }));
}

function inProcess(lib, engine, text) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    // as the CLI does it: checkHosts hands its parsed hosts to planning and the text is streamed
    // (writeStdout) where the build has them; the text's UTF-8 length stands in for writing it
    const entries = lib.readHostLines(text, "hosts.txt");
    const checked = lib.checkHosts ? lib.checkHosts(entries) : { hosts: lib.checkHostList(entries) };
    const { rendering } = lib.renderFleet({ engine, hosts: checked.hosts, ...(checked.parsed ? { parsedHosts: checked.parsed } : {}), caPem });
    let n = 0;
    if (rendering.writeStdout) rendering.writeStdout((chunk) => (n += Buffer.byteLength(chunk)));
    else n = Buffer.byteLength(rendering.stdout);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    bytes = n;
  }
  return { ms: median(times), bytes };
}

const [node0, one] = interleaved([["-e", "0"], [after.bin, "install-trust", "--dry-run", "--ca", ca, "--root", dir, "--target", "docker,containerd,containers", "--host", "reg0.example.test:5000"]]);
const rows = [];
for (const n of sizes) {
  const hosts = Array.from({ length: n }, (_, i) => `reg${i}.example.test:${5000 + (i % 7)}`);
  const text = `${hosts.join("\n")}\n`;
  const file = join(dir, `hosts-${n}.txt`);
  writeFileSync(file, text);
  for (const engine of engines) {
    const procs = interleaved(builds.map((b) => [b.bin, "fleet", engine, "--hosts-from", file, "--ca", ca, "--out", "-"]));
    builds.forEach((b, i) => {
      const lib = inProcess(b.lib, engine, text);
      rows.push({ build: b.label, engine, n, wall: procs[i].wall, cpu: procs[i].cpu, lib: lib.ms, bytes: lib.bytes });
    });
  }
}
rmSync(dir, { recursive: true, force: true });

const fmt = (x) => x.toFixed(0);
console.log(`## Fleet rendering (issue 15)\n`);
console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end, Node ${process.version}, median of ${runs} runs, runs of the builds interleaved. Hosts \`regN.example.test:500X\`, default targets (docker,containerd,containers). Builds: ${builds.map((b) => `${b.label} = ${b.dist}`).join("; ")}. Peers in the same run: \`node -e 0\` ${fmt(node0.wall)} ms wall / ${fmt(node0.cpu)} ms CPU; \`regcert install-trust --dry-run\` for one host ${fmt(one.wall)} ms wall / ${fmt(one.cpu)} ms CPU.\n`);
console.log("| engine | hosts | build | process wall ms | process CPU ms (user+sys) | CPU vs install-trust 1 host | in-process ms | output MB | in-process ms per 1k hosts |");
console.log("|---|---:|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.engine} | ${r.n} | ${r.build} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${(r.cpu / one.cpu).toFixed(1)}× | ${fmt(r.lib)} | ${(r.bytes / 1e6).toFixed(1)} | ${(r.lib / (r.n / 1000)).toFixed(0)} |`);
console.log("\nGrowth (after, in-process and process CPU; linear is ×10 for 1k → 10k and ×2 for 10k → 20k):\n");
for (const engine of engines) {
  const at = (n) => rows.find((r) => r.engine === engine && r.n === n && r.build === "after");
  const [a, b, c] = [at(1000), at(10000), at(20000)];
  if (a && b) console.log(`- ${engine}: 1k → 10k in-process ×${(b.lib / a.lib).toFixed(1)}, CPU ×${(b.cpu / a.cpu).toFixed(1)}, bytes ×${(b.bytes / a.bytes).toFixed(1)}${c ? `; 10k → 20k in-process ×${(c.lib / b.lib).toFixed(1)}, CPU ×${(c.cpu / b.cpu).toFixed(1)}, bytes ×${(c.bytes / b.bytes).toFixed(2)}` : ""}`);
}
