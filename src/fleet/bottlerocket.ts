/**
 * `regcert fleet bottlerocket`: Bottlerocket has no writable certs.d; its API takes CA bundles as
 * settings: `[settings.pki.<name>]` with `data` (base64 of the PEM) and `trusted = true`
 * (bottlerocket-os/bottlerocket-settings-sdk, settings-extension pki: PemCertificate {data, trusted}).
 * It is added to the OS-wide store, i.e. trusted for every site, not only the registry: hence the
 * warning and the advice to use a name-constrained CA (regcert init-ca --permit-dns …).
 */
import type { TrustPlan } from "../trust/types.js";
import { commentText, type FleetRendering } from "./output.js";

/** A TOML basic string (the values here are base64 and ASCII names, quoted anyway). */
const tomlString = (text: string) => JSON.stringify(text);

export function renderBottlerocket(plan: TrustPlan): FleetRendering {
  const warning = "bottlerocket: settings.pki trusts the CA OS-wide (every TLS client on the host, for every name it signs); use a name-constrained CA: regcert init-ca --permit-dns registry.local";
  const lines = [
    `# regcert fleet bottlerocket: the CA for ${commentText(plan.hosts.slice(0, 8).map((h) => h.hostPort).join(" "))}${plan.hosts.length > 8 ? ` … (${plan.hosts.length} in all)` : ""}`,
    `# WARNING: ${warning}`,
    "# Bottlerocket's host containerd and the kubelet's image pulls use this store.",
  ];
  for (const ca of plan.cas) {
    lines.push("", `# CA: ${commentText(ca.commonName ?? "(no CN)")} sha256:${ca.fingerprint}`, `[settings.pki.regcert-${ca.id}]`, `data = ${tomlString(Buffer.from(ca.pem, "utf8").toString("base64"))}`, "trusted = true");
  }
  const text = `${lines.join("\n")}\n`;
  return { files: [{ path: "bottlerocket-user-data.toml", contents: text, mode: 0o644 }], stdout: text, notes: ["bottlerocket: pass as user data, or apply with apiclient set --json (settings.pki)"], warnings: [warning] };
}
