/**
 * `regcert fleet talos`: Talos Linux has no certs.d to drop files into; it configures its containerd
 * from machine config. Talos 1.12+ multi-document config: one `RegistryTLSConfig` per registry as
 * clients type it (`name`: the endpoint's host[:port], `ca`: PEM, optional `clientIdentity` {cert,
 * key} PEM; siderolabs/talos pkg/machinery/config/types/cri/registry_tls.go). `--talos-legacy`: the
 * machine.registries.config patch of Talos before 1.12, where `ca`, `clientIdentity.crt` and `.key`
 * are base64 of the PEM (v1alpha1 RegistryTLSConfig: Base64Bytes, PEMEncodedCertificateAndKey).
 * Apply with `talosctl patch mc --patch @FILE` (or include in the generated config).
 */
import { caBundlePem } from "../trust/material.js";
import type { TrustPlan } from "../trust/types.js";
import type { FleetRendering } from "./output.js";
import { yamlDocumentTexts } from "./yaml-docs.js";
import { yamlBlockAt, yamlKey, yamlValue } from "./yaml-writer.js";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The client pair as planned (the plan holds the key only in its client.key file). */
function clientPair(plan: TrustPlan): { cert: string; key: string } | undefined {
  const cert = plan.files.find((f) => f.role === "client-cert")?.contents;
  const key = plan.files.find((f) => f.role === "client-key")?.contents;
  return cert !== undefined && key !== undefined ? { cert, key } : undefined;
}

export function renderTalos(plan: TrustPlan, options: { talosLegacy?: boolean } = {}): FleetRendering {
  const ca = caBundlePem(plan.cas);
  const client = clientPair(plan);
  const header = [
    `regcert fleet talos${options.talosLegacy ? " --talos-legacy" : ""}: registry TLS for ${plan.hosts.length} registr${plan.hosts.length === 1 ? "y" : "ies"}`,
    ...plan.cas.map((c) => `CA: ${c.commonName ?? "(no CN)"} sha256:${c.fingerprint}`),
    "Apply: talosctl patch mc --nodes NODE --patch @THIS_FILE",
  ];
  // written line by line (src/fleet/yaml-writer.ts): the part every registry shares is rendered once
  let text: string;
  if (options.talosLegacy) {
    const tls = yamlBlockAt({ tls: { ca: b64(ca), ...(client ? { clientIdentity: { crt: b64(client.cert), key: b64(client.key) } } : {}) } }, 8);
    const config = plan.hosts.map((host) => `      ${yamlKey(host.hostPort, 6)}:\n${tls}`).join("");
    text = yamlDocumentTexts([`machine:\n  registries:\n    config:\n${config}`], header);
  } else {
    const shared = yamlBlockAt({ ca, ...(client ? { clientIdentity: { cert: client.cert, key: client.key } } : {}) }, 0);
    text = yamlDocumentTexts(plan.hosts.map((host) => `apiVersion: v1alpha1\nkind: RegistryTLSConfig\nname: ${yamlValue(host.hostPort, 0)}\n${shared}`), header);
  }
  const mode = client ? 0o600 : 0o644;
  const warnings: string[] = [];
  if (client) warnings.push("the Talos config holds the client private key: keep the file private (Talos stores it as a secret document)");
  return {
    files: [{ path: options.talosLegacy ? "talos-registries-patch.yaml" : "talos-registry-tls.yaml", contents: text, mode }],
    stdout: text,
    notes: [options.talosLegacy ? "talos: machine.registries.config is the legacy form (Talos before 1.12); newer Talos takes RegistryTLSConfig documents (leave out --talos-legacy)" : "talos: RegistryTLSConfig documents need Talos 1.12 or later; older Talos: --talos-legacy"],
    warnings,
  };
}
