/** regcert k8s pull-secret: an imagePullSecret (kubernetes.io/dockerconfigjson), or with --k3s the registries.yaml auth entry. */
import { stringify } from "yaml";
import { parseNamespace, parseObjectName, renderManifest } from "../../k8s/manifest.js";
import { k3sAuthEntry, pullSecret, validateCredentials } from "../../k8s/pull-secret.js";
import { userError } from "../../pki/errors.js";
import { parseRegistryHost } from "../../trust/host-port.js";
import type { Context } from "../context.js";
import { readInputFile } from "../input.js";
import { assertOutWritable, emitManifest } from "../k8s-output.js";

export interface PullSecretFlags {
  host: string;
  user: string;
  passwordStdin?: boolean;
  namespace?: string;
  name?: string;
  k3s?: boolean;
  out?: string;
  force?: boolean;
}

export async function run(ctx: Context, flags: PullSecretFlags): Promise<void> {
  if (!flags.passwordStdin) throw userError("regcert.passwordStdinRequired", "the password is read from standard input only (never from the command line, where ps and shell history see it)", "add --password-stdin and pipe it: printf '%s\\n' \"$PASSWORD\" | regcert k8s pull-secret …");
  // the key clients look up: exactly how image references spell the registry (443: no port)
  const registry = parseRegistryHost(flags.host).hostPort;
  const namespace = parseNamespace(flags.namespace, "namespace", "default");
  const name = parseObjectName(flags.name ?? "regcred", "--name");
  assertOutWritable(ctx, flags.out, flags.force === true);
  // one line, like docker login --password-stdin: a trailing newline (and CR) is not part of it
  const password = (await readInputFile("-", "--password-stdin")).toString("utf8").replace(/\r?\n$/, "");
  validateCredentials(flags.user, password);
  const credentials = { registry, username: flags.user, password };
  const out = flags.out ?? "-";
  if (flags.k3s) {
    const yaml =
      `# regcert k8s pull-secret --k3s: merge into /etc/rancher/k3s/registries.yaml on every node\n` +
      `# (or: sudo regcert install-trust --target k3s, then add this), then: sudo systemctl restart k3s (agents: k3s-agent)\n` +
      stringify(k3sAuthEntry(credentials), { version: "1.1", lineWidth: 0 });
    emitManifest(ctx, { command: "k8s pull-secret", yaml, objects: [], out, mode: 0o600, force: flags.force === true });
    return;
  }
  const secret = pullSecret({ ...credentials, name, namespace });
  const header = [`regcert k8s pull-secret: credentials for ${registry}; pods use it with imagePullSecrets: [{name: ${name}}].`, "It holds a password: keep this file out of version control."];
  emitManifest(ctx, { command: "k8s pull-secret", yaml: renderManifest([secret], header), objects: [secret], out, mode: 0o600, force: flags.force === true });
}
