/** Definitions of the `regcert k8s` group: manifests that Kubernetes applies (trust on every node, TLS and pull Secrets). */
import type { Command } from "commander";
import { collect } from "../options.js";
import type { ActionFactory } from "./types.js";

export function defineK8sCommands(program: Command, action: ActionFactory): Command {
  const k8s = program
    .command("k8s")
    .description("Kubernetes manifests: the CA on every node, the registry's TLS Secret, an imagePullSecret");

  k8s
    .command("node-trust")
    .description("ConfigMap + DaemonSet that write install-trust's files on every node (docker, containerd, containers)")
    .option("--host <host[:port]>", "registry as clients type it (repeatable)", collect, [])
    .option("--ca <file>", "CA certificate or bundle to trust (- for stdin; default: the home's ca.crt)")
    .option("--target <list>", "containerd,docker,containers (k3s, microk8s: printed per-node steps); default containerd (repeatable)", collect, [])
    .option("--namespace <ns>", "namespace of the ConfigMap and DaemonSet", "kube-system")
    .option("--name <name>", "name of the ConfigMap and DaemonSet", "regcert-node-trust")
    .option("--image <image>", "image with a busybox-compatible sh", "docker.io/library/busybox:1.36.1")
    .option("--out <file>", "write the YAML here (- for stdout)", "-")
    .option("--force", "replace an existing --out file")
    .addHelpText(
      "after",
      `
The DaemonSet runs as root without privileges or capabilities, mounts only each runtime's certs.d
directory from the node, writes exactly the files \`regcert install-trust --root /\` would, and then
re-checks them every 5 minutes (its readiness probe fails while a file differs). The default image is
busybox (docker.io/library/busybox), pulled from Docker Hub, which nodes reach before they trust your
registry. What a file drop cannot do (containerd before 2.2: config_path in config.toml and a restart;
k3s registries.yaml; microk8s) is printed as per-node steps, never done by the DaemonSet.

Examples:
  $ regcert k8s node-trust --host registry.local:5000 | kubectl apply -f -
    containerd on every node trusts the CA for registry.local:5000
  $ regcert k8s node-trust --host registry.local:5000 --target containerd,docker,containers --ca ca.crt --out node-trust.yaml`,
    )
    .action(action(() => import("../commands/k8s-node-trust.js")));

  k8s
    .command("registry-secret")
    .description("kubernetes.io/tls Secret with the registry's chain and key (from issue --name NAME); --cert-manager: an intermediate CA + ClusterIssuer instead")
    .requiredOption("--name <name>", "the name given to `regcert issue --name` (reads DIR/NAME.crt, DIR/NAME.key)")
    .option("--dir <dir>", "where `regcert issue --out` wrote them", "certs")
    .option("--namespace <ns>", "namespace of the registry's Secret (and Certificate)", "default")
    .option("--secret-name <name>", "Secret name (default: NAME-tls)")
    .option("--cert-manager", "never put the root key in the cluster: mint a short-lived, name-constrained intermediate CA for a cert-manager ClusterIssuer")
    .option("--dns <name>", "--cert-manager: registry DNS name (repeatable; default: the names in DIR/NAME.crt)", collect, [])
    .option("--ip <address>", "--cert-manager: registry IP address (repeatable)", collect, [])
    .option("--days <n>", "--cert-manager: intermediate validity in days (at most 397)", "90")
    .option("--issuer-name <name>", "--cert-manager: ClusterIssuer name", "regcert")
    .option("--cert-manager-namespace <ns>", "--cert-manager: cert-manager's cluster resource namespace", "cert-manager")
    .option("--passphrase-file <file>", "--cert-manager: passphrase of an encrypted CA key")
    .option("--pin-file <file>", "--cert-manager: PIN of the token holding the CA key (init-ca --pkcs11)")
    .option("--out <file>", "write the YAML here, mode 0600 (- for stdout)", "-")
    .option("--force", "replace an existing --out file")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert issue --name registry registry.local 192.168.0.12
  $ regcert k8s registry-secret --name registry --namespace registry | kubectl apply -f -
    Secret registry-tls (tls.crt, tls.key, ca.crt) for a registry Deployment
  $ regcert init-ca --max-path-len 1
  $ regcert k8s registry-secret --name registry --cert-manager --dns registry.local --out cm.yaml
    Secret regcert-ca (intermediate, 90 days, only registry.local) in cert-manager, ClusterIssuer regcert,
    Certificate registry → Secret registry-tls`,
    )
    .action(action(() => import("../commands/k8s-registry-secret.js")));

  k8s
    .command("pull-secret")
    .description("kubernetes.io/dockerconfigjson imagePullSecret for an htpasswd-protected registry (--k3s: the registries.yaml auth entry)")
    .requiredOption("--host <host[:port]>", "registry as clients type it in image references")
    .requiredOption("--user <user>", "registry user (see regcert htpasswd)")
    .option("--password-stdin", "read the password from standard input (required: never on the command line)")
    .option("--namespace <ns>", "namespace of the Secret", "default")
    .option("--name <name>", "Secret name", "regcred")
    .option("--k3s", "print the k3s/rke2 registries.yaml entry configs.HOST:PORT.auth instead of a Secret")
    .option("--out <file>", "write the YAML here, mode 0600 (- for stdout)", "-")
    .option("--force", "replace an existing --out file")
    .addHelpText(
      "after",
      `
Examples:
  $ printf '%s\\n' "$PASSWORD" | regcert k8s pull-secret --host registry.local:5000 --user ci --password-stdin | kubectl apply -f -
    Secret regcred; pods use it with imagePullSecrets: [{name: regcred}]
  $ regcert k8s pull-secret --host registry.local:5000 --user ci --password-stdin --k3s < pw.txt
    the configs entry to merge into /etc/rancher/k3s/registries.yaml on every node (then restart k3s)`,
    )
    .action(action(() => import("../commands/k8s-pull-secret.js")));

  return k8s;
}
