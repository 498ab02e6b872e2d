/**
 * Credentials for an htpasswd-protected registry, as Kubernetes and k3s read them:
 * - a `kubernetes.io/dockerconfigjson` Secret (an imagePullSecret), whose `.dockerconfigjson` is the
 *   same JSON `kubectl create secret docker-registry` writes:
 *   {"auths":{"HOST[:PORT]":{"username":…,"password":…,"auth":base64(user:password)}}};
 * - the k3s/rke2 registries.yaml entry `configs."HOST[:PORT]".auth` (k3s renders it into containerd's
 *   config; it needs a k3s restart on every node).
 */
import { opt, phrase, userError } from "../pki/errors.js";
import { base64, standardLabels, type K8sObject } from "./manifest.js";

export interface PullCredentials {
  /** the registry as clients type it: `registry.local:5000`, `[fd00::1]:5000`, `registry.local` (443) */
  registry: string;
  username: string;
  password: string;
}

/** Checks what basic auth cannot carry: a ':' in the user name, control characters, empty values. */
export function validateCredentials(username: string, password: string): void {
  if (username === "") throw userError("regcert.emptyUser", phrase`${opt("username")} is empty`, phrase`e.g. ${opt("username", "ci")}`);
  if (username.includes(":")) throw userError("regcert.invalidUser", `user name "${username}" contains ':', which HTTP basic auth cannot carry (RFC 7617)`, "choose a user name without ':' (regcert htpasswd refuses it too)");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(username)) throw userError("regcert.invalidUser", "the user name contains control characters", "choose a user name of printable characters");
  if (password === "") throw userError("regcert.emptyPassword", "the password read from standard input is empty", "echo \"$PASSWORD\" | regcert k8s pull-secret … --password-stdin");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000\u000a\u000d]/.test(password)) throw userError("regcert.invalidPassword", "the password contains a NUL or a line break: give one line on standard input", "give the password as one line on standard input");
}

/** The `.dockerconfigjson` text, key order as kubectl's Go structs (username, password, auth). */
export function dockerConfigJson(credentials: PullCredentials): string {
  const auth = base64(`${credentials.username}:${credentials.password}`);
  return JSON.stringify({ auths: { [credentials.registry]: { username: credentials.username, password: credentials.password, auth } } });
}

export function pullSecret(options: PullCredentials & { name: string; namespace: string }): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: options.name, namespace: options.namespace, labels: standardLabels("regcert", "pull-secret") },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": base64(dockerConfigJson(options)) },
  };
}

/** The registries.yaml fragment for k3s/rke2: merge it into /etc/rancher/k3s/registries.yaml on every node. */
export function k3sAuthEntry(credentials: PullCredentials): { configs: Record<string, { auth: { username: string; password: string } }> } {
  return { configs: { [credentials.registry]: { auth: { username: credentials.username, password: credentials.password } } } };
}
