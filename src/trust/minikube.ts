/**
 * minikube: every PEM file in `~/.minikube/certs/` is copied into the node's trust store when the
 * cluster starts with `--embed-certs` (minikube handbook, untrusted root certificates), so the CA goes
 * there as `regcert-<CA id>.pem` and the restart is printed. Needs --user.
 */
import { posix } from "node:path";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";
import { emptyTargetPlan } from "./types.js";

export function planMinikubeTrust(input: TargetInput): TargetPlan {
  const plan = emptyTargetPlan();
  const home = input.user?.home ?? "/root";
  const minikubeDir = posix.join(home, ".minikube");
  const certsDir = posix.join(minikubeDir, "certs");
  plan.directories.push({ target: "minikube", base: input.base, path: minikubeDir, mode: 0o755 }, { target: "minikube", base: input.base, path: certsDir, mode: 0o755 });
  for (const ca of input.cas) {
    plan.files.push({ target: "minikube", base: input.base, path: posix.join(certsDir, `regcert-${ca.id}.pem`), contents: ca.pem, mode: 0o644, role: "ca", ownership: "whole", guard: certsDir });
  }
  plan.refresh.push(
    { target: "minikube", install: ["minikube", "stop"], uninstall: ["minikube", "stop"], run: "print", why: "minikube copies ~/.minikube/certs into the node only when it starts" },
    { target: "minikube", install: ["minikube", "start", "--embed-certs"], uninstall: ["minikube", "start", "--embed-certs"], run: "print", why: "start again with the CA embedded" },
  );
  if (input.client) plan.notes.push("minikube: the client pair is not installed into the node; pods that push with mTLS need it in a Secret");
  return plan;
}

export const minikubeTarget: TargetSpec = {
  name: "minikube",
  label: "minikube",
  summary: "~/.minikube/certs/regcert-<id>.pem; minikube stop + start --embed-certs printed; needs --user",
  output: "files",
  plan: planMinikubeTrust,
  markers: [],
  perUser: "only",
  inAll: false,
  kubernetes: "none",
  reads: [],
};
