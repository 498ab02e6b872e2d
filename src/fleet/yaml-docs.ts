/** Multi-document YAML for the Kubernetes-style renderers: YAML 1.1 quoting (go-yaml reads `yes`, `0644` as non-strings), literal PEM blocks. */
import { stringify } from "yaml";
import { commentText } from "./output.js";
import { YAML_OPTIONS } from "./yaml-writer.js";

const comments = (header: readonly string[]) => header.map((l) => (l === "" ? "#\n" : `# ${commentText(l)}\n`)).join("");

export function yamlDocuments(docs: readonly unknown[], header: readonly string[]): string {
  return yamlDocumentTexts(docs.map((d) => stringify(d, YAML_OPTIONS)), header);
}

/** The same from documents already written (src/fleet/yaml-writer.ts), each ending in a newline. */
export function yamlDocumentTexts(bodies: readonly string[], header: readonly string[]): string {
  return comments(header) + bodies.map((b) => `---\n${b}`).join("");
}

/** The labels regcert puts on what it emits. */
export const fleetLabels = (name: string, component: string): Record<string, string> => ({
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/component": component,
  "app.kubernetes.io/managed-by": "regcert",
});
