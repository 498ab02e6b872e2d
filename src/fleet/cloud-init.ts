/**
 * `regcert fleet cloud-init`: #cloud-config user data for first boot.
 * - the system target becomes `ca_certs.trusted` (cloud-init's cc_ca_certs writes the CAs into the
 *   distro's store and runs its refresh itself; file names are cloud-init's, not regcert-<id>.crt);
 * - every other planned file becomes a `write_files` entry with install-trust's bytes and mode
 *   (`permissions`, owner root:root); cloud-init creates missing parent directories (0755 under the
 *   usual umask 022). `defer: false`: the files exist before runtimes start.
 * Valid for `cloud-init schema --config-file` (test/unit/fleet/validators.test.ts).
 */
import type { TrustFile, TrustPlan } from "../trust/types.js";
import { commentText, lazyFile, streamedRendering, type FleetRendering } from "./output.js";
import { yamlBlockAt, yamlValue } from "./yaml-writer.js";

/**
 * The `write_files` list, line by line (the `yaml` package's document model costs seconds at 10,000
 * hosts): the bytes the package writes for `{ write_files: [...] }`, each distinct content rendered once.
 */
function writeFilesYaml(files: readonly TrustFile[], push: (text: string) => void): void {
  const contents = new Map<string, string>();
  const modes = new Map<number, string>();
  push("write_files:\n");
  const owner = yamlValue("root:root", 4);
  for (const f of files) {
    let content = contents.get(f.contents);
    if (content === undefined) {
      content = yamlValue(f.contents, 4);
      contents.set(f.contents, content);
    }
    let permissions = modes.get(f.mode);
    if (permissions === undefined) {
      permissions = yamlValue(`0${f.mode.toString(8)}`, 4);
      modes.set(f.mode, permissions);
    }
    push(`  - path: ${yamlValue(f.path, 4)}\n    content: ${content}\n    owner: ${owner}\n    permissions: ${permissions}\n    defer: false\n`);
  }
}

export function renderCloudInit(plan: TrustPlan): FleetRendering {
  const files = plan.files.filter((f) => f.target !== "system");
  const caCerts = plan.targets.includes("system") ? yamlBlockAt({ ca_certs: { trusted: plan.cas.map((c) => c.pem) } }, 0) : "";
  const header = [
    "#cloud-config",
    `# regcert fleet cloud-init: the files of regcert install-trust --target ${plan.targets.join(",")}`,
    `# registries: ${commentText(plan.hosts.slice(0, 8).map((h) => h.hostPort).join(" "))}${plan.hosts.length > 8 ? ` … (${plan.hosts.length} in all)` : ""}`,
    ...plan.cas.map((c) => `# CA: ${commentText(c.commonName ?? "(no CN)")} sha256:${c.fingerprint}`),
  ];
  const secret = plan.files.some((f) => f.role === "client-key");
  const notes = plan.notes.filter((n) => !n.startsWith("system:"));
  if (plan.targets.includes("system")) notes.push("system: cloud-init's ca_certs module adds the CA to the OS store (and runs update-ca-certificates / update-ca-trust) on first boot");
  const warnings = [...plan.warnings];
  if (secret) warnings.push("the user data holds the client private key: instance metadata is readable by anyone who can read the instance's user data; prefer a secret store");
  // streamed to --out - (30 MB for 10,000 registries); one string only when --out DIR reads the file
  const rendering = streamedRendering({ files: [], notes, warnings }, (push) => {
    push(`${header.join("\n")}\n`);
    if (caCerts === "" && files.length === 0) push(yamlBlockAt({}, 0));
    else {
      push(caCerts);
      if (files.length > 0) writeFilesYaml(files, push);
    }
  });
  rendering.files.push(lazyFile("cloud-config.yaml", secret ? 0o600 : 0o644, () => rendering.stdout));
  return rendering;
}
