/** regcert k8s node-trust: the install-trust plan as a ConfigMap + DaemonSet (and per-node steps for what a file drop cannot do). */
import { parseLabelName, parseNamespace, renderManifest } from "../../k8s/manifest.js";
import { nodeTrust } from "../../k8s/node-trust.js";
import { userError } from "../../pki/errors.js";
import { parseTargets } from "../../trust/plan.js";
import type { Context } from "../context.js";
import { assertOutWritable, emitManifest, readTrustCa } from "../k8s-output.js";

export interface NodeTrustFlags {
  host: string[];
  ca?: string;
  target: string[];
  namespace?: string;
  name?: string;
  image?: string;
  out?: string;
  force?: boolean;
}

export async function run(ctx: Context, flags: NodeTrustFlags): Promise<void> {
  if (flags.host.length === 0) throw userError("regcert.noHosts", "no --host given: name the registry as clients type it", "e.g. regcert k8s node-trust --host registry.local:5000");
  const targets = parseTargets(flags.target.length > 0 ? flags.target : ["containerd"]);
  const namespace = parseNamespace(flags.namespace, "namespace", "kube-system");
  const name = parseLabelName(flags.name ?? "regcert-node-trust", "--name");
  const image = (flags.image ?? "").trim();
  if (flags.image !== undefined && (image === "" || /\s/.test(image))) throw userError("regcert.invalidImage", `--image "${flags.image}" is not an image reference`, "e.g. --image docker.io/library/busybox:1.36.1");
  assertOutWritable(ctx, flags.out, flags.force === true);
  const caPem = await readTrustCa(ctx, flags.ca);
  const result = nodeTrust({ hosts: flags.host, caPem, targets, namespace, name, ...(image ? { image } : {}) });
  const yaml = renderManifest(result.objects, result.header);
  const notes = result.nodeSteps.length > 0 ? ["Per-node steps (not done by the manifest):", ...result.nodeSteps] : [];
  emitManifest(ctx, { command: "k8s node-trust", yaml, objects: result.objects, out: flags.out ?? "-", mode: 0o644, force: flags.force === true, notes });
}
