/** Whether a scheduled renewal has work to do: the named certificate (or any, for --all) expires within D days. */
import { currentEntries, readIndex, type IndexEntry } from "../files/index-store.js";
import { userError } from "../pki/errors.js";

export interface DueReport {
  due: IndexEntry[];
  checked: IndexEntry[];
}

export function findDue(home: string, name: string | undefined, withinDays: number, now: Date): DueReport {
  const entries = currentEntries(readIndex(home).entries);
  const checked = name === undefined ? entries : entries.filter((e) => e.name === name);
  if (name !== undefined && checked.length === 0) {
    throw userError("regcert.unknownCertificate", `no certificate named "${name}" in the index of ${home}`, "regcert status lists them");
  }
  const limit = now.getTime() + withinDays * 86_400_000;
  return { due: checked.filter((e) => Date.parse(e.notAfter) <= limit), checked };
}
