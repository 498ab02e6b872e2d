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

/**
 * posix.join(dir, name) for a normalised absolute dir and a single path segment, by concatenation
 * when that is what join would return (a fleet plans tens of thousands of these), else by join.
 */
function joiner(dir: string): (name: string) => string {
  const plain = dir.length > 1 && posix.normalize(dir) === dir && !dir.endsWith("/");
  return (name) => (plain && name !== "" && name !== "." && name !== ".." && !name.includes("/") ? `${dir}/${name}` : posix.join(dir, name));
}

/** Plans ca.crt (+ client pair) in one directory per registry name under `certsDir`. */
export function planCertsDir(input: TargetInput, options: CertsDirOptions): TargetPlan {
  const plan = emptyTargetPlan();
  const { target, certsDir } = options;
  const base = input.base;
  for (const parent of options.ownedParents) plan.directories.push({ target, base, path: parent, mode: 0o755 });
  if (options.ownsCertsDir) plan.directories.push({ target, base, path: certsDir, mode: 0o755 });
  const bundle = caBundlePem(input.cas);
  const inCertsDir = joiner(certsDir);
  const file = (dir: string, name: string, fileName: string, contents: string, mode: number, role: TrustFile["role"]): TrustFile => ({
    target,
    base,
    path: dir.endsWith("/") ? posix.join(dir, fileName) : `${dir}/${fileName}`,
    contents,
    mode,
    role,
    ownership: "whole",
    guard: certsDir,
    registry: name,
  });
  for (const host of input.hosts) {
    for (const name of host.directoryNames) {
      // dir is normalised and absolute (a join), so dir + "/" + a plain file name is what join returns
      const dir = inCertsDir(name);
      plan.directories.push({ target, base, path: dir, mode: 0o755 });
      plan.files.push(file(dir, name, CA_FILE, bundle, 0o644, "ca-bundle"));
      if (input.client) {
        plan.files.push(file(dir, name, CLIENT_CERT_FILE, input.client.certPem, 0o644, "client-cert"));
        plan.files.push(file(dir, name, CLIENT_KEY_FILE, input.client.keyPem, 0o600, "client-key"));
      }
      if (options.extra) for (const extra of options.extra(name, dir)) plan.files.push(extra);
    }
  }
  return plan;
}
