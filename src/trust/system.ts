/**
 * The operating system's CA store (what Go clients, curl and most tools trust), as data like mkcert's
 * truststore_linux.go: one anchor file per CA, named by CA id so uninstall is exact, then the distro's
 * refresh command.
 * - Debian family (also Alpine): /usr/local/share/ca-certificates/NAME.crt (must end in .crt), then
 *   `update-ca-certificates` (`--fresh` after a removal, so the dangling link goes too).
 * - RHEL family: /etc/pki/ca-trust/source/anchors/NAME.crt, then `update-ca-trust extract`.
 */
import { posix } from "node:path";
import type { SystemFamily, TargetInput, TargetPlan, TargetSpec } from "./types.js";
import { emptyTargetPlan } from "./types.js";

export interface SystemStore {
  family: SystemFamily;
  anchorDir: string;
  install: string[];
  uninstall: string[];
}

export const SYSTEM_STORES: Readonly<Record<SystemFamily, SystemStore>> = {
  debian: { family: "debian", anchorDir: "/usr/local/share/ca-certificates", install: ["update-ca-certificates"], uninstall: ["update-ca-certificates", "--fresh"] },
  rhel: { family: "rhel", anchorDir: "/etc/pki/ca-trust/source/anchors", install: ["update-ca-trust", "extract"], uninstall: ["update-ca-trust", "extract"] },
};

/** The anchor file name of one CA: `regcert-<first 16 hex of its SHA-256>.crt`. */
export const systemAnchorName = (id: string): string => `regcert-${id}.crt`;

export function planSystemTrust(input: TargetInput): TargetPlan {
  const plan = emptyTargetPlan();
  const store = SYSTEM_STORES[input.systemFamily];
  for (const ca of input.cas) {
    plan.files.push({
      target: "system",
      base: "root",
      path: posix.join(store.anchorDir, systemAnchorName(ca.id)),
      contents: ca.pem,
      mode: 0o644,
      role: "ca",
      ownership: "whole",
      guard: store.anchorDir,
    });
  }
  plan.requires.push({
    target: "system",
    base: "root",
    path: store.anchorDir,
    message: `no system CA store here (no ${store.anchorDir})`,
    hint: input.systemFamily === "debian" ? "install the ca-certificates package (it creates that directory and update-ca-certificates), or leave system out of --target" : "install the ca-certificates package, or leave system out of --target",
  });
  plan.refresh.push({ target: "system", install: store.install, uninstall: store.uninstall, run: "auto", why: `rebuilds the system CA bundle from ${store.anchorDir}` });
  plan.notes.push(`system: every program that uses the system CA bundle (curl, Go clients, git) will trust this CA for every site it signs for; prefer certs.d targets where they suffice`);
  return plan;
}

export const systemTarget: TargetSpec = {
  name: "system",
  label: "the OS CA store (curl, Go, git; Node with --use-system-ca)",
  summary: "Debian /usr/local/share/ca-certificates/regcert-<id>.crt, RHEL /etc/pki/ca-trust/source/anchors/, then the refresh command",
  output: "files",
  plan: planSystemTrust,
  markers: [],
  perUser: "no",
  inAll: true,
  kubernetes: "none",
  reads: [],
};
