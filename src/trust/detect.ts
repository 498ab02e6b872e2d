/**
 * Which runtimes are installed under a root, decided from marker paths (binaries, config directories).
 * Pure: the caller passes `exists(path)` for runtime paths (the CLI checks ROOT + path on disk).
 */
import type { SystemFamily, TargetName } from "./types.js";

/** Marker paths per target, any of which means "installed". Config dirs that other packages create (e.g. /etc/docker by docker-registry) are not markers. */
export const TARGET_MARKERS: Readonly<Partial<Record<TargetName, readonly string[]>>> = {
  docker: ["/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd", "/etc/docker/daemon.json", "/etc/docker/certs.d"],
  containerd: ["/usr/bin/containerd", "/usr/local/bin/containerd", "/etc/containerd/config.toml", "/etc/containerd/certs.d"],
  containers: ["/usr/bin/podman", "/usr/bin/skopeo", "/usr/bin/buildah", "/usr/bin/crio", "/usr/local/bin/podman", "/etc/containers/registries.conf", "/etc/containers/certs.d"],
  k3s: ["/usr/local/bin/k3s", "/etc/rancher/k3s"],
  microk8s: ["/var/snap/microk8s/current", "/snap/bin/microk8s"],
};

/** The targets detection can find, in plan order (the system store and desktops are only chosen explicitly). */
export const DETECTABLE: readonly TargetName[] = ["docker", "containerd", "containers", "k3s", "microk8s"];

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
