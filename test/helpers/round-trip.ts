/**
 * The Go client's verdict on a served certificate: skopeo pushes a tiny OCI image to a real
 * docker-registry over TLS trusting only the given CA, pulls it back and the digests must match.
 */
import { join } from "node:path";
import { readOciLayout, type OciLayoutInfo } from "./oci.js";
import type { RunningRegistry } from "./registry.js";
import type { ToolResult } from "./run-tool.js";
import { certsDirFor, skopeoCopy } from "./skopeo.js";

export function explainTool(result: ToolResult, registry?: RunningRegistry): string {
  return `${result.command}\nexit ${result.code}\n${result.stdout}\n${result.stderr}${registry ? `\n--- registry log tail ---\n${registry.logs().slice(-3000)}` : ""}`;
}

/** Push + pull through `hostPort` with only `caPem` trusted; throws with skopeo's output and the registry log on failure. */
export async function skopeoRoundTrip(workDir: string, image: OciLayoutInfo, registry: RunningRegistry, hostPort: string, caPem: string, repo: string): Promise<void> {
  const certDir = certsDirFor(join(workDir, `trust-${hostPort.replace(/[^0-9A-Za-z.]/g, "_")}`), hostPort, caPem);
  const remote = `docker://${hostPort}/${repo}:v1`;
  const push = await skopeoCopy(image.reference, remote, { destCertDir: certDir });
  if (push.code !== 0) throw new Error(`push failed:\n${explainTool(push, registry)}`);
  const backDir = join(workDir, `back-${repo.replace(/\W/g, "_")}-${registry.port}`);
  const pull = await skopeoCopy(remote, `oci:${backDir}:v1`, { srcCertDir: certDir });
  if (pull.code !== 0) throw new Error(`pull failed:\n${explainTool(pull, registry)}`);
  const back = readOciLayout(backDir);
  if (back.configDigest !== image.configDigest || back.layerDigests.join() !== image.layerDigests.join()) throw new Error("pulled image differs from the pushed one");
}
