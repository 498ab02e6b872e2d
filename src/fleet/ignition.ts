/**
 * `regcert fleet ignition`: an Ignition v3 config (spec 3.4.0: Fedora CoreOS, RHCOS and Flatcar
 * stable all read it) with `storage.directories` (mode 493 = 0755) and `storage.files` (`data:` URL,
 * mode 420 = 0644, 384 = 0600 for a client key, overwrite: true) for every planned file. The system
 * target uses the RHEL layout by default (/etc/pki/ca-trust/source/anchors: Fedora CoreOS runs
 * update-ca-trust at boot when anchors change); Flatcar reads /etc/ssl/certs instead.
 * Checked against the spec's JSON schema (test/fixtures/schemas/ignition).
 */
import type { TrustPlan } from "../trust/types.js";
import type { FleetRendering } from "./output.js";

export const IGNITION_VERSION = "3.4.0";

const dataUrl = (text: string) => `data:;base64,${Buffer.from(text, "utf8").toString("base64")}`;

export function renderIgnition(plan: TrustPlan): FleetRendering {
  const config = {
    ignition: { version: IGNITION_VERSION },
    storage: {
      directories: plan.directories.map((d) => ({ path: d.path, mode: d.mode })),
      files: plan.files.map((f) => ({ path: f.path, overwrite: true, mode: f.mode, contents: { source: dataUrl(f.contents) } })),
    },
  };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const secret = plan.files.some((f) => f.role === "client-key");
  const notes = [...plan.notes];
  if (plan.targets.includes("system")) notes.push(`ignition: the CA anchor is written for the ${plan.files.find((f) => f.target === "system")?.path.startsWith("/etc/pki") ? "RHEL family (Fedora CoreOS, RHCOS: update-ca-trust runs at boot)" : "Debian family"}; Flatcar reads /etc/ssl/certs/*.pem instead`);
  const warnings = [...plan.warnings];
  if (secret) warnings.push("the Ignition config holds the client private key: whoever can read the instance's user data can read it");
  return { files: [{ path: "config.ign", contents: text, mode: secret ? 0o600 : 0o644 }], stdout: text, notes, warnings };
}
