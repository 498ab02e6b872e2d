/** Shared by the k8s commands: where the YAML goes (stdout or an --out file, atomically) and the --json result. */
import { resolve } from "node:path";
import { findConflicts, writeFilesAtomic } from "../files/write.js";
import { readTrustBundle } from "../files/home.js";
import { userError } from "../pki/errors.js";
import type { K8sObject } from "../k8s/manifest.js";
import type { Context } from "./context.js";
import { readInputFile } from "./input.js";
import { displayPath } from "./paths.js";

export interface ManifestOutput {
  command: string;
  yaml: string;
  objects: readonly K8sObject[];
  /** "-" for stdout */
  out: string;
  /** 0o600 when the YAML holds a key or a password */
  mode: number;
  force: boolean;
  /** lines for stderr (per-node steps, warnings), also in the --json result */
  notes?: string[];
}

/** Refuses, before anything is generated, an --out file that exists (unless --force). */
export function assertOutWritable(ctx: Context, out: string | undefined, force: boolean): void {
  if (out === undefined || out === "-" || force) return;
  const path = resolve(ctx.cwd, out);
  if (findConflicts([{ path, contents: "\0", mode: 0o644 }]).length > 0) {
    throw userError("regcert.fileExists", `${displayPath(path, ctx.cwd)} already exists; regcert never replaces files without --force`, "re-run with --force to replace it, or choose another --out");
  }
}

/** Writes the manifest to stdout or to --out, then prints a summary (stderr when the YAML went to stdout). */
export function emitManifest(ctx: Context, output: ManifestOutput): void {
  const summary = output.objects.map((o) => ({ kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }));
  const toStdout = output.out === "-";
  let path: string | undefined;
  if (!toStdout) {
    path = resolve(ctx.cwd, output.out);
    writeFilesAtomic([{ path, contents: output.yaml, mode: output.mode, label: "Kubernetes manifest" }], { force: output.force });
  }
  if (ctx.globals.json) {
    ctx.ui.result({ command: output.command, out: path ?? null, objects: summary, notes: output.notes ?? [], ...(toStdout ? { yaml: output.yaml } : {}) });
    return;
  }
  if (toStdout) process.stdout.write(output.yaml);
  const say = (line: string) => {
    if (!ctx.globals.quiet) process.stderr.write(`${line}\n`);
  };
  if (path) say(`Wrote ${summary.map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`).join(", ")} to ${displayPath(path, ctx.cwd)}${output.mode === 0o600 ? " (0600: it holds a secret)" : ""}`);
  for (const note of output.notes ?? []) say(note);
}

/** The CA(s) to trust: --ca FILE, --ca - (stdin), else the home's trust bundle (never creates a CA). */
export async function readTrustCa(ctx: Context, ca: string | undefined): Promise<string> {
  if (ca !== undefined) return (await readInputFile(ca, "--ca")).toString("utf8");
  const home = ctx.home();
  const bundle = readTrustBundle(home);
  if (bundle === undefined) throw userError("regcert.noCa", `no CA certificate in ${home}`, "pass --ca ca.crt (or --ca - to read it from standard input), or --home DIR");
  return bundle;
}
