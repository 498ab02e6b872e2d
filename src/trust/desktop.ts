/**
 * macOS and Windows (Docker Desktop and every native program): regcert cannot run there from a Linux
 * host, so it prints the exact commands. Docker Desktop builds its VM's trust from the macOS Keychain /
 * Windows Root store at start, so it needs a restart (docker/docs macfaqs.md, windowsfaqs.md).
 * - macOS: `security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain FILE`;
 *   removal: `security remove-trusted-cert -d FILE`, then `security delete-certificate -Z SHA1 …`.
 * - Windows (admin): `certutil -addstore -f Root FILE`; removal: `certutil -delstore Root SERIAL`.
 * Client pairs for Desktop go to ~/.docker/certs.d/<host:port>/client.cert + client.key.
 */
import type { TargetInput, TargetPlan } from "./types.js";
import { emptyTargetPlan } from "./types.js";

/** The file name each CA should have on the Mac/PC: the given name for one CA, `regcert-<id>.crt` for several. */
function caFiles(input: TargetInput): Array<{ file: string; sha1: string; serial: string }> {
  if (input.cas.length === 1) {
    const ca = input.cas[0] as TargetInput["cas"][number];
    return [{ file: input.caFileName, sha1: ca.sha1, serial: ca.serial }];
  }
  return input.cas.map((ca) => ({ file: `regcert-${ca.id}.crt`, sha1: ca.sha1, serial: ca.serial }));
}

const quote = (s: string) => (/^[A-Za-z0-9._/:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

export function planMacosTrust(input: TargetInput): TargetPlan {
  const plan = emptyTargetPlan();
  const files = caFiles(input);
  plan.printed.push({
    target: "macos",
    install: files.map((f) => `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${quote(f.file)}`),
    uninstall: files.flatMap((f) => [`sudo security remove-trusted-cert -d ${quote(f.file)}`, `sudo security delete-certificate -Z ${f.sha1} /Library/Keychains/System.keychain`]),
  });
  if (input.cas.length > 1) plan.notes.push(`macos: save each CA of the bundle as its own file first (${files.map((f) => f.file).join(", ")}); security imports one certificate per file`);
  plan.notes.push("macos: restart Docker Desktop afterwards (it copies the Keychain's trusted CAs into its VM at start)");
  if (input.client) plan.notes.push(`macos: for mTLS copy the client pair to ~/.docker/certs.d/${input.hosts[0]?.hostPort ?? "HOST:PORT"}/client.cert and client.key, then restart Docker Desktop`);
  return plan;
}

export function planWindowsTrust(input: TargetInput): TargetPlan {
  const plan = emptyTargetPlan();
  const files = caFiles(input);
  plan.printed.push({
    target: "windows",
    install: files.map((f) => `certutil -addstore -f Root ${f.file}`),
    uninstall: files.map((f) => `certutil -delstore Root ${f.serial}`),
  });
  plan.notes.push("windows: run in an elevated prompt (Administrator); restart Docker Desktop afterwards");
  if (input.cas.length > 1) plan.notes.push(`windows: save each CA of the bundle as its own file first (${files.map((f) => f.file).join(", ")})`);
  if (input.client) plan.notes.push("windows: these commands do not install the client pair; see Docker Desktop's FAQ on client certificates (a Windows directory name cannot hold ':')");
  return plan;
}
