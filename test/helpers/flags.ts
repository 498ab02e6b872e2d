/**
 * Issue 11: a CLI flag (`--days`) inside an engine error's text, as test/unit/engine-error-flags.test.ts
 * (the static guard) and test/unit/engine-errors.test.ts (the rendered texts) look for it. Deliberately
 * simple: command lines printed for the user to run are skipped (see COMMAND), so is an upper-case `--FOO`.
 */
/** a CLI flag as a word: "--days", "--force" (not "xn--", not a range "1--2") */
export const FLAG = /(^|[\s(,'"`/[])--[a-z][a-z0-9-]*/g;
/** regcert's commands (test/golden/help/regcert.txt): `regcert never replaces …` is prose, not a command */
const REGCERT_COMMANDS = "acme|api|ca|check|export|fleet|htpasswd|init-ca|inspect|install-trust|issue|k8s|registry-config|renew|schedule|sign|status|verify";
/** a command line printed for the user to run: skipped up to the end of its clause */
export const COMMAND = new RegExp(`(^|[\\s\`(])(regcert (?:${REGCERT_COMMANDS})|pkcs11-tool|openssl|kubectl|systemctl|keytool|certutil|htpasswd)\\s[^,;:()]*`, "g");

/** The `--flag` words of one literal's text, command lines left out. */
export function flagsIn(text: string): string[] {
  return [...text.replace(COMMAND, "$1").matchAll(FLAG)].map((m) => m[0].slice(m[1]?.length ?? 0));
}

