/**
 * planTrust: hosts + CA(s) + targets -> a TrustPlan (files with paths, contents and modes, directories,
 * refresh commands, notes). Pure and deterministic: no file system, no process, same input -> same
 * bytes. The CLI applies it through src/files/trust-apply.ts; `regcert k8s node-trust` renders it as
 * a DaemonSet script; planTrustRemoval turns it into an exact uninstall.
 */
import { posix } from "node:path";
import { opt, phrase, userError } from "../pki/errors.js";
import { hostPathOf as genericHostPathOf, type CurrentFile, type FileRemovalPlan } from "../files/plan-types.js";
import { parseRegistryHosts, type RegistryHost } from "./host-port.js";
import { isMatchingClientKey, isRegcertCaBundle, isRegcertClientCert, parseClientPair, parseTrustCas, type TrustCa } from "./material.js";
import { LINUX_TARGETS, PER_USER_TARGETS, TARGET_NAMES, TARGET_SPECS, targetSpec } from "./targets.js";
import type { ExistingFiles, RefreshCommand, SystemFamily, TargetInput, TargetName, TargetPlan, TrustDirectory, TrustFile, TrustPlan } from "./types.js";

/** The planner of each target (from its spec). */
export const TARGET_PLANNERS: Readonly<Record<TargetName, (input: TargetInput) => TargetPlan>> = Object.fromEntries(TARGET_SPECS.map((s) => [s.name, s.plan])) as Record<TargetName, (input: TargetInput) => TargetPlan>;

/** Options of planTrust. */
export interface PlanTrustOptions {
  /**
   * Registries as clients type them: `registry.local:5000`, `192.168.0.12:5000`, `[fd00::1]:5000`,
   * or `registry.local` (= port 443: planned as `registry.local` and `registry.local:443`). At least one.
   */
  hosts: readonly string[];
  /**
   * `hosts` already parsed and de-duplicated (what parseRegistryHosts(hosts) returns, e.g. from the
   * fleet's checkHostSources): then hosts is not parsed a second time. The caller vouches that they match.
   */
  parsedHosts?: readonly RegistryHost[];
  /** PEM text with one or more CA certificates (a rollover bundle: every CA is trusted). */
  caPem: string;
  /** Targets to plan (no "all": see parseTargets). Planned in the registry's order (src/trust/targets.ts). */
  targets: readonly TargetName[];
  /** Absolute path the system tree is under; default "/". Paths in the plan are runtime paths; write at root + path. */
  root?: string;
  /**
   * Per-user runtimes instead of the system ones (only docker and containers): rootless Docker in
   * `configHome/docker/certs.d` (default configHome: home/.config), podman in `home/.config/containers/certs.d`.
   */
  user?: { home: string; configHome?: string };
  /** Client certificate for registries with http.tls.clientcas (PEM, from `regcert issue --client`). Needs clientKeyPem. */
  clientCertPem?: string;
  /** The client certificate's unencrypted private key (PEM). Needs clientCertPem. */
  clientKeyPem?: string;
  /**
   * Current contents of files the plan merges into or inspects, by runtime path: k3s
   * `/etc/rancher/k3s/registries.yaml` (merged), containerd `/etc/containerd/config.toml` (config_path
   * warning). Default: none (registries.yaml planned as a new file; the config_path warning is given).
   */
  existing?: ExistingFiles;
  /** System CA store layout; default "debian". */
  systemFamily?: SystemFamily;
  /** How printed macOS/Windows commands name the CA file; default "ca.crt". */
  caFileName?: string;
}

/** Parses `--target` words (comma-separated, repeatable; `all` = every Linux target). */
export function parseTargets(values: readonly string[]): TargetName[] {
  const words = values.flatMap((v) => v.split(",")).map((w) => w.trim().toLowerCase()).filter(Boolean);
  const chosen = new Set<TargetName>();
  for (const word of words) {
    if (word === "all") {
      for (const t of LINUX_TARGETS) chosen.add(t);
      continue;
    }
    if (!(TARGET_NAMES as readonly string[]).includes(word)) {
      throw userError("regcert.invalidTarget", phrase`${opt("targets", `"${word}"`)} is not a known target`, `use one or more of: ${TARGET_NAMES.join(", ")}, all`);
    }
    chosen.add(word as TargetName);
  }
  return TARGET_NAMES.filter((t) => chosen.has(t));
}

/** `to.push(...from)` without spreading tens of thousands of arguments onto the stack. */
function append<T>(to: T[], from: readonly T[]): void {
  for (const item of from) to.push(item);
}

function normaliseRoot(root: string | undefined): string {
  const value = root ?? "/";
  if (!posix.isAbsolute(value)) throw userError("regcert.invalidRoot", phrase`${opt("root", `"${value}"`)} must be an absolute path`, phrase`e.g. ${opt("root", "/mnt/image")} (an absolute path)`);
  return posix.normalize(value).replace(/(.)\/$/, "$1");
}

/**
 * Plans trust for every target. Throws a user error (exit 2) for bad hosts, ports, CA files, client
 * pairs, targets that have no per-user location, or an empty host list.
 */
export function planTrust(options: PlanTrustOptions): TrustPlan {
  const root = normaliseRoot(options.root);
  if (options.hosts.length === 0) throw userError("regcert.noHosts", phrase`no ${opt("hosts")} given: name the registry as clients type it`, phrase`e.g. ${opt("hosts", "registry.local:5000")} ${opt("hosts", "192.168.0.12:5000")}`);
  const hosts = options.parsedHosts ? [...options.parsedHosts] : parseRegistryHosts(options.hosts);
  if (options.targets.length === 0) throw userError("regcert.noTargets", "no target to install trust into", phrase`use ${opt("targets")} with one or more of: ${TARGET_NAMES.join(", ")}, all`);
  const targets = TARGET_NAMES.filter((t) => options.targets.includes(t));
  if (options.user) {
    const bad = targets.filter((t) => targetSpec(t).perUser === "no");
    if (bad.length > 0) throw userError("regcert.notPerUser", phrase`${opt("user")} has no per-user location for ${bad.join(", ")}`, phrase`with ${opt("user")} use ${opt("targets", PER_USER_TARGETS.join(","))}`);
  } else {
    const homeOnly = targets.filter((t) => targetSpec(t).perUser === "only");
    if (homeOnly.length > 0) throw userError("regcert.needsUser", `${homeOnly.join(", ")} ${homeOnly.length === 1 ? "lives" : "live"} in a home directory, not under the system root`, phrase`add ${opt("user")} (as the user who runs it, without sudo): regcert install-trust --user --target ${homeOnly.join(",")} …`);
  }
  const cas = parseTrustCas(options.caPem);
  if ((options.clientCertPem === undefined) !== (options.clientKeyPem === undefined)) {
    throw userError("regcert.clientPairIncomplete", phrase`${opt("clientCertPem")} and ${opt("clientKeyPem")} go together`, "pass both, from `regcert issue --client`");
  }
  const client = options.clientCertPem !== undefined && options.clientKeyPem !== undefined ? parseClientPair(options.clientCertPem, options.clientKeyPem, cas) : undefined;
  const user = options.user ? { home: posix.normalize(options.user.home), configHome: posix.normalize(options.user.configHome ?? posix.join(options.user.home, ".config")) } : undefined;
  const input: TargetInput = {
    hosts,
    cas,
    client,
    base: user ? "user" : "root",
    user,
    existing: options.existing ?? {},
    systemFamily: options.systemFamily ?? "debian",
    caFileName: options.caFileName ?? "ca.crt",
    rootIsSystem: root === "/",
  };
  const plan: TrustPlan = {
    version: 1,
    root,
    userHome: user?.home,
    hosts,
    targets,
    cas,
    client: client ? { fingerprint: client.fingerprint, subject: client.subject, issuedByTrustedCa: client.issuedByTrustedCa } : undefined,
    files: [],
    directories: [],
    requires: [],
    refresh: [],
    printed: [],
    notes: [],
    warnings: [],
  };
  // directories shared by targets (or planned twice by one) are kept once, the first in plan order;
  // a Set of base + path keeps this linear in the number of hosts (a fleet plans tens of thousands)
  // (one Set of paths per base: no key string is built per directory)
  const planned = new Map<string, Set<string>>();
  for (const target of targets) {
    const part = TARGET_PLANNERS[target](input);
    append(plan.files, part.files);
    for (const dir of part.directories) {
      let paths = planned.get(dir.base);
      if (paths === undefined) {
        paths = new Set();
        planned.set(dir.base, paths);
      }
      if (paths.has(dir.path)) continue;
      paths.add(dir.path);
      plan.directories.push(dir);
    }
    append(plan.requires, part.requires);
    append(plan.refresh, part.refresh);
    append(plan.printed, part.printed);
    append(plan.notes, part.notes);
    append(plan.warnings, part.warnings);
  }
  if (client && !client.issuedByTrustedCa) plan.warnings.push(`the client certificate (${client.subject}) is not signed by the CA being installed; the registry's http.tls.clientcas must list its issuer`);
  return plan;
}

/** Where a planned file or directory is on this machine: ROOT + path for system paths, the path itself for --user. */
export const hostPathOf: (plan: Pick<TrustPlan, "root">, entry: Pick<TrustFile, "base" | "path">) => string = genericHostPathOf;

export type { CurrentFile };

/**
 * Whether `current` (a file found at the place of `file`) is regcert's, i.e. what regcert writes:
 * - ca.crt bundles: only canonical PEM certificates, one of them one of the plan's CAs (so a bundle
 *   from before a CA rollover counts, a hand-edited one does not);
 * - system anchors, hosts.toml: byte-equal to what regcert writes (hosts.toml with or without client);
 * - client.cert: one canonical certificate signed by one of the CAs; client.key: the canonical key
 *   of the client.cert beside it (read through `sibling`).
 */
export function isRegcertContent(file: TrustFile, current: string, cas: readonly TrustCa[], sibling: (path: string) => string | undefined): boolean {
  if (current === file.contents || file.alternatives?.includes(current)) return true;
  switch (file.role) {
    case "ca-bundle":
      return isRegcertCaBundle(current, cas);
    case "client-cert":
      return isRegcertClientCert(current, cas);
    case "client-key": {
      const cert = sibling(posix.join(posix.dirname(file.path), "client.cert"));
      return cert !== undefined && isRegcertClientCert(cert, cas) && isMatchingClientKey(current, cert);
    }
    default:
      return false;
  }
}

/** What uninstall does. */
export interface RemovalPlan extends FileRemovalPlan<TrustFile, TrustDirectory> {
  /** commands to run or print after removal (only for targets where something was removed) */
  refresh: RefreshCommand[];
}

/** The applier's ownership test for this plan (src/files/trust-apply.ts asks it before replacing a file). */
export const regcertOwns =
  (plan: Pick<TrustPlan, "cas">) =>
  (file: TrustFile, current: string, sibling: (path: string) => string | undefined): boolean =>
    isRegcertContent(file, current, plan.cas, sibling);

/**
 * Plans an exact uninstall from the plan an install would make and the current files (`current(path)`
 * takes runtime paths). Client pairs are found by content even when uninstall is run without
 * --client-cert/--client-key. Pure.
 */
export function planTrustRemoval(plan: TrustPlan, current: (path: string) => CurrentFile): RemovalPlan {
  const candidates: TrustFile[] = [...plan.files];
  const candidate = new Set(candidates.map((c) => `${c.base}\0${c.path}`));
  for (const file of plan.files) {
    if (file.role !== "ca-bundle") continue;
    const dir = posix.dirname(file.path);
    for (const [name, role, mode] of [["client.cert", "client-cert", 0o644], ["client.key", "client-key", 0o600]] as const) {
      const path = posix.join(dir, name);
      const key = `${file.base}\0${path}`;
      if (candidate.has(key)) continue;
      candidate.add(key);
      candidates.push({ ...file, path, role, mode, contents: "", alternatives: [] });
    }
  }
  const sibling = (path: string) => current(path)?.contents;
  const result: RemovalPlan = { remove: [], rewrite: [], keep: [], directories: [], refresh: [] };
  const touched = new Set<TargetName>();
  for (const file of candidates) {
    const found = current(file.path);
    if (found === undefined) continue;
    if (file.ownership === "merge") {
      const unmerge = targetSpec(file.target).unmerge;
      if (!unmerge) throw new Error(`target ${file.target} plans a merged file but has no unmerge`);
      const next = unmerge(file, found.contents, plan);
      if (next === null) result.remove.push(file);
      else if (next !== found.contents) result.rewrite.push({ ...file, contents: next, mode: found.mode });
      else continue;
      touched.add(file.target);
      continue;
    }
    if (isRegcertContent(file, found.contents, plan.cas, sibling)) {
      result.remove.push(file);
      touched.add(file.target);
    } else {
      result.keep.push({ file, reason: "its content is not what regcert wrote (another CA, or edited by hand)" });
    }
  }
  result.directories = [...plan.directories].reverse();
  result.refresh = plan.refresh.filter((r) => touched.has(r.target));
  return result;
}
