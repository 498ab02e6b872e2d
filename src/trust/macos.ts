/**
 * macOS (Docker Desktop and every native program): regcert cannot run there from a Linux host, so it
 * prints the exact commands. Docker Desktop builds its VM's trust from the macOS Keychain at start, so
 * it needs a restart (docker/docs macfaqs.md).
 * - `security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain FILE`;
 *   removal: `security remove-trusted-cert -d FILE`, then `security delete-certificate -Z SHA1 …`.
 * Client pairs for Desktop go to ~/.docker/certs.d/<host:port>/client.cert + client.key (the desktop target).
 */
import { shellQuote } from "../text/shell.js";
import { caFiles } from "./printed-cas.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";
import { emptyTargetPlan } from "./types.js";

export function planMacosTrust(input: TargetInput): TargetPlan {
  const plan = emptyTargetPlan();
  const files = caFiles(input);
  plan.printed.push({
    target: "macos",
    install: files.map((f) => `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${shellQuote(f.file)}`),
    uninstall: files.flatMap((f) => [`sudo security remove-trusted-cert -d ${shellQuote(f.file)}`, `sudo security delete-certificate -Z ${f.sha1} /Library/Keychains/System.keychain`]),
  });
  if (input.cas.length > 1) plan.notes.push(`macos: save each CA of the bundle as its own file first (${files.map((f) => f.file).join(", ")}); security imports one certificate per file`);
  plan.notes.push("macos: restart Docker Desktop afterwards (it copies the Keychain's trusted CAs into its VM at start)");
  if (input.client) plan.notes.push(`macos: for mTLS copy the client pair to ~/.docker/certs.d/${input.hosts[0]?.hostPort ?? "HOST:PORT"}/client.cert and client.key, then restart Docker Desktop`);
  return plan;
}

export const macosTarget: TargetSpec = {
  name: "macos",
  label: "macOS Keychain",
  summary: "printed: security add-trusted-cert into the System keychain (Docker Desktop copies it at start)",
  output: "printed",
  plan: planMacosTrust,
  markers: [],
  perUser: "no",
  inAll: false,
  kubernetes: "none",
  reads: [],
};
