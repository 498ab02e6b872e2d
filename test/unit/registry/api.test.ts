/** Pure parts of `regcert api`: references, repository names, pagination links, the Accept header. */
import { RegcertError } from "../../../src/pki/errors.js";
import { MANIFEST_ACCEPT, nextLink, parseReference, validateRepository } from "../../../src/registry/api.js";

const digest = `sha256:${"ab".repeat(32)}`;

test.each([
  ["team/app:v1", true, { repository: "team/app", tag: "v1" }],
  ["app:1.2.3-rc_1", false, { repository: "app", tag: "1.2.3-rc_1" }],
  [`team/app@${digest}`, true, { repository: "team/app", digest }],
  ["a.b/c__d/e-f:latest", true, { repository: "a.b/c__d/e-f", tag: "latest" }],
])("parses %s", (input, allowDigest, expected) => {
  expect(parseReference(input, allowDigest)).toEqual(expected);
});

test.each([
  ["team/app", true, "has no tag"],
  ["Team/App:v1", true, "is not a repository name"],
  ["team/app:", true, "is not a valid tag"],
  ["team/app:-x", true, "is not a valid tag"],
  [`team/app@${digest}`, false, "names a digest"],
  ["team/app@sha256:xyz", true, "is not a digest"],
  ["registry.local:5000/team/app", true, "has no tag"],
])("refuses %s (%s)", (input, allowDigest, why) => {
  expect(() => parseReference(input, allowDigest)).toThrow(why);
  try {
    parseReference(input, allowDigest);
  } catch (error) {
    expect((error as RegcertError).exitCode).toBe(2);
  }
});

test("repository names follow distribution's grammar", () => {
  expect(validateRepository("a/b/c")).toBe("a/b/c");
  for (const bad of ["", "/a", "a/", "a//b", "-a", "a_", "A", "a b"]) expect(() => validateRepository(bad)).toThrow(RegcertError);
});

test("Link rel=next as distribution sends it", () => {
  expect(nextLink('</v2/_catalog?last=b&n=1>; rel="next"')).toBe("/v2/_catalog?last=b&n=1");
  expect(nextLink(undefined)).toBeUndefined();
  expect(nextLink('</x>; rel="prev"')).toBeUndefined();
});

test("the Accept header names OCI index/manifest and Docker list/manifest, so the digest is the stored one", () => {
  expect(MANIFEST_ACCEPT.split(", ")).toEqual([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
  ]);
});
