/**
 * Long-running test processes (regcert acme serve, pebble, caddy): started in their own process group,
 * ready when their output matches a pattern (bounded wait), stopped with SIGTERM then SIGKILL to the
 * whole group. Every started process is also killed when the test process exits.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface RunningProcess {
  child: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
  exited(): boolean;
}

const live = new Set<ChildProcess>();
let hooked = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    /* gone */
  }
}

export async function startProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; ready: RegExp; timeoutMs?: number }): Promise<RunningProcess> {
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const child of live) killGroup(child, "SIGKILL");
    });
  }
  const env = { ...process.env, ...options.env };
  delete env.NODE_OPTIONS;
  const child = spawn(command, args, { env, cwd: options.cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  let output = "";
  let done = false;
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exitPromise = new Promise<void>((r) => child.once("exit", () => {
    done = true;
    live.delete(child);
    r();
  }));
  child.once("error", (e) => (output += `\n[spawn error] ${String(e)}`));
  const running: RunningProcess = {
    child,
    logs: () => output,
    exited: () => done,
    async stop() {
      if (done) return;
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!options.ready.test(output)) {
    if (done || Date.now() > deadline) {
      await running.stop();
      throw new Error(`${command} ${args.join(" ")} did not become ready (${done ? "exited" : "timed out"}):\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return running;
}
