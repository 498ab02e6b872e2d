/**
 * kind: node images of kind >= 0.27 read containerd's hosts directory /etc/containerd/certs.d, so the
 * CA needs no containerd patch: regcert writes a certs.d tree (hosts.toml + ca.crt per registry, the
 * containerd target's files) and a Cluster config fragment (kind.x-k8s.io/v1alpha4) whose extraMounts
 * put each registry directory at /etc/containerd/certs.d/<host:port> in the node. Mounts apply when a
 * cluster is created: `kind create cluster --config FILE` (printed). Judged against kind's v1alpha4
 * types (test/fixtures/upstream/kind.json). System: /etc/regcert/kind; --user: ~/.config/regcert/kind.
 */
import { posix } from "node:path";
import { Document } from "yaml";
import { shellLine } from "../text/shell.js";
import { planCertsDir } from "./certs-dir.js";
import { hostsTomlFiles } from "./containerd.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";

export const KIND_NODE_CERTS_DIR = "/etc/containerd/certs.d";

export function kindPaths(input: Pick<TargetInput, "user">): { dir: string; certs: string; config: string } {
  const dir = input.user ? posix.join(input.user.configHome, "regcert", "kind") : "/etc/regcert/kind";
  return { dir, certs: posix.join(dir, "certs.d"), config: posix.join(dir, "kind-cluster.yaml") };
}

/** The Cluster fragment: one control-plane node mounting every registry directory read-only. */
export function renderKindConfig(hostDirs: ReadonlyArray<{ name: string; hostPath: string }>): string {
  const doc = new Document({
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    nodes: [{ role: "control-plane", extraMounts: hostDirs.map((d) => ({ hostPath: d.hostPath, containerPath: posix.join(KIND_NODE_CERTS_DIR, d.name), readOnly: true })) }],
  });
  doc.commentBefore = [
    " kind cluster config fragment written by regcert install-trust: the registry CA for every node.",
    " Merge extraMounts into each node of your own config (workers too). kind >= 0.27 node images read",
    " /etc/containerd/certs.d; older ones also need containerdConfigPatches setting config_path.",
  ].join("\n");
  return doc.toString();
}

/** containerd's first lookup name on Linux: `host_port_` (no ':' that docker -v would split on). */
export function kindDirectoryName(directoryName: string): string {
  const idx = directoryName.lastIndexOf(":");
  return idx > 0 && !directoryName.endsWith("]") ? `${directoryName.slice(0, idx)}_${directoryName.slice(idx + 1)}_` : directoryName;
}

export function planKindTrust(input: TargetInput): TargetPlan {
  const paths = kindPaths(input);
  // kind mounts with docker --volume HOST:CONTAINER[:ro], which splits on ':': directories use
  // containerd's `host_port_` name (looked up first), and IPv6 registries cannot be mounted at all
  const original = new Map<string, string>();
  const skipped: string[] = [];
  const hosts = input.hosts.map((h) => ({
    ...h,
    directoryNames: h.directoryNames.flatMap((name) => {
      const mapped = kindDirectoryName(name);
      if (mapped.includes(":")) {
        skipped.push(name);
        return [];
      }
      original.set(mapped, name);
      return [mapped];
    }),
  }));
  const hostsToml = hostsTomlFiles("kind", paths.certs, input);
  const plan = planCertsDir({ ...input, hosts }, { target: "kind", certsDir: paths.certs, ownedParents: [posix.dirname(paths.dir), paths.dir], ownsCertsDir: true, extra: (name, dir) => hostsToml(original.get(name) ?? name, dir).map((f) => ({ ...f, registry: name })) });
  const dirs = hosts.flatMap((h) => h.directoryNames.map((name) => ({ name, hostPath: posix.join(paths.certs, name) })));
  plan.files.push({ target: "kind", base: input.base, path: paths.config, contents: renderKindConfig(dirs), mode: 0o644, role: "cluster-config", ownership: "whole", guard: paths.dir });
  plan.printed.push({ target: "kind", install: [shellLine(["kind", "create", "cluster", "--config", paths.config])], uninstall: [] });
  plan.notes.push(`kind: extraMounts apply when a cluster is created; for an existing cluster recreate it (kind delete cluster, then kind create cluster --config ${paths.config})`);
  if (skipped.length > 0) plan.warnings.push(`kind: ${skipped.join(", ")} not mounted: kind's docker --volume cannot take a path with ':' (an IPv6 address); use a DNS name for the registry in kind`);
  return plan;
}

export const kindTarget: TargetSpec = {
  name: "kind",
  label: "kind (Kubernetes in Docker)",
  summary: "a certs.d tree (hosts.toml + ca.crt) and a v1alpha4 Cluster fragment whose extraMounts put it at /etc/containerd/certs.d in the nodes",
  output: "both",
  plan: planKindTrust,
  markers: [],
  perUser: "yes",
  inAll: false,
  kubernetes: "none",
  reads: [],
};
