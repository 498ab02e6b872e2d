#!/usr/bin/env node
// CPU time and peak memory of whole commands, measured per run with GNU time and interleaved
// (command 1, 2, 3, 1, 2, 3, …) so every command sees the same background load. On a shared, loaded
// machine wall time mostly measures the scheduler; user+sys CPU time of the process tree is the
// steadier figure of how much work a command does. hyperfine (bench/run.sh) gives the wall times.
//
//   node bench/cpu.mjs [--runs 20] [--prepare 'sh cmd'] [--json out.json] -- 'name=command' 'name=command' …
//
// --prepare runs (untimed, through sh) before every run of every command, e.g. to empty a CA home.
// Prints, per command: median and min–max of user+sys CPU ms, of wall ms, and of peak RSS (MB).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "20" }, prepare: { type: "string" }, json: { type: "string" }, warmup: { type: "string", default: "2" } },
});
const commands = positionals.map((spec) => {
  const eq = spec.indexOf("=");
  return { name: spec.slice(0, eq), command: spec.slice(eq + 1) };
});
const runs = Number(values.runs);

function once(command) {
  if (values.prepare) spawnSync("sh", ["-c", values.prepare], { stdio: "ignore" });
  // %U/%S: user/system seconds of the process and its waited-for children; %e wall; %M peak RSS KiB
  const result = spawnSync("/usr/bin/time", ["-f", "@@%U %S %e %M", "sh", "-c", `${command} >/dev/null 2>&1`], { encoding: "utf8" });
  const line = result.stderr.split("\n").find((l) => l.startsWith("@@"));
  if (!line) throw new Error(`no timing for ${command}: ${result.stderr}`);
  const [user, sys, wall, rss] = line.slice(2).split(" ").map(Number);
  return { cpuMs: (user + sys) * 1000, wallMs: wall * 1000, rssMB: rss / 1024 };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
};

for (let w = 0; w < Number(values.warmup); w++) for (const c of commands) once(c.command);
const samples = new Map(commands.map((c) => [c.name, []]));
for (let r = 0; r < runs; r++) for (const c of commands) samples.get(c.name).push(once(c.command));

const results = commands.map((c) => {
  const s = samples.get(c.name);
  return { name: c.name, command: c.command, runs, cpuMs: stats(s.map((x) => x.cpuMs)), wallMs: stats(s.map((x) => x.wallMs)), rssMB: stats(s.map((x) => x.rssMB)) };
});
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
const f = (x) => x.median.toFixed(x.median < 10 ? 1 : 0).padStart(6) + ` (${x.min.toFixed(0)}–${x.max.toFixed(0)})`;
console.log(`${"command".padEnd(28)} ${"cpu ms median (min–max)".padEnd(26)} ${"wall ms".padEnd(22)} peak RSS MB`);
for (const r of results) console.log(`${r.name.padEnd(28)} ${f(r.cpuMs).padEnd(26)} ${f(r.wallMs).padEnd(22)} ${f(r.rssMB)}`);
