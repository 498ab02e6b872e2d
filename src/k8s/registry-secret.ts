/**
 * The registry's own TLS material as Kubernetes objects, for a registry running in the cluster:
 * - a `kubernetes.io/tls` Secret with the certificate chain and key from `regcert issue --name NAME`;
 * - with cert-manager: never the root key. An intermediate CA (see pki/intermediate.ts) goes into a
 *   Secret in cert-manager's cluster resource namespace, a ClusterIssuer of type `ca` points at it, and
 *   a Certificate asks cert-manager for the registry's serving certificate under it.
 */
import type { NameSet } from "../pki/names.js";
import { base64, standardLabels, type K8sObject } from "./manifest.js";

export interface TlsSecretOptions {
  /** Secret name */
  name: string;
  namespace: string;
  /** the served chain: leaf first, then any intermediates (Go clients do not fetch missing ones) */
  chainPem: string;
  privateKeyPem: string;
  /** the root CA, as `ca.crt` (cert-manager's convention; handy for `http.tls.clientcas`) */
  caPem?: string;
  component: string;
}

/** A `kubernetes.io/tls` Secret: `tls.crt`, `tls.key` and optionally `ca.crt`, base64 in `data`. */
export function tlsSecret(options: TlsSecretOptions): K8sObject {
  const data: Record<string, string> = {};
  if (options.caPem !== undefined) data["ca.crt"] = base64(options.caPem);
  data["tls.crt"] = base64(options.chainPem);
  data["tls.key"] = base64(options.privateKeyPem);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: options.name, namespace: options.namespace, labels: standardLabels("regcert", options.component) },
    type: "kubernetes.io/tls",
    data,
  };
}

export interface CertManagerOptions {
  /** ClusterIssuer name; also names the issuer's Secret (`<issuer>-ca`) */
  issuerName: string;
  /** cert-manager's cluster resource namespace (default `cert-manager`): where a ClusterIssuer's Secret must live */
  clusterResourceNamespace: string;
  /** the intermediate followed by the root */
  intermediateChainPem: string;
  intermediateKeyPem: string;
  rootPem: string;
  /** the registry's Certificate: name, namespace, Secret name and names; omitted when undefined */
  certificate?: { name: string; namespace: string; secretName: string; names: NameSet };
}

/** Secret (intermediate CA) + ClusterIssuer (type ca) + optional Certificate for the registry. */
export function certManagerObjects(options: CertManagerOptions): K8sObject[] {
  const secretName = `${options.issuerName}-ca`;
  const objects: K8sObject[] = [
    tlsSecret({
      name: secretName,
      namespace: options.clusterResourceNamespace,
      chainPem: options.intermediateChainPem,
      privateKeyPem: options.intermediateKeyPem,
      caPem: options.rootPem,
      component: "intermediate-ca",
    }),
    {
      apiVersion: "cert-manager.io/v1",
      kind: "ClusterIssuer",
      metadata: { name: options.issuerName, labels: standardLabels("regcert", "issuer") },
      spec: { ca: { secretName } },
    },
  ];
  const cert = options.certificate;
  if (cert) {
    const spec: Record<string, unknown> = { secretName: cert.secretName };
    if (cert.names.dns.length > 0) spec.dnsNames = cert.names.dns;
    if (cert.names.ip.length > 0) spec.ipAddresses = cert.names.ip;
    // the issuer's pathLen-0, name-constrained CA signs leaves; ECDSA P-256 like `regcert issue`
    spec.privateKey = { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" };
    spec.usages = ["server auth", "digital signature"];
    spec.issuerRef = { name: options.issuerName, kind: "ClusterIssuer", group: "cert-manager.io" };
    objects.push({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: cert.name, namespace: cert.namespace, labels: standardLabels("regcert", "registry-certificate") },
      spec,
    });
  }
  return objects;
}
