/**
 * The registry HTTP API (distribution spec) as the seeds' curl cheatsheet uses it, done right:
 * TLS trusting only our CA with Go's name rules, the manifest Accept headers that make
 * Docker-Content-Digest the digest DELETE needs, pagination followed, and the registry's errors
 * turned into fixes. Spec: https://distribution.github.io/distribution/spec/api/
 */
import { createHash } from "node:crypto";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { PeerCertificate } from "node:tls";
import { RegcertError, userError } from "../pki/errors.js";
import { certificateNames, matchHostname } from "../pki/verify/hostname.js";

/** Every manifest type a registry may hold; without these a registry may convert or refuse (seeds: only Docker v2 was sent). */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export interface RegistryClientOptions {
  host: string;
  port: number;
  /** PEM of the CA(s) to trust; nothing else is trusted */
  caPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** HTTP basic credentials (htpasswd auth) */
  user?: string;
  password?: string;
  /** total deadline per request (connect to last body byte); default 15 000 ms */
  timeoutMs?: number;
  /** byte cap per response; default MAX_RESPONSE_BYTES */
  maxResponseBytes?: number;
  /** byte cap over all pages of one list; default MAX_LIST_BYTES */
  maxListBytes?: number;
  /** entries per page for catalog and tags (the `n` parameter); default 100 */
  pageSize?: number;
}

/** Per response: distribution caps a manifest at 4 MiB (maxManifestBodySize); a page of names is far smaller. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Over all pages of one catalog or tag list. */
export const MAX_LIST_BYTES = 64 * 1024 * 1024;

const tooLarge = (method: string, path: string, cap: number) =>
  new RegistryApiError(0, `${method} ${path}: the response is larger than ${Math.round(cap / 1048576)} MiB; regcert stopped reading`, "a registry answers this with kilobytes: check what listens there (regcert check HOST:PORT)");

/** A body the endpoint cannot have sent if it speaks the distribution API. */
function unexpected(hostPort: string, endpoint: string, why: string): RegcertError {
  return userError("regcert.unexpectedResponse", `${endpoint} on ${hostPort} gave an unexpected answer: ${why}`, `check that ${hostPort} is a registry (regcert check ${hostPort}) and that no proxy rewrites its answers`);
}

/** `body[key]` as a list of strings, or a description of what is wrong with it. */
function stringList(body: unknown, key: string, nullable: boolean): string[] | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "the body is not a JSON object";
  const value = (body as Record<string, unknown>)[key];
  if (value === undefined) return `it has no "${key}" list`;
  if (nullable && value === null) return [];
  if (!Array.isArray(value)) return `"${key}" is ${value === null ? "null" : typeof value}, not a list`;
  if (!value.every((v) => typeof v === "string")) return `"${key}" holds something other than strings`;
  return value as string[];
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Distribution's repository name grammar (reference/regexp.go), path components joined by '/'. */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export function validateRepository(repo: string): string {
  if (!REPOSITORY.test(repo) || repo.length > 255) throw userError("regcert.invalidRepository", `"${repo}" is not a repository name`, "lower-case path components like team/app (no tag, no registry host)");
  return repo;
}

export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

/** REPO:TAG or REPO@DIGEST (no registry host: that is the first argument). */
export function parseReference(input: string, allowDigest: boolean): ImageReference {
  const at = input.indexOf("@");
  if (at >= 0) {
    if (!allowDigest) throw userError("regcert.invalidReference", `"${input}" names a digest; give REPO:TAG`, "e.g. alpine:latest");
    const digest = input.slice(at + 1);
    if (!DIGEST.test(digest)) throw userError("regcert.invalidReference", `"${digest}" is not a digest`, "e.g. team/app@sha256:0123…(64 hex digits)");
    return { repository: validateRepository(input.slice(0, at)), digest };
  }
  const colon = input.lastIndexOf(":");
  if (colon < 0 || input.slice(colon).includes("/")) throw userError("regcert.invalidReference", `"${input}" has no tag`, `e.g. ${input}:latest${allowDigest ? ` or ${input}@sha256:…` : ""}`);
  const tag = input.slice(colon + 1);
  if (!TAG.test(tag)) throw userError("regcert.invalidReference", `"${tag}" is not a valid tag`, "tags are up to 128 letters, digits, '_', '.', '-'");
  return { repository: validateRepository(input.slice(0, colon)), tag };
}

/** A failure from the registry; exit 1 (the command was right, the registry or its setup is not). */
export class RegistryApiError extends RegcertError {
  readonly status: number;
  constructor(status: number, message: string, hint?: string) {
    super("regcert.registryApi", message, hint === undefined ? {} : { hint });
    this.status = status;
  }
}

interface RegistryErrorBody {
  errors?: { code?: string; message?: string }[];
}

function registryErrorCode(body: Buffer): string | undefined {
  try {
    return (JSON.parse(body.toString("utf8")) as RegistryErrorBody).errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

const header = (r: ApiResponse, name: string): string | undefined => {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** The `rel="next"` target of a Link header (distribution's pagination). */
export function nextLink(link: string | undefined): string | undefined {
  return link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
}

export class RegistryClient {
  readonly hostPort: string;

  constructor(private readonly o: RegistryClientOptions) {
    this.hostPort = `${o.host.includes(":") ? `[${o.host}]` : o.host}:${o.port}`;
  }

  /**
   * One HTTPS request; TLS and network failures become RegistryApiError with `regcert check` as the
   * hint. `timeoutMs` is a total deadline for the whole exchange (connect, headers, every body byte),
   * not an idle timer: a server dribbling one byte every few seconds is cut off all the same. A body
   * above MAX_RESPONSE_BYTES is refused as soon as it passes the cap (Content-Length or streamed).
   */
  request(method: string, path: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const o = this.o;
    const deadlineMs = o.timeoutMs ?? 15_000;
    const cap = o.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    const auth = o.user !== undefined ? { Authorization: `Basic ${Buffer.from(`${o.user}:${o.password ?? ""}`).toString("base64")}` } : {};
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (error: RegcertError) => {
        clearTimeout(timer);
        reject(error);
      };
      const req = httpsRequest(
        {
          host: o.host,
          port: o.port,
          method,
          path,
          ...(isIP(o.host) ? {} : { servername: o.host }),
          ca: o.caPem,
          ...(o.clientCertPem && o.clientKeyPem ? { cert: o.clientCertPem, key: o.clientKeyPem } : {}),
          // Go's name rules (no CN fallback), not Node's
          checkServerIdentity: (_host: string, cert: PeerCertificate) => {
            // a certificate Go cannot parse is refused here, as a Go client would (never thrown from the TLS callback)
            try {
              return matchHostname(certificateNames(new Uint8Array(cert.raw)), o.host) ? undefined : new Error(`the registry's certificate is not valid for ${o.host}`);
            } catch (error) {
              return error instanceof Error ? error : new Error("the registry's certificate cannot be parsed");
            }
          },
          headers: { "User-Agent": "regcert", ...auth, ...headers },
          agent: false,
        },
        (res) => {
          const declared = Number(res.headers["content-length"]);
          if (Number.isFinite(declared) && declared > cap) {
            req.destroy();
            fail(tooLarge(method, path, cap));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > cap) {
              req.destroy();
              fail(tooLarge(method, path, cap));
            } else chunks.push(c);
          });
          res.on("end", () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          });
          res.on("error", () => {
            /* reported through req's error or the deadline */
          });
        },
      );
      timer = setTimeout(() => {
        req.destroy();
        fail(
          new RegistryApiError(
            0,
            `${method} ${path} on ${this.hostPort} did not complete within ${deadlineMs / 1000} s (the whole request, not only silence)`,
            `regcert check ${this.hostPort} diagnoses the connection; a slow registry needs a longer --timeout`,
          ),
        );
      }, deadlineMs);
      req.on("error", (error: NodeJS.ErrnoException) => {
        fail(new RegistryApiError(0, `cannot talk to ${this.hostPort}: ${error.code ?? ""} ${error.message}`.replace(/\s+/g, " ").trim(), `regcert check ${this.hostPort} diagnoses the connection and TLS`));
      });
      req.end();
    });
  }

  /** A JSON body checked against what the endpoint must return; anything else is refused, naming the endpoint. */
  private json<T>(r: ApiResponse, endpoint: string, check: (body: unknown) => string | undefined): T {
    let body: unknown;
    try {
      body = JSON.parse(r.body.toString("utf8"));
    } catch {
      throw unexpected(this.hostPort, endpoint, "the body is not JSON");
    }
    const problem = check(body);
    if (problem !== undefined) throw unexpected(this.hostPort, endpoint, problem);
    return body as T;
  }

  /** Turns 401/404/… into an error with a fix; returns the response when it is one of `expected`. */
  private expect(r: ApiResponse, expected: number[], what: string): ApiResponse {
    if (expected.includes(r.status)) return r;
    const code = registryErrorCode(r.body);
    if (r.status === 401) {
      throw new RegistryApiError(401, `${what}: authentication required (${header(r, "www-authenticate") ?? "401"})${this.o.user !== undefined ? `; the registry refused user ${this.o.user}` : ""}`, this.o.user !== undefined ? "check the password (regcert htpasswd USER sets it)" : "add --user USER --password-stdin");
    }
    if (r.status === 403) throw new RegistryApiError(403, `${what}: forbidden (${code ?? "403"})`);
    if (r.status === 404) throw new RegistryApiError(404, `${what}: not found (${code ?? "404"})`, "list what exists with: regcert api HOST:PORT catalog, or … tags REPO");
    if (r.status === 405 && (code === "UNSUPPORTED" || code === undefined)) {
      throw new RegistryApiError(
        405,
        `${what}: the registry does not allow deleting (405 ${code ?? "Method Not Allowed"}): storage.delete.enabled is false, its default`,
        "set storage.delete.enabled: true in the registry's config.yml (regcert registry-config writes it), or REGISTRY_STORAGE_DELETE_ENABLED=true, and restart the registry",
      );
    }
    throw new RegistryApiError(r.status, `${what}: the registry answered ${r.status}${code ? ` ${code}` : ""}`);
  }

  /**
   * GET every page of a paginated list (follows Link rel="next"). Stops with an error on a Link to
   * another host or scheme, or back to a page already read (a loop), and when the pages together pass
   * MAX_LIST_BYTES: a broken or hostile server cannot make regcert loop or grow without bound.
   */
  private async paginate(firstPath: string, endpoint: string, what: string, pick: (body: unknown) => string | string[]): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set<string>();
    let total = 0;
    let path: string | undefined = firstPath;
    while (path !== undefined) {
      if (seen.has(path)) throw unexpected(this.hostPort, endpoint, `its Link header points back at a page already read (${path})`);
      seen.add(path);
      const r = this.expect(await this.request("GET", path, { Accept: "application/json" }), [200], what);
      total += r.body.length;
      if (total > (this.o.maxListBytes ?? MAX_LIST_BYTES)) throw unexpected(this.hostPort, endpoint, `the pages add up to more than ${Math.round((this.o.maxListBytes ?? MAX_LIST_BYTES) / 1048576)} MiB`);
      const items = pick(this.json(r, endpoint, (b) => {
        const got = pick(b);
        return typeof got === "string" ? got : undefined;
      }));
      out.push(...(items as string[]));
      path = this.nextPath(header(r, "link"), endpoint);
    }
    return out;
  }

  /** The path of a Link rel="next" on this same registry; a Link elsewhere is refused. */
  private nextPath(link: string | undefined, endpoint: string): string | undefined {
    const next = nextLink(link);
    if (next === undefined) return undefined;
    const base = `https://${this.hostPort}`;
    let url: URL;
    try {
      url = new URL(next, base);
    } catch {
      throw unexpected(this.hostPort, endpoint, `its Link header names an invalid URL (${next})`);
    }
    if (url.origin !== new URL(base).origin) throw unexpected(this.hostPort, endpoint, `its Link header points at another server (${url.origin}); regcert sends requests only to ${this.hostPort}`);
    return url.pathname + url.search;
  }

  /** Every repository (GET /v2/_catalog, all pages). */
  catalog(): Promise<string[]> {
    return this.paginate(`/v2/_catalog?n=${this.o.pageSize ?? 100}`, "GET /v2/_catalog", "catalog", (b) => stringList(b, "repositories", false));
  }

  /** Every tag of `repo` (GET /v2/REPO/tags/list, all pages); `tags: null` (no tags) is an empty list. */
  async tags(repo: string): Promise<string[]> {
    const tags = await this.paginate(`/v2/${validateRepository(repo)}/tags/list?n=${this.o.pageSize ?? 100}`, `GET /v2/${repo}/tags/list`, `tags of ${repo}`, (b) => stringList(b, "tags", true));
    return tags.sort();
  }

  /** The digest of REPO:TAG as the registry stores it (what DELETE needs), and its media type. */
  async digest(repo: string, reference: string): Promise<{ digest: string; mediaType: string | undefined }> {
    const path = `/v2/${validateRepository(repo)}/manifests/${reference}`;
    const head = this.expect(await this.request("HEAD", path, { Accept: MANIFEST_ACCEPT }), [200, 404], `${repo}:${reference}`);
    if (head.status === 404) throw new RegistryApiError(404, `${repo}:${reference}: not found (MANIFEST_UNKNOWN)`, `list the tags with: regcert api ${this.hostPort} tags ${repo}`);
    const fromHeader = header(head, "docker-content-digest");
    if (fromHeader !== undefined && !DIGEST.test(fromHeader)) throw unexpected(this.hostPort, `HEAD ${path}`, "its Docker-Content-Digest header is not a digest");
    if (fromHeader) return { digest: fromHeader, mediaType: header(head, "content-type") };
    // no header (a proxy dropped it): the digest is the SHA-256 of the manifest bytes as served
    const get = this.expect(await this.request("GET", path, { Accept: MANIFEST_ACCEPT }), [200], `${repo}:${reference}`);
    return { digest: `sha256:${createHash("sha256").update(get.body).digest("hex")}`, mediaType: header(get, "content-type") };
  }

  /** DELETE /v2/REPO/manifests/DIGEST (202 Accepted). */
  async deleteManifest(repo: string, digest: string): Promise<void> {
    this.expect(await this.request("DELETE", `/v2/${validateRepository(repo)}/manifests/${digest}`, { Accept: MANIFEST_ACCEPT }), [202], `delete ${repo}@${digest}`);
  }
}

export interface DeletePlan {
  repository: string;
  digest: string;
  /** every tag that points at the digest: deleting the manifest removes all of them */
  tags: string[];
}

/** Resolves a delete target and finds every tag that the deletion would take with it. */
export async function planDelete(client: RegistryClient, ref: ImageReference): Promise<DeletePlan> {
  const digest = ref.digest ?? (await client.digest(ref.repository, ref.tag as string)).digest;
  const tags: string[] = [];
  for (const tag of await client.tags(ref.repository)) {
    if (tag === ref.tag) tags.push(tag);
    else if ((await client.digest(ref.repository, tag).catch(() => undefined))?.digest === digest) tags.push(tag);
  }
  return { repository: ref.repository, digest, tags: tags.sort() };
}

/** The commands that actually free the space after a delete (the registry only unlinks the manifest). */
export function garbageCollectCommands(): { compose: string; debian: string } {
  return {
    compose: "docker compose exec registry registry garbage-collect /etc/docker/registry/config.yml",
    debian: "sudo -u docker-registry docker-registry garbage-collect /etc/docker/registry/config.yml",
  };
}
