/** Definitions of `regcert fleet <engine>`: the install-trust plan for the engine a fleet already runs. */
import type { Command } from "commander";
import { collect } from "../options.js";
import type { ActionFactory } from "./types.js";

interface EngineDef {
  name: string;
  description: string;
  targets: boolean;
  examples: string;
}

const ENGINES: EngineDef[] = [
  {
    name: "ansible",
    description: "an Ansible playbook (--out DIR: install.yml, uninstall.yml and a role) writing exactly install-trust's files",
    targets: true,
    examples: `  $ regcert fleet ansible --host registry.local:5000 --ca ca.crt --out trust
    trust/install.yml, trust/uninstall.yml, trust/roles/regcert_trust (ansible-playbook -i hosts trust/install.yml)
  $ regcert fleet ansible --hosts-from registries.txt --target docker,containerd --ca ca.crt > trust.yml`,
  },
  {
    name: "cloud-init",
    description: "#cloud-config user data: ca_certs for the OS store, write_files for certs.d",
    targets: true,
    examples: `  $ regcert fleet cloud-init --host registry.local:5000 --target docker,containerd,system --ca ca.crt > user-data.yaml`,
  },
  {
    name: "ignition",
    description: "Ignition v3 JSON (Fedora CoreOS, Flatcar): storage.files for certs.d and the OS anchor",
    targets: true,
    examples: `  $ regcert fleet ignition --host registry.local:5000 --target containerd,system --ca ca.crt > config.ign`,
  },
  {
    name: "talos",
    description: "Talos RegistryTLSConfig documents (Talos 1.12+); --talos-legacy: a machine.registries.config patch",
    targets: false,
    examples: `  $ regcert fleet talos --host registry.local:5000 --ca ca.crt > registry-tls.yaml
    talosctl patch mc --patch @registry-tls.yaml`,
  },
  {
    name: "bottlerocket",
    description: "Bottlerocket settings.pki TOML user data (trusts the CA OS-wide)",
    targets: false,
    examples: `  $ regcert fleet bottlerocket --host registry.local:5000 --ca ca.crt > user-data.toml`,
  },
  {
    name: "openshift",
    description: "openshift-config ConfigMap (keys host..port) and the image.config.openshift.io/cluster additionalTrustedCA patch",
    targets: false,
    examples: `  $ regcert fleet openshift --host registry.local:5000 --ca ca.crt | oc apply -f -`,
  },
  {
    name: "pod-bundle",
    description: "ClusterTrustBundle (certificates.k8s.io/v1beta1) and trust-manager Bundle: the CA inside pods (Kaniko, BuildKit jobs)",
    targets: false,
    examples: `  $ regcert fleet pod-bundle --host registry.local:5000 --ca ca.crt | kubectl apply -f -`,
  },
];

export function defineFleetCommands(program: Command, action: ActionFactory): Command {
  const fleet = program.command("fleet").description("the install-trust plan rendered for the engine a fleet already runs (Ansible, cloud-init, Ignition, Talos, Bottlerocket, OpenShift, pod bundles)");
  for (const engine of ENGINES) {
    const command = fleet
      .command(engine.name)
      .description(engine.description)
      .option("--host <host[:port]>", "registry as clients type it (repeatable)", collect, [])
      .option("--hosts-from <file>", "read registries from FILE (- for stdin): one HOST[:PORT] per line, # comments");
    if (engine.targets) command.option("--target <list>", "docker,containerd,containers,system,k3s,microk8s or all (default docker,containerd,containers)", collect, []);
    command
      .option("--ca <file>", "CA certificate(s) to trust (- for stdin; default: the CA home's ca.crt)")
      .option("--client-cert <file>", "client certificate for registries that demand mTLS (from regcert issue --client)")
      .option("--client-key <file>", "its private key");
    if (engine.name === "ansible") command.option("--uninstall", "print the uninstall playbook (with --out DIR both are written)");
    if (engine.name === "ignition" || engine.name === "cloud-init" || engine.name === "ansible") command.option("--system-family <family>", "system CA store layout for --target system: debian or rhel (ignition default: rhel)");
    if (engine.name === "talos") command.option("--talos-legacy", "the machine.registries.config patch (Talos before 1.12) instead of RegistryTLSConfig documents");
    if (engine.name === "openshift" || engine.name === "pod-bundle") command.option("--name <name>", "ConfigMap / bundle name", "regcert-registry-ca");
    command
      .option("--out <dir>", "write the files into DIR (- for stdout)", "-")
      .option("--force", "replace existing files in --out")
      .addHelpText("after", `\nExamples:\n${engine.examples}`)
      .action(action(async () => {
        const module = await import("../commands/fleet.js");
        return { run: (ctx, flags) => module.run(ctx, engine.name, flags as never) };
      }));
  }
  return fleet;
}
