/**
 * Issue 11 ("engine errors name fields, not CLI flags"): the engine is also a library, so an error it
 * throws names the option of its option objects (`days`, `allowLongValidity`), never a CLI flag; the
 * CLI renders the same error with its flags (src/cli/option-flags.ts), word for word what users saw
 * before. Each case triggers a real engine refusal and pins both renderings.
 */
import { createRootCa } from "../../src/pki/ca.js";
import { RegcertError } from "../../src/pki/errors.js";
import { createIntermediateCa } from "../../src/pki/intermediate.js";
import { issueCertificate } from "../../src/pki/issue.js";
import { completeNameConstraints } from "../../src/pki/name-constraints.js";
import { classifyName } from "../../src/pki/names.js";
import { parsePkcs11Uri } from "../../src/pki/pkcs11-uri.js";
import { validateDays, validateLeafDays } from "../../src/pki/validity.js";
import { parseNamespace } from "../../src/k8s/manifest.js";
import { clientPort } from "../../src/registry/config.js";
import { validateCost } from "../../src/registry/htpasswd.js";
import { parseListen, parseServerKind } from "../../src/registry/servers.js";
import { parseClientPair } from "../../src/trust/material.js";
import { cliErrorText } from "../../src/cli/option-flags.js";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseAllowList } from "../../src/acme/policy.js";
import { readPrivateKeyPem } from "../../src/files/ca-store.js";
import type { IndexEntry } from "../../src/files/index-store.js";
import { hostPathOf, type PlannedFile } from "../../src/files/plan-types.js";
import { applyTrustPlan } from "../../src/files/trust-apply.js";
import { findConflicts, writeFilesAtomic, type FilePlan } from "../../src/files/write.js";
import { checkHostList, readHostLines } from "../../src/fleet/hosts.js";
import { renderFleet } from "../../src/fleet/index.js";
import { openshiftKey } from "../../src/fleet/openshift.js";
import { nodeTrust } from "../../src/k8s/node-trust.js";
import { collectStatus } from "../../src/lifecycle/status.js";
import { targetForFile, targetForName } from "../../src/lifecycle/renew.js";
import { assertKeyLabelFree, generateTokenKey, loadPkcs11Binding, openTokenKey, PKCS11_INSTALL_LINE, TokenSession } from "../../src/pkcs11/token.js";
import { decryptPrivateKey, encryptPrivateKeyPem } from "../../src/pki/pkcs8.js";
import { createPkcs12Truststore } from "../../src/pki/pkcs12.js";
import { renderHarborYml } from "../../src/registry/harbor.js";
import { parseRegistryHost } from "../../src/trust/host-port.js";
import { parseTargets, planTrust } from "../../src/trust/plan.js";
import { PER_USER_TARGETS } from "../../src/trust/targets.js";
import type { TargetName } from "../../src/trust/types.js";
import { flagsIn } from "../helpers/flags.js";

function thrown(fn: () => unknown): RegcertError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RegcertError) return error;
    throw error;
  }
  throw new Error("the engine accepted it");
}

const root = createRootCa({ commonName: "engine-errors CA" });

// issue 11 leftover: fixtures for the refusals below (a temp tree, a fake PKCS#11 binding and token)
const work = mkdtempSync(join(tmpdir(), "regcert-engine-errors-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const inWork = (...parts: string[]) => join(work, ...parts);
const placed = (path: string, contents = "someone else's\n") => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
  return path;
};
const entryAt = (dir: string) => ({ name: "registry", command: "issue", files: { certificate: inWork(dir, "registry.crt") } }) as unknown as IndexEntry;
const oldKey = placed(inWork("out", "registry.key"));
const oldCert = placed(inWork("out", "other.crt"));
const dirInTheWay = inWork("out", "dir.crt");
mkdirSync(dirInTheWay);
const plainFile = placed(inWork("out", "plain-file"));
const file = (path: string): FilePlan => [{ path, contents: "new\n", mode: 0o644, label: "test file" }];
const encryptedPem = encryptPrivateKeyPem(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, "right passphrase");
const trustPlan = planTrust({ hosts: ["registry.local:5000"], caPem: root.certificatePem, targets: ["docker"], root: inWork("image") });
const foreignTrustFile = placed(hostPathOf(trustPlan, trustPlan.files[0] as PlannedFile), "not regcert's\n");
const fleet = { hosts: ["registry.local:5000"], caPem: root.certificatePem };
const trust = { hosts: ["registry.local:5000"], caPem: root.certificatePem, targets: ["docker"] as TargetName[] };

const tokenUri = parsePkcs11Uri("pkcs11:token=regcert;object=ca");
const moduleFile = placed(inWork("module.so"));
/** pkcs11js as far as TokenSession.open gets: load and login are the parts that fail */
const fakeBinding = (load: () => void, login: () => void) =>
  ({
    PKCS11: class {
      load = load;
      C_Login = login;
      C_Initialize() {}
      C_Finalize() {}
      C_GetSlotList() {
        return [Buffer.from([1])];
      }
      C_GetTokenInfo() {
        return { label: "regcert", manufacturerID: "", serialNumber: "", model: "" };
      }
      C_OpenSession() {
        return Buffer.from([2]);
      }
      C_CloseSession() {}
    },
    CKF_SERIAL_SESSION: 4,
    CKF_RW_SESSION: 2,
    CKU_USER: 1,
  }) as never;
/** a logged-in token holding `privateKeys` private keys with the URI's label and no public object */
const fakeToken = (privateKeys: number) =>
  ({ uri: tokenUri, find: (cls: string) => (cls === "CKO_PRIVATE_KEY" ? Array.from({ length: privateKeys }, () => Buffer.from([3])) : []), attributes: () => ({}) }) as unknown as TokenSession;
const ok = () => undefined;

const cases: [string, () => unknown, { message: string; hint: string }, { message: string; hint: string }][] = [
  [
    "leaf days above 825",
    () => validateLeafDays(900),
    { message: "days: 900 is above 825: Apple platforms reject TLS certificates valid for longer, even under a private CA", hint: "use days: 397 (renewal is one command), or add allowLongValidity: true to issue it anyway" },
    { message: "--days 900 is above 825: Apple platforms reject TLS certificates valid for longer, even under a private CA", hint: "use --days 397 (renewal is one command), or add --force to issue it anyway" },
  ],
  [
    "days out of range",
    () => validateDays(0, "a CA"),
    { message: "days: 0 is not valid for a CA: give a whole number of days from 1 to 36500", hint: "e.g. days: 397" },
    { message: "--days 0 is not valid for a CA: give a whole number of days from 1 to 36500", hint: "e.g. --days 397" },
  ],
  [
    "IP-only name constraints",
    () => completeNameConstraints({ permittedIp: ["10.0.0.0/8"] }),
    { message: "permittedIp without permittedDns would leave every DNS name unconstrained", hint: "add permittedDns for the registry's DNS names" },
    { message: "--permit-ip without --permit-dns would leave every DNS name unconstrained", hint: "add --permit-dns for the registry's DNS names" },
  ],
  [
    "maxPathLen out of range",
    () => createRootCa({ maxPathLen: 7 }),
    { message: "maxPathLen: 7 is not valid: use 0 (leaves only) or 1 (one intermediate)", hint: "use maxPathLen: 0, or 1 for cert-manager" },
    { message: "--max-path-len 7 is not valid: use 0 (leaves only) or 1 (one intermediate)", hint: "use --max-path-len 0, or 1 for cert-manager" },
  ],
  [
    "invalid host name",
    () => classifyName("bad_host"),
    { message: '"bad_host" is not a valid DNS name or IP address: underscores are not allowed in host names (RFC 1123)', hint: "e.g. names.dns: registry.local or names.ip: 192.168.0.12" },
    { message: '"bad_host" is not a valid DNS name or IP address: underscores are not allowed in host names (RFC 1123)', hint: "e.g. --dns registry.local or --ip 192.168.0.12" },
  ],
  [
    "common name too long",
    () => issueCertificate({ names: ["registry.local"], commonName: "x".repeat(65), issuer: root.issuer }),
    { message: `common name "${"x".repeat(65)}" must be 1 to 64 characters (RFC 5280 ub-common-name)`, hint: "use a shorter commonName (at most 64 characters); the SAN carries every name" },
    { message: `common name "${"x".repeat(65)}" must be 1 to 64 characters (RFC 5280 ub-common-name)`, hint: "use a shorter --cn (at most 64 characters); the SAN carries every name" },
  ],
  [
    "PKCS#11 URI",
    () => parsePkcs11Uri("token=regcert"),
    { message: expect.stringMatching(/^pkcs11Uri: not an RFC 7512 PKCS#11 URI \(/) as never, hint: "e.g. pkcs11Uri: 'pkcs11:token=regcert;object=regcert-ca' (list tokens with pkcs11-tool --module MODULE --list-token-slots)" },
    { message: expect.stringMatching(/^--pkcs11: not an RFC 7512 PKCS#11 URI \(/) as never, hint: "e.g. --pkcs11 'pkcs11:token=regcert;object=regcert-ca' (list tokens with pkcs11-tool --module MODULE --list-token-slots)" },
  ],
  [
    "intermediate days",
    () => createIntermediateCa({ issuer: createRootCa({ maxPathLen: 1 }).issuer, permitDns: ["registry.local"], days: 5000 }),
    { message: "days: 5000 is too long for an intermediate CA kept in a cluster (at most 397)", hint: "use days: 90 and re-run before it expires to rotate it" },
    { message: "--days 5000 is too long for an intermediate CA kept in a cluster (at most 397)", hint: "use --days 90 and re-run before it expires to rotate it" },
  ],
  [
    "listen address",
    () => parseListen("127.0.0.1:99999"),
    { message: 'listen: "127.0.0.1:99999" has an invalid port "99999": use 1 to 65535', hint: "e.g. listen: 127.0.0.1:5000, listen: [::1]:5000, listen: :5000 (every interface)" },
    { message: '--listen "127.0.0.1:99999" has an invalid port "99999": use 1 to 65535', hint: "e.g. --listen 127.0.0.1:5000, --listen [::1]:5000, --listen :5000 (every interface)" },
  ],
  [
    "listen and port disagree",
    () => clientPort({ listen: { host: "127.0.0.1", port: 5000 }, port: 5001 }),
    { message: "listen port 5000 and port: 5001 disagree", hint: "drop port, or use listen: 127.0.0.1:5001" },
    { message: "--listen port 5000 and --port 5001 disagree", hint: "drop --port, or use --listen 127.0.0.1:5001" },
  ],
  [
    "server kind",
    () => parseServerKind("quay"),
    { message: 'server: "quay" is not a registry regcert configures', hint: expect.stringMatching(/^use one of: distribution, /) as never },
    { message: '--server "quay" is not a registry regcert configures', hint: expect.stringMatching(/^use one of: distribution, /) as never },
  ],
  [
    "bcrypt cost",
    () => validateCost(40),
    { message: "cost: 40 is out of range: bcrypt cost must be 4 to 17", hint: "use cost: 10 (the htpasswd -B default)" },
    { message: "--cost 40 is out of range: bcrypt cost must be 4 to 17", hint: "use --cost 10 (the htpasswd -B default)" },
  ],
  [
    "Kubernetes namespace",
    () => parseNamespace("Cert_Manager", "certManagerNamespace"),
    { message: `certManagerNamespace: "Cert_Manager" is not a valid namespace: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric`, hint: "e.g. namespace: kube-system" },
    { message: `--cert-manager-namespace "Cert_Manager" is not a valid namespace: lower-case letters, digits and '-', at most 63, starting and ending alphanumeric`, hint: "e.g. --namespace kube-system" },
  ],
  [
    "client pair with a key in the certificate file",
    () => parseClientPair(root.privateKeyPem, root.privateKeyPem),
    { message: "clientCertPem contains a private key; give the certificate and the key as two files", hint: "e.g. clientCertPem: ci.crt clientKeyPem: ci.key" },
    { message: "--client-cert contains a private key; give the certificate and the key as two files", hint: "e.g. --client-cert ci.crt --client-key ci.key" },
  ],  // issue 11 leftover: acme, lifecycle, fleet, trust, files, PKCS#8/#12/#11, k8s, Harbor
  [
    "ACME allow-list: an IP address as a DNS name",
    () => parseAllowList(["127.0.0.1"], []),
    { message: 'allowDns: "127.0.0.1" is an IP address', hint: "use allowIp: CIDR for addresses, e.g. allowIp: 127.0.0.1/32" },
    { message: '--allow-dns "127.0.0.1" is an IP address', hint: "use --allow-ip CIDR for addresses, e.g. --allow-ip 127.0.0.1/32" },
  ],
  [
    "status of a home without a CA",
    () => collectStatus(inWork("empty-home"), new Date(), 30),
    { message: `no CA in ${inWork("empty-home")}`, hint: "create one with `regcert init-ca` (or `regcert issue`), or pass home: DIR" },
    { message: `no CA in ${inWork("empty-home")}`, hint: "create one with `regcert init-ca` (or `regcert issue`), or pass --home DIR" },
  ],
  [
    "renew a certificate file that cannot be read",
    () => targetForFile(inWork("empty-home"), [], inWork("missing.crt")),
    { message: `cannot read certFile: ${inWork("missing.crt")}: ENOENT`, hint: "check the path, or renew by name: regcert renew NAME (regcert status lists them)" },
    { message: `cannot read --cert ${inWork("missing.crt")}: ENOENT`, hint: "check the path, or renew by name: regcert renew NAME (regcert status lists them)" },
  ],
  [
    "renew a name two certificates have",
    () => targetForName(inWork("empty-home"), [entryAt("a"), entryAt("b")], "registry"),
    { message: `2 certificates are named "registry": ${inWork("a", "registry.crt")}, ${inWork("b", "registry.crt")}`, hint: "pick one with certFile: FILE" },
    { message: `2 certificates are named "registry": ${inWork("a", "registry.crt")}, ${inWork("b", "registry.crt")}`, hint: "pick one with --cert FILE" },
  ],
  [
    "fleet without hosts",
    () => checkHostList([]),
    { message: "no registry host given", hint: "use hosts: registry.local:5000 (repeatable) or hostsFrom: FILE (one per line)" },
    { message: "no registry host given", hint: "use --host registry.local:5000 (repeatable) or --hosts-from FILE (one per line)" },
  ],
  [
    "fleet hosts file with a bad port (the host parser's error, naming the line)",
    () => checkHostList(readHostLines("a.example.test:5000\nb.example.test:99999\n", "hosts.txt")),
    { message: 'hosts.txt line 2: hosts: "b.example.test:99999" has an invalid port 99999: use 1 to 65535', hint: "e.g. hosts: registry.local:5000" },
    { message: 'hosts.txt line 2: --host "b.example.test:99999" has an invalid port 99999: use 1 to 65535', hint: "e.g. --host registry.local:5000" },
  ],
  [
    "fleet talos with targets",
    () => renderFleet({ ...fleet, engine: "talos", targets: ["docker"] }),
    { message: "targets does not apply to fleet talos: it configures the registry trust its own way", hint: "leave out targets" },
    { message: "--target does not apply to fleet talos: it configures the registry trust its own way", hint: "leave out --target" },
  ],
  [
    "fleet cloud-init with a target it cannot place",
    () => renderFleet({ ...fleet, engine: "cloud-init", targets: ["microk8s"] }),
    { message: "fleet cloud-init cannot install microk8s", hint: "use targets with docker, containerd, containers, system, k3s" },
    { message: "fleet cloud-init cannot install microk8s", hint: "use --target with docker, containerd, containers, system, k3s" },
  ],
  [
    "fleet cloud-init uninstall",
    () => renderFleet({ ...fleet, engine: "cloud-init", uninstall: true }),
    { message: "uninstall does not apply to fleet cloud-init", hint: "first-boot configuration is not undone; on running hosts use fleet ansible uninstall: true" },
    { message: "--uninstall does not apply to fleet cloud-init", hint: "first-boot configuration is not undone; on running hosts use fleet ansible --uninstall" },
  ],
  [
    "fleet bottlerocket with a client certificate",
    () => renderFleet({ ...fleet, engine: "bottlerocket", clientCertPem: root.certificatePem }),
    { message: "fleet bottlerocket has no place for a client certificate (mTLS)", hint: "leave out clientCertPem/clientKeyPem, or use fleet ansible, cloud-init, ignition or talos" },
    { message: "fleet bottlerocket has no place for a client certificate (mTLS)", hint: "leave out --client-cert/--client-key, or use fleet ansible, cloud-init, ignition or talos" },
  ],
  [
    "unknown trust target",
    () => parseTargets(["docker,bogus"]),
    { message: 'targets: "bogus" is not a known target', hint: expect.stringMatching(/^use one or more of: docker, .*, all$/) as never },
    { message: '--target "bogus" is not a known target', hint: expect.stringMatching(/^use one or more of: docker, .*, all$/) as never },
  ],
  [
    "relative trust root",
    () => planTrust({ ...trust, root: "mnt/image" }),
    { message: 'root: "mnt/image" must be an absolute path', hint: "e.g. root: /mnt/image (an absolute path)" },
    { message: '--root "mnt/image" must be an absolute path', hint: "e.g. --root /mnt/image (an absolute path)" },
  ],
  [
    "trust plan without hosts",
    () => planTrust({ ...trust, hosts: [] }),
    { message: "no hosts given: name the registry as clients type it", hint: "e.g. hosts: registry.local:5000 hosts: 192.168.0.12:5000" },
    { message: "no --host given: name the registry as clients type it", hint: "e.g. --host registry.local:5000 --host 192.168.0.12:5000" },
  ],
  [
    "trust plan without targets",
    () => planTrust({ ...trust, targets: [] }),
    { message: "no target to install trust into", hint: expect.stringMatching(/^use targets with one or more of: docker, .*, all$/) as never },
    { message: "no target to install trust into", hint: expect.stringMatching(/^use --target with one or more of: docker, .*, all$/) as never },
  ],
  [
    "per-user trust for the system store",
    () => planTrust({ ...trust, targets: ["system"], user: { home: "/home/ci" } }),
    { message: "user has no per-user location for system", hint: `with user use targets: ${PER_USER_TARGETS.join(",")}` },
    { message: "--user has no per-user location for system", hint: `with --user use --target ${PER_USER_TARGETS.join(",")}` },
  ],
  [
    "a home-only target without a user",
    () => planTrust({ ...trust, targets: ["desktop"] }),
    { message: "desktop lives in a home directory, not under the system root", hint: "add user (as the user who runs it, without sudo): regcert install-trust --user --target desktop …" },
    { message: "desktop lives in a home directory, not under the system root", hint: "add --user (as the user who runs it, without sudo): regcert install-trust --user --target desktop …" },
  ],
  [
    "client certificate without its key",
    () => planTrust({ ...trust, clientCertPem: root.certificatePem }),
    { message: "clientCertPem and clientKeyPem go together", hint: "pass both, from `regcert issue --client`" },
    { message: "--client-cert and --client-key go together", hint: "pass both, from `regcert issue --client`" },
  ],
  [
    "empty registry host",
    () => parseRegistryHost(""),
    { message: "hosts is empty", hint: "e.g. hosts: registry.local:5000" },
    { message: "--host is empty", hint: "e.g. --host registry.local:5000" },
  ],
  [
    "registry host with a URL scheme",
    () => parseRegistryHost("https://registry.local:5000/v2/"),
    { message: 'hosts: "https://registry.local:5000/v2/" has a URL scheme', hint: "give HOST[:PORT] only, e.g. hosts: registry.local:5000" },
    { message: '--host "https://registry.local:5000/v2/" has a URL scheme', hint: "give HOST[:PORT] only, e.g. --host registry.local:5000" },
  ],
  [
    "registry host with a path",
    () => parseRegistryHost("registry.local/team"),
    { message: 'hosts: "registry.local/team" has a path; certs.d names a registry host, not a repository', hint: "e.g. hosts: registry.local" },
    { message: '--host "registry.local/team" has a path; certs.d names a registry host, not a repository', hint: "e.g. --host registry.local" },
  ],
  [
    "registry host with white space",
    () => parseRegistryHost(" registry.local "),
    { message: 'hosts: " registry.local " starts or ends with white space', hint: "write it without the spaces: hosts: registry.local" },
    { message: '--host " registry.local " starts or ends with white space', hint: "write it without the spaces: --host registry.local" },
  ],
  [
    "registry host with a port that is not a number",
    () => parseRegistryHost("registry.local:https"),
    { message: 'hosts: "registry.local:https" has an invalid port "https": use 1 to 65535', hint: "e.g. hosts: registry.local:5000" },
    { message: '--host "registry.local:https" has an invalid port "https": use 1 to 65535', hint: "e.g. --host registry.local:5000" },
  ],
  [
    "wildcard registry host",
    () => parseRegistryHost("*.example.test"),
    { message: 'hosts: "*.example.test" is a wildcard; a registry host is one name', hint: "give each host clients use, e.g. hosts: registry.local:5000" },
    { message: '--host "*.example.test" is a wildcard; a registry host is one name', hint: "give each host clients use, e.g. --host registry.local:5000" },
  ],
  [
    "writing over an existing key",
    () => writeFilesAtomic(file(oldKey)),
    { message: `${oldKey} already exists; regcert never replaces files without force: true`, hint: "re-run with force: true to replace them (the old key is then gone), or choose another name/out" },
    { message: `${oldKey} already exists; regcert never replaces files without --force`, hint: "re-run with --force to replace them (the old key is then gone), or choose another --name/--out" },
  ],
  [
    "writing over an existing certificate",
    () => writeFilesAtomic(file(oldCert)),
    { message: `${oldCert} already exists; regcert never replaces files without force: true`, hint: "re-run with force: true to replace them" },
    { message: `${oldCert} already exists; regcert never replaces files without --force`, hint: "re-run with --force to replace them" },
  ],
  [
    "a directory where a file goes",
    () => writeFilesAtomic(file(dirInTheWay)),
    { message: `${dirInTheWay} exists and is not a regular file`, hint: "move it away, or choose another name/out" },
    { message: `${dirInTheWay} exists and is not a regular file`, hint: "move it away, or choose another --name/--out" },
  ],
  [
    "a file where a directory goes",
    () => findConflicts(file(join(plainFile, "registry.crt"))),
    { message: `cannot inspect ${join(plainFile, "registry.crt")}: part of its directory path is a file, not a directory`, hint: "point out at a directory" },
    { message: `cannot inspect ${join(plainFile, "registry.crt")}: part of its directory path is a file, not a directory`, hint: "point --out at a directory" },
  ],
  [
    "a foreign file where trust goes",
    () => applyTrustPlan(trustPlan, { owns: () => false }),
    { message: `${foreignTrustFile} already exists with content regcert did not write; not replacing`, hint: "look at the file(s); re-run with force: true to replace them" },
    { message: `${foreignTrustFile} already exists with content regcert did not write; not replacing`, hint: "look at the file(s); re-run with --force to replace them" },
  ],
  [
    "encrypted key without a passphrase",
    () => readPrivateKeyPem(encryptedPem, "the CA key"),
    { message: "the CA key is encrypted and no passphrase was given", hint: "pass passphrase: FILE, or run in a terminal to be asked" },
    { message: "the CA key is encrypted and no passphrase was given", hint: "pass --passphrase-file FILE, or run in a terminal to be asked" },
  ],
  [
    "wrong passphrase",
    () => decryptPrivateKey(encryptedPem, "wrong passphrase", "the CA key"),
    { message: "cannot decrypt the CA key: wrong passphrase", hint: "check the passphrase (in a passphrase only the first line counts)" },
    { message: "cannot decrypt the CA key: wrong passphrase", hint: "check the passphrase (in a --passphrase-file only the first line counts)" },
  ],
  [
    "empty PKCS#12 password",
    () => createPkcs12Truststore({ certificates: [], password: "" }),
    { message: "an empty keystore password is not allowed", hint: "put the password on the first line of password, or pass noPassword: true for an unprotected keystore" },
    { message: "an empty keystore password is not allowed", hint: "put the password on the first line of --password-file, or pass --no-password for an unprotected keystore" },
  ],
  [
    "PKCS#11 without the pkcs11js binding",
    () =>
      loadPkcs11Binding((() => {
        throw new Error("Cannot find module 'pkcs11js'");
      }) as unknown as NodeJS.Require),
    { message: "pkcs11Uri needs the optional PKCS#11 binding (pkcs11js), which is not installed or did not build on this machine", hint: PKCS11_INSTALL_LINE },
    { message: "--pkcs11 needs the optional PKCS#11 binding (pkcs11js), which is not installed or did not build on this machine", hint: PKCS11_INSTALL_LINE },
  ],
  [
    "PKCS#11 without a module",
    () => TokenSession.open({ uri: tokenUri, pin: "1234", binding: fakeBinding(ok, ok) }),
    { message: "no PKCS#11 module given", hint: "add modulePath: PATH, e.g. modulePath: /usr/lib/softhsm/libsofthsm2.so (or module-path= in the URI)" },
    { message: "no PKCS#11 module given", hint: "add --pkcs11-module PATH, e.g. --pkcs11-module /usr/lib/softhsm/libsofthsm2.so (or module-path= in the URI)" },
  ],
  [
    "PKCS#11 module that does not exist",
    () => TokenSession.open({ uri: tokenUri, modulePath: inWork("missing.so"), pin: "1234", binding: fakeBinding(ok, ok) }),
    { message: `the PKCS#11 module ${inWork("missing.so")} does not exist`, hint: "give the token vendor's module with modulePath, e.g. /usr/lib/softhsm/libsofthsm2.so (apt-get install softhsm2) or opensc-pkcs11.so" },
    { message: `the PKCS#11 module ${inWork("missing.so")} does not exist`, hint: "give the token vendor's module with --pkcs11-module, e.g. /usr/lib/softhsm/libsofthsm2.so (apt-get install softhsm2) or opensc-pkcs11.so" },
  ],
  [
    "PKCS#11 module that does not load",
    () =>
      TokenSession.open({
        uri: tokenUri,
        modulePath: moduleFile,
        pin: "1234",
        binding: fakeBinding(() => {
          throw new Error("invalid ELF header");
        }, ok),
      }),
    { message: `${moduleFile} cannot be loaded as a PKCS#11 module (invalid ELF header)`, hint: "give the token vendor's PKCS#11 module (.so) with modulePath" },
    { message: `${moduleFile} cannot be loaded as a PKCS#11 module (invalid ELF header)`, hint: "give the token vendor's PKCS#11 module (.so) with --pkcs11-module" },
  ],
  [
    "PKCS#11 wrong PIN",
    () =>
      TokenSession.open({
        uri: tokenUri,
        modulePath: moduleFile,
        pin: "0000",
        binding: fakeBinding(ok, () => {
          throw new Error("CKR_PIN_INCORRECT");
        }),
      }),
    { message: 'wrong PIN for token "regcert"', hint: "check the PIN (pin: FILE holds it on its first line); too many wrong PINs lock the token" },
    { message: 'wrong PIN for token "regcert"', hint: "check the PIN (--pin-file FILE holds it on its first line); too many wrong PINs lock the token" },
  ],
  [
    "PKCS#11 key without a public key",
    () => openTokenKey(fakeToken(1), "pkcs11:token=regcert;object=ca"),
    { message: 'the token holds no public key for the key labelled "ca"', hint: "adopt it with importCert: CA.crt (its certificate supplies the public key)" },
    { message: 'the token holds no public key for the key labelled "ca"', hint: "adopt it with --import-cert CA.crt (its certificate supplies the public key)" },
  ],
  [
    "PKCS#11 label already used",
    () => assertKeyLabelFree(fakeToken(1)),
    { message: 'token "regcert" already holds a private key labelled "ca"', hint: "adopt it with importCert: CA.crt, or name a new key with another object= label" },
    { message: 'token "regcert" already holds a private key labelled "ca"', hint: "adopt it with --import-cert CA.crt, or name a new key with another object= label" },
  ],
  [
    "PKCS#11 Ed25519 key",
    () => generateTokenKey(fakeToken(0), "ed25519"),
    { message: "pkcs11Uri keys are ECDSA P-256/P-384 or RSA", hint: "use keyAlgorithm: ecdsa-p256 (the default), ecdsa-p384 or rsa-3072" },
    { message: "--pkcs11 keys are ECDSA P-256/P-384 or RSA", hint: "use --key ecdsa-p256 (the default), ecdsa-p384 or rsa-3072" },
  ],
  [
    "OpenShift with an IPv6 registry",
    () => openshiftKey("[fd00::1]:5000"),
    { message: "OpenShift's additionalTrustedCA cannot name the IPv6 registry [fd00::1]:5000 (ConfigMap keys allow only letters, digits, '-', '_' and '.')", hint: "give the registry a DNS name (or an IPv4 address) and use that in hosts" },
    { message: "OpenShift's additionalTrustedCA cannot name the IPv6 registry [fd00::1]:5000 (ConfigMap keys allow only letters, digits, '-', '_' and '.')", hint: "give the registry a DNS name (or an IPv4 address) and use that in --host" },
  ],
  [
    "k8s node-trust for the system store",
    () => nodeTrust({ ...trust, targets: ["system"] }),
    { message: "k8s node-trust cannot install system on nodes (the system store needs a command run on the host)", hint: expect.stringMatching(/^use targets with docker, .*; for the system store run install-trust on each node$/) as never },
    { message: "k8s node-trust cannot install system on nodes (the system store needs a command run on the host)", hint: expect.stringMatching(/^use --target with docker, .*; for the system store run install-trust on each node$/) as never },
  ],
  [
    "Harbor with a relative data volume",
    () => renderHarborYml({ hostname: "registry.local", certificate: "/srv/certs/registry.crt", privateKey: "/srv/certs/registry.key", dataVolume: "data", adminPassword: "a", databasePassword: "b" }),
    { message: "Harbor's dataVolume path data must be absolute (its prepare script reads it on the host)", hint: "pass absolute certs / dataVolume directories" },
    { message: "Harbor's --data path data must be absolute (its prepare script reads it on the host)", hint: "pass absolute --certs / --data directories" },
  ],
];

describe.each(cases)("%s", (_name, trigger, library, cli) => {
  const error = thrown(trigger);

  test("the library's text names options, no CLI flag", () => {
    expect({ message: error.message, hint: error.hint }).toEqual(library);
    // command lines (regcert install-trust --user …, pkcs11-tool --module …) are left out: test/helpers/flags.ts
    expect(flagsIn(error.message)).toEqual([]);
    expect(flagsIn(error.hint ?? "")).toEqual([]);
  });

  test("the CLI prints the flags, as before", () => {
    expect(cliErrorText(error)).toEqual(cli);
  });
});
