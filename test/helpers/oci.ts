/**
 * A tiny, valid OCI image layout built in Node (no Docker, no network): one gzip tar layer, a
 * linux/amd64 config and a manifest, addressable by skopeo as `oci:DIR:TAG`.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";

/** Options for makeOciLayout. */
export interface OciLayoutOptions {
  /** Files in the single layer: path inside the image → contents. Default: `{ "hello.txt": "hello from regcert\n" }`. */
  files?: Record<string, string | Buffer>;
  /** Tag (org.opencontainers.image.ref.name); default "v1". */
  tag?: string;
}

/** Digests of what makeOciLayout wrote (or what readOciLayout found). */
export interface OciLayoutInfo {
  /** `oci:DIR:TAG`, for skopeo. */
  reference: string;
  manifestDigest: string;
  configDigest: string;
  /** Digests of the (compressed) layer blobs. */
  layerDigests: string[];
}

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** One ustar header field: `value` as NUL-padded ASCII of exactly `length` bytes. */
function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value.slice(0, length), offset, length, "ascii");
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, "0")}\0`;
}

/** A minimal POSIX ustar archive of regular files (mode 0644, uid/gid 0, mtime 0); names < 100 bytes. */
export function tarArchive(files: Record<string, string | Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, contents] of Object.entries(files)) {
    if (Buffer.byteLength(name) >= 100) throw new Error(`tarArchive: name too long: ${name}`);
    const data = Buffer.isBuffer(contents) ? contents : Buffer.from(contents);
    const header = Buffer.alloc(512, 0);
    field(header, 0, 100, name);
    field(header, 100, 8, octal(0o644, 8));
    field(header, 108, 8, octal(0, 8));
    field(header, 116, 8, octal(0, 8));
    field(header, 124, 12, octal(data.length, 12));
    field(header, 136, 12, octal(0, 12));
    field(header, 148, 8, "        "); // checksum is computed with this field as spaces
    field(header, 156, 1, "0");
    field(header, 257, 6, "ustar\0");
    field(header, 263, 2, "00");
    let sum = 0;
    for (const byte of header) sum += byte;
    field(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return Buffer.concat(blocks);
}

function writeBlob(dir: string, data: Buffer): string {
  const digest = sha256(data);
  writeFileSync(join(dir, "blobs", "sha256", digest.slice("sha256:".length)), data);
  return digest;
}

/** Builds the layout in `dir` (created if missing) and returns its digests and `oci:DIR:TAG` reference. */
export function makeOciImage(dir: string, options: OciLayoutOptions = {}): OciLayoutInfo {
  const tag = options.tag ?? "v1";
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const tar = tarArchive(options.files ?? { "hello.txt": "hello from regcert\n" });
  const layer = gzipSync(tar);
  const layerDigest = writeBlob(dir, layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/hello.txt"] },
      rootfs: { type: "layers", diff_ids: [sha256(tar)] },
      history: [{ created_by: "regcert test harness" }],
    }),
  );
  const configDigest = writeBlob(dir, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.length }],
    }),
  );
  const manifestDigest = writeBlob(dir, manifest);
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: manifestDigest,
        size: manifest.length,
        annotations: { "org.opencontainers.image.ref.name": tag },
      },
    ],
  };
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  return { reference: `oci:${dir}:${tag}`, manifestDigest, configDigest, layerDigests: [layerDigest] };
}

/** Builds a tiny OCI image layout in `dir` and returns the skopeo reference `oci:DIR:TAG`. */
export function makeOciLayout(dir: string, options: OciLayoutOptions = {}): string {
  return makeOciImage(dir, options).reference;
}

/** Reads an OCI layout (e.g. one skopeo copied back) and returns the digests for `tag` (default "v1"). */
export function readOciLayout(dir: string, tag = "v1"): OciLayoutInfo {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!entry) throw new Error(`readOciLayout: no tag ${tag} in ${dir}`);
  const manifest = JSON.parse(readBlob(dir, entry.digest).toString("utf8")) as { config: { digest: string }; layers: { digest: string }[] };
  return {
    reference: `oci:${dir}:${tag}`,
    manifestDigest: entry.digest,
    configDigest: manifest.config.digest,
    layerDigests: manifest.layers.map((l) => l.digest),
  };
}

/** The bytes of blob `digest` in layout `dir`. */
export function readBlob(dir: string, digest: string): Buffer {
  return readFileSync(join(dir, "blobs", "sha256", digest.replace(/^sha256:/, "")));
}

/** The uncompressed tar of a gzip layer blob, for checking that the files survived a round trip. */
export function layerTar(dir: string, digest: string): Buffer {
  return gunzipSync(readBlob(dir, digest));
}
