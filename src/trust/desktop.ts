/**
 * Desktop VMs: Docker Desktop, Colima and OrbStack read `~/.docker/certs.d/<host:port>/ca.crt` (+ the
 * client pair) on the Mac/PC and hand it to the engine in their VM (Docker Desktop copies it at start,
 * so restart it). podman machine needs the CA inside its VM, and the Keychain step makes every native
 * program (and Docker Desktop's own pulls through the system store) trust it: both printed.
 * Needs --user (a home directory); written where this user's home is (e.g. on the Mac itself).
 */
import { posix } from "node:path";
import { shellLine } from "../text/shell.js";
import { planCertsDir } from "./certs-dir.js";
import { caFiles } from "./printed-cas.js";
import type { TargetInput, TargetPlan, TargetSpec } from "./types.js";

export function planDesktopTrust(input: TargetInput): TargetPlan {
  const home = input.user?.home ?? "/root";
  const certsDir = posix.join(home, ".docker", "certs.d");
  const plan = planCertsDir(input, { target: "desktop", certsDir, ownedParents: [posix.join(home, ".docker")], ownsCertsDir: true });
  const files = caFiles(input);
  const podman = input.cas.flatMap((ca, i) => {
    const file = files[i]?.file ?? input.caFileName;
    return [`${shellLine(["podman", "machine", "ssh", "--", "sudo", "tee", `/etc/pki/ca-trust/source/anchors/regcert-${ca.id}.crt`])} < ${shellLine([file])} > /dev/null`];
  });
  plan.printed.push({
    target: "desktop",
    install: [
      ...files.map((f) => shellLine(["security", "add-trusted-cert", "-r", "trustRoot", "-k", `${home}/Library/Keychains/login.keychain-db`, f.file])),
      ...podman,
      shellLine(["podman", "machine", "ssh", "--", "sudo", "update-ca-trust"]),
    ],
    uninstall: [
      ...files.map((f) => shellLine(["security", "delete-certificate", "-Z", f.sha1, `${home}/Library/Keychains/login.keychain-db`])),
      ...input.cas.map((ca) => shellLine(["podman", "machine", "ssh", "--", "sudo", "rm", "-f", `/etc/pki/ca-trust/source/anchors/regcert-${ca.id}.crt`])),
      shellLine(["podman", "machine", "ssh", "--", "sudo", "update-ca-trust"]),
    ],
  });
  plan.notes.push(
    `desktop: Docker Desktop, Colima and OrbStack read ${certsDir}/<host:port>/; restart Docker Desktop (it copies the directory into its VM at start), or colima restart / orb restart`,
    "desktop: the printed commands add the CA to the macOS login Keychain (native programs) and to podman machine's VM (podman on a Mac or PC); run them on that machine",
  );
  return plan;
}

export const desktopTarget: TargetSpec = {
  name: "desktop",
  label: "Docker Desktop, Colima, OrbStack (+ podman machine)",
  summary: "~/.docker/certs.d/<host:port>/ca.crt (+ client pair); Keychain and podman machine steps printed; needs --user",
  output: "both",
  plan: planDesktopTrust,
  markers: [],
  perUser: "only",
  inAll: false,
  kubernetes: "none",
  reads: [],
};
