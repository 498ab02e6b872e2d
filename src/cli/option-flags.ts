/**
 * Engine errors name the library's options (`days`, `allowLongValidity`); the CLI prints them as the
 * flags a user types (`--days`, `--force`). The one table from option name to flag, and the CLI's
 * rendering of an error's message and hint.
 */
import { type OptionRef, RegcertError, renderErrorText } from "../pki/errors.js";

/** option name (as in the library's option objects) → the flag that sets it */
const FLAGS: Readonly<Record<string, string>> = {
  allowLongValidity: "--force",
  commonName: "--cn",
  "names.dns": "--dns",
  "names.ip": "--ip",
  permittedDns: "--permit-dns",
  permittedIp: "--permit-ip",
  maxPathLen: "--max-path-len",
  // createIntermediateCa (k8s registry-secret): the names it may sign
  permitDns: "--dns",
  permitIp: "--allow-ip",
  passphrase: "--passphrase-file",
  password: "--password-file",
  noPassword: "--no-password",
  pkcs11Uri: "--pkcs11",
  reuseKey: "--reuse-key",
  listen: "--listen",
  server: "--server",
  cost: "--cost",
  port: "--port",
  etcDir: "--etc-dir",
  dataDir: "--data",
  namespace: "--namespace",
  username: "--user",
  // the CA to trust (lifecycle/ca-source, trust/material): --ca FILE|-
  given: "--ca",
  keyAlgorithm: "--key",
  clientCertPem: "--client-cert",
  clientKeyPem: "--client-key",
  // issue 11 leftover: trust planning, fleet, renew, PKCS#11 tokens, Harbor
  hosts: "--host",
  targets: "--target",
  // targetForFile(home, entries, certFile): renew --cert FILE
  certFile: "--cert",
  modulePath: "--pkcs11-module",
  pin: "--pin-file",
  dataVolume: "--data",
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flag for an option: from the table, else the option's name in kebab case. */
export function flagFor(option: string): string {
  return FLAGS[option] ?? `--${kebab(option)}`;
}

export function flagTerm(ref: OptionRef): string {
  const flag = flagFor(ref.option);
  return ref.value === undefined || ref.value === true ? flag : `${flag} ${ref.value}`;
}

/** An engine error as the CLI prints it: option references as flags. */
export function cliErrorText(error: RegcertError): { message: string; hint: string | undefined } {
  const { message, hint } = error.phrases;
  return { message: renderErrorText(message, flagTerm), hint: hint === undefined ? undefined : renderErrorText(hint, flagTerm) };
}

/** The message of any caught error as the CLI shows it (an engine error's options as flags). */
export function cliMessage(error: unknown): string {
  return error instanceof RegcertError ? cliErrorText(error).message : error instanceof Error ? error.message : String(error);
}
