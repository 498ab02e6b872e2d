/**
 * Trust for registry clients: one module per target, each returning a plan (data); planTrust merges
 * them. Nothing here writes files or runs commands (src/files/trust-apply.ts and the CLI do).
 */
export { planTrust, planTrustRemoval, parseTargets, hostPathOf, isRegcertContent, regcertOwns, TARGET_PLANNERS } from "./plan.js";
export type { PlanTrustOptions, RemovalPlan, CurrentFile } from "./plan.js";
export { parseRegistryHost, parseRegistryHosts } from "./host-port.js";
export type { RegistryHost } from "./host-port.js";
export { parseTrustCas, parseClientPair, caBundlePem, caId } from "./material.js";
export type { TrustCa, ClientPair } from "./material.js";
export { detectTargets, detectSystemFamily, TARGET_MARKERS } from "./detect.js";
export type { Detection } from "./detect.js";
export { renderHostsToml, inspectContainerdConfig, configPathLines, CONTAINERD_CERTS_DIR, CONTAINERD_CONFIG } from "./containerd.js";
export { mergeRegistriesYaml, unmergeRegistriesYaml, K3S_REGISTRIES, K3S_CERTS_DIR } from "./k3s.js";
export { DOCKER_CERTS_DIR } from "./docker.js";
export { CONTAINERS_CERTS_DIR } from "./containers.js";
export { MICROK8S_CERTS_DIR } from "./microk8s.js";
export { SYSTEM_STORES, systemAnchorName } from "./system.js";
export { LINUX_TARGETS, TARGET_NAMES, USER_TARGETS, PER_USER_TARGETS, HOME_ONLY_TARGETS, TARGET_SPECS, TARGET_READS, targetSpec, targetsWithKubernetesRole, describeTargets } from "./targets.js";
export type { TargetSpec, KubernetesRole, TargetName, SystemFamily, TrustFile, TrustFileRole, TrustDirectory, RefreshCommand, PrintedCommands, TrustPlan, ExistingFiles } from "./types.js";
export { mergeBuildkitToml, unmergeBuildkitToml, BUILDKIT_TOML } from "./buildkit.js";
export { renderKindConfig } from "./kind.js";
export { windowsDirectoryNames } from "./windows.js";
