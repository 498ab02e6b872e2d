/**
 * `regcert fleet openshift`: OpenShift's image registry trust (docs: "Configuring additional trust
 * stores for image registry access"): a ConfigMap in `openshift-config` whose keys are registry
 * hostnames, `host..port` when there is a port (the ':' of host:port is not a valid ConfigMap key
 * character), with the PEM bundle as value; then `image.config.openshift.io/cluster` spec
 * `additionalTrustedCA.name` pointing at it. The Machine Config Operator writes the CA into every
 * node's /etc/docker/certs.d/<host:port>/ (the same layout install-trust writes).
 */
import { opt, phrase, userError } from "../pki/errors.js";
import { caBundlePem } from "../trust/material.js";
import type { TrustPlan } from "../trust/types.js";
import type { FleetRendering } from "./output.js";
import { fleetLabels, yamlDocumentTexts } from "./yaml-docs.js";
import { yamlBlockAt, yamlKey, yamlValue } from "./yaml-writer.js";

export const OPENSHIFT_NAMESPACE = "openshift-config";

/** The ConfigMap key OpenShift expects for a registry: `host..port`, or `host` for 443. */
export function openshiftKey(hostPort: string): string {
  if (hostPort.startsWith("[")) throw userError("regcert.ipv6NotSupported", `OpenShift's additionalTrustedCA cannot name the IPv6 registry ${hostPort} (ConfigMap keys allow only letters, digits, '-', '_' and '.')`, phrase`give the registry a DNS name (or an IPv4 address) and use that in ${opt("hosts")}`);
  return hostPort.replace(":", "..");
}

export function renderOpenshift(plan: TrustPlan, options: { name?: string } = {}): FleetRendering {
  const name = options.name ?? "regcert-registry-ca";
  const bundle = caBundlePem(plan.cas);
  const data: Record<string, string> = {};
  for (const host of plan.hosts) data[openshiftKey(host.hostPort)] = bundle;
  const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: OPENSHIFT_NAMESPACE, labels: fleetLabels(name, "registry-trust") }, data };
  const patch = { spec: { additionalTrustedCA: { name } } };
  const image = { apiVersion: "config.openshift.io/v1", kind: "Image", metadata: { name: "cluster" }, ...patch };
  const patchCommand = `oc patch image.config.openshift.io/cluster --type=merge -p '${JSON.stringify(patch)}'`;
  const header = [
    `regcert fleet openshift: trust for ${plan.hosts.length} registr${plan.hosts.length === 1 ? "y" : "ies"} on every node (the Machine Config Operator writes /etc/docker/certs.d)`,
    ...plan.cas.map((c) => `CA: ${c.commonName ?? "(no CN)"} sha256:${c.fingerprint}`),
    "The Image document sets only spec.additionalTrustedCA; to keep other fields of the existing object use:",
    `  ${patchCommand}`,
  ];
  // the ConfigMap is written line by line (src/fleet/yaml-writer.ts): one key per registry, the same PEM block
  const value = yamlValue(bundle, 2);
  const configMapText = `${yamlBlockAt({ apiVersion: configMap.apiVersion, kind: configMap.kind, metadata: configMap.metadata }, 0)}data:\n${Object.entries(data)
    .map(([key, pem]) => `  ${yamlKey(key, 2)}: ${pem === bundle ? value : yamlValue(pem, 2)}\n`)
    .join("")}`;
  const text = yamlDocumentTexts([configMapText, yamlBlockAt(image, 0)], header);
  return {
    files: [
      { path: "openshift-configmap.yaml", contents: yamlDocumentTexts([configMapText], header.slice(0, 1 + plan.cas.length)), mode: 0o644 },
      { path: "openshift-image-cluster-patch.json", contents: `${JSON.stringify(patch)}\n`, mode: 0o644 },
    ],
    stdout: text,
    notes: [`openshift: oc apply -f openshift-configmap.yaml, then ${patchCommand}`],
    warnings: [],
  };
}
