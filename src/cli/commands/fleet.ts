/**
 * regcert fleet <engine>: parse → renderFleet (src/fleet, fed by planTrust) → print or write. Every
 * refusal (bad host line, duplicate, client key without certificate, a flag the engine cannot use)
 * happens before anything is written.
 */
import { resolve } from "node:path";
import { writeFilesAtomic } from "../../files/write.js";
import { FLEET_ENGINE_NAMES, renderFleet, type FleetEngine } from "../../fleet/index.js";
import { checkHosts, readHostLines, type HostSource } from "../../fleet/hosts.js";
import { userError } from "../../pki/errors.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import { parseTargets } from "../../trust/plan.js";
import type { SystemFamily } from "../../trust/types.js";
import type { Context } from "../context.js";
import { readInputFile } from "../input.js";
import { displayPath } from "../paths.js";
import { readTrustCa } from "../k8s-output.js";

export interface FleetFlags {
  host?: string[];
  hostsFrom?: string;
  target?: string[];
  ca?: string;
  clientCert?: string;
  clientKey?: string;
  uninstall?: boolean;
  systemFamily?: string;
  talosLegacy?: boolean;
  name?: string;
  out?: string;
  force?: boolean;
}

/** A hosts file of 10,000 registries is about 300 KiB; 16 MiB leaves room and still bounds memory. */
const MAX_HOSTS_FILE = 16 * 1024 * 1024;

function parseSystemFamily(value: string | undefined): SystemFamily | undefined {
  if (value === undefined) return undefined;
  if (value !== "debian" && value !== "rhel") throw userError("regcert.invalidSystemFamily", `--system-family "${sanitizeForTerminal(value)}" is not known`, "use --system-family debian (Debian, Ubuntu, Alpine, Flatcar's /etc/ssl) or rhel (Fedora CoreOS, RHEL)");
  return value;
}

function parseName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) throw userError("regcert.invalidK8sName", `--name "${sanitizeForTerminal(value)}" is not a valid object name: lower-case letters, digits and '-', at most 63`, "e.g. --name regcert-registry-ca");
  return value;
}

export async function run(ctx: Context, engineName: string, flags: FleetFlags): Promise<void> {
  if (!(FLEET_ENGINE_NAMES as readonly string[]).includes(engineName)) throw userError("regcert.invalidEngine", `"${engineName}" is not a fleet engine`, `use one of: ${FLEET_ENGINE_NAMES.join(", ")}`);
  const engine = engineName as FleetEngine;
  // everything that can be refused without reading files first
  if (flags.clientKey !== undefined && flags.clientCert === undefined) throw userError("regcert.clientPairIncomplete", "--client-key was given without --client-cert", "pass both, from `regcert issue --client`: --client-cert NAME.crt --client-key NAME.key");
  if (flags.clientCert !== undefined && flags.clientKey === undefined) throw userError("regcert.clientPairIncomplete", "--client-cert was given without --client-key", "pass both, from `regcert issue --client`: --client-cert NAME.crt --client-key NAME.key");
  const stdinUsers = [flags.hostsFrom, flags.ca, flags.clientCert, flags.clientKey].filter((v) => v === "-").length;
  if (stdinUsers > 1) throw userError("regcert.stdinTwice", "only one of --hosts-from, --ca, --client-cert, --client-key can read standard input", "give the others as files");
  const targets = flags.target && flags.target.length > 0 ? parseTargets(flags.target) : undefined;
  const systemFamily = parseSystemFamily(flags.systemFamily);
  const name = parseName(flags.name);
  const out = flags.out ?? "-";

  const entries: HostSource[] = (flags.host ?? []).map((host, i) => ({ host, where: `--host #${i + 1}` }));
  if (flags.hostsFrom !== undefined) {
    const label = flags.hostsFrom === "-" ? "standard input" : displayPath(resolve(ctx.cwd, flags.hostsFrom), ctx.cwd);
    const text = (await readInputFile(flags.hostsFrom, "--hosts-from", MAX_HOSTS_FILE)).toString("utf8");
    entries.push(...readHostLines(text, sanitizeForTerminal(label)));
  }
  const { hosts, parsed: parsedHosts } = checkHosts(entries);
  const caPem = await readTrustCa(ctx, flags.ca);
  const clientCertPem = flags.clientCert === undefined ? undefined : (await readInputFile(flags.clientCert, "--client-cert")).toString("utf8");
  const clientKeyPem = flags.clientKey === undefined ? undefined : (await readInputFile(flags.clientKey, "--client-key")).toString("utf8");

  const { plan, rendering } = renderFleet({
    engine,
    hosts,
    parsedHosts,
    caPem,
    ...(targets ? { targets } : {}),
    ...(clientCertPem !== undefined ? { clientCertPem } : {}),
    ...(clientKeyPem !== undefined ? { clientKeyPem } : {}),
    ...(systemFamily ? { systemFamily } : {}),
    ...(flags.uninstall ? { uninstall: true } : {}),
    ...(flags.talosLegacy ? { talosLegacy: true } : {}),
    ...(name ? { name } : {}),
  });

  let written: string[] = [];
  if (out !== "-") {
    const dir = resolve(ctx.cwd, out);
    writeFilesAtomic(
      rendering.files.map((f) => ({ path: resolve(dir, f.path), contents: f.contents, mode: f.mode, label: `fleet ${engine} file` })),
      { force: flags.force === true },
    );
    written = rendering.files.map((f) => resolve(dir, f.path));
  }
  const say = (line: string) => {
    if (!ctx.globals.quiet && !ctx.globals.json) process.stderr.write(`${line}\n`);
  };
  if (ctx.globals.json) {
    ctx.ui.result({
      command: `fleet ${engine}`,
      hosts: plan.hosts.length,
      targets: plan.targets,
      cas: plan.cas.map((c) => ({ fingerprint: c.fingerprint, commonName: c.commonName ?? null })),
      out: out === "-" ? null : resolve(ctx.cwd, out),
      files: written,
      notes: rendering.notes,
      warnings: rendering.warnings,
      ...(out === "-" ? { text: rendering.stdout } : {}),
    });
    return;
  }
  // streamed: tens of megabytes for 10,000 hosts are written as they are rendered (stdout writes are
  // synchronous for files and pipes on POSIX), never held as one string
  if (out === "-") {
    if (rendering.writeStdout) rendering.writeStdout((chunk) => process.stdout.write(chunk));
    else process.stdout.write(rendering.stdout);
  }
  else say(`Wrote ${written.map((p) => displayPath(p, ctx.cwd)).join(", ")}`);
  for (const note of rendering.notes) say(`note: ${sanitizeForTerminal(note)}`);
  for (const warning of rendering.warnings) ctx.ui.warn(warning);
}
