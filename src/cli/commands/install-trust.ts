/**
 * regcert install-trust: plan trust for the chosen targets (src/trust), then apply it, print it
 * (--dry-run) or remove it (--uninstall) through src/files/trust-apply.ts. Never creates a CA.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { userError } from "../../pki/errors.js";
import { readTrustBundle, caPaths } from "../../files/home.js";
import { applyTrustPlan, applyTrustRemoval, existsUnder, inspectTrustPlan, readCurrent, readExistingFiles, checkTrustPaths } from "../../files/trust-apply.js";
import { detectSystemFamily, detectTargets } from "../../trust/detect.js";
import { parseRegistryHosts } from "../../trust/host-port.js";
import { hostPathOf, parseTargets, planTrust, planTrustRemoval, regcertOwns } from "../../trust/plan.js";
import { TARGET_MARKERS, TARGET_READS, USER_TARGETS, targetSpec } from "../../trust/targets.js";
import type { RefreshCommand, TargetName, TrustFile, TrustPlan } from "../../trust/types.js";
import type { Context } from "../context.js";
import { readInputFile } from "../input.js";
import { shellQuote } from "../../text/shell.js";

export interface InstallTrustFlags {
  host?: string[];
  ca?: string;
  target?: string[];
  user?: boolean;
  root?: string;
  clientCert?: string;
  clientKey?: string;
  dryRun?: boolean;
  uninstall?: boolean;
  force?: boolean;
}

const commandLine = (argv: readonly string[]) => argv.map(shellQuote).join(" ");

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function readCa(ctx: Context, flags: InstallTrustFlags): Promise<{ pem: string; source: string; fileName: string }> {
  if (flags.ca !== undefined) {
    const pem = (await readInputFile(flags.ca, "--ca")).toString("utf8");
    return { pem, source: flags.ca === "-" ? "standard input" : resolve(ctx.cwd, flags.ca), fileName: flags.ca === "-" ? "ca.crt" : flags.ca };
  }
  const home = ctx.home();
  const pem = readTrustBundle(home);
  if (pem === undefined) {
    throw userError("regcert.noCa", `no CA certificate in ${home} (install-trust never creates a CA)`, "pass the registry's CA with --ca FILE (or --ca - to read it from stdin), e.g. the ca.crt written by regcert issue");
  }
  return { pem, source: caPaths(home).certificate, fileName: caPaths(home).certificate };
}

function chooseTargets(ctx: Context, flags: InstallTrustFlags & { target: string[] }, root: string): { targets: TargetName[]; detected: TargetName[] | undefined } {
  if (flags.target.length > 0) return { targets: parseTargets(flags.target), detected: undefined };
  if (flags.user) return { targets: [...USER_TARGETS], detected: undefined };
  const detection = detectTargets(existsUnder(root));
  const where = root === "/" ? "this machine" : root;
  if (detection.found.length === 0) {
    ctx.ui.info(`No container runtime found on ${where}; installing for docker (choose with --target).`);
    return { targets: ["docker"], detected: [] };
  }
  ctx.ui.info(`Found on ${where}: ${detection.found.map((t) => `${t} (${detection.evidence[t]})`).join(", ")}.`);
  return { targets: detection.found, detected: detection.found };
}

function describeFile(file: TrustFile): string {
  if (file.role === "client-key") return `(client private key, ${file.contents.length} bytes, mode 0600)`;
  return file.contents;
}

/**
 * Runs the "auto" refresh commands (update-ca-certificates …) when the root is / and we are root;
 * prints every other one. Exported for tests, which pass a PATH holding only stubs.
 */
export function runRefresh(ctx: Context, plan: Pick<TrustPlan, "root">, commands: RefreshCommand[], which: "install" | "uninstall", asRoot = isRoot()): Array<{ command: string; ran: boolean; exitCode?: number }> {
  const out: Array<{ command: string; ran: boolean; exitCode?: number }> = [];
  for (const r of commands) {
    const argv = which === "install" ? r.install : r.uninstall;
    const line = commandLine(argv);
    if (r.run === "auto" && plan.root === "/" && asRoot) {
      const result = spawnSync(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: ctx.env, timeout: 120_000 });
      if (result.error) {
        ctx.ui.warn(`could not run ${line}: ${(result.error as NodeJS.ErrnoException).code === "ENOENT" ? "not installed" : result.error.message}; run it yourself`);
        out.push({ command: line, ran: false });
        process.exitCode = 1;
        continue;
      }
      const output = `${result.stdout?.toString() ?? ""}${result.stderr?.toString() ?? ""}`.trim();
      if (output && !ctx.ui.quiet) process.stderr.write(`${output}\n`);
      if (result.status !== 0) {
        ctx.ui.warn(`${line} failed (exit ${result.status ?? "signal"}); ${r.why}`);
        process.exitCode = 1;
      } else ctx.ui.info(`Ran ${line} (${r.why}).`);
      out.push({ command: line, ran: true, exitCode: result.status ?? 1 });
    } else {
      const sudo = asRoot ? "" : "sudo ";
      const because = r.run === "auto" ? (plan.root === "/" ? "(needs root)" : `(not run: --root ${plan.root})`) : "";
      ctx.ui.info(`Then run: ${plan.root === "/" ? sudo : ""}${line}   # ${r.why} ${because}`.trimEnd());
      out.push({ command: line, ran: false });
    }
  }
  return out;
}

function printPrinted(ctx: Context, plan: TrustPlan, which: "install" | "uninstall"): void {
  for (const p of plan.printed) {
    const label = p.target === "macos" ? "On macOS" : p.target === "windows" ? "On Windows" : `For ${targetSpec(p.target).label}`;
    ctx.ui.info(`${label}, run:`);
    for (const line of which === "install" ? p.install : p.uninstall) ctx.ui.info(`  ${line}`);
  }
}

/** After an install (or its dry run): commands to run by hand, notes, missing runtimes, warnings. */
function reportPlanNotes(ctx: Context, plan: TrustPlan, explicit: boolean): void {
  printPrinted(ctx, plan, "install");
  for (const note of plan.notes) ctx.ui.info(`note: ${note}`);
  warnMissingRuntimes(ctx, plan, explicit);
  for (const warning of plan.warnings) ctx.ui.warn(warning);
}

function warnMissingRuntimes(ctx: Context, plan: TrustPlan, explicit: boolean): void {
  if (!explicit || plan.userHome !== undefined) return;
  const exists = existsUnder(plan.root);
  for (const target of plan.targets) {
    if (plan.requires.some((r) => r.target === target)) continue; // refused earlier when missing
    const markers = TARGET_MARKERS[target];
    if (markers && !markers.some(exists)) ctx.ui.warn(`${target} does not look installed under ${plan.root} (none of ${markers.join(", ")}); its files are written anyway`);
  }
}

export async function run(ctx: Context, given: InstallTrustFlags): Promise<void> {
  const flags = { ...given, host: given.host ?? [], target: given.target ?? [] };
  // everything that can be refused is checked before anything is read or written
  if (flags.host.length === 0) throw userError("regcert.noHosts", "no --host given: name the registry as clients type it", "e.g. regcert install-trust --host registry.local:5000 --host 192.168.0.12:5000");
  parseRegistryHosts(flags.host);
  if (flags.target.length > 0) parseTargets(flags.target);
  if (flags.user && flags.root !== undefined) throw userError("regcert.conflictingFlags", "--user and --root cannot be combined", "--user writes into your home; --root into a system tree");
  if (flags.user && isRoot() && ctx.env.SUDO_USER) throw userError("regcert.userUnderSudo", "--user under sudo would write root-owned files into your home", "run it without sudo: regcert install-trust --user …");
  if ((flags.clientCert === undefined) !== (flags.clientKey === undefined)) throw userError("regcert.clientPairIncomplete", "--client-cert and --client-key go together", "pass both, from `regcert issue --client`");
  if (flags.ca === "-" && (flags.clientCert === "-" || flags.clientKey === "-")) throw userError("regcert.stdinTwice", "only one of --ca, --client-cert, --client-key can read standard input", "give the CA with --ca - and the client pair as files (--client-cert FILE --client-key FILE)");

  const root = resolve(ctx.cwd, flags.root ?? "/");
  try {
    if (!statSync(root).isDirectory()) throw new Error("not a directory");
  } catch {
    throw userError("regcert.invalidRoot", `--root ${root} is not an existing directory`, `create it first (${shellQuote("mkdir")} -p ${shellQuote(root)}), or pass the directory that holds etc/ of the image or chroot`);
  }
  const ca = await readCa(ctx, flags);
  const clientCertPem = flags.clientCert === undefined ? undefined : (await readInputFile(flags.clientCert, "--client-cert")).toString("utf8");
  const clientKeyPem = flags.clientKey === undefined ? undefined : (await readInputFile(flags.clientKey, "--client-key")).toString("utf8");
  const { targets, detected } = chooseTargets(ctx, flags, root);
  const family = detectSystemFamily(existsUnder(root));
  const user = flags.user ? { home: ctx.env.HOME || homedir(), configHome: ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME || homedir(), ".config") } : undefined;
  // files the planners merge (k3s/k3d registries.yaml, buildkitd.toml) or inspect (containerd config.toml)
  const existing = user ? readExistingFiles("/", targets.flatMap((t) => targetSpec(t).userReads?.(user) ?? [])) : readExistingFiles(root, TARGET_READS);
  const planFor = (chosen: TargetName[]) =>
    planTrust({
      hosts: flags.host,
      caPem: ca.pem,
      targets: chosen,
      root,
      ...(user ? { user } : {}),
      ...(clientCertPem !== undefined && clientKeyPem !== undefined ? { clientCertPem, clientKeyPem } : {}),
      existing,
      systemFamily: family.family,
      caFileName: ca.fileName,
    });
  let plan = planFor(targets);
  // `--target all` means every target that can apply here: skip those that need an installation
  // (microk8s, the system store) that is missing; a target named explicitly is refused instead
  const named = new Set(flags.target.flatMap((v) => v.split(",")).map((w) => w.trim().toLowerCase()));
  if (named.has("all") && !flags.uninstall) {
    const exists = existsUnder(root);
    const skipped = plan.requires.filter((r) => !named.has(r.target) && !exists(r.path)).map((r) => r.target);
    // k3s has no requirement (registries.yaml may be written before k3s is installed, as its docs do),
    // but `all` must not leave /etc/rancher/k3s on a machine without k3s
    const k3sAbsent = targets.includes("k3s") && !named.has("k3s") && !(TARGET_MARKERS.k3s ?? []).some(exists);
    if (k3sAbsent) {
      skipped.push("k3s");
      ctx.ui.info("Skipping k3s: k3s is not installed here (no /usr/local/bin/k3s or /etc/rancher/k3s).");
    }
    if (skipped.length > 0) {
      for (const req of plan.requires.filter((r) => skipped.includes(r.target))) ctx.ui.info(`Skipping ${req.target}: ${req.message}.`);
      plan = planFor(targets.filter((t) => !skipped.includes(t)));
    }
  }
  const explicit = flags.target.length > 0;
  const base = plan.userHome !== undefined ? "user" : "root";
  const caSummary = plan.cas.map((c) => ({ fingerprint: c.fingerprint, id: c.id, commonName: c.commonName ?? null, notAfter: c.notAfter.toISOString() }));
  const common = { command: "install-trust", root: plan.root, user: plan.userHome ?? null, hosts: plan.hosts.map((h) => h.hostPort), targets: plan.targets, detected: detected ?? null, caSource: ca.source, cas: caSummary };

  if (flags.uninstall) {
    const removal = planTrustRemoval(plan, (path) => readCurrent(plan, { base, path }));
    if (flags.dryRun) {
      checkTrustPaths(plan);
      for (const f of removal.remove) ctx.ui.info(`would remove ${hostPathOf(plan, f)}`);
      for (const f of removal.rewrite) ctx.ui.info(`would remove regcert's entries from ${hostPathOf(plan, f)}`);
      for (const k of removal.keep) ctx.ui.info(`would leave ${hostPathOf(plan, k.file)}: ${k.reason}`);
      if (removal.remove.length + removal.rewrite.length === 0) ctx.ui.info("Nothing to uninstall: regcert's files are not there.");
      printPrinted(ctx, plan, "uninstall");
      if (ctx.ui.json) ctx.ui.result({ ...common, action: "uninstall", dryRun: true, remove: removal.remove.map((f) => hostPathOf(plan, f)), rewrite: removal.rewrite.map((f) => hostPathOf(plan, f)), keep: removal.keep.map((k) => ({ path: hostPathOf(plan, k.file), reason: k.reason })), printed: plan.printed });
      return;
    }
    const result = applyTrustRemoval(plan, removal);
    for (const path of result.removed) ctx.ui.info(`Removed ${path}`);
    for (const path of result.rewritten) ctx.ui.info(`Removed regcert's entries from ${path}`);
    for (const path of result.removedDirectories) ctx.ui.info(`Removed directory ${path}`);
    for (const k of result.kept) ctx.ui.warn(`left ${k.path} alone: ${k.reason}`);
    const changed = result.removed.length + result.rewritten.length + result.removedDirectories.length > 0;
    if (!changed) ctx.ui.info("Nothing to uninstall: regcert's files are not there; nothing changed.");
    const refresh = changed ? runRefresh(ctx, plan, removal.refresh, "uninstall") : [];
    printPrinted(ctx, plan, "uninstall");
    if (ctx.ui.json) ctx.ui.result({ ...common, action: "uninstall", changed, removed: result.removed, rewritten: result.rewritten, removedDirectories: result.removedDirectories, kept: result.kept, refresh, printed: plan.printed });
    return;
  }

  if (flags.dryRun) {
    checkTrustPaths(plan);
    const statuses = inspectTrustPlan(plan, regcertOwns(plan));
    for (const s of statuses) {
      const verb = { create: "would write", unchanged: "unchanged", replace: "would replace", conflict: "CONFLICT (not regcert's; --force replaces)" }[s.state];
      ctx.ui.info(`${verb} ${s.path} (mode ${s.file.mode.toString(8).padStart(4, "0")})`);
      if (s.state !== "unchanged") for (const line of describeFile(s.file).trimEnd().split("\n")) ctx.ui.info(`    ${line}`);
    }
    for (const r of plan.refresh) ctx.ui.info(`then: ${commandLine(r.install)}   # ${r.why}${r.run === "auto" ? " (run automatically when --root is / and as root)" : ""}`);
    reportPlanNotes(ctx, plan, explicit);
    if (ctx.ui.json) {
      ctx.ui.result({
        ...common,
        action: "install",
        dryRun: true,
        files: statuses.map((s) => ({ path: s.path, runtimePath: s.file.path, target: s.file.target, role: s.file.role, mode: s.file.mode, state: s.state, ...(s.file.role === "client-key" ? {} : { contents: s.file.contents }) })),
        directories: plan.directories.map((d) => hostPathOf(plan, d)),
        refresh: plan.refresh,
        printed: plan.printed,
        notes: plan.notes,
        warnings: plan.warnings,
      });
    }
    return;
  }

  const result = applyTrustPlan(plan, { force: flags.force === true, owns: regcertOwns(plan) });
  const changed = result.written.length > 0;
  for (const s of result.statuses) {
    if (s.state === "create") ctx.ui.info(`Wrote ${s.path}`);
    else if (s.state === "replace") ctx.ui.info(`Updated ${s.path}`);
    else if (s.state === "conflict") ctx.ui.info(`Replaced ${s.path} (--force)`);
  }
  if (plan.files.length > 0 && !changed) ctx.ui.info(`Already installed for ${plan.hosts.map((h) => h.hostPort).join(", ")} (${plan.targets.join(", ")}); nothing changed.`);
  else if (changed) ctx.ui.info(`Trust installed for ${plan.hosts.map((h) => h.hostPort).join(", ")} in ${plan.targets.filter((t) => targetSpec(t).output !== "printed" && plan.files.some((f) => f.target === t)).join(", ")}.`);
  const refresh = changed ? runRefresh(ctx, plan, plan.refresh, "install") : [];
  reportPlanNotes(ctx, plan, explicit);
  if (ctx.ui.json) {
    ctx.ui.result({
      ...common,
      action: "install",
      changed,
      files: result.statuses.map((s) => ({ path: s.path, target: s.file.target, role: s.file.role, mode: s.file.mode, state: s.state === "create" ? "written" : s.state === "replace" ? "updated" : s.state === "conflict" ? "replaced" : "unchanged" })),
      createdDirectories: result.createdDirectories,
      refresh,
      printed: plan.printed,
      notes: plan.notes,
      warnings: plan.warnings,
    });
  }
}
