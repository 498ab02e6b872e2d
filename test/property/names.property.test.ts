/**
 * Property tests (fast-check) for name parsing and normalisation: every generated valid name is
 * classified, normalised to the form Go compares, and stable under a second pass; every string at
 * all is either accepted that way or refused with a RegcertError (exit 2), never a crash. IPv6 text
 * is judged against the WHATWG URL parser's RFC 5952 serialisation, an independent implementation.
 */
import fc from "fast-check";
import { classifyName, classifyNames, formatIpv6, ipToBytes, parseCidr } from "../../src/pki/names.js";
import { dnsWithin, ipWithin } from "../../src/pki/name-constraints.js";
import { RegcertError } from "../../src/pki/errors.js";
import { getPublicSuffix } from "tldts";

const RUNS = { numRuns: 2000 };

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join("."));
const ipv6Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 });
/** IPv6 bytes biased towards runs of zero groups, where "::" placement is decided. */
const ipv6BytesWithZeros = fc
  .tuple(fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff, 0xdb8, 0x2001), { minLength: 8, maxLength: 8 }))
  .map(([groups]) => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff])));

const isV4Mapped = (b: Uint8Array) => b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
const urlIpv6 = (text: string) => new URL(`http://[${text}]/`).hostname.slice(1, -1);

const labelChars = "abcdefghijklmnopqrstuvwxyz0123456789";
const label = fc
  .tuple(fc.string({ unit: fc.constantFrom(...labelChars), minLength: 1, maxLength: 20 }), fc.string({ unit: fc.constantFrom(...labelChars, "-"), maxLength: 20 }))
  .map(([head, rest]) => (rest.length === 0 ? head : `${head}${rest.replace(/-+$/, "")}${head.slice(-1)}`))
  .filter((l) => l.length <= 63);
const tld = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"), minLength: 2, maxLength: 10 });
const dnsName = fc.tuple(fc.array(label, { minLength: 0, maxLength: 4 }), tld).map(([labels, last]) => [...labels, last].join("."));
const randomCase = (s: string, flips: boolean[]) => [...s].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join("");

function classifyOrRefuse(input: string) {
  try {
    return classifyName(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RegcertError);
    expect((error as RegcertError).exitCode).toBe(2);
    expect((error as RegcertError).message).not.toMatch(/\n/);
    return undefined;
  }
}

describe("IPv4", () => {
  test("every dotted quad is an IP, unchanged, and round-trips through its bytes", () => {
    fc.assert(
      fc.property(ipv4, (text) => {
        expect(classifyName(text)).toEqual({ type: "ip", value: text });
        expect(Array.from(ipToBytes(text)).join(".")).toBe(text);
      }),
      RUNS,
    );
  });

  test("a part with a leading zero is refused (Go and glibc disagree on 010), never misread", () => {
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 9 }), (text, index, digit) => {
        const parts = text.split(".");
        parts[index] = `0${digit}${parts[index] === "0" ? "" : ""}`;
        expect(() => classifyName(parts.join("."))).toThrow(/leading zero/);
      }),
      RUNS,
    );
  });

  test("parts above 255 are refused", () => {
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 256, max: 99999 }), (text, index, big) => {
        const parts = text.split(".");
        parts[index] = String(big);
        expect(() => classifyName(parts.join("."))).toThrow(RegcertError);
      }),
      RUNS,
    );
  });
});

describe("IPv6", () => {
  test("normalised form equals the WHATWG URL parser's RFC 5952 text, and the bytes round-trip", () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Bytes, ipv6BytesWithZeros), (bytes) => {
        fc.pre(!isV4Mapped(bytes) && bytes.some((b) => b !== 0)); // "::" names no host: refused (unit test)
        const full = Array.from({ length: 8 }, (_, i) => (((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number)).toString(16).padStart(4, "0")).join(":");
        const name = classifyName(full.toUpperCase());
        expect(name.type).toBe("ip");
        expect(name.value).toBe(urlIpv6(full));
        expect(name.value).toBe(formatIpv6(bytes));
        expect(Array.from(ipToBytes(name.value))).toEqual(Array.from(bytes));
        expect(classifyName(`[${name.value}]`)).toEqual(name);
      }),
      RUNS,
    );
  });

  test("IPv4-mapped IPv6 becomes the IPv4 address, as Go encodes it", () => {
    fc.assert(
      fc.property(ipv4, (v4) => {
        expect(classifyName(`::ffff:${v4}`)).toEqual({ type: "ip", value: v4 });
      }),
      RUNS,
    );
  });

  test("zone identifiers are refused (a certificate cannot carry one)", () => {
    fc.assert(
      fc.property(ipv6Bytes, fc.stringMatching(/^[a-z0-9]{1,8}$/), (bytes, zone) => {
        expect(() => classifyName(`${formatIpv6(bytes)}%${zone}`)).toThrow(/zone/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("DNS names", () => {
  test("valid host names are lower-cased, lose a trailing dot, and are stable under a second pass", () => {
    fc.assert(
      fc.property(dnsName, fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }), fc.boolean(), (name, flips, dot) => {
        fc.pre(name.length <= 253 && !/(^|\.)xn--/.test(name)); // "xn--" labels must be valid IDNA (unit tests)
        const input = `${randomCase(name, flips)}${dot ? "." : ""}`;
        const result = classifyName(input);
        expect(result).toEqual({ type: "dns", value: name });
        expect(classifyName(result.value)).toEqual(result);
      }),
      RUNS,
    );
  });

  test("a wildcard is accepted only as the whole left-most label over at least two labels", () => {
    fc.assert(
      fc.property(dnsName, (name) => {
        const labels = name.split(".").length;
        const wildcard = classifyOrRefuse(`*.${name}`);
        const overPublicSuffix = getPublicSuffix(name, { allowPrivateDomains: true }) === name;
        if (labels >= 2 && !overPublicSuffix) expect(wildcard).toEqual({ type: "dns", value: `*.${name}` });
        else expect(wildcard).toBeUndefined();
        expect(classifyOrRefuse(`a*.${name}`)).toBeUndefined();
        expect(classifyOrRefuse(`x.*.${name}`)).toBeUndefined();
      }),
      RUNS,
    );
  });

  test("labels with underscores, spaces or edge hyphens are refused", () => {
    fc.assert(
      fc.property(dnsName, fc.constantFrom("_", " ", "-", "/", "@", "\\"), (name, bad) => {
        const broken = bad === "-" ? `-${name}` : `${name.split(".")[0]}${bad}x.${name}`;
        expect(classifyOrRefuse(broken)).toBeUndefined();
      }),
      RUNS,
    );
  });
});

describe("any input at all", () => {
  test("is accepted in a stable normal form or refused with a one-line RegcertError, never a crash", () => {
    const anyText = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 40 }), fc.stringMatching(/^[0-9a-fA-F:.[\]%*-]{0,45}$/));
    fc.assert(
      fc.property(anyText, (input) => {
        const name = classifyOrRefuse(input);
        if (name) {
          expect(classifyName(name.value)).toEqual(name);
          expect(name.value).toBe(name.value.toLowerCase());
          expect(name.value).not.toMatch(/\s/);
        }
      }),
      { numRuns: 5000 },
    );
  });

  test("classifyNames keeps the first occurrence of each normalised name, DNS and IP apart", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(dnsName, ipv4, ipv6Bytes.map(formatIpv6)), { maxLength: 12 }), (inputs) => {
        const doubled = [...inputs, ...inputs.map((i) => i.toUpperCase())];
        const set = classifyNames(doubled);
        expect(new Set(set.dns).size).toBe(set.dns.length);
        expect(new Set(set.ip).size).toBe(set.ip.length);
        const expected = { dns: [] as string[], ip: [] as string[] };
        for (const input of doubled) {
          const n = classifyName(input);
          const list = n.type === "dns" ? expected.dns : expected.ip;
          if (!list.includes(n.value)) list.push(n.value);
        }
        expect(set).toEqual(expected);
      }),
      RUNS,
    );
  });
});

describe("CIDR ranges and constraint matching", () => {
  const range = fc.oneof(
    fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })),
    fc.tuple(ipv6Bytes, fc.integer({ min: 0, max: 128 })),
  );
  const mask = (bytes: Uint8Array, prefix: number) => bytes.map((b, i) => (i * 8 >= prefix ? 0 : i * 8 + 8 <= prefix ? b : b & (0xff << (8 - (prefix - i * 8)))));
  const text = (bytes: Uint8Array) => (bytes.length === 4 ? Array.from(bytes).join(".") : formatIpv6(bytes));

  test("a network address with its prefix parses to itself, and contains every address with the same prefix bits", () => {
    fc.assert(
      fc.property(range, ([bytes, prefix]) => {
        fc.pre(bytes.length === 4 || !isV4Mapped(bytes));
        const network = mask(bytes, prefix);
        const parsed = parseCidr(`${text(network)}/${prefix}`);
        expect(parsed.prefix).toBe(prefix);
        expect(parsed.cidr).toBe(`${text(network)}/${prefix}`);
        if (bytes.length === 16 && isV4Mapped(network)) return;
        expect(ipWithin(text(bytes), parsed.cidr)).toBe(true);
      }),
      RUNS,
    );
  });

  test("host bits set are refused with the network in the hint", () => {
    fc.assert(
      fc.property(range, ([bytes, prefix]) => {
        fc.pre(bytes.length === 4 || !isV4Mapped(bytes));
        const network = mask(bytes, prefix);
        fc.pre(text(network) !== text(bytes));
        try {
          parseCidr(`${text(bytes)}/${prefix}`);
          throw new Error("accepted");
        } catch (error) {
          expect(error).toBeInstanceOf(RegcertError);
          expect((error as RegcertError).hint).toBe(`did you mean ${text(network)}/${prefix}?`);
        }
      }),
      RUNS,
    );
  });

  test("DNS constraints: a name is within itself and covers its subdomains; a leading dot covers only subdomains", () => {
    fc.assert(
      fc.property(dnsName, label, (base, sub) => {
        expect(dnsWithin(base, base)).toBe(true);
        expect(dnsWithin(`${sub}.${base}`, base)).toBe(true);
        expect(dnsWithin(`${sub}.${base}`, `.${base}`)).toBe(true);
        expect(dnsWithin(base, `.${base}`)).toBe(false);
        expect(dnsWithin(`${sub}${base}`, base)).toBe(`${sub}${base}` === base);
      }),
      RUNS,
    );
  });
});
