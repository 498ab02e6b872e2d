/**
 * The Docker 29 part of `regcert check`'s local side (read-only, under a root; never runs docker):
 * - the containerd image store (default on fresh Docker 29 installs): daemon.json
 *   `features.containerd-snapshotter`, else the engine version from the package database;
 * - with it, dockerd reads containerd-style hosts.toml from /etc/docker/certs.d/<host:port>/ (ca.crt /
 *   client.cert / client.key there as fallback) and `_default/` for every registry; a hosts.toml with
 *   two or more endpoints overrides daemon.json's mirrors/insecure-registries for that registry;
 *   insecure-registries is reported ignored on several paths (docker/cli#6748, moby#51080) and client
 *   certificates not sent (moby#51662);
 * - buildx builders (docker-container, kubernetes, remote drivers) never read certs.d: each needs the CA
 *   in its buildkitd.toml (`docker buildx create --config`), which buildx keeps in
 *   ~/.docker/buildx/instances/<name> (JSON, node Files["buildkitd.toml"], base64).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import type { LocalFinding as Finding } from "./check.js";

export interface Docker29Options {
  root: string;
  /** the registry directory names (host:port; host and host:443 for 443) */
  names: string[];
  /** HOST:PORT as typed */
  hostPort: string;
  /** the Docker client config dir holding buildx/ (default ROOT/root/.docker, or ~/.docker when root is /) */
  dockerConfigDir: string;
}

const read = (path: string): string | undefined => {
  try {
    return statSync(path).isFile() ? readFileSync(path, "utf8") : undefined;
  } catch {
    return undefined;
  }
};

const list = (path: string): string[] => {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
};

/** Which image store dockerd uses, and why we think so. */
export function detectImageStore(root: string): { store: "containerd" | "classic" | "unknown"; evidence: string } {
  const daemonJson = read(join(root, "etc/docker/daemon.json"));
  if (daemonJson !== undefined) {
    try {
      const features = (JSON.parse(daemonJson) as { features?: Record<string, unknown> }).features;
      const flag = features?.["containerd-snapshotter"];
      if (flag === true) return { store: "containerd", evidence: 'daemon.json sets features."containerd-snapshotter": true' };
      if (flag === false) return { store: "classic", evidence: 'daemon.json sets features."containerd-snapshotter": false' };
    } catch {
      /* invalid JSON is reported by the daemon.json check */
    }
  }
  const status = read(join(root, "var/lib/dpkg/status"));
  if (status !== undefined) {
    for (const paragraph of status.split(/\n\n+/)) {
      const pkg = /^Package: (docker-ce|docker\.io|moby-engine)$/m.exec(paragraph)?.[1];
      const version = /^Version: (?:\d+:)?(\d+)\./m.exec(paragraph)?.[1];
      if (pkg && version && /^Status: install ok installed$/m.test(paragraph)) {
        return Number(version) >= 29 ? { store: "containerd", evidence: `${pkg} ${version}.x is installed (the containerd image store is the default on fresh installs of Docker 29; an upgraded engine keeps its store)` } : { store: "classic", evidence: `${pkg} ${version}.x is installed` };
      }
    }
  }
  return { store: "unknown", evidence: "no features.containerd-snapshotter in daemon.json and no engine version readable" };
}

/** Endpoints a hosts.toml declares: `[host."…"]` table headers and dotted host keys, plus a top-level server. */
function endpoints(doc: Record<string, unknown>): string[] {
  const hosts = Object.keys((doc.host ?? {}) as Record<string, unknown>);
  const server = typeof doc.server === "string" ? [doc.server] : [];
  return [...new Set([...hosts, ...server])];
}

function hostsTomlFindings(dir: string, shown: string, o: Docker29Options): Finding[] {
  const text = read(join(dir, "hosts.toml"));
  if (text === undefined) return [];
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const where = error instanceof TomlError ? ` (line ${error.line}, column ${error.column})` : "";
    return [{ id: "local.docker29HostsTomlInvalid", status: "fail", message: `${shown}/hosts.toml does not parse${where}: dockerd's containerd store ignores it and falls back to the *.crt files there`, fix: `fix it, or rewrite it: regcert install-trust --host ${o.hostPort} --target docker,containerd --force` }];
  }
  const out: Finding[] = [];
  const eps = endpoints(doc);
  if (eps.length >= 2) {
    out.push({ id: "local.docker29MultiEndpoint", status: "warn", message: `${shown}/hosts.toml lists ${eps.length} endpoints (${eps.join(", ")}): with the containerd image store it overrides daemon.json (registry-mirrors, insecure-registries) for this registry, and dockerd tries them in order` });
  }
  const skip = doc.skip_verify === true || Object.values((doc.host ?? {}) as Record<string, { skip_verify?: unknown }>).some((h) => h?.skip_verify === true);
  if (skip) out.push({ id: "local.docker29SkipVerify", status: "warn", message: `${shown}/hosts.toml sets skip_verify = true: Docker does not verify the registry's certificate`, fix: "remove skip_verify once the CA is trusted" });
  return out;
}

interface BuildxNodeGroup {
  Name?: string;
  Driver?: string;
  Nodes?: Array<{ Name?: string; Files?: Record<string, string> | null }>;
}

/** buildx builders that build in their own BuildKit (not the docker driver) and have no CA for the registry. */
export function buildxFindings(o: Docker29Options): Finding[] {
  const dir = join(o.dockerConfigDir, "buildx", "instances");
  const out: Finding[] = [];
  for (const file of list(dir)) {
    const text = read(join(dir, file));
    if (text === undefined || text.length > 4_000_000) continue;
    let group: BuildxNodeGroup;
    try {
      group = JSON.parse(text) as BuildxNodeGroup;
    } catch {
      continue;
    }
    if (!group.Driver || group.Driver === "docker") continue;
    const name = group.Name ?? file;
    for (const node of group.Nodes ?? []) {
      const encoded = node.Files?.["buildkitd.toml"];
      let registries: Record<string, { ca?: unknown }> = {};
      if (typeof encoded === "string") {
        try {
          registries = ((parseToml(Buffer.from(encoded, "base64").toString("utf8")) as { registry?: Record<string, { ca?: unknown }> }).registry ?? {});
        } catch {
          registries = {};
        }
      }
      const hasCa = o.names.some((n) => Array.isArray(registries[n]?.ca) && (registries[n]?.ca as unknown[]).length > 0);
      if (!hasCa) {
        out.push({
          id: "local.buildxNoCa",
          status: "warn",
          message: `buildx builder "${name}" (driver ${group.Driver}${node.Name ? `, node ${node.Name}` : ""}) has no CA for ${o.hostPort}: BuildKit does not read certs.d, so docker buildx build --push fails with "x509: certificate signed by unknown authority" although docker login works`,
          clientError: "x509: certificate signed by unknown authority",
          fix: `regcert install-trust --host ${o.hostPort} --target buildkit, then docker buildx rm ${name} and docker buildx create --name ${name} --driver ${group.Driver} --config /etc/buildkit/buildkitd.toml`,
        });
      }
    }
  }
  return out;
}

/** Every Docker 29 finding for the registry. */
export function checkDocker29(o: Docker29Options): Finding[] {
  const findings: Finding[] = [];
  const store = detectImageStore(o.root);
  const certsD = join(o.root, "etc/docker/certs.d");
  if (store.store === "containerd") {
    findings.push({ id: "local.docker29ImageStore", status: "ok", message: `Docker uses the containerd image store (${store.evidence}): dockerd reads /etc/docker/certs.d/<host:port>/hosts.toml, then ca.crt/client.cert/client.key there, and _default/ for every registry` });
    for (const name of o.names) findings.push(...hostsTomlFindings(join(certsD, name), `/etc/docker/certs.d/${name}`, o));
    if (list(join(certsD, "_default")).length > 0) {
      findings.push({ id: "local.docker29Default", status: "warn", message: "/etc/docker/certs.d/_default/ exists: with the containerd image store it applies to every registry that has no directory of its own" });
      findings.push(...hostsTomlFindings(join(certsD, "_default"), "/etc/docker/certs.d/_default", o));
    }
    const daemonJson = read(join(o.root, "etc/docker/daemon.json"));
    if (daemonJson !== undefined) {
      try {
        const insecure = (JSON.parse(daemonJson) as { "insecure-registries"?: unknown })["insecure-registries"];
        if (Array.isArray(insecure) && insecure.length > 0) {
          findings.push({ id: "local.docker29Insecure", status: "warn", message: "daemon.json insecure-registries behaves differently with the containerd image store: it is reported ignored on several paths (docker/cli#6748, moby#51080); trust the CA instead", fix: `regcert install-trust --host ${o.hostPort} --target docker` });
        }
      } catch {
        /* reported elsewhere */
      }
    }
    for (const name of o.names) {
      const files = list(join(certsD, name));
      if (files.some((f) => f.endsWith(".cert"))) {
        findings.push({ id: "local.docker29ClientCert", status: "warn", message: `/etc/docker/certs.d/${name}/ has a client certificate: with the containerd image store it is reported not sent (moby#51662)`, fix: `name it in a hosts.toml there: client = [["client.cert", "client.key"]] (regcert install-trust --target containerd writes that form), or switch the store back: features."containerd-snapshotter": false` });
      }
    }
  }
  findings.push(...buildxFindings(o));
  return findings;
}
