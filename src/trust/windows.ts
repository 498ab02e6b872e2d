/**
 * Windows (Docker Desktop, Docker Engine on Windows Server, every native program): regcert cannot run
 * there from a Linux host, so it prints the exact commands (docker/docs windowsfaqs.md).
 * - Root store (admin): `certutil -addstore -f Root FILE`; removal: `certutil -delstore Root SERIAL`.
 * - Docker Engine's certs.d is C:\ProgramData\docker\certs.d. With the containerd image store
 *   (Docker 29) containerd looks up `<host>_<port>_` then `<host><port>` (every ':' removed: Windows
 *   names cannot hold one), then `_default` (containerd config_windows.go hostPaths); the classic store
 *   uses `<host><port>` too. regcert writes both directories only under --root (a mounted C: drive or
 *   an image tree: ROOT/ProgramData/docker/certs.d/…); without --root it prints PowerShell steps and
 *   writes nothing (never C: from Linux).
 */
import { posix } from "node:path";
import { planCertsDir } from "./certs-dir.js";
import { caFiles } from "./printed-cas.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";
import { emptyTargetPlan } from "./types.js";

/** The certs.d root as a path under --root. */
export const WINDOWS_CERTS_DIR = "/ProgramData/docker/certs.d";

/** Windows directory names for a registry directory name: containerd's `host_port_`, then the classic `hostport`. */
export function windowsDirectoryNames(directoryName: string): string[] {
  const idx = directoryName.lastIndexOf(":");
  const containerd = idx > 0 && !directoryName.endsWith("]") ? `${directoryName.slice(0, idx)}_${directoryName.slice(idx + 1)}_` : directoryName;
  return [...new Set([containerd.replaceAll(":", ""), directoryName.replaceAll(":", "")])];
}

/** A PowerShell single-quoted string ('' for a quote). */
const psQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const winPath = (posixPath: string): string => `C:${posixPath.replace(/\//g, "\\")}`;

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
  const names = input.hosts.flatMap((h) => h.directoryNames.flatMap(windowsDirectoryNames));
  const uniqueNames = [...new Set(names)];
  if (input.rootIsSystem) {
    const caFile = files.length === 1 ? (files[0]?.file ?? input.caFileName) : "ca.crt";
    const printed = plan.printed[0];
    for (const name of uniqueNames) {
      const dir = winPath(posix.join(WINDOWS_CERTS_DIR, name));
      printed?.install.push(`New-Item -ItemType Directory -Force -Path ${psQuote(dir)} | Out-Null; Copy-Item -Path ${psQuote(caFile)} -Destination ${psQuote(`${dir}\\ca.crt`)}`);
      // only regcert's file, then the directory if it is empty (never -Recurse)
      printed?.uninstall.push(`Remove-Item -Force -Path ${psQuote(`${dir}\\ca.crt`)}; Remove-Item -Path ${psQuote(dir)}`);
    }
    plan.notes.push(`windows: Docker Engine reads ${winPath(WINDOWS_CERTS_DIR)}\\<dir>\\ca.crt (${uniqueNames.join(", ")}); nothing is written from here without --root`);
    return plan;
  }
  const certsPlan = planCertsDir({ ...input, hosts: input.hosts.map((h) => ({ ...h, directoryNames: [...new Set(h.directoryNames.flatMap(windowsDirectoryNames))] })) }, { target: "windows", certsDir: WINDOWS_CERTS_DIR, ownedParents: ["/ProgramData", "/ProgramData/docker"], ownsCertsDir: true });
  plan.files.push(...certsPlan.files);
  plan.directories.push(...certsPlan.directories);
  plan.notes.push(`windows: ${uniqueNames.join(", ")} under ${WINDOWS_CERTS_DIR} (C:\\ProgramData\\docker\\certs.d on the Windows host); restart Docker afterwards`);
  return plan;
}

export const windowsTarget: TargetSpec = {
  name: "windows",
  label: "Windows Root store",
  summary: "certutil -addstore Root and PowerShell steps printed; with --root: ProgramData/docker/certs.d/<host>_<port>_ and <host><port>",
  output: "both",
  plan: planWindowsTrust,
  markers: [],
  perUser: "no",
  inAll: false,
  kubernetes: "none",
  reads: [],
};
