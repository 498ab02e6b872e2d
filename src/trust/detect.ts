/**
 * Which runtimes are installed under a root, decided from marker paths (binaries, config directories).
 * Pure: the caller passes `exists(path)` for runtime paths (the CLI checks ROOT + path on disk).
 */
import { DETECTABLE, TARGET_MARKERS } from "./targets.js";
import type { SystemFamily, TargetName } from "./types.js";

export { TARGET_MARKERS, DETECTABLE } from "./targets.js";

export interface Detection {
  /** targets whose markers exist */
  found: TargetName[];
  /** the marker that decided each found target */
  evidence: Partial<Record<TargetName, string>>;
}

export function detectTargets(exists: (path: string) => boolean): Detection {
  const found: TargetName[] = [];
  const evidence: Partial<Record<TargetName, string>> = {};
  for (const target of DETECTABLE) {
    const marker = (TARGET_MARKERS[target] ?? []).find(exists);
    if (marker) {
      found.push(target);
      evidence[target] = marker;
    }
  }
  return { found, evidence };
}

/**
 * The system CA store family: RHEL when its anchors directory exists and Debian's does not; Debian
 * otherwise (also Alpine and openSUSE-with-update-ca-certificates). `known` is false when neither
 * layout exists under the root.
 */
export function detectSystemFamily(exists: (path: string) => boolean): { family: SystemFamily; known: boolean } {
  const debian = exists("/usr/local/share/ca-certificates") || exists("/usr/sbin/update-ca-certificates");
  const rhel = exists("/etc/pki/ca-trust/source/anchors") || exists("/usr/bin/update-ca-trust");
  if (rhel && !debian) return { family: "rhel", known: true };
  return { family: "debian", known: debian };
}
