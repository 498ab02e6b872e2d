/**
 * `regcert fleet ignition`: an Ignition v3 config (spec 3.4.0: Fedora CoreOS, RHCOS and Flatcar
 * stable all read it) with `storage.directories` (mode 493 = 0755) and `storage.files` (`data:` URL,
 * mode 420 = 0644, 384 = 0600 for a client key, overwrite: true) for every planned file. The system
 * target uses the RHEL layout by default (/etc/pki/ca-trust/source/anchors: Fedora CoreOS runs
 * update-ca-trust at boot when anchors change); Flatcar reads /etc/ssl/certs instead.
 * Checked against the spec's JSON schema (test/fixtures/schemas/ignition).
 */
import type { TrustPlan } from "../trust/types.js";
import { lazyFile, streamedRendering, type FleetRendering } from "./output.js";

export const IGNITION_VERSION = "3.4.0";

const dataUrl = (text: string) => `data:;base64,${Buffer.from(text, "utf8").toString("base64")}`;

/** JSON.stringify of a string or number; printable ASCII without '"' and '\\' (every planned path) is its own escape. */
const json = (value: string | number) => (typeof value === "string" && /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(value) ? `"${value}"` : JSON.stringify(value));

/**
 * The config as `JSON.stringify(config, null, 2)` writes it, entry by entry (a fixed shape; strings
 * through JSON.stringify), each distinct file content base64-encoded once: the CA bundle is the same
 * for every registry (test/unit/fleet/yaml-writer.test.ts compares the two).
 */
function configJson(plan: TrustPlan, push: (text: string) => void): void {
  const urls = new Map<string, string>();
  push(`{\n  "ignition": {\n    "version": ${json(IGNITION_VERSION)}\n  },\n  "storage": {\n    "directories": `);
  if (plan.directories.length === 0) push("[]");
  else {
    let sep = "[\n";
    for (const d of plan.directories) {
      push(`${sep}      {\n        "path": ${json(d.path)},\n        "mode": ${json(d.mode)}\n      }`);
      sep = ",\n";
    }
    push("\n    ]");
  }
  push(`,\n    "files": `);
  if (plan.files.length === 0) push("[]");
  else {
    let sep = "[\n";
    for (const f of plan.files) {
      let url = urls.get(f.contents);
      if (url === undefined) {
        url = json(dataUrl(f.contents));
        urls.set(f.contents, url);
      }
      push(`${sep}      {\n        "path": ${json(f.path)},\n        "overwrite": true,\n        "mode": ${json(f.mode)},\n        "contents": {\n          "source": ${url}\n        }\n      }`);
      sep = ",\n";
    }
    push("\n    ]");
  }
  push("\n  }\n}\n");
}

export function renderIgnition(plan: TrustPlan): FleetRendering {
  const secret = plan.files.some((f) => f.role === "client-key");
  const notes = [...plan.notes];
  if (plan.targets.includes("system")) notes.push(`ignition: the CA anchor is written for the ${plan.files.find((f) => f.target === "system")?.path.startsWith("/etc/pki") ? "RHEL family (Fedora CoreOS, RHCOS: update-ca-trust runs at boot)" : "Debian family"}; Flatcar reads /etc/ssl/certs/*.pem instead`);
  const warnings = [...plan.warnings];
  if (secret) warnings.push("the Ignition config holds the client private key: whoever can read the instance's user data can read it");
  // streamed to --out - (41 MB for 10,000 registries); one string only when --out DIR reads the file
  const rendering = streamedRendering({ files: [], notes, warnings }, (push) => configJson(plan, push));
  rendering.files.push(lazyFile("config.ign", secret ? 0o600 : 0o644, () => rendering.stdout));
  return rendering;
}
