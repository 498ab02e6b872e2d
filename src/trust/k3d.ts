/**
 * k3d: `k3d cluster create --registry-config FILE` copies a k3s registries.yaml into every node
 * (/etc/rancher/k3s/registries.yaml; type rancher/wharfie Registry, test/fixtures/upstream/k3d.json);
 * its ca_file paths are node paths, so the CA files are mounted with `--volume DIR:/etc/rancher/k3s/regcert@all`.
 * The registries file is merged like k3s's (other entries and comments kept; a file that does not
 * parse is refused untouched). System: /etc/regcert/k3d; --user: ~/.config/regcert/k3d.
 */
import { posix } from "node:path";
import { shellLine } from "../text/shell.js";
import { planCertsDir } from "./certs-dir.js";
import { K3S_CERTS_DIR, k3sEntries, mergeRegistriesYaml, unmergeRegistriesYaml } from "./k3s.js";
import type { TargetInput, TargetPlan, TargetSpec, TrustFile, TrustPlan } from "./types.js";

export function k3dPaths(input: Pick<TargetInput, "user">): { dir: string; certs: string; registries: string } {
  const dir = input.user ? posix.join(input.user.configHome, "regcert", "k3d") : "/etc/regcert/k3d";
  return { dir, certs: posix.join(dir, "regcert"), registries: posix.join(dir, "registries.yaml") };
}

export function planK3dTrust(input: TargetInput): TargetPlan {
  const paths = k3dPaths(input);
  const plan = planCertsDir(input, { target: "k3d", certsDir: paths.certs, ownedParents: [posix.dirname(paths.dir), paths.dir], ownsCertsDir: true });
  const existing = input.existing[paths.registries];
  plan.files.push({
    target: "k3d",
    base: input.base,
    path: paths.registries,
    // node paths: the certs directory is mounted at K3S_CERTS_DIR in every node
    contents: mergeRegistriesYaml(existing?.contents, k3sEntries(input.hosts, input.client !== undefined), paths.registries),
    mode: existing?.mode ?? 0o600,
    role: "registries-yaml",
    ownership: "merge",
    guard: paths.registries,
  });
  plan.printed.push({
    target: "k3d",
    install: [shellLine(["k3d", "cluster", "create", "--registry-config", paths.registries, "--volume", `${paths.certs}:${K3S_CERTS_DIR}@all`])],
    uninstall: [],
  });
  plan.notes.push("k3d: --registry-config and --volume apply when a cluster is created; for an existing cluster recreate it (k3d cluster delete, then the printed create)");
  return plan;
}

function unmergeK3d(_file: TrustFile, current: string, plan: TrustPlan): string | null {
  return unmergeRegistriesYaml(current, k3sEntries(plan.hosts, true));
}

export const k3dTarget: TargetSpec = {
  name: "k3d",
  label: "k3d (k3s in Docker)",
  summary: "a registries.yaml for --registry-config (merged) and the CA files for --volume …@all; the k3d cluster create line printed",
  output: "both",
  plan: planK3dTrust,
  markers: [],
  perUser: "yes",
  inAll: false,
  kubernetes: "none",
  reads: ["/etc/regcert/k3d/registries.yaml"],
  userReads: (user) => [k3dPaths({ user }).registries],
  unmerge: unmergeK3d,
};
