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

/** a CLI flag as a word: "--days", "--force" (not "xn--", not a range "1--2") */
const FLAG = /(^|[\s(,'"`/])--[a-z][a-z0-9-]*/;

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
  ],
];

describe.each(cases)("%s", (_name, trigger, library, cli) => {
  const error = thrown(trigger);

  test("the library's text names options, no CLI flag", () => {
    expect({ message: error.message, hint: error.hint }).toEqual(library);
    // pkcs11-tool's own flags in the PKCS#11 hint are another tool's command line, not ours
    expect(error.message).not.toMatch(FLAG);
    expect((error.hint ?? "").replace(/pkcs11-tool [^)]*/, "")).not.toMatch(FLAG);
  });

  test("the CLI prints the flags, as before", () => {
    expect(cliErrorText(error)).toEqual(cli);
  });
});
