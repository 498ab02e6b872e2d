/**
 * The target registry: every install-trust target's spec, in plan and print order. Every list below
 * (and `--target` help, detection, `--user`, `--target all`, Kubernetes roles) derives from it.
 * Adding a target: its module exporting a TargetSpec, its name in TargetName, one line here.
 */
import { buildkitTarget } from "./buildkit.js";
import { containerdTarget } from "./containerd.js";
import { containersTarget } from "./containers.js";
import { desktopTarget } from "./desktop.js";
import { dockerTarget } from "./docker.js";
import { k3dTarget } from "./k3d.js";
import { k3sTarget } from "./k3s.js";
import { kindTarget } from "./kind.js";
import { macosTarget } from "./macos.js";
import { microk8sTarget } from "./microk8s.js";
import { minikubeTarget } from "./minikube.js";
import { nerdctlTarget } from "./nerdctl.js";
import { systemTarget } from "./system.js";
import type { KubernetesRole, TargetName, TargetSpec } from "./types.js";
import { windowsTarget } from "./windows.js";

/** Every target, in plan order. */
export const TARGET_SPECS: readonly TargetSpec[] = [
  dockerTarget,
  containerdTarget,
  containersTarget,
  systemTarget,
  k3sTarget,
  microk8sTarget,
  macosTarget,
  windowsTarget,
  desktopTarget,
  nerdctlTarget,
  buildkitTarget,
  kindTarget,
  minikubeTarget,
  k3dTarget,
];

const byName = new Map<TargetName, TargetSpec>(TARGET_SPECS.map((s) => [s.name, s]));

/** The spec of one target. */
export function targetSpec(name: TargetName): TargetSpec {
  const spec = byName.get(name);
  if (!spec) throw new Error(`no target spec for ${name}`);
  return spec;
}

/** Every accepted --target word (besides `all`), in plan order. */
export const TARGET_NAMES: readonly TargetName[] = TARGET_SPECS.map((s) => s.name);
/** The Linux targets `--target all` means, in plan order. */
export const LINUX_TARGETS: readonly TargetName[] = TARGET_SPECS.filter((s) => s.inAll).map((s) => s.name);
/** What `--user` means without --target: the runtimes of `all` that have a per-user location (rootless Docker, podman). */
export const USER_TARGETS: readonly TargetName[] = TARGET_SPECS.filter((s) => s.perUser === "yes" && s.inAll).map((s) => s.name);
/** Every target `--user` accepts. */
export const PER_USER_TARGETS: readonly TargetName[] = TARGET_SPECS.filter((s) => s.perUser !== "no").map((s) => s.name);
/** Targets that only exist in a home directory (need --user). */
export const HOME_ONLY_TARGETS: readonly TargetName[] = TARGET_SPECS.filter((s) => s.perUser === "only").map((s) => s.name);
/** Marker paths per target, any of which means "installed" (targets without markers are only chosen explicitly). */
export const TARGET_MARKERS: Readonly<Partial<Record<TargetName, readonly string[]>>> = Object.fromEntries(TARGET_SPECS.filter((s) => s.markers.length > 0).map((s) => [s.name, s.markers]));
/** The targets detection can find, in plan order. */
export const DETECTABLE: readonly TargetName[] = TARGET_SPECS.filter((s) => s.markers.length > 0).map((s) => s.name);
/** Runtime paths every planner may merge or inspect (the CLI reads them into `existing`). */
export const TARGET_READS: readonly string[] = [...new Set(TARGET_SPECS.flatMap((s) => s.reads))];

/** Targets by Kubernetes role (`k8s node-trust`). */
export const targetsWithKubernetesRole = (role: KubernetesRole): TargetName[] => TARGET_SPECS.filter((s) => s.kubernetes === role).map((s) => s.name);

/** One line per target for help text and the README table: `name  label: summary`. */
export function describeTargets(): string[] {
  return TARGET_SPECS.map((s) => `${s.name}: ${s.label}; ${s.summary}`);
}
