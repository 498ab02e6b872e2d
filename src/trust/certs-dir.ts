/**
 * The Docker-style per-registry directory shared by Docker, containers/image, containerd and
 * microk8s: `<certs.d>/<host[:port]>/` with `ca.crt` (every trusted CA: *.crt files are CA bundles)
 * and, for mTLS, `client.cert` + `client.key` (a `.cert` needs the `.key` of the same base name).
 */
import { posix } from "node:path";
import { caBundlePem } from "./material.js";
import type { TargetInput, TargetName, TargetPlan, TrustFile } from "./types.js";
import { emptyTargetPlan } from "./types.js";

export const CA_FILE = "ca.crt";
export const CLIENT_CERT_FILE = "client.cert";
export const CLIENT_KEY_FILE = "client.key";

export interface CertsDirOptions {
  target: TargetName;
  /** absolute runtime path of the certs.d root, e.g. /etc/docker/certs.d */
  certsDir: string;
  /**
   * Directories above certs.d that regcert creates when missing and removes when empty (the runtime's
   * config dir, e.g. /etc/docker), parents first; empty for certs.d roots a package owns (microk8s).
   */
  ownedParents: string[];
  /** whether regcert may create (and on uninstall remove when empty) the certs.d root itself */
  ownsCertsDir: boolean;
  /** extra files per registry directory (containerd's hosts.toml) */
  extra?: (directoryName: string, dir: string) => TrustFile[];
}

/** Plans ca.crt (+ client pair) in one directory per registry name under `certsDir`. */
export function planCertsDir(input: TargetInput, options: CertsDirOptions): TargetPlan {
  const plan = emptyTargetPlan();
  const { target, certsDir } = options;
  const base = input.base;
  for (const parent of options.ownedParents) plan.directories.push({ target, base, path: parent, mode: 0o755 });
  if (options.ownsCertsDir) plan.directories.push({ target, base, path: certsDir, mode: 0o755 });
  const bundle = caBundlePem(input.cas);
  for (const host of input.hosts) {
    for (const name of host.directoryNames) {
      const dir = posix.join(certsDir, name);
      plan.directories.push({ target, base, path: dir, mode: 0o755 });
      const file = (fileName: string, contents: string, mode: number, role: TrustFile["role"]): TrustFile => ({
        target,
        base,
        path: posix.join(dir, fileName),
        contents,
        mode,
        role,
        ownership: "whole",
        guard: certsDir,
        registry: name,
      });
      plan.files.push(file(CA_FILE, bundle, 0o644, "ca-bundle"));
      if (input.client) {
        plan.files.push(file(CLIENT_CERT_FILE, input.client.certPem, 0o644, "client-cert"));
        plan.files.push(file(CLIENT_KEY_FILE, input.client.keyPem, 0o600, "client-key"));
      }
      if (options.extra) plan.files.push(...options.extra(name, dir));
    }
  }
  return plan;
}
