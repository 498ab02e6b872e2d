/** Definition (flags and help) of install-trust. Its code loads only when it runs. */
import type { Command } from "commander";
import { collect } from "../options.js";
import type { ActionFactory } from "./types.js";

export function defineTrustCommands(program: Command, action: ActionFactory): void {
  program
    .command("install-trust")
    .description("put the CA where Docker, containerd, podman/skopeo and the OS look for it (or take it away with --uninstall)")
    .option("--host <host[:port]>", "registry as clients type it: registry.local:5000, 192.168.0.12:5000, [fd00::1]:5000; no port = 443 (repeatable)", collect)
    .option("--ca <file>", "CA certificate(s) to trust (PEM; several for a CA rollover); - for stdin; default: the CA home's ca.crt")
    .option("--target <list>", "docker,containerd,containers,system,k3s,microk8s,macos,windows,desktop,nerdctl,buildkit,kind,minikube,k3d or all (= the first six; default: runtimes found under the root, else docker)", collect)
    .option("--user", "per-user locations instead: rootless Docker (~/.config/docker) and podman (~/.config/containers) by default; desktop, nerdctl, minikube, buildkit, kind, k3d by --target; no root needed")
    .option("--root <dir>", "install under this directory instead of / (an image, a chroot, a test)")
    .option("--client-cert <file>", "client certificate for registries that demand mTLS (from regcert issue --client)")
    .option("--client-key <file>", "its private key")
    .option("--dry-run", "print what would be written (or removed); change nothing")
    .option("--uninstall", "remove exactly the files regcert wrote (checked by content) and the directories it made, when empty")
    .option("--force", "replace files at those places that regcert did not write")
    .addHelpText(
      "after",
      `
Examples:
  $ sudo regcert install-trust --host registry.local:5000 --host 192.168.0.12:5000
    trusts the CA home's ca.crt for both names in every runtime found on this machine
  $ ssh client sudo regcert install-trust --ca - --host registry.local:5000 < ca.crt
    a client machine without a CA home
  $ sudo regcert install-trust --host registry.local:5000 --target containerd --dry-run
    shows the hosts.toml and ca.crt it would write
  $ sudo regcert install-trust --host registry.local:5000 --uninstall`,
    )
    .action(action(() => import("../commands/install-trust.js")));
}
