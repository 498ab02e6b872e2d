/**
 * Starts the real Debian `docker-registry` (distribution 2.8) as a plain process on loopback, for
 * end-to-end tests. Every started registry is stopped by `stop()` (call it in afterAll) and, as a
 * last resort, killed when the test process exits.
 *
 *   const reg = await startRegistry({ tls: { certificate: crt, key } });
 *   // push to `localhost:${reg.port}/e2e/hello:v1` …
 *   await reg.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { parse, stringify } from "yaml";
import { freePort, type LoopbackHost, waitForPort } from "./ports.js";

/** Options for startRegistry. Every field is optional; the default is plain HTTP on 127.0.0.1. */
export interface RegistryOptions {
  /** Listen on "127.0.0.1" (default) or "::1". */
  host?: LoopbackHost;
  /** Port to use; default: a free one. */
  port?: number;
  /** Serve HTTPS with this certificate (PEM file path, may hold the chain) and key; plain HTTP when omitted. */
  tls?: {
    certificate: string;
    key: string;
    /** CA files for client certificates (http.tls.clientcas): the registry then demands mTLS. */
    clientCas?: string[];
  };
  /** htpasswd auth: path of the htpasswd file; realm defaults to "regcert-test". */
  htpasswd?: { path: string; realm?: string };
  /** storage.delete.enabled; default true. */
  deleteEnabled?: boolean;
  /**
   * Use this config.yml instead of generating one. The listen address is forced with
   * REGISTRY_HTTP_ADDR, so the file's own port does not matter. The other options are then ignored
   * except host/port/env.
   */
  configPath?: string;
  /** Extra environment for the registry process (REGISTRY_* overrides). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the port to accept connections; default 20 s. */
  startTimeoutMs?: number;
  /** Keep the temp dir (storage, config) after stop(); default false. */
  keepDir?: boolean;
  /**
   * Run the registry as this user (setpriv; needs root), like Debian's service runs as docker-registry:
   * the temp dir is then readable by it and the storage dir its own. Files the config names must be
   * readable by that user.
   */
  runAs?: { uid: number; gid: number };
}

/** A running registry. */
export interface RunningRegistry {
  /** Host for URLs and image references: "127.0.0.1" or "[::1]". */
  host: string;
  port: number;
  /** "https://127.0.0.1:PORT" (or http:// without TLS). */
  url: string;
  /** Temp dir holding config.yml and the storage root (`DIR/storage`). */
  dir: string;
  /** The config file the registry was started with. */
  configPath: string;
  /** Stops the registry (SIGTERM; SIGKILL to its process group after 5 s) and waits for it to exit; idempotent. */
  stop(): Promise<void>;
  /** Everything the registry printed so far (stdout + stderr). */
  logs(): string;
}

/**
 * The registry runs under a small sh watchdog, because jest sandboxes `process`: exit hooks
 * registered by a test never run. The watchdog ($1 config, $2 our pid, $3 temp dir or "", $4 $5 uid gid to run the registry as) stops the
 * registry when it gets SIGTERM/SIGINT (stop()), and when our process is gone (even after SIGKILL),
 * then also removes the temp dir. It exits with the registry's status when the registry exits.
 */
const WATCHDOG = `
if [ -n "$4" ]; then
  setpriv --reuid="$4" --regid="$5" --clear-groups docker-registry serve "$1" &
else
  docker-registry serve "$1" &
fi
reg=$!
trap 'kill $reg 2>/dev/null; wait $reg; exit 143' TERM INT
while kill -0 $reg 2>/dev/null; do
  if ! kill -0 "$2" 2>/dev/null; then
    kill $reg 2>/dev/null; wait $reg
    [ -n "$3" ] && rm -rf "$3"
    exit 0
  fi
  sleep 0.5 </dev/null >/dev/null 2>&1 & wait $!
done
wait $reg
`;

/** Signals the watchdog's whole process group (watchdog + registry); ignores a group already gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

const LIVE_KEY = Symbol.for("regcert.test.registries");
interface LiveRegistry {
  child: ChildProcess;
  /** temp dir to remove when the process exits without stop() (undefined with keepDir) */
  dir: string | undefined;
}
type GlobalWithRegistries = typeof globalThis & { [LIVE_KEY]?: Set<LiveRegistry> };

/** The process-wide set of registries still running; killed (and their temp dirs removed) on process exit. */
function liveRegistries(): Set<LiveRegistry> {
  const g = globalThis as GlobalWithRegistries;
  if (!g[LIVE_KEY]) {
    const set = new Set<LiveRegistry>();
    g[LIVE_KEY] = set;
    process.once("exit", () => {
      for (const live of set) {
        killGroup(live.child, "SIGKILL");
        if (live.dir) rmSync(live.dir, { recursive: true, force: true });
      }
    });
  }
  return g[LIVE_KEY];
}

/** Builds the config.yml object distribution 2.8 reads (version 0.1). */
export function registryConfig(options: RegistryOptions & { port: number; storageDir: string }): Record<string, unknown> {
  const addrHost = (options.host ?? "127.0.0.1") === "::1" ? "[::1]" : "127.0.0.1";
  const http: Record<string, unknown> = { addr: `${addrHost}:${options.port}`, secret: "regcert-test-secret" };
  if (options.tls) {
    const tls: Record<string, unknown> = { certificate: options.tls.certificate, key: options.tls.key };
    if (options.tls.clientCas?.length) tls.clientcas = options.tls.clientCas;
    http.tls = tls;
  }
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: "info", fields: { service: "registry" } },
    storage: {
      filesystem: { rootdirectory: options.storageDir },
      delete: { enabled: options.deleteEnabled ?? true },
      cache: { blobdescriptor: "inmemory" },
    },
    http,
  };
  if (options.htpasswd) config.auth = { htpasswd: { realm: options.htpasswd.realm ?? "regcert-test", path: options.htpasswd.path } };
  return config;
}

/**
 * distribution opens its listener *before* it loads the TLS key pair, so an open port alone does not
 * mean it is serving: a bad certificate makes it exit a moment later. Serving = the port accepts and
 * the log says "listening on" (printed after the key pair loaded), or, for a caller's config that
 * logs less, the port has stayed open for a second while the process still runs.
 */
async function waitUntilServing(host: LoopbackHost, port: number, timeoutMs: number, log: () => string, exited: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let openSince: number | undefined;
  while (Date.now() < deadline && !exited()) {
    const remaining = deadline - Date.now();
    if (!(await waitForPort(host, port, remaining, exited))) return false;
    openSince ??= Date.now();
    if (log().includes("listening on") || Date.now() - openSince >= 1_000) return !exited();
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Whether the registry will speak TLS: from options, or from http.tls in a caller's config file (or REGISTRY_HTTP_TLS_CERTIFICATE). */
function servesTls(options: RegistryOptions, configPath: string): boolean {
  if (options.env?.REGISTRY_HTTP_TLS_CERTIFICATE) return true;
  if (!options.configPath) return Boolean(options.tls);
  const parsed = parse(readFileSync(configPath, "utf8")) as { http?: { tls?: { certificate?: string } } } | null;
  return Boolean(parsed?.http?.tls?.certificate);
}

/**
 * Starts `docker-registry serve config.yml` and resolves once it serves (port open and "listening on"
 * logged; at most `startTimeoutMs`, default 20 s). Rejects with the registry's log when it exits early
 * or never listens. A free port taken by someone else between the probe and the bind (parallel test
 * workers) is retried with another port, up to 3 times, when the port was not given.
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRegistryOnce(options);
    } catch (error) {
      const raced = options.port === undefined && /address already in use/.test(String(error));
      if (!raced || attempt >= 3) throw error;
    }
  }
}

async function startRegistryOnce(options: RegistryOptions): Promise<RunningRegistry> {
  const hostOption = options.host ?? "127.0.0.1";
  const port = options.port ?? (await freePort(hostOption));
  const dir = mkdtempSync(join(tmpdir(), "regcert-registry-"));
  const storageDir = join(dir, "storage");
  mkdirSync(storageDir);
  if (options.runAs) {
    chmodSync(dir, 0o755);
    chownSync(storageDir, options.runAs.uid, options.runAs.gid);
  }
  let configPath = options.configPath;
  if (!configPath) {
    configPath = join(dir, "config.yml");
    writeFileSync(configPath, stringify(registryConfig({ ...options, port, storageDir })));
  }
  const urlHost = hostOption === "::1" ? "[::1]" : "127.0.0.1";
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    ...options.env,
    // distribution parses REGISTRY_* values as YAML: "[::1]:PORT" unquoted would be a flow sequence
    REGISTRY_HTTP_ADDR: JSON.stringify(`${urlHost}:${port}`),
  };
  const child = spawn("sh", ["-c", WATCHDOG, "regcert-registry-watchdog", configPath, String(process.pid), options.keepDir ? "" : dir, ...(options.runAs ? [String(options.runAs.uid), String(options.runAs.gid)] : [])], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so a last-resort kill reaches the watchdog and the registry
  });
  // a registry a test forgot to stop must not keep the test process alive: unref it (and its pipes);
  // the watchdog then stops it once this process is gone
  child.unref();
  (child.stdout as (Readable & { unref?: () => void }) | null)?.unref?.();
  (child.stderr as (Readable & { unref?: () => void }) | null)?.unref?.();
  const live = liveRegistries();
  const entry: LiveRegistry = { child, dir: options.keepDir ? undefined : dir };
  live.add(entry);
  let log = "";
  const append = (d: Buffer): void => {
    log += d.toString();
    if (log.length > 2_000_000) log = log.slice(-1_000_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let exited = false;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.on("close", () => {
      exited = true;
      live.delete(entry);
      resolveExit();
    });
    child.on("error", (err) => {
      log += `\n[spawn error] ${String(err)}`;
      exited = true;
      live.delete(entry);
      resolveExit();
    });
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      if (!exited) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
        await exitPromise;
        clearTimeout(killer);
      }
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    }
    await exitPromise;
  };

  const up = await waitUntilServing(hostOption, port, options.startTimeoutMs ?? 20_000, () => log, () => exited);
  if (!up) {
    const why = exited ? "exited early" : "did not listen in time";
    await stop();
    throw new Error(`docker-registry ${why} on ${urlHost}:${port}; its log:\n${log}`);
  }
  return {
    host: urlHost,
    port,
    url: `${servesTls(options, configPath) ? "https" : "http"}://${urlHost}:${port}`,
    dir,
    configPath,
    stop,
    logs: () => log,
  };
}

/**
 * Waits (at most `timeoutMs`, default 5 s) until the registry's log contains `text`; resolves whether
 * it did. The registry logs a failed handshake on its own schedule, often after the client has exited.
 */
export async function waitForLog(registry: RunningRegistry, text: string | RegExp, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const found = () => (typeof text === "string" ? registry.logs().includes(text) : text.test(registry.logs()));
  while (!found()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
