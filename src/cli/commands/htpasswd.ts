/** regcert htpasswd: add, replace or delete one bcrypt user in the registry's htpasswd file, atomically. */
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { withHomeLock } from "../../files/home.js";
import { ensureDirectory, writeFilesAtomic } from "../../files/write.js";
import { userError } from "../../pki/errors.js";
import { DEFAULT_BCRYPT_COST, deleteHtpasswdEntry, hashPassword, nonBcryptUsers, setHtpasswdEntry, validateCost, validateHtpasswdUser, validatePassword } from "../../registry/htpasswd.js";
import type { Context } from "../context.js";
import { passwordFromStdin, readInputFile } from "../input.js";
import { parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";
import { askSecret } from "../prompts.js";
import { shellLine } from "../../text/shell.js";

export interface HtpasswdFlags {
  file?: string;
  passwordStdin?: boolean;
  delete?: boolean;
  cost?: string;
}

/** New htpasswd files: readable by the owner and its group (root:docker-registry for the Debian service). */
const NEW_FILE_MODE = 0o640;

/** `regcert htpasswd USER [--file F] EXTRA…` as a line to paste. */
const htpasswdLine = (user: string, flags: HtpasswdFlags, ...extra: string[]) => shellLine(["regcert", "htpasswd", user, ...(flags.file === undefined ? [] : ["--file", flags.file]), ...extra]);

async function obtainPassword(ctx: Context, user: string, flags: HtpasswdFlags): Promise<string> {
  if (flags.passwordStdin) return validatePassword(passwordFromStdin(await readInputFile("-", "--password-stdin")));
  const password = await askSecret(ctx, `Password for ${user}`, `printf '%s\\n' "$PASSWORD" | ${htpasswdLine(user, flags, "--password-stdin")}`, `no password for ${user}: there is no terminal to ask on`, true);
  return validatePassword(password);
}

function readExisting(path: string): { text: string } | undefined {
  if (!existsSync(path)) return undefined;
  const stat = lstatSync(path);
  if (!stat.isFile()) throw userError("regcert.notFile", `${path} is not a regular file (--file)`, "the registry needs auth.htpasswd.path to name a file, not a directory");
  return { text: readFileSync(path, "utf8") };
}

export async function run(ctx: Context, userArg: string, flags: HtpasswdFlags): Promise<void> {
  const user = validateHtpasswdUser(userArg);
  const path = resolve(ctx.cwd, flags.file ?? "auth/htpasswd");
  const cost = validateCost(parseWholeNumber(flags.cost, "--cost", DEFAULT_BCRYPT_COST));
  if (flags.delete && flags.passwordStdin) throw userError("regcert.conflictingFlags", "--delete and --password-stdin do not go together", htpasswdLine(user, flags, "--delete"));
  const shown = displayPath(path, ctx.cwd);
  if (flags.delete && !existsSync(path)) throw userError("regcert.fileNotFound", `${shown} does not exist; there is no user to delete`, "pass --file with the registry's htpasswd file");
  // ask before taking the lock: a prompt must not hold other runs up
  const password = flags.delete ? undefined : await obtainPassword(ctx, user, flags);
  const hash = password === undefined ? undefined : hashPassword(password, { cost });
  // read-modify-write under a lock next to the file, so two concurrent runs cannot lose a user
  ensureDirectory(dirname(path), 0o755);
  const { existing, change } = await withHomeLock(dirname(path), () => {
    const existing = readExisting(path);
    let change;
    if (hash === undefined) {
      if (!existing) throw userError("regcert.fileNotFound", `${shown} does not exist; there is no user to delete`, "pass --file with the registry's htpasswd file");
      change = deleteHtpasswdEntry(existing.text, user);
      if (change.action === "absent") throw userError("regcert.unknownUser", `${user} is not in ${shown}`, "nothing was changed");
    } else {
      change = setHtpasswdEntry(existing?.text ?? "", user, hash);
    }
    // an existing file keeps its owner, group and mode (e.g. root:docker-registry 0640 as registry-config
    // --systemd installs it); the rename gives it a new mtime, which is when the registry re-reads it
    writeFilesAtomic([{ path, contents: change.text, mode: NEW_FILE_MODE, label: "htpasswd file", keepOwner: true }], { force: true, dirMode: 0o755 });
    return { existing, change };
  });

  if (ctx.ui.json) {
    ctx.ui.result({ command: "htpasswd", file: path, user, action: change.action, ...(flags.delete ? {} : { algorithm: "bcrypt", cost }) });
  } else {
    const what = { added: `Added ${user} to`, replaced: `Replaced the password of ${user} in`, deleted: `Deleted ${user} from`, absent: `Left ${user} out of` }[change.action];
    ctx.ui.info(`${what} ${shown}${flags.delete ? "" : ` (bcrypt $2y$, cost ${cost})`}`);
    if (!existing) ctx.ui.info(`Point the registry at this file: auth.htpasswd.path (regcert registry-config --auth does), or REGISTRY_AUTH_HTPASSWD_PATH`);
  }
  for (const other of nonBcryptUsers(change.text)) {
    ctx.ui.warn(`${other} in ${shown} is not a bcrypt entry: the registry ignores it, so ${other} can never log in (re-add with ${htpasswdLine(other, flags)})`);
  }
}
