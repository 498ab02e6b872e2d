/**
 * scripts/net-ip.cjs (the CLI bundle's isIP/isIPv4/isIPv6, so the issue path need not load node:net)
 * must answer exactly as node:net does: compared on valid, near-valid and hostile address strings.
 */
import { createRequire } from "node:module";
import { isIP, isIPv4, isIPv6 } from "node:net";

const shim = createRequire(import.meta.url)("../../scripts/net-ip.cjs") as { isIP(s: string): number; isIPv4(s: string): boolean; isIPv6(s: string): boolean };

const corpus = [
  "", "0.0.0.0", "127.0.0.1", "192.168.0.12", "255.255.255.255", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1.2.3.4 ", " 1.2.3.4",
  "1.2.3.4\n", "1..3.4", "1.2.3.-4", "0x7f.0.0.1", "1e1.2.3.4", "١.٢.٣.٤", "::", "::1", "::ffff:1.2.3.4", "::ffff:1.2.3", "2001:db8::1", "2001:DB8::1",
  "2001:db8:0:0:0:0:0:1", "2001:db8:0:0:0:0:0:0:1", "2001:db8::1::2", "fe80::1%eth0", "fe80::1%", "fe80::1%25eth0", "[::1]", "::1:", ":1::",
  "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "12345::1", "g::1", "registry.example.com",
  "localhost", "1.2.3.4/24", "::/0", "0:0:0:0:0:0:0:0", "::ffff:256.1.1.1", "64:ff9b::192.0.2.1",
];
// every prefix and one-character edit of a few addresses, plus random strings over the address alphabet
const seeds = ["192.168.0.12", "2001:db8::a:b", "::ffff:10.0.0.1", "fe80::1%lo"];
for (const seed of seeds) for (let i = 0; i <= seed.length; i++) for (const c of [".", ":", "0", "9", "f", "%", ""]) corpus.push(seed.slice(0, i) + c + seed.slice(i + 1), seed.slice(0, i));
let x = 12345;
const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x);
for (let n = 0; n < 5000; n++) corpus.push(Array.from({ length: 2 + (rand() % 20) }, () => "0123456789abcdefABCDEF.:%"[rand() % 25]).join(""));

test("isIP, isIPv4 and isIPv6 agree with node:net on every string of the corpus", () => {
  const differ = corpus.filter((s) => shim.isIP(s) !== isIP(s) || shim.isIPv4(s) !== isIPv4(s) || shim.isIPv6(s) !== isIPv6(s));
  expect(differ).toEqual([]);
  // the corpus holds all three kinds, so agreement is not vacuous
  expect(new Set(corpus.map((s) => isIP(s)))).toEqual(new Set([0, 4, 6]));
});
