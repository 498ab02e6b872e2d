/**
 * This machine's addresses for --detect-ips: what the seeds get from `hostname -I`, minus loopback and
 * link-local (fe80::/10 needs a zone id, which certificates cannot carry).
 * Tests inject the interface table with REGCERT_TEST_INTERFACES (JSON shaped like os.networkInterfaces()).
 */
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

export function detectIps(env: NodeJS.ProcessEnv = process.env): string[] {
  const table: Record<string, NetworkInterfaceInfo[] | undefined> = env.REGCERT_TEST_INTERFACES ? JSON.parse(env.REGCERT_TEST_INTERFACES) : networkInterfaces();
  const ips: string[] = [];
  for (const infos of Object.values(table)) {
    for (const info of infos ?? []) {
      if (info.internal) continue;
      if (info.family === "IPv6" && /^fe[89ab]/i.test(info.address)) continue;
      if (!ips.includes(info.address)) ips.push(info.address);
    }
  }
  return ips;
}
