/** The file name each CA should have on a Mac or PC for printed commands: the given name for one CA, `regcert-<id>.crt` for several. */
import type { TargetInput } from "./types.js";

export function caFiles(input: TargetInput): Array<{ file: string; sha1: string; serial: string }> {
  if (input.cas.length === 1) {
    const ca = input.cas[0] as TargetInput["cas"][number];
    return [{ file: input.caFileName, sha1: ca.sha1, serial: ca.serial }];
  }
  return input.cas.map((ca) => ({ file: `regcert-${ca.id}.crt`, sha1: ca.sha1, serial: ca.serial }));
}
