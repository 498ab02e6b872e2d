/**
 * `regcert fleet cloud-init`: #cloud-config user data for first boot.
 * - the system target becomes `ca_certs.trusted` (cloud-init's cc_ca_certs writes the CAs into the
 *   distro's store and runs its refresh itself; file names are cloud-init's, not regcert-<id>.crt);
 * - every other planned file becomes a `write_files` entry with install-trust's bytes and mode
 *   (`permissions`, owner root:root); cloud-init creates missing parent directories (0755 under the
 *   usual umask 022). `defer: false`: the files exist before runtimes start.
 * Valid for `cloud-init schema --config-file` (test/unit/fleet/validators.test.ts).
 */
import { stringify } from "yaml";
import type { TrustPlan } from "../trust/types.js";
import { commentText, type FleetRendering } from "./output.js";

export function renderCloudInit(plan: TrustPlan): FleetRendering {
  const config: Record<string, unknown> = {};
  if (plan.targets.includes("system")) config.ca_certs = { trusted: plan.cas.map((c) => c.pem) };
  const files = plan.files.filter((f) => f.target !== "system");
  if (files.length > 0) {
    config.write_files = files.map((f) => ({ path: f.path, content: f.contents, owner: "root:root", permissions: `0${f.mode.toString(8)}`, defer: false }));
  }
  const header = [
    "#cloud-config",
    `# regcert fleet cloud-init: the files of regcert install-trust --target ${plan.targets.join(",")}`,
    `# registries: ${commentText(plan.hosts.slice(0, 8).map((h) => h.hostPort).join(" "))}${plan.hosts.length > 8 ? ` … (${plan.hosts.length} in all)` : ""}`,
    ...plan.cas.map((c) => `# CA: ${commentText(c.commonName ?? "(no CN)")} sha256:${c.fingerprint}`),
  ];
  const text = `${header.join("\n")}\n${stringify(config, { version: "1.1", lineWidth: 0, blockQuote: "literal", indentSeq: true, aliasDuplicateObjects: false })}`;
  const secret = plan.files.some((f) => f.role === "client-key");
  const notes = plan.notes.filter((n) => !n.startsWith("system:"));
  if (plan.targets.includes("system")) notes.push("system: cloud-init's ca_certs module adds the CA to the OS store (and runs update-ca-certificates / update-ca-trust) on first boot");
  const warnings = [...plan.warnings];
  if (secret) warnings.push("the user data holds the client private key: instance metadata is readable by anyone who can read the instance's user data; prefer a secret store");
  return { files: [{ path: "cloud-config.yaml", contents: text, mode: secret ? 0o600 : 0o644 }], stdout: text, notes, warnings };
}
