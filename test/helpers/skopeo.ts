/**
 * skopeo as the registry client of end-to-end tests. Each call runs with an isolated HOME, XDG dirs,
 * REGISTRY_AUTH_FILE, DOCKER_CONFIG and an empty registries.conf in a fresh temp dir, and with
 * --insecure-policy, so no real user or system configuration decides the outcome. (skopeo still
 * consults /etc/containers/certs.d, /etc/docker/certs.d and the system CA store; tests must not put
 * anything there, and the registry's name/port are unique per run, so nothing there matches.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTool, type ToolResult } from "./run-tool.js";

/** Options common to skopeo calls. */
export interface SkopeoCommonOptions {
  /** Verify TLS (docker:// references); default true. */
  tlsVerify?: boolean;
  /** Kill after this long; default 60 s. */
  timeoutMs?: number;
  /**
   * registries.conf contents (e.g. an `insecure = true` table); default one with no search registries.
   * Given without tlsVerify, no --tls-verify flag is passed, so the file decides.
   */
  registriesConf?: string;
}

/** Options for skopeoCopy. */
export interface SkopeoCopyOptions extends SkopeoCommonOptions {
  /** --src-cert-dir: a directory with ca.crt (*.crt = CAs; client.cert/client.key for mTLS). */
  srcCertDir?: string;
  /** --dest-cert-dir, as srcCertDir. */
  destCertDir?: string;
  /** --src-creds "user:password". */
  srcCreds?: string;
  /** --dest-creds "user:password". */
  destCreds?: string;
}

/** Options for skopeoInspect. */
export interface SkopeoInspectOptions extends SkopeoCommonOptions {
  /** --cert-dir, as SkopeoCopyOptions.srcCertDir. */
  certDir?: string;
  /** --creds "user:password". */
  creds?: string;
  /** --raw: print the manifest as stored. */
  raw?: boolean;
}

/** Runs `skopeo ...args` in an isolated environment (see the module comment). Never throws. */
export async function runSkopeo(args: readonly string[], timeoutMs = 60_000, registriesConfText = "unqualified-search-registries = []\n"): Promise<ToolResult> {
  const dir = mkdtempSync(join(tmpdir(), "regcert-skopeo-"));
  try {
    const registriesConf = join(dir, "registries.conf");
    writeFileSync(registriesConf, registriesConfText);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      TMPDIR: dir,
      XDG_CONFIG_HOME: join(dir, "config"),
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CACHE_HOME: join(dir, "cache"),
      XDG_RUNTIME_DIR: dir,
      REGISTRY_AUTH_FILE: join(dir, "auth.json"),
      DOCKER_CONFIG: join(dir, "docker"),
      CONTAINERS_REGISTRIES_CONF: registriesConf,
      CONTAINERS_CONF: join(dir, "containers.conf"),
    };
    // skopeo 1.9 (Debian 12) ignores CONTAINERS_REGISTRIES_CONF and reads /etc/containers/registries.conf:
    // the global --registries-conf flag is what makes the temp file the one it reads
    return await runTool("skopeo", ["--registries-conf", registriesConf, ...args], { env, replaceEnv: true, timeoutMs });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `skopeo copy --insecure-policy SRC DEST` with the given trust and credentials. Never throws. */
export function skopeoCopy(src: string, dest: string, options: SkopeoCopyOptions = {}): Promise<ToolResult> {
  // with a registries.conf and no explicit tlsVerify, its insecure setting decides (an explicit
  // --tls-verify=true overrides registries.conf's insecure = true)
  const byConf = options.tlsVerify === undefined && options.registriesConf !== undefined;
  const verify = String(options.tlsVerify ?? true);
  const args = ["--insecure-policy", "copy", ...(byConf ? [] : [`--src-tls-verify=${verify}`, `--dest-tls-verify=${verify}`])];
  if (options.srcCertDir) args.push("--src-cert-dir", options.srcCertDir);
  if (options.destCertDir) args.push("--dest-cert-dir", options.destCertDir);
  if (options.srcCreds) args.push("--src-creds", options.srcCreds);
  if (options.destCreds) args.push("--dest-creds", options.destCreds);
  args.push(src, dest);
  return runSkopeo(args, options.timeoutMs, options.registriesConf);
}

/** `skopeo inspect REF` (JSON on stdout, or the raw manifest with `raw`). Never throws. */
export function skopeoInspect(ref: string, options: SkopeoInspectOptions = {}): Promise<ToolResult> {
  const args = ["--insecure-policy", "inspect", `--tls-verify=${String(options.tlsVerify ?? true)}`];
  if (options.certDir) args.push("--cert-dir", options.certDir);
  if (options.creds) args.push("--creds", options.creds);
  if (options.raw) args.push("--raw");
  args.push(ref);
  return runSkopeo(args, options.timeoutMs);
}

/**
 * Makes `ROOT/certs.d/HOST:PORT/` holding `ca.crt` (the given PEM text) and returns that directory,
 * ready for --dest-cert-dir/--src-cert-dir. Add client.cert/client.key there yourself for mTLS.
 */
export function certsDirFor(root: string, hostPort: string, caPem: string | Buffer): string {
  const dir = join(root, "certs.d", hostPort);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ca.crt"), caPem);
  return dir;
}

