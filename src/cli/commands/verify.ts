/** regcert verify: offline chain + name check with Go crypto/x509's rules; exit 0 valid, 1 invalid. */
import { userError } from "../../pki/errors.js";
import { decodePemOrDer, parsePemBlocks } from "../../pki/pem.js";
import { verifyChain, type Finding, type VerifyReport } from "../../pki/verify/verify.js";
import { readTrustBundle } from "../../files/home.js";
import type { Context } from "../context.js";
import { readInputFile } from "../input.js";
import { displayPath } from "../paths.js";
import { basename, dirname, extname, resolve } from "node:path";

export interface VerifyFlags {
  cert: string;
  ca: string[];
  host: string[];
  at?: string;
  strict?: boolean;
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** --at: ISO-8601 date or date-time; no offset means UTC; fractional seconds are truncated (not rounded). */
export function parseAt(value: string | undefined, now: Date = new Date()): Date {
  if (value === undefined) return new Date(Math.floor(now.getTime() / 1000) * 1000);
  const m = ISO_8601.exec(value.trim());
  const bad = () => userError("regcert.invalidTime", `--at "${value}" is not an ISO-8601 time`, "e.g. --at 2027-01-01T00:00:00Z or --at 2027-01-01");
  if (!m) throw bad();
  const [, y, mo, d, h = "00", mi = "00", s = "00", , zone = "Z"] = m;
  let offset = zone.toUpperCase() === "Z" ? "Z" : zone;
  if (offset !== "Z") {
    const digits = offset.slice(1).replace(":", "");
    offset = `${offset[0]}${digits.slice(0, 2)}:${(digits.slice(2) || "00").padEnd(2, "0")}`;
  }
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  if (Number.isNaN(date.getTime()) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) throw bad();
  return date;
}

/** --host: anything Go would be asked to match, but not HOST:PORT or a URL. */
export function parseHost(value: string): string {
  const host = value.trim();
  if (host === "" || /\s/.test(host)) throw userError("regcert.invalidHost", `--host "${value}" is not a host name or IP address`, "e.g. --host registry.local or --host 192.168.0.12");
  if (host.includes("://") || host.includes("/")) throw userError("regcert.invalidHost", `--host "${value}" is a URL, not a host`, `give only the host, e.g. --host ${host.replace(/^[a-z]+:\/\//i, "").split(/[/:]/)[0]}`);
  if (/^[^:]+:\d+$/.test(host) || /^\[[^\]]+\]:\d+$/.test(host)) {
    throw userError("regcert.invalidHost", `--host "${value}" includes a port`, `certificates name hosts, not ports: --host ${host.replace(/:\d+$/, "")}`);
  }
  return host;
}

async function readCas(ctx: Context, files: string[]): Promise<Uint8Array[]> {
  if (files.length === 0) {
    const bundle = readTrustBundle(ctx.home());
    if (bundle === undefined) {
      throw userError("regcert.noCa", `no --ca given and no CA in ${ctx.home()}`, "pass the CA certificate with --ca ca.crt (or create one with regcert init-ca)");
    }
    return parsePemBlocks(bundle).filter((b) => b.label === "CERTIFICATE").map((b) => b.der);
  }
  const roots: Uint8Array[] = [];
  for (const file of files) roots.push(...decodePemOrDer(await readInputFile(file, "--ca"), ["CERTIFICATE", "TRUSTED CERTIFICATE"], `${file} (--ca)`));
  return roots;
}

function printFinding(ctx: Context, f: Finding, index: number): void {
  ctx.ui.info(`  ${index}. ${f.message}`);
  ctx.ui.info(`     fix: ${f.fix}`);
  if (f.go) ctx.ui.info(ctx.ui.dim(`     Go clients say: ${f.go}`));
}

function printReport(ctx: Context, report: VerifyReport): void {
  const names = report.hosts.map((h) => h.host).join(", ");
  const forNames = names ? ` for ${names}` : "";
  if (report.valid) ctx.ui.info(ctx.ui.green(`valid${forNames}: Go clients (Docker, containerd, podman, skopeo) accept this chain at ${report.at}`));
  else if (report.goValid) ctx.ui.info(`not valid under --strict${forNames}: Go clients accept it, but ${report.warnings.length} profile rule(s) fail`);
  else ctx.ui.info(`not valid${forNames}: Go clients (Docker, containerd, podman, skopeo) refuse it — ${report.failures.length} problem(s):`);
  report.failures.forEach((f, i) => printFinding(ctx, f, i + 1));
  if (report.chain.length > 0) {
    ctx.ui.info("chain:");
    for (const c of report.chain) ctx.ui.info(`  ${c.role.padEnd(12)} ${c.subject || "(empty subject)"}  (until ${c.notAfter})`);
  }
  if (report.warnings.length > 0) {
    ctx.ui.info(report.strict ? "profile violations (fatal with --strict):" : "warnings (Go accepts these; stricter clients may not):");
    report.warnings.forEach((f, i) => printFinding(ctx, f, i + 1));
  }
  for (const note of report.notes) ctx.ui.info(ctx.ui.dim(`note: ${note.message}`));
}

export async function run(ctx: Context, flags: VerifyFlags): Promise<void> {
  if (flags.cert === "-" && flags.ca.includes("-")) {
    throw userError("regcert.stdinTwice", "--cert - and --ca - cannot both read standard input", "save one of them to a file");
  }
  const hosts = flags.host.map(parseHost);
  const at = parseAt(flags.at);
  const certificates = decodePemOrDer(await readInputFile(flags.cert, "--cert"), ["CERTIFICATE", "TRUSTED CERTIFICATE"], `${flags.cert} (--cert)`);
  const roots = await readCas(ctx, flags.ca);
  // a re-issue fix writes the certificate where it is, not to the default ./certs/registry.*
  const certPath = flags.cert === "-" ? undefined : resolve(ctx.cwd, flags.cert);
  const reissue = certPath === undefined ? undefined : { name: basename(certPath, extname(certPath)), outDir: dirname(certPath) === ctx.cwd ? "." : displayPath(dirname(certPath), ctx.cwd) };
  const report = verifyChain({ certificates, roots, hosts, at, strict: flags.strict === true, ...(reissue ? { reissue } : {}) });
  if (ctx.globals.json) ctx.ui.result({ schema: "regcert.verify/v1", ...report });
  else printReport(ctx, report);
  if (!report.valid) process.exitCode = 1;
}
