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

const json = (value: string | number) => JSON.stringify(value);

/**
 * The config as `JSON.stringify(config, null, 2)` writes it, entry by entry (a fixed shape; strings
 * through JSON.stringify), each distinct file content base64-encoded once: the CA bundle is the same
 * for every registry (test/unit/fleet/yaml-writer.test.ts compares the two).
 */
function configJson(plan: TrustPlan): string {
  const urls = new Map<string, string>();
  const directories = plan.directories.map((d) => `      {\n        "path": ${json(d.path)},\n        "mode": ${json(d.mode)}\n      }`);
  const files = plan.files.map((f) => {
    let url = urls.get(f.contents);
    if (url === undefined) {
      url = json(dataUrl(f.contents));
      urls.set(f.contents, url);
    }
    return `      {\n        "path": ${json(f.path)},\n        "overwrite": true,\n        "mode": ${json(f.mode)},\n        "contents": {\n          "source": ${url}\n        }\n      }`;
  });
  const list = (items: string[]) => (items.length === 0 ? "[]" : `[\n${items.join(",\n")}\n    ]`);
  return `{\n  "ignition": {\n    "version": ${json(IGNITION_VERSION)}\n  },\n  "storage": {\n    "directories": ${list(directories)},\n    "files": ${list(files)}\n  }\n}\n`;
}

export function renderIgnition(plan: TrustPlan): FleetRendering {
  const text = configJson(plan);
  const secret = plan.files.some((f) => f.role === "client-key");
  const notes = [...plan.notes];
  if (plan.targets.includes("system")) notes.push(`ignition: the CA anchor is written for the ${plan.files.find((f) => f.target === "system")?.path.startsWith("/etc/pki") ? "RHEL family (Fedora CoreOS, RHCOS: update-ca-trust runs at boot)" : "Debian family"}; Flatcar reads /etc/ssl/certs/*.pem instead`);
  const warnings = [...plan.warnings];
  if (secret) warnings.push("the Ignition config holds the client private key: whoever can read the instance's user data can read it");
  return { files: [{ path: "config.ign", contents: text, mode: secret ? 0o600 : 0o644 }], stdout: text, notes, warnings };
}
