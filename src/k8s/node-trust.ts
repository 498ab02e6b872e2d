/**
 * `regcert k8s node-trust`: the install-trust plan for every node of a cluster, applied by Kubernetes
 * itself (a ConfigMap and a DaemonSet), not by an agent of our own. One plan, rendered two ways: the
 * files are planTrust's (root "/"), and the DaemonSet's script writes exactly those files.
 *
 * ConfigMap keys must match [-._a-zA-Z0-9]+ (apimachinery IsConfigMapKey), and paths hold ':' and
 * '/' (and '[', ']' for IPv6): the CA bundle, the same bytes in every registry directory, is one key
 * `ca.crt`; every other file gets a key with the registry's directory name encoded
 * (`registry.local_3a5000.hosts.toml`: '_' + two hex digits for each byte outside [-.a-zA-Z0-9]).
 * The script maps keys back to paths from its FILES table.
 *
 * What a file drop cannot do is returned as per-node steps, never done by the DaemonSet:
 * containerd before 2.2 reads certs.d only with config_path in config.toml (and a restart; 2.x
 * refuses config_path next to registry.configs/mirrors), k3s needs registries.yaml merged and a
 * restart, microk8s a snap restart.
 */
import { createHash } from "node:crypto";
import { opt, phrase, userError } from "../pki/errors.js";
import { configPathLines, CONTAINERD_CERTS_DIR } from "../trust/containerd.js";
import { planTrust } from "../trust/plan.js";
import { targetsWithKubernetesRole } from "../trust/targets.js";
import type { TargetName, TrustPlan } from "../trust/types.js";
import { standardLabels, type K8sObject } from "./manifest.js";
import { CONFIG_MOUNT, NODE_ROOT, RECHECK_SECONDS, SCRIPT_KEY, renderNodeScript, scriptInputOf } from "./node-script.js";

/** Targets the DaemonSet writes (a file drop under a certs.d directory, no restart needed). */
export const DAEMONSET_TARGETS: readonly TargetName[] = targetsWithKubernetesRole("daemonset");
/** Targets that need a restart or a merge on the node: printed as per-node steps. */
export const NODE_STEP_TARGETS: readonly TargetName[] = targetsWithKubernetesRole("node-step");

/**
 * The default image: busybox from Docker Hub. Small (about 2 MB), has every applet the script uses,
 * and is what clusters already pull for debugging (`kubectl run -it --image=busybox`); nodes reach
 * Docker Hub before they trust your registry. Fully qualified so CRI-O/podman short-name rules
 * cannot send it elsewhere.
 */
export const DEFAULT_IMAGE = "docker.io/library/busybox:1.36.1";

export interface NodeTrustOptions {
  /** registries as clients type them */
  hosts: readonly string[];
  /** CA certificate(s), PEM (a rollover bundle trusts every CA in it) */
  caPem: string;
  /** docker, containerd, containers (DaemonSet) and k3s, microk8s (per-node steps) */
  targets: readonly TargetName[];
  /** default "kube-system" */
  namespace?: string;
  /** ConfigMap and DaemonSet name; default "regcert-node-trust" */
  name?: string;
  /** default DEFAULT_IMAGE */
  image?: string;
}

export interface NodeTrust {
  /** ConfigMap then DaemonSet; empty when only per-node targets were asked for */
  objects: K8sObject[];
  /** the plan the DaemonSet renders (root "/"); undefined without DaemonSet targets */
  plan: TrustPlan | undefined;
  /** ConfigMap key of each planned file, by runtime path */
  keys: Map<string, string>;
  script: string | undefined;
  /** what a file drop cannot do: numbered steps to run on each node */
  nodeSteps: string[];
  /** comment lines for the top of the YAML */
  header: string[];
}

/** Encodes one path segment into ConfigMap key characters: '_' + hex for each byte outside [-.a-zA-Z0-9]. */
export function encodeKeyPart(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[-.a-zA-Z0-9]/.test(c) ? c : `_${byte.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/** The inverse of encodeKeyPart. */
export function decodeKeyPart(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === "_") {
      bytes.push(parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(key.charCodeAt(i));
  }
  return Buffer.from(bytes).toString("utf8");
}

const MAX_KEY = 253;

/** ConfigMap keys for the plan's files: `ca.crt` for the bundle, `<encoded registry>.<file>` otherwise. */
export function configMapKeys(plan: TrustPlan): { keys: Map<string, string>; data: Map<string, string> } {
  const keys = new Map<string, string>();
  const data = new Map<string, string>();
  for (const file of plan.files) {
    const fileName = file.path.slice(file.path.lastIndexOf("/") + 1);
    let key = file.role === "ca-bundle" ? "ca.crt" : `${encodeKeyPart(file.registry ?? "")}.${fileName}`;
    if (data.has(key) && data.get(key) !== file.contents) key = `${file.target}.${key}`;
    if (data.has(key) && data.get(key) !== file.contents) throw new Error(`internal: two different contents for ConfigMap key ${key}`);
    if (key.length > MAX_KEY) throw userError("regcert.hostTooLong", `the ConfigMap key for ${file.path} would be longer than ${MAX_KEY} characters`, "use a shorter host name");
    keys.set(file.path, key);
    data.set(key, file.contents);
  }
  return { keys, data };
}

/** Refuses plans the DaemonSet must not carry: keys or other secrets (a ConfigMap is readable), merged files. */
function assertDistributable(plan: TrustPlan): void {
  for (const file of plan.files) {
    if (file.base !== "root" || file.ownership !== "whole" || file.mode !== 0o644 || file.role === "client-key") {
      throw new Error(`internal: node-trust cannot distribute ${file.path} (${file.role}, mode ${file.mode.toString(8)})`);
    }
  }
}

function hash(data: Map<string, string>): string {
  const h = createHash("sha256");
  for (const [k, v] of [...data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) h.update(`${k}\0${v}\0`);
  return h.digest("hex");
}

/** Per-node steps for what a file drop cannot do. */
function nodeStepsFor(targets: readonly TargetName[], hosts: readonly string[], caPem: string): string[] {
  const steps: string[] = [];
  const hostFlags = hosts.map((h) => `--host ${h}`).join(" ");
  if (targets.includes("containerd")) {
    steps.push(
      `containerd before 2.2 (containerd --version) reads ${CONTAINERD_CERTS_DIR} only when config.toml sets config_path; on each such node add, in /etc/containerd/config.toml,`,
      `  version = 2 (containerd 1.x):  ${configPathLines(2).join("  ")}`,
      `  version = 3 (containerd 2.0, 2.1):  ${configPathLines(3).join("  ")}`,
      "  (remove registry.mirrors / registry.configs in that section: containerd 2.x refuses config_path next to them), then: sudo systemctl restart containerd",
      "  containerd 2.2 and later default to /etc/containerd/certs.d:/etc/docker/certs.d; managed node images (kind, GKE, EKS) may already set config_path.",
    );
  }
  for (const target of NODE_STEP_TARGETS) {
    if (!targets.includes(target)) continue;
    // one plan: the refresh command comes from install-trust's own plan for that target
    const plan = planTrust({ hosts, caPem, targets: [target] });
    const restart = target === "k3s" ? ["sudo systemctl restart k3s   (agents: sudo systemctl restart k3s-agent)"] : plan.refresh.map((r) => `sudo ${r.install.join(" ")}`);
    steps.push(
      `${target} (its containerd is configured by ${target === "k3s" ? "/etc/rancher/k3s/registries.yaml, merged" : "the snap"}; a file drop is not enough): on each node`,
      `  ssh NODE sudo regcert install-trust --ca - --target ${target} ${hostFlags} < ca.crt`,
      ...restart.map((r) => `  then: ${r}`),
    );
  }
  return steps;
}

/** Builds the ConfigMap, the DaemonSet and the per-node steps. Pure and deterministic. */
export function nodeTrust(options: NodeTrustOptions): NodeTrust {
  const namespace = options.namespace ?? "kube-system";
  const name = options.name ?? "regcert-node-trust";
  const image = options.image ?? DEFAULT_IMAGE;
  const unsupported = options.targets.filter((t) => !DAEMONSET_TARGETS.includes(t) && !NODE_STEP_TARGETS.includes(t));
  if (unsupported.length > 0) {
    throw userError(
      "regcert.invalidTarget",
      `k8s node-trust cannot install ${unsupported.join(", ")} on nodes (the system store needs a command run on the host)`,
      phrase`use ${opt("targets")} with ${[...DAEMONSET_TARGETS, ...NODE_STEP_TARGETS].join(", ")}; for the system store run install-trust on each node`,
    );
  }
  const dsTargets = options.targets.filter((t) => DAEMONSET_TARGETS.includes(t));
  const nodeSteps = nodeStepsFor(options.targets, options.hosts, options.caPem);
  const header = [
    "regcert k8s node-trust: trust for a private registry on every node.",
    `hosts: ${options.hosts.join(" ")}`,
    `targets: ${options.targets.join(",")}`,
  ];
  if (dsTargets.length === 0) {
    // still validate hosts and the CA exactly as install-trust does
    planTrust({ hosts: options.hosts, caPem: options.caPem, targets: options.targets });
    return { objects: [], plan: undefined, keys: new Map(), script: undefined, nodeSteps, header: [...header, "", "Per-node steps:", ...nodeSteps] };
  }
  const plan = planTrust({ hosts: options.hosts, caPem: options.caPem, targets: dsTargets });
  assertDistributable(plan);
  const { keys, data } = configMapKeys(plan);
  const script = renderNodeScript(scriptInputOf(plan, keys));
  data.set(SCRIPT_KEY, script);
  header.push(
    `CA: ${plan.cas.map((c) => `${c.commonName ?? "(no CN)"} sha256:${c.fingerprint}`).join(", ")}`,
    `The DaemonSet ${namespace}/${name} writes, on every Linux node, exactly the files of`,
    `  regcert install-trust --target ${dsTargets.join(",")} ${plan.hosts.map((h) => `--host ${h.hostPort}`).join(" ")}`,
    `and re-checks them every ${RECHECK_SECONDS} s (pods are Ready only while every file is in place). It runs as root with no`,
    "capabilities and mounts only the certs.d directories; hostPath volumes need a namespace whose Pod Security level is",
    "privileged (kube-system usually is). Files it finds with other contents are replaced, as install-trust --force would.",
  );
  if (nodeSteps.length > 0) header.push("", "Per-node steps (not done by this manifest):", ...nodeSteps);

  const labels = standardLabels(name, "node-trust");
  const selector = { "app.kubernetes.io/name": name };
  const configMap: K8sObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace, labels },
    data: Object.fromEntries(data),
  };
  const guards = [...new Set(plan.files.map((f) => f.guard))];
  const volumeName = (guard: string) => `host-${guard.split("/").filter(Boolean).join("-").replace(/\./g, "-")}`;
  const daemonSet: K8sObject = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%" } },
      template: {
        metadata: {
          labels,
          // a new CA or host changes the ConfigMap, hence this, hence a rollout on `kubectl apply`
          annotations: { "regcert.dev/config-sha256": hash(data) },
        },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          // every node, whatever its taints (control plane, NoExecute, cordoned-for-maintenance)
          tolerations: [{ operator: "Exists" }],
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          securityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "install",
              image,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", `${CONFIG_MOUNT}/${SCRIPT_KEY}`, "run"],
              env: [
                { name: "REGCERT_ROOT", value: NODE_ROOT },
                { name: "REGCERT_SRC", value: CONFIG_MOUNT },
              ],
              resources: { requests: { cpu: "5m", memory: "8Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
              readinessProbe: {
                exec: { command: ["sh", `${CONFIG_MOUNT}/${SCRIPT_KEY}`, "check"] },
                initialDelaySeconds: 2,
                periodSeconds: 60,
                timeoutSeconds: 10,
                failureThreshold: 1,
              },
              // root owns the certs.d directories; no capability is needed to write one's own files there
              securityContext: {
                privileged: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "regcert", mountPath: CONFIG_MOUNT, readOnly: true },
                ...guards.map((g) => ({ name: volumeName(g), mountPath: `${NODE_ROOT}${g}` })),
              ],
            },
          ],
          volumes: [
            { name: "regcert", configMap: { name, defaultMode: 0o444 } },
            ...guards.map((g) => ({ name: volumeName(g), hostPath: { path: g, type: "DirectoryOrCreate" } })),
          ],
        },
      },
    },
  };
  return { objects: [configMap, daemonSet], plan, keys, script, nodeSteps, header };
}
