/**
 * `regcert check` as a library call: probe (probe.ts: sockets, TLS, HTTP; what was observed) then
 * diagnose (diagnose.ts: pure, the served chain judged by pki/verify's verifyChain), plus the
 * conversion of the local side's findings (local-check.ts) into the one Finding type.
 */
import type { Finding, Severity } from "../pki/findings.js";
import { diagnose, type ClientSettings, type Diagnosis, type DiagnoseOptions } from "./diagnose.js";
import { probeRegistry, type ProbeOptions } from "./probe.js";

export type { ClientSettings, CertificateSummary, Diagnosis, DiagnoseOptions, HttpSummary } from "./diagnose.js";
export type { Observation, ProbeOptions } from "./probe.js";

export interface CheckOptions extends ProbeOptions, Omit<DiagnoseOptions, "now"> {
  /** the validation time; default now */
  now?: Date;
}

/** Probes HOST:PORT and diagnoses what it saw; never throws for network or TLS problems (they are findings). */
export async function checkRegistry(options: CheckOptions): Promise<Diagnosis> {
  const observation = await probeRegistry(options);
  return diagnose(observation, {
    roots: options.roots,
    caSource: options.caSource,
    now: options.now ?? new Date(),
    ...(options.clientSettings ? { clientSettings: options.clientSettings } : {}),
    ...(options.reissueFor ? { reissueFor: options.reissueFor } : {}),
  });
}

/** The shape local-check.ts still produces; converted by fromLocalFinding into the catalogue's Finding. */
export interface LocalFinding {
  /** e.g. "local.noCa" */
  id: string;
  status: "ok" | "fail" | "warn" | "note";
  message: string;
  clientError?: string;
  fix?: string;
}

const SEVERITY: Record<LocalFinding["status"], Severity> = { ok: "ok", fail: "error", warn: "warning", note: "note" };

/** A local-side finding as the one Finding type (code = its id, e.g. "local.noCa"). */
export function fromLocalFinding(f: LocalFinding): Finding {
  const out: Finding = { code: f.id, severity: SEVERITY[f.status], message: f.message, fix: f.fix ?? "" };
  if (f.clientError !== undefined) out.go = f.clientError;
  return out;
}

/** What the local side says about insecure settings for the registry, for the plain-HTTP verdict. */
export function clientSettingsFrom(local: LocalFinding[]): ClientSettings {
  return {
    dockerInsecure: local.some((f) => f.id === "local.insecureRegistries" || f.id === "local.insecureFlag"),
    containersInsecure: local.some((f) => f.id === "local.registriesConfInsecure"),
  };
}

