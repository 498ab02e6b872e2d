/**
 * Independent judges of the Kubernetes objects regcert emits:
 * 1. kubernetes-models (Kubernetes 1.27 OpenAPI schemas compiled with ajv; cert-manager's CRD schemas
 *    from @kubernetes-models/cert-manager): types, required fields, enums, formats (`byte`: base64).
 * 2. The same package's TypeScript types, through the TypeScript compiler: each object is embedded as
 *    an object literal typed as, say, IDaemonSet, so a misspelled or unknown field anywhere is an
 *    excess-property error (the OpenAPI schemas allow unknown fields; kubectl --validate=strict and
 *    the API server's field validation do not).
 * 3. The API server's own checks that no schema states (apimachinery validation): object names,
 *    ConfigMap/Secret keys, label keys and values, the 1 MiB object limit.
 */
import { join } from "node:path";
import ts from "typescript";
import { REPO } from "../../helpers/cli.js";

interface Judge {
  module: string;
  type: string;
  load: () => Promise<new (data: unknown) => { validate(): void }>;
}

const JUDGES: Record<string, Judge> = {
  "v1/ConfigMap": { module: "kubernetes-models/v1/ConfigMap", type: "IConfigMap", load: async () => (await import("kubernetes-models/v1/ConfigMap")).ConfigMap as never },
  "v1/Secret": { module: "kubernetes-models/v1/Secret", type: "ISecret", load: async () => (await import("kubernetes-models/v1/Secret")).Secret as never },
  "apps/v1/DaemonSet": { module: "kubernetes-models/apps/v1/DaemonSet", type: "IDaemonSet", load: async () => (await import("kubernetes-models/apps/v1/DaemonSet")).DaemonSet as never },
  "cert-manager.io/v1/ClusterIssuer": {
    module: "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer",
    type: "IClusterIssuer",
    load: async () => (await import("@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer")).ClusterIssuer as never,
  },
  "cert-manager.io/v1/Certificate": {
    module: "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate",
    type: "ICertificate",
    load: async () => (await import("@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate")).Certificate as never,
  },
};

export interface K8sLike {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const judgeOf = (o: K8sLike): Judge => {
  const judge = JUDGES[`${o.apiVersion}/${o.kind}`];
  if (!judge) throw new Error(`no schema judge for ${o.apiVersion} ${o.kind}`);
  return judge;
};

/** 1: the OpenAPI schema. Returns the error messages (empty: valid). */
export async function schemaErrors(objects: readonly K8sLike[]): Promise<string[]> {
  const errors: string[] = [];
  for (const o of objects) {
    const Model = await judgeOf(o).load();
    try {
      new Model(o).validate();
    } catch (error) {
      errors.push(`${o.kind} ${o.metadata.name}: ${(error as Error).message}`);
    }
  }
  return errors;
}

/** 2: strict typing (unknown fields, wrong types) through the TypeScript compiler. */
export function typeErrors(objects: readonly K8sLike[]): string[] {
  const fileName = join(REPO, "test", "unit", "k8s", "__k8s_objects__.ts");
  const lines: string[] = [];
  objects.forEach((o, i) => {
    const judge = judgeOf(o);
    lines.push(`import type { ${judge.type} as T${i} } from "${judge.module}";`);
  });
  objects.forEach((o, i) => lines.push(`export const o${i}: T${i} = ${JSON.stringify(o, null, 1)};`));
  const source = lines.join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (name === fileName ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const program = ts.createProgram([fileName], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === fileName)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n")[0] as string);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KEY = /^[-._a-zA-Z0-9]+$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** 3: what the API server checks beyond the schema (k8s.io/apimachinery/pkg/util/validation). */
export function apiServerErrors(objects: readonly K8sLike[]): string[] {
  const errors: string[] = [];
  for (const o of objects) {
    const at = `${o.kind} ${o.metadata.name}`;
    const name = o.metadata.name;
    if (name.length > 253 || !name.split(".").every((l) => DNS1123_LABEL.test(l))) errors.push(`${at}: name is not a DNS-1123 subdomain`);
    if (o.kind === "DaemonSet" && (name.length > 63 || !DNS1123_LABEL.test(name))) errors.push(`${at}: DaemonSet name must be a DNS-1123 label`);
    if (o.metadata.namespace !== undefined && (o.metadata.namespace.length > 63 || !DNS1123_LABEL.test(o.metadata.namespace))) errors.push(`${at}: bad namespace`);
    const checkLabels = (labels: Record<string, string> | undefined, where: string) => {
      for (const [k, v] of Object.entries(labels ?? {})) {
        if (!QUALIFIED_NAME.test(k) || k.split("/").pop()!.length > 63) errors.push(`${at}: ${where} key ${k}`);
        if (v.length > 63 || !LABEL_VALUE.test(v)) errors.push(`${at}: ${where} value ${v}`);
      }
    };
    checkLabels(o.metadata.labels, "label");
    for (const k of Object.keys(o.metadata.annotations ?? {})) if (!QUALIFIED_NAME.test(k)) errors.push(`${at}: annotation key ${k}`);
    for (const field of ["data", "binaryData", "stringData"]) {
      const map = o[field] as Record<string, string> | undefined;
      for (const k of Object.keys(map ?? {})) {
        if (k.length > 253 || !KEY.test(k) || k === "." || k === ".." || k.startsWith("..")) errors.push(`${at}: ${field} key ${JSON.stringify(k)} is not a valid ConfigMap/Secret key`);
      }
    }
    if (Buffer.byteLength(JSON.stringify(o)) > 1024 * 1024) errors.push(`${at}: larger than 1 MiB`);
    if (o.kind === "DaemonSet") {
      const spec = o.spec as { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { volumes: Array<{ name: string }>; containers: Array<{ name: string; volumeMounts: Array<{ name: string }> }> } } };
      checkLabels(spec.template.metadata.labels, "template label");
      for (const [k, v] of Object.entries(spec.selector.matchLabels)) if (spec.template.metadata.labels[k] !== v) errors.push(`${at}: selector does not match the template labels`);
      const volumes = spec.template.spec.volumes.map((v) => v.name);
      for (const v of volumes) if (!DNS1123_LABEL.test(v) || v.length > 63) errors.push(`${at}: volume name ${v}`);
      if (new Set(volumes).size !== volumes.length) errors.push(`${at}: duplicate volume names`);
      for (const c of spec.template.spec.containers) for (const m of c.volumeMounts) if (!volumes.includes(m.name)) errors.push(`${at}: mount of unknown volume ${m.name}`);
    }
  }
  return errors;
}

/** All three judges. */
export async function allErrors(objects: readonly K8sLike[]): Promise<string[]> {
  return [...(await schemaErrors(objects)), ...typeErrors(objects), ...apiServerErrors(objects)];
}
