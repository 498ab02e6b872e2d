/**
 * nerdctl, rootless: hosts.toml + ca.crt under `$XDG_CONFIG_HOME/containerd/certs.d/<host:port>/`
 * (default ~/.config/containerd/certs.d), the containerd hosts directory rootless nerdctl reads
 * (rootful nerdctl reads /etc/containerd/certs.d and /etc/docker/certs.d: the containerd and docker
 * targets). Same hosts.toml as containerd (1.6 and 2.x). Needs --user; no restart.
 */
import { posix } from "node:path";
import { planCertsDir } from "./certs-dir.js";
import { hostsTomlFiles } from "./containerd.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";

export function planNerdctlTrust(input: TargetInput): TargetPlan {
  const configHome = input.user?.configHome ?? "/root/.config";
  const certsDir = posix.join(configHome, "containerd", "certs.d");
  const plan = planCertsDir(input, { target: "nerdctl", certsDir, ownedParents: [posix.join(configHome, "containerd")], ownsCertsDir: true, extra: hostsTomlFiles("nerdctl", certsDir, input) });
  plan.notes.push(`nerdctl (rootless): reads ${certsDir}/<host:port>/hosts.toml on every pull and push; no restart needed (rootful nerdctl: use --target containerd)`);
  return plan;
}

export const nerdctlTarget: TargetSpec = {
  name: "nerdctl",
  label: "nerdctl (rootless)",
  summary: "~/.config/containerd/certs.d/<host:port>/hosts.toml + ca.crt; needs --user",
  output: "files",
  plan: planNerdctlTrust,
  markers: [],
  perUser: "only",
  inAll: false,
  kubernetes: "none",
  reads: [],
};
