/**
 * MicroK8s: its containerd reads `/var/snap/microk8s/current/args/certs.d/<host[:port]>/hosts.toml`
 * (config_path is set by the snap). `current` is a root-owned symlink made by snapd: allowed, since it
 * is above the certs.d directory; the snap's own certs.d is never created or removed by regcert.
 * The maintainers' instruction after adding a directory: `sudo snap restart microk8s`
 * (canonical/microk8s#3221).
 */
import { planCertsDir } from "./certs-dir.js";
import { hostsTomlFiles } from "./containerd.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";

export const MICROK8S_CERTS_DIR = "/var/snap/microk8s/current/args/certs.d";

export function planMicrok8sTrust(input: TargetInput): TargetPlan {
  const certsDir = MICROK8S_CERTS_DIR;
  const plan = planCertsDir(input, { target: "microk8s", certsDir, ownedParents: [], ownsCertsDir: false, extra: hostsTomlFiles("microk8s", certsDir, input) });
  plan.requires.push({
    target: "microk8s",
    base: "root",
    path: "/var/snap/microk8s/current/args",
    message: "microk8s is not installed here (no /var/snap/microk8s/current/args)",
    hint: "install microk8s first (sudo snap install microk8s --classic), or leave microk8s out of --target",
  });
  plan.refresh.push({ target: "microk8s", install: ["snap", "restart", "microk8s"], uninstall: ["snap", "restart", "microk8s"], run: "print", why: "microk8s reads new registry directories after a restart" });
  return plan;
}

export const microk8sTarget: TargetSpec = {
  name: "microk8s",
  label: "MicroK8s",
  summary: "/var/snap/microk8s/current/args/certs.d/<host:port>/hosts.toml + ca.crt; restart printed",
  output: "files",
  plan: planMicrok8sTrust,
  markers: ["/var/snap/microk8s/current", "/snap/bin/microk8s"],
  perUser: "no",
  inAll: true,
  kubernetes: "node-step",
  reads: [],
};
