/**
 * The fleet engines: each renders the one TrustPlan (planFleet → planTrust) for an engine a fleet
 * already runs. Engines that place files (ansible, cloud-init, ignition) take install-trust's
 * --target words; the others have one mechanism of their own (Talos, Bottlerocket, OpenShift, pod
 * bundles) and take the plan's hosts, CAs and client pair.
 */
import { opt, phrase, userError } from "../pki/errors.js";
import { type SystemFamily, type TargetName, type TrustPlan } from "../trust/types.js";
import { LINUX_TARGETS } from "../trust/targets.js";
import { renderAnsible } from "./ansible.js";
import { renderBottlerocket } from "./bottlerocket.js";
import { renderCloudInit } from "./cloud-init.js";
import { renderIgnition } from "./ignition.js";
import { renderOpenshift } from "./openshift.js";
import { renderPodBundle } from "./pod-bundle.js";
import { renderTalos } from "./talos.js";
import type { FleetRendering } from "./output.js";
import { planFleet } from "./plan.js";
import type { RegistryHost } from "../trust/host-port.js";

export type FleetEngine = "ansible" | "cloud-init" | "ignition" | "talos" | "bottlerocket" | "openshift" | "pod-bundle";

export interface FleetRenderOptions {
  /** ansible: print the uninstall playbook */
  uninstall?: boolean;
  /** talos: the legacy machine.registries.config patch instead of RegistryTLSConfig documents */
  talosLegacy?: boolean;
  /** openshift ConfigMap / pod bundle object name; default "regcert-registry-ca" */
  name?: string;
}

export interface EngineSpec {
  /** install-trust targets this engine can place (empty: --target does not apply) */
  targets: readonly TargetName[];
  defaultTargets: readonly TargetName[];
  /** whether --uninstall means something for it */
  uninstall: boolean;
  /** whether it can carry an mTLS client pair */
  client: boolean;
  systemFamily: SystemFamily;
  render(plan: TrustPlan, options: FleetRenderOptions): FleetRendering;
}

const FILE_DROP_DEFAULT: readonly TargetName[] = ["docker", "containerd", "containers"];

/** First-boot engines write files before any runtime is installed: microk8s (a snap's directory) is left out. */
const FIRST_BOOT_TARGETS: readonly TargetName[] = ["docker", "containerd", "containers", "system", "k3s"];

export const FLEET_ENGINES: Readonly<Record<FleetEngine, EngineSpec>> = {
  ansible: { targets: LINUX_TARGETS, defaultTargets: FILE_DROP_DEFAULT, uninstall: true, client: true, systemFamily: "debian", render: renderAnsible },
  "cloud-init": { targets: FIRST_BOOT_TARGETS, defaultTargets: FILE_DROP_DEFAULT, uninstall: false, client: true, systemFamily: "debian", render: renderCloudInit },
  ignition: { targets: FIRST_BOOT_TARGETS, defaultTargets: FILE_DROP_DEFAULT, uninstall: false, client: true, systemFamily: "rhel", render: renderIgnition },
  talos: { targets: [], defaultTargets: [], uninstall: false, client: true, systemFamily: "debian", render: renderTalos },
  bottlerocket: { targets: [], defaultTargets: [], uninstall: false, client: false, systemFamily: "debian", render: renderBottlerocket },
  openshift: { targets: [], defaultTargets: [], uninstall: false, client: false, systemFamily: "debian", render: renderOpenshift },
  "pod-bundle": { targets: [], defaultTargets: [], uninstall: false, client: false, systemFamily: "debian", render: renderPodBundle },
};

export const FLEET_ENGINE_NAMES: readonly FleetEngine[] = ["ansible", "cloud-init", "ignition", "talos", "bottlerocket", "openshift", "pod-bundle"];

export interface RenderFleetOptions extends FleetRenderOptions {
  engine: FleetEngine;
  hosts: readonly string[];
  /** `hosts` as checkHosts parsed them (src/fleet/hosts.ts): planning then does not parse them again */
  parsedHosts?: readonly RegistryHost[];
  caPem: string;
  /** install-trust words (no "all": see parseTargets); default: the engine's defaultTargets */
  targets?: readonly TargetName[];
  clientCertPem?: string;
  clientKeyPem?: string;
  systemFamily?: SystemFamily;
}

/** Plans and renders. Throws user errors (exit 2) for what the engine cannot do, before planning. */
export function renderFleet(options: RenderFleetOptions): { plan: TrustPlan; rendering: FleetRendering } {
  const spec = FLEET_ENGINES[options.engine];
  if (!spec) throw userError("regcert.invalidEngine", `"${options.engine}" is not a fleet engine`, `use one of: ${FLEET_ENGINE_NAMES.join(", ")}`);
  const given = options.targets ?? [];
  if (spec.targets.length === 0 && given.length > 0) throw userError("regcert.targetNotApplicable", phrase`${opt("targets")} does not apply to fleet ${options.engine}: it configures the registry trust its own way`, phrase`leave out ${opt("targets")}`);
  const bad = given.filter((t) => !spec.targets.includes(t));
  if (bad.length > 0) throw userError("regcert.invalidTarget", `fleet ${options.engine} cannot install ${bad.join(", ")}`, phrase`use ${opt("targets")} with ${spec.targets.join(", ")}`);
  if (options.uninstall && !spec.uninstall) throw userError("regcert.uninstallNotApplicable", phrase`${opt("uninstall")} does not apply to fleet ${options.engine}`, options.engine === "cloud-init" || options.engine === "ignition" ? phrase`first-boot configuration is not undone; on running hosts use fleet ansible ${opt("uninstall", true)}` : "delete the objects or documents it made instead");
  const withClient = options.clientCertPem !== undefined || options.clientKeyPem !== undefined;
  if (withClient && !spec.client) throw userError("regcert.clientNotSupported", `fleet ${options.engine} has no place for a client certificate (mTLS)`, phrase`leave out ${opt("clientCertPem")}/${opt("clientKeyPem")}, or use fleet ansible, cloud-init, ignition or talos`);
  const targets = given.length > 0 ? given : spec.targets.length > 0 ? spec.defaultTargets : (["docker"] as const);
  const plan = planFleet({
    hosts: options.hosts,
    ...(options.parsedHosts !== undefined ? { parsedHosts: options.parsedHosts } : {}),
    caPem: options.caPem,
    targets,
    ...(options.clientCertPem !== undefined ? { clientCertPem: options.clientCertPem } : {}),
    ...(options.clientKeyPem !== undefined ? { clientKeyPem: options.clientKeyPem } : {}),
    systemFamily: options.systemFamily ?? spec.systemFamily,
  });
  return { plan, rendering: spec.render(plan, options) };
}
