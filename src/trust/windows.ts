/**
 * Windows (Docker Desktop, Docker Engine on Windows Server, every native program): regcert cannot run
 * there from a Linux host, so it prints the exact commands (docker/docs windowsfaqs.md).
 * - Root store (admin): `certutil -addstore -f Root FILE`; removal: `certutil -delstore Root SERIAL`.
 */
import { caFiles } from "./printed-cas.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";
import { emptyTargetPlan } from "./types.js";

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

export const windowsTarget: TargetSpec = {
  name: "windows",
  label: "Windows Root store",
  summary: "printed: certutil -addstore Root (elevated)",
  output: "printed",
  plan: planWindowsTrust,
  markers: [],
  perUser: "no",
  inAll: false,
  kubernetes: "none",
  reads: [],
};
