/**
 * Kubernetes objects as plain data, and their one rendering: multi-document YAML made with the `yaml`
 * library, deterministic (same input, same bytes: keys in the order the builders write them, no
 * timestamps, no random names).
 *
 * The YAML is emitted under YAML 1.1 rules because kubectl and the API server parse it with go-yaml
 * (sigs.k8s.io/yaml), where unquoted `yes`, `on`, `0644` or `1e3` are booleans and numbers: version
 * 1.1 output quotes every string that a 1.1 parser would read as something else.
 */
import { stringify } from "yaml";
import { opt, phrase, userError } from "../pki/errors.js";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** One Kubernetes object: apiVersion, kind, metadata, then kind-specific fields in a fixed order. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Labels on everything regcert emits (the recommended app.kubernetes.io labels). */
export function standardLabels(name: string, component: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component, "app.kubernetes.io/managed-by": "regcert" };
}

/** Renders objects as one multi-document YAML stream; `header` lines become leading `#` comments. */
export function renderManifest(objects: readonly K8sObject[], header: readonly string[] = []): string {
  // a comment ends at a line break: control characters (a CA's CN is the CA maker's text) must not end it early
  // eslint-disable-next-line no-control-regex
  const comments = header.map((line) => (line === "" ? "#\n" : `# ${line.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, "?")}\n`)).join("");
  const docs = objects.map((o) => stringify(o, { version: "1.1", lineWidth: 0, blockQuote: "literal", indentSeq: true, aliasDuplicateObjects: false }));
  return comments + docs.map((d) => `---\n${d}`).join("");
}

/** base64 of UTF-8 text, for Secret `data` (the API server decodes it; `stringData` is write-only). */
export const base64 = (text: string | Uint8Array): string => Buffer.from(text).toString("base64");

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A namespace name: an RFC 1123 label (apimachinery validation.IsDNS1123Label). */
/** `option`: the option it came from (`namespace`, `certManagerNamespace`), named in the error. */
export function parseNamespace(value: string | undefined, option = "namespace", fallback = "default"): string {
  const ns = value ?? fallback;
  if (ns.length > 63 || !DNS1123_LABEL.test(ns)) {
    throw userError("regcert.invalidK8sName", phrase`${opt(option, `"${ns}"`)} is not a valid namespace: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric`, phrase`e.g. ${opt("namespace", "kube-system")}`);
  }
  return ns;
}

/** An object name (Secret, ConfigMap, DaemonSet…): an RFC 1123 subdomain (validation.IsDNS1123Subdomain). */
export function parseObjectName(value: string, flag: string): string {
  const ok = value.length <= 253 && value.split(".").every((label) => DNS1123_LABEL.test(label));
  if (!ok) {
    throw userError("regcert.invalidK8sName", `${flag} "${value}" is not a valid Kubernetes object name: lower-case letters, digits, '-' and '.', at most 253, starting and ending alphanumeric`, "e.g. registry-tls");
  }
  return value;
}

/** DaemonSet and Pod names end up in label values and pod hostnames: at most 63 characters (validation.IsDNS1123Label). */
export function parseLabelName(value: string, flag: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw userError("regcert.invalidK8sName", `${flag} "${value}" must be an RFC 1123 label: lower-case letters, digits and '-', at most 63 characters`, "e.g. regcert-node-trust");
  }
  return value;
}
