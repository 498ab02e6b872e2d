/**
 * The one plan every fleet renderer draws from: planTrust (src/trust/plan.ts) for root "/", exactly
 * what `regcert install-trust --root /` would write on one machine. A fleet list can hold thousands of
 * registries, and planTrust de-duplicates hosts and directories by linear search (fine for the handful
 * install-trust gets, 37 s for 10,000); so the fleet plans each target in chunks of hosts and
 * concatenates: same files, same order, same bytes as one call (test/unit/fleet/plan.test.ts). Only a
 * merged file (k3s registries.yaml, one file naming every registry) is planned in a single call.
 */
import { parseRegistryHost, type RegistryHost } from "../trust/host-port.js";
import { planTrust, type PlanTrustOptions } from "../trust/plan.js";
import type { SystemFamily, TargetName, TrustPlan } from "../trust/types.js";

/** Hosts per planTrust call: large enough to amortise the CA parse, small enough for the linear searches. */
export const PLAN_CHUNK = 500;

export interface FleetPlanOptions {
  /** registries as clients type them (already checked by checkHostList) */
  hosts: readonly string[];
  /** CA certificate(s), PEM */
  caPem: string;
  targets: readonly TargetName[];
  clientCertPem?: string;
  clientKeyPem?: string;
  /** default "debian" */
  systemFamily?: SystemFamily;
}

const key = (...parts: string[]) => parts.join("\0");

/** Plans trust for every host and target at root "/" (see the module comment). Throws user errors like planTrust. */
export function planFleet(options: FleetPlanOptions): TrustPlan {
  const common: Omit<PlanTrustOptions, "hosts" | "targets"> = {
    caPem: options.caPem,
    root: "/",
    ...(options.clientCertPem !== undefined ? { clientCertPem: options.clientCertPem } : {}),
    ...(options.clientKeyPem !== undefined ? { clientKeyPem: options.clientKeyPem } : {}),
    systemFamily: options.systemFamily ?? "debian",
  };
  // the first of equal hosts is kept, as planTrust's parseRegistryHosts does (in linear time)
  const parsed = new Map<string, { input: string; host: RegistryHost }>();
  for (const input of options.hosts) {
    const host = parseRegistryHost(input);
    if (!parsed.has(host.hostPort)) parsed.set(host.hostPort, { input, host });
  }
  const hosts = [...parsed.values()].map((h) => h.input);
  // validates everything (hosts, CA, client pair, targets) with planTrust's own messages, on a small input
  const head = planTrust({ ...common, hosts: hosts.slice(0, PLAN_CHUNK), targets: options.targets });
  if (hosts.length <= PLAN_CHUNK) return head;
  const merged: TrustPlan = { ...head, hosts: [...parsed.values()].map((h) => h.host), files: [], directories: [], requires: [], refresh: [], printed: [], notes: [], warnings: [] };
  const seen = new Set<string>();
  const once = (k: string) => (seen.has(k) ? false : (seen.add(k), true));
  for (const target of head.targets) {
    const parts: TrustPlan[] = [];
    const whole = head.files.some((f) => f.target === target && f.ownership === "merge");
    if (whole) parts.push(planTrust({ ...common, hosts, targets: [target] }));
    else for (let i = 0; i < hosts.length; i += PLAN_CHUNK) parts.push(planTrust({ ...common, hosts: hosts.slice(i, i + PLAN_CHUNK), targets: [target] }));
    // notes and warnings as one call gives them: from the first hosts (a note may name the first registry)
    const first = parts[0];
    if (first) for (const n of first.notes) merged.notes.push(n);
    if (first) for (const w of first.warnings) if (!merged.warnings.includes(w)) merged.warnings.push(w);
    for (const part of parts) {
      merged.files.push(...part.files);
      for (const d of part.directories) if (once(key("d", d.base, d.path))) merged.directories.push(d);
      for (const r of part.requires) if (once(key("q", r.target, r.path))) merged.requires.push(r);
      for (const r of part.refresh) if (once(key("r", r.target, ...r.install))) merged.refresh.push(r);
      for (const p of part.printed) if (once(key("p", p.target))) merged.printed.push(p);
    }
  }
  // planTrust adds this one after every target's warnings
  const clientWarning = head.warnings.find((w) => w.startsWith("the client certificate"));
  if (clientWarning) merged.warnings = [...merged.warnings.filter((w) => w !== clientWarning), clientWarning];
  return merged;
}
