/**
 * containers/image (podman, buildah, skopeo, CRI-O): `/etc/containers/certs.d/<host[:port]>/` with
 * `*.crt` CAs and `NAME.cert` + `NAME.key` client pairs (containers-certs.d(5), tlsclientconfig).
 * Per user (--user): `~/.config/containers/certs.d` (always ~/.config, not XDG_CONFIG_HOME). The first
 * existing directory wins and directories are not merged, so a per-user directory for a host hides
 * the system one.
 */
import { posix } from "node:path";
import { planCertsDir } from "./certs-dir.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";

export const CONTAINERS_CERTS_DIR = "/etc/containers/certs.d";

export function planContainersTrust(input: TargetInput): TargetPlan {
  const certsDir = input.user ? posix.join(input.user.home, ".config", "containers", "certs.d") : CONTAINERS_CERTS_DIR;
  const plan = planCertsDir(input, { target: "containers", certsDir, ownedParents: [posix.dirname(certsDir)], ownsCertsDir: true });
  if (input.user) {
    plan.notes.push(
      `containers (per user): podman/buildah/skopeo run by this user now read ${certsDir}/<host:port>/ and no longer /etc/containers/certs.d/<host:port>/ for these hosts (the first existing directory wins; they are not merged)`,
    );
  } else {
    plan.notes.push(
      "containers: podman, buildah, skopeo and CRI-O read certs.d on every connection; no restart needed. A user's ~/.config/containers/certs.d/<host:port>/, if it exists, hides this directory for that user",
    );
  }
  return plan;
}

export const containersTarget: TargetSpec = {
  name: "containers",
  label: "podman, buildah, skopeo, CRI-O (containers/image)",
  summary: "/etc/containers/certs.d/<host:port>/ca.crt; --user: ~/.config/containers/certs.d",
  output: "files",
  plan: planContainersTrust,
  markers: ["/usr/bin/podman", "/usr/bin/skopeo", "/usr/bin/buildah", "/usr/bin/crio", "/usr/local/bin/podman", "/etc/containers/registries.conf", "/etc/containers/certs.d"],
  perUser: "yes",
  inAll: true,
  kubernetes: "daemonset",
  reads: [],
};
