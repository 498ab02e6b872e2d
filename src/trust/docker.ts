/**
 * Docker Engine: `/etc/docker/certs.d/<host[:port]>/ca.crt` (+ client.cert/client.key), read on every
 * registry connection, so no restart (moby daemon/pkg/registry `hostCertsDir`, `loadTLSConfig`).
 * Rootless Docker (--user): `$XDG_CONFIG_HOME/docker/certs.d` (Go's os.UserConfigDir()).
 */
import { posix } from "node:path";
import { planCertsDir } from "./certs-dir.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";

export const DOCKER_CERTS_DIR = "/etc/docker/certs.d";

export function planDockerTrust(input: TargetInput): TargetPlan {
  const certsDir = input.user ? posix.join(input.user.configHome, "docker", "certs.d") : DOCKER_CERTS_DIR;
  const plan = planCertsDir(input, { target: "docker", certsDir, ownedParents: [posix.dirname(certsDir)], ownsCertsDir: true });
  plan.notes.push(
    input.user
      ? `docker (rootless): ${certsDir}/<host:port>/ is read by a rootless dockerd of this user on every pull and push; no restart needed`
      : "docker: dockerd reads certs.d on every pull and push; no restart needed (dockerd trusts any certificate on 127.0.0.0/8 and ::1, so test it from another host)",
  );
  return plan;
}

export const dockerTarget: TargetSpec = {
  name: "docker",
  label: "Docker Engine",
  summary: "/etc/docker/certs.d/<host:port>/ca.crt (+ client pair); --user: rootless Docker's ~/.config/docker/certs.d",
  output: "files",
  plan: planDockerTrust,
  markers: ["/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd", "/etc/docker/daemon.json", "/etc/docker/certs.d"],
  perUser: "yes",
  inAll: true,
  kubernetes: "daemonset",
  reads: [],
};
