/** regcert api HOST:PORT catalog | tags REPO | digest REPO:TAG | delete REPO@DIGEST|REPO:TAG — the registry API, trusting our CA. */
import { userError } from "../../pki/errors.js";
import { garbageCollectCommands, parseReference, planDelete, RegistryClient, validateRepository } from "../../registry/api.js";
import type { Context } from "../context.js";
import { passwordFromStdin, readInputFile } from "../input.js";
import { parseWholeNumber } from "../options.js";
import { askSecret } from "../prompts.js";
import { parseTarget, readTrustedCas } from "../target.js";
import { DEFAULT_REGISTRY_IMAGE } from "../../registry/image.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import { shellLine } from "../../text/shell.js";

export interface ApiFlags {
  ca?: string;
  user?: string;
  passwordStdin?: boolean;
  force?: boolean;
  clientCert?: string;
  clientKey?: string;
  timeout?: string;
  pageSize?: string;
}

const ACTIONS = ["catalog", "tags", "digest", "delete"] as const;
type Action = (typeof ACTIONS)[number];

async function password(ctx: Context, flags: ApiFlags): Promise<string | undefined> {
  if (flags.passwordStdin) {
    if (flags.user === undefined) throw userError("regcert.conflictingFlags", "--password-stdin needs --user", "e.g. --user alice --password-stdin");
    return passwordFromStdin(await readInputFile("-", "--password-stdin"));
  }
  if (flags.user === undefined) return undefined;
  return askSecret(ctx, `Password for ${flags.user}`, `printf '%s\\n' "$PASSWORD" | regcert api … ${shellLine(["--user", flags.user, "--password-stdin"])}`, `no password for ${flags.user}: there is no terminal to ask on`);
}

export async function run(ctx: Context, targetArg: string, actionArg: string, refArg: string | undefined, flags: ApiFlags): Promise<void> {
  const target = parseTarget(targetArg);
  if (!(ACTIONS as readonly string[]).includes(actionArg)) throw userError("regcert.invalidAction", `"${actionArg}" is not an api action: use ${ACTIONS.join(", ")}`, `e.g. regcert api ${target.hostPort} catalog`);
  const action = actionArg as Action;
  if (action === "catalog" && refArg !== undefined) throw userError("regcert.unexpectedArgument", `catalog takes no argument (got "${refArg}")`, "e.g. regcert api HOST:PORT catalog");
  if (action !== "catalog" && refArg === undefined) {
    const example = { tags: "team/app", digest: "team/app:v1", delete: "team/app:v1" }[action];
    throw userError("regcert.missingArgument", `${action} needs ${action === "tags" ? "a repository" : "an image reference"}`, `e.g. regcert api ${target.hostPort} ${action} ${example}`);
  }
  if (Boolean(flags.clientCert) !== Boolean(flags.clientKey)) throw userError("regcert.conflictingFlags", "--client-cert and --client-key go together", "give both --client-cert FILE and --client-key FILE, or neither");
  const seconds = parseWholeNumber(flags.timeout, "--timeout", 15);
  const pageSize = parseWholeNumber(flags.pageSize, "--page-size", 100);
  if (pageSize < 1 || pageSize > 1000) throw userError("regcert.invalidNumber", `--page-size ${pageSize} is out of range: use 1 to 1000`, "e.g. --page-size 100");
  // validate the reference before any network traffic
  const ref = action === "digest" ? parseReference(refArg as string, false) : action === "delete" ? parseReference(refArg as string, true) : undefined;
  if (action === "tags") validateRepository(refArg as string);

  const trust = await readTrustedCas(ctx, flags.ca);
  const pass = await password(ctx, flags);
  const client = new RegistryClient({
    host: target.host,
    port: target.port,
    caPem: trust.pem,
    timeoutMs: seconds * 1000,
    pageSize,
    ...(flags.user !== undefined ? { user: flags.user, password: pass ?? "" } : {}),
    ...(flags.clientCert && flags.clientKey
      ? { clientCertPem: (await readInputFile(flags.clientCert, "--client-cert")).toString("utf8"), clientKeyPem: (await readInputFile(flags.clientKey, "--client-key")).toString("utf8") }
      : {}),
  });

  switch (action) {
    case "catalog": {
      const repositories = await client.catalog();
      if (ctx.ui.json) ctx.ui.result({ registry: target.hostPort, repositories });
      else {
        // names come from the server: escaped, one per line, whatever they hold
        for (const r of repositories) ctx.ui.info(sanitizeForTerminal(r));
        if (repositories.length === 0) ctx.ui.warn(`${target.hostPort} has no repositories yet`);
      }
      return;
    }
    case "tags": {
      const tags = await client.tags(refArg as string);
      if (ctx.ui.json) ctx.ui.result({ registry: target.hostPort, repository: refArg, tags });
      else {
        for (const t of tags) ctx.ui.info(sanitizeForTerminal(t));
        // on stderr, so a script reading tags line by line still gets none
        if (tags.length === 0) ctx.ui.warn(`${refArg as string} has no tags (its manifests were deleted, or only pushed by digest)`);
      }
      return;
    }
    case "digest": {
      const { digest, mediaType } = await client.digest(ref?.repository as string, ref?.tag as string);
      if (ctx.ui.json) ctx.ui.result({ registry: target.hostPort, repository: ref?.repository, tag: ref?.tag, digest, mediaType: mediaType ?? null });
      else ctx.ui.info(sanitizeForTerminal(digest));
      return;
    }
    case "delete": {
      const plan = await planDelete(client, ref as NonNullable<typeof ref>);
      const others = plan.tags.filter((t) => t !== ref?.tag);
      if (others.length > 0 && !flags.force) {
        throw userError(
          "regcert.siblingTags",
          `deleting ${plan.repository}@${plan.digest} would ${ref?.tag === undefined ? "" : "also "}remove tag${others.length === 1 ? "" : "s"} ${others.join(", ")}: a manifest is deleted with every tag that points at it`,
          ref?.tag === undefined
            ? `re-run with --force to delete it with ${others.length === 1 ? "that tag" : "those tags"}`
            : `re-run with --force to delete ${plan.tags.join(", ")} together (to drop only one tag, push something else to it instead)`,
        );
      }
      await client.deleteManifest(plan.repository, plan.digest);
      const gc = garbageCollectCommands();
      if (ctx.ui.json) {
        ctx.ui.result({ registry: target.hostPort, repository: plan.repository, deleted: plan.digest, tags: plan.tags, garbageCollect: gc });
        return;
      }
      ctx.ui.info(`Deleted ${plan.repository}@${plan.digest}${plan.tags.length > 0 ? ` (tag${plan.tags.length === 1 ? "" : "s"} ${plan.tags.join(", ")})` : ""}`);
      ctx.ui.info("The registry only unlinked the manifest; the space is freed by garbage collection (best with no pushes running):");
      ctx.ui.info(`  ${`${DEFAULT_REGISTRY_IMAGE} container:`.padEnd(25)} ${gc.compose}`);
      ctx.ui.info(`  Debian docker-registry:   ${gc.debian}`);
      return;
    }
  }
}
