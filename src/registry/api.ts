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
  /** per request; default 15 000 ms */
  timeoutMs?: number;
  /** entries per page for catalog and tags (the `n` parameter); default 100 */
  pageSize?: number;
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

  /** One HTTPS request; TLS and network failures become RegistryApiError with `regcert check` as the hint. */
  request(method: string, path: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const o = this.o;
    const auth = o.user !== undefined ? { Authorization: `Basic ${Buffer.from(`${o.user}:${o.password ?? ""}`).toString("base64")}` } : {};
    return new Promise((resolve, reject) => {
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
          checkServerIdentity: (_host: string, cert: PeerCertificate) =>
            matchHostname(certificateNames(new Uint8Array(cert.raw)), o.host) ? undefined : new Error(`the registry's certificate is not valid for ${o.host}`),
          headers: { "User-Agent": "regcert", ...auth, ...headers },
          agent: false,
          timeout: o.timeoutMs ?? 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > 16 * 1024 * 1024) req.destroy(new Error("response larger than 16 MiB"));
            else chunks.push(c);
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${(o.timeoutMs ?? 15_000) / 1000} s`), { code: "ETIMEDOUT" })));
      req.on("error", (error: NodeJS.ErrnoException) => {
        reject(new RegistryApiError(0, `cannot talk to ${this.hostPort}: ${error.code ?? ""} ${error.message}`.replace(/\s+/g, " ").trim(), `regcert check ${this.hostPort} diagnoses the connection and TLS`));
      });
      req.end();
    });
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

  /** GET every page of a paginated list (follows Link rel="next"). */
  private async paginate<T>(firstPath: string, what: string, pick: (body: unknown) => T[]): Promise<T[]> {
    const out: T[] = [];
    let path: string | undefined = firstPath;
    for (let page = 0; path !== undefined && page < 10_000; page++) {
      const r = this.expect(await this.request("GET", path, { Accept: "application/json" }), [200], what);
      out.push(...pick(JSON.parse(r.body.toString("utf8")) as unknown));
      const next = nextLink(header(r, "link"));
      path = next === undefined ? undefined : next.startsWith("/") ? next : new URL(next, `https://${this.hostPort}`).pathname + new URL(next, `https://${this.hostPort}`).search;
    }
    return out;
  }

  /** Every repository (GET /v2/_catalog, all pages). */
  catalog(): Promise<string[]> {
    return this.paginate(`/v2/_catalog?n=${this.o.pageSize ?? 100}`, "catalog", (b) => (b as { repositories?: string[] }).repositories ?? []);
  }

  /** Every tag of `repo` (GET /v2/REPO/tags/list, all pages). */
  async tags(repo: string): Promise<string[]> {
    const tags = await this.paginate(`/v2/${validateRepository(repo)}/tags/list?n=${this.o.pageSize ?? 100}`, `tags of ${repo}`, (b) => (b as { tags?: string[] | null }).tags ?? []);
    return tags.sort();
  }

  /** The digest of REPO:TAG as the registry stores it (what DELETE needs), and its media type. */
  async digest(repo: string, reference: string): Promise<{ digest: string; mediaType: string | undefined }> {
    const path = `/v2/${validateRepository(repo)}/manifests/${reference}`;
    const head = this.expect(await this.request("HEAD", path, { Accept: MANIFEST_ACCEPT }), [200, 404], `${repo}:${reference}`);
    if (head.status === 404) throw new RegistryApiError(404, `${repo}:${reference}: not found (MANIFEST_UNKNOWN)`, `list the tags with: regcert api ${this.hostPort} tags ${repo}`);
    const fromHeader = header(head, "docker-content-digest");
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
