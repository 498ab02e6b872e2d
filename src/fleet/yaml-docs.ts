/** Multi-document YAML for the Kubernetes-style renderers: YAML 1.1 quoting (go-yaml reads `yes`, `0644` as non-strings), literal PEM blocks. */
import { stringify } from "yaml";
import { commentText } from "./output.js";

export function yamlDocuments(docs: readonly unknown[], header: readonly string[]): string {
  const comments = header.map((l) => (l === "" ? "#\n" : `# ${commentText(l)}\n`)).join("");
  return comments + docs.map((d) => `---\n${stringify(d, { version: "1.1", lineWidth: 0, blockQuote: "literal", indentSeq: true, aliasDuplicateObjects: false })}`).join("");
}

/** The labels regcert puts on what it emits. */
export const fleetLabels = (name: string, component: string): Record<string, string> => ({
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/component": component,
  "app.kubernetes.io/managed-by": "regcert",
});
