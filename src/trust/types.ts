/**
 * The trust plan: what install-trust would write where, as data. The CLI applies it (src/files),
 * prints it (--dry-run, --json), or removes it (--uninstall); `regcert k8s node-trust` renders the same
 * plan as a DaemonSet script. One plan, rendered several ways.
 */
import type { CurrentFile, PlannedDirectory, PlannedFile, PlannedRequirement } from "../files/plan-types.js";
import type { RegistryHost } from "./host-port.js";
import type { ClientPair, TrustCa } from "./material.js";

/**
 * Every install-trust target. Each has one module exporting its TargetSpec, listed once in
 * src/trust/targets.ts; every list (all, --user, detection, help, Kubernetes roles) derives from the specs.
 */
export type TargetName = "docker" | "containerd" | "containers" | "system" | "k3s" | "microk8s" | "macos" | "windows" | "desktop" | "nerdctl" | "buildkit" | "kind" | "minikube" | "k3d";

/** Which family of system CA store (chosen by what exists under the root). */
export type SystemFamily = "debian" | "rhel";

/** What a planned file is for. */
export type TrustFileRole = "ca-bundle" | "ca" | "client-cert" | "client-key" | "hosts-toml" | "registries-yaml" | "buildkitd-toml" | "cluster-config";

/** One file the plan writes (the generic PlannedFile of src/files, narrowed to trust targets and roles). */
export interface TrustFile extends PlannedFile {
  target: TargetName;
  /** where `path` lives: under the plan's root ("root"), or in the user's home ("user", --user) */
  base: "root" | "user";
  /**
   * The absolute POSIX path as the runtime on the target system sees it, e.g.
   * `/etc/docker/certs.d/registry.local:5000/ca.crt`. For base "root" the file is written at
   * ROOT + path (see `hostPathOf`); for base "user" at path itself.
   */
  path: string;
  /** exact bytes to write (UTF-8 text) */
  contents: string;
  /** file mode: 0o644 certificates and configs, 0o600 keys and registries.yaml */
  mode: number;
  role: TrustFileRole;
  /**
   * "whole": regcert owns the whole file (uninstall deletes it when its content is regcert's).
   * "merge": `contents` is an existing file with regcert's entries merged in (k3s registries.yaml);
   * uninstall removes only those entries.
   */
  ownership: "whole" | "merge";
  /** absolute runtime path of the directory at and below which a symlink is refused */
  guard: string;
  /** the registry directory name this file serves (`registry.local:5000`), when per-registry */
  registry?: string;
  /** other contents that also count as regcert's on uninstall (hosts.toml with/without client pair) */
  alternatives?: string[];
}

/** A directory regcert creates when missing (mode 0755) and removes on uninstall when empty. */
export interface TrustDirectory extends PlannedDirectory {
  target: TargetName;
  base: "root" | "user";
  /** absolute runtime path, like TrustFile.path */
  path: string;
  mode: number;
}

/** A command that makes a runtime pick up the change. */
export interface RefreshCommand {
  target: TargetName;
  /** argv for install */
  install: string[];
  /** argv for uninstall */
  uninstall: string[];
  /**
   * "auto": the CLI runs it when the root is / and it runs as root (otherwise prints it);
   * "print": always printed, never run (restarts of k3s / microk8s are the operator's call).
   */
  run: "auto" | "print";
  /** why it is needed, one line */
  why: string;
}

/** A directory that must already exist (the runtime or store is installed); checked before anything is written. */
export interface TrustRequirement extends PlannedRequirement {
  target: TargetName;
  base: "root" | "user";
  /** absolute runtime path */
  path: string;
  /** the user error when it is missing */
  message: string;
  hint: string;
}

/** Commands for platforms regcert cannot configure from here (macOS keychain, Windows store). */
export interface PrintedCommands {
  target: TargetName;
  install: string[];
  uninstall: string[];
}

/** A complete, deterministic plan (same input, same bytes): the target modules' parts merged in target order, plus what they were made from. */
export interface TrustPlan extends TargetPlan {
  /** plan format version; bumped only for incompatible changes */
  version: 1;
  /** absolute path the system paths are under ("/" for the real system) */
  root: string;
  /** the user's home for --user targets */
  userHome: string | undefined;
  hosts: RegistryHost[];
  targets: TargetName[];
  cas: TrustCa[];
  /** the client certificate (never its key) summary, when an mTLS pair is installed */
  client: Omit<ClientPair, "keyPem" | "certPem"> | undefined;
}

/** Current contents of a file the plan merges into or inspects, keyed by runtime path. */
export type ExistingFiles = Readonly<Record<string, { contents: string; mode: number }>>;

/** What each target module gets. */
export interface TargetInput {
  hosts: readonly RegistryHost[];
  cas: readonly TrustCa[];
  client: ClientPair | undefined;
  base: "root" | "user";
  /** --user: the home directory (rootless Docker: XDG config dir; podman: ~/.config) */
  user: { home: string; configHome: string } | undefined;
  existing: ExistingFiles;
  systemFamily: SystemFamily;
  /** how printed commands name the CA file */
  caFileName: string;
  /** the plan's root is "/" (the real system): Windows paths are then printed, never written */
  rootIsSystem: boolean;
}

/** What each target module returns; merged into the TrustPlan in target order. */
export interface TargetPlan {
  files: TrustFile[];
  /**
   * Directories regcert creates when missing and removes on uninstall when empty, parents first:
   * the runtime's config directory (/etc/docker), its certs.d, one per registry. Never a directory a
   * package or snap owns (/usr/local/share/ca-certificates, microk8s's certs.d).
   */
  directories: TrustDirectory[];
  /** directories that must exist before anything is written (microk8s's args/, the system anchor dir) */
  requires: TrustRequirement[];
  refresh: RefreshCommand[];
  printed: PrintedCommands[];
  /** facts the user should know (where a runtime looks, which restart is needed) */
  notes: string[];
  /** things that will not work without an extra step (config_path, missing runtime) */
  warnings: string[];
}

export const emptyTargetPlan = (): TargetPlan => ({ files: [], directories: [], requires: [], refresh: [], printed: [], notes: [], warnings: [] });

/** How `regcert k8s node-trust` can serve a target: a file drop by the DaemonSet, printed per-node steps, or not at all. */
export type KubernetesRole = "daemonset" | "node-step" | "none";

/**
 * One target, as its module exports it. planTrust, parseTargets, detection, `--user`, `--target all`,
 * help and labels all read these fields; adding a target is its module plus one line in targets.ts.
 */
export interface TargetSpec {
  name: TargetName;
  /** human name for messages and help ("Docker Engine") */
  label: string;
  /** what it writes or prints, one line (help, README table) */
  summary: string;
  /** "files": writes files; "printed": only prints commands (another machine); "both" */
  output: "files" | "printed" | "both";
  /** the planner (pure) */
  plan: (input: TargetInput) => TargetPlan;
  /** runtime paths whose existence means "installed here" (empty: only chosen explicitly) */
  markers: readonly string[];
  /** per-user location: "no" (system only), "yes" (--user or system), "only" (a home directory, needs --user) */
  perUser: "no" | "yes" | "only";
  /** part of `--target all` (the Linux system runtimes) */
  inAll: boolean;
  kubernetes: KubernetesRole;
  /** runtime paths the planner merges into or inspects; the CLI reads them into `existing` */
  reads: readonly string[];
  /** the same for --user (absolute paths in the user's home) */
  userReads?: (user: NonNullable<TargetInput["user"]>) => readonly string[];
  /**
   * For files with ownership "merge": the file's text without this target's entries (null: nothing
   * else left, delete the file). `plan` is the install plan the removal is computed from.
   */
  unmerge?: (file: TrustFile, current: string, plan: TrustPlan) => string | null;
}

export type { CurrentFile };
