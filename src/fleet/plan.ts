/**
 * The one plan every fleet renderer draws from: planTrust (src/trust/plan.ts) for root "/", exactly
 * what `regcert install-trust --root /` would write on one machine. One call for the whole list:
 * planTrust and parseRegistryHosts de-duplicate hosts and directories through Sets keyed by the
 * normalised host:port and path, so 10,000 registries cost linear time (test/unit/trust/plan-linear.test.ts).
 */
import { planTrust } from "../trust/plan.js";
import type { RegistryHost } from "../trust/host-port.js";
import type { SystemFamily, TargetName, TrustPlan } from "../trust/types.js";

export interface FleetPlanOptions {
  /** registries as clients type them (already checked by checkHostList) */
  hosts: readonly string[];
  /** the same hosts as checkHosts parsed them (then they are not parsed again) */
  parsedHosts?: readonly RegistryHost[];
  /** CA certificate(s), PEM */
  caPem: string;
  targets: readonly TargetName[];
  clientCertPem?: string;
  clientKeyPem?: string;
  /** default "debian" */
  systemFamily?: SystemFamily;
}

/** Plans trust for every host and target at root "/". Throws user errors like planTrust. */
export function planFleet(options: FleetPlanOptions): TrustPlan {
  return planTrust({
    hosts: options.hosts,
    ...(options.parsedHosts !== undefined ? { parsedHosts: options.parsedHosts } : {}),
    caPem: options.caPem,
    targets: options.targets,
    root: "/",
    ...(options.clientCertPem !== undefined ? { clientCertPem: options.clientCertPem } : {}),
    ...(options.clientKeyPem !== undefined ? { clientKeyPem: options.clientKeyPem } : {}),
    systemFamily: options.systemFamily ?? "debian",
  });
}
