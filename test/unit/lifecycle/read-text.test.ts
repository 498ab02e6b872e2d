/** readUtf8 (src/files/read-text.ts) gives exactly what readFileSync(path, "utf8") gives, on its fast ASCII path and off it. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readUtf8 } from "../../../src/files/read-text.js";

const dir = mkdtempSync(join(tmpdir(), "regcert-read-text-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ["ASCII JSON", Buffer.from(`{"version":1,"certificates":[\n${'{"name":"host0"}'.repeat(1000)}\n]}\n`)],
  ["empty", Buffer.alloc(0)],
  ["UTF-8 names", Buffer.from('{"name":"bücher.example","cn":"日本"}')],
  ["a byte 0x80-0xff that is not UTF-8 (latin1 would keep it, UTF-8 makes it U+FFFD)", Buffer.from([0x7b, 0xe9, 0x7d, 0xff, 0x80])],
  ["a BOM", Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])],
  ["every ASCII byte", Buffer.from(Array.from({ length: 128 }, (_, i) => i))],
])("%s", (_label, bytes) => {
  const path = join(dir, "f");
  writeFileSync(path, bytes);
  expect(readUtf8(path)).toBe(readFileSync(path, "utf8"));
});

test("a missing file throws as readFileSync does (ENOENT)", () => {
  expect(() => readUtf8(join(dir, "none"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
});
