/**
 * `regcert fleet pod-bundle`: the CA inside pods (Kaniko, BuildKit jobs, skopeo in CI), which node
 * trust does not reach:
 * - a `ClusterTrustBundle` (certificates.k8s.io/v1beta1, Kubernetes 1.33+ with the feature gate;
 *   pods mount it with a clusterTrustBundle projected volume). No signerName: then the name may not
 *   contain ':' (apiserver validation);
 * - a trust-manager `Bundle` (trust.cert-manager.io/v1alpha1): the same PEM from an `inLine` source,
 *   synced into a ConfigMap key `ca.crt` in every namespace (trust-manager's default selector).
 */
import { caBundlePem } from "../trust/material.js";
import type { TrustPlan } from "../trust/types.js";
import type { FleetRendering } from "./output.js";
import { fleetLabels, yamlDocuments } from "./yaml-docs.js";

export function renderPodBundle(plan: TrustPlan, options: { name?: string } = {}): FleetRendering {
  const name = options.name ?? "regcert-registry-ca";
  const bundle = caBundlePem(plan.cas);
  const labels = fleetLabels(name, "pod-trust");
  const ctb = { apiVersion: "certificates.k8s.io/v1beta1", kind: "ClusterTrustBundle", metadata: { name, labels }, spec: { trustBundle: bundle } };
  const tm = { apiVersion: "trust.cert-manager.io/v1alpha1", kind: "Bundle", metadata: { name, labels }, spec: { sources: [{ inLine: bundle }], target: { configMap: { key: "ca.crt" } } } };
  const header = [
    `regcert fleet pod-bundle: the registry CA for pods (registries: ${plan.hosts.slice(0, 8).map((h) => h.hostPort).join(" ")}${plan.hosts.length > 8 ? " …" : ""})`,
    ...plan.cas.map((c) => `CA: ${c.commonName ?? "(no CN)"} sha256:${c.fingerprint}`),
    "ClusterTrustBundle: Kubernetes 1.33+ (feature gate ClusterTrustBundle, API certificates.k8s.io/v1beta1);",
    "Bundle: needs trust-manager (cert-manager.io). Apply the one your cluster has.",
  ];
  return {
    files: [
      { path: "cluster-trust-bundle.yaml", contents: yamlDocuments([ctb], header), mode: 0o644 },
      { path: "trust-manager-bundle.yaml", contents: yamlDocuments([tm], header), mode: 0o644 },
    ],
    stdout: yamlDocuments([ctb, tm], header),
    notes: [`pod-bundle: pods mount the ClusterTrustBundle with a projected volume (clusterTrustBundle: {name: ${name}, path: ca.crt}); trust-manager syncs ConfigMap ${name} key ca.crt into namespaces`],
    warnings: [],
  };
}
