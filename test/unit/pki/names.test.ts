/** Name validation and classification: what goes into a SAN, and the message when it cannot. */
import { classifyName, classifyNames, parseCidr, parseDnsOnly, parseIpOnly } from "../../../src/pki/names.js";
import { RegcertError } from "../../../src/pki/errors.js";

describe("good names are classified and normalised", () => {
  test.each([
    ["registry.local", "dns", "registry.local"],
    ["Registry.LOCAL", "dns", "registry.local"],
    ["registry.local.", "dns", "registry.local"],
    ["localhost", "dns", "localhost"],
    ["david-virtual-machine", "dns", "david-virtual-machine"],
    ["registry.conn-me.ru", "dns", "registry.conn-me.ru"],
    ["a1.b2.c3", "dns", "a1.b2.c3"],
    ["*.example.com", "dns", "*.example.com"],
    ["*.registry.corp.example", "dns", "*.registry.corp.example"],
    ["bücher.example", "dns", "xn--bcher-kva.example"],
    ["*.bücher.example", "dns", "*.xn--bcher-kva.example"],
    ["xn--bcher-kva.example", "dns", "xn--bcher-kva.example"],
    [`${"a".repeat(63)}.example`, "dns", `${"a".repeat(63)}.example`],
    ["192.168.0.12", "ip", "192.168.0.12"],
    ["127.0.0.1", "ip", "127.0.0.1"],
    ["255.255.255.255", "ip", "255.255.255.255"],
    ["::1", "ip", "::1"],
    ["[::1]", "ip", "::1"],
    ["2001:DB8:0:0:0:0:0:1", "ip", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "ip", "2001:db8::1:0:0:1"],
    ["fe80:0:0:0:0:0:0:1", "ip", "fe80::1"],
    ["::ffff:192.168.0.12", "ip", "192.168.0.12"],
    ["1:2:3:4:5:6:7:8", "ip", "1:2:3:4:5:6:7:8"],
    ["2001:db8::0:1", "ip", "2001:db8::1"],
  ])("%s → %s %s", (input, type, value) => {
    expect(classifyName(input)).toEqual({ type, value });
  });
});

describe("bad names are refused with the name quoted and the reason", () => {
  test.each([
    ["", /empty name/],
    ["10.0.0.300", /IPv4 part 300 is above 255/],
    ["192.168.0", /four parts/],
    ["1.2.3.4.5", /four parts/],
    ["010.0.0.1", /leading zero/],
    ["192.168..1", /empty IPv4 part/],
    ["a_b.example", /underscores/],
    ["-registry.local", /starts or ends with a hyphen/],
    ["registry-.local", /starts or ends with a hyphen/],
    ["reg istry.local", /characters other than/],
    ["registry..local", /empty label/],
    [".registry.local", /empty label/],
    ["*.local", /at least two labels/],
    ["*", /at least two labels/],
    ["a.*.example.com", /whole left-most label/],
    ["reg*.example.com", /whole left-most label/],
    ["**.example.com", /whole left-most label/],
    [`${"a".repeat(64)}.example`, /longer than 63/],
    [`${"abcdefghi.".repeat(26)}com`, /longer than 253/],
    ["registry.local:5000", /HOST:PORT/],
    ["fe80::1%eth0", /zone identifiers/],
    ["[::1", /unbalanced brackets/],
    ["1::2::3", /not a valid IPv6/],
    ["gggg::1", /not a valid IPv6/],
    ["example.123", /last label is numeric/],
    ["https://registry.local", /./],
    ["registry.local/v2", /characters other than/],
    ["xn--.example", /./],
    ["0.0.0.0", /unspecified address/],
    ["::", /unspecified address/],
    ["[::]", /unspecified address/],
    ["0:0:0:0:0:0:0:0", /unspecified address/],
    [" registry.local", /spaces around it/],
    ["registry.local ", /spaces around it/],
    ["  registry.local  ", /spaces around it/],
    ["xn--abc.example", /not valid IDNA punycode/],
    ["www.xn--zz.example", /not valid IDNA punycode/],
    ["*.co.uk", /public suffix "co.uk"/],
    ["*.com.au", /public suffix "com.au"/],
    ["*.github.io", /public suffix "github.io"/],
  ])("%j is refused", (input, reason) => {
    let error: unknown;
    try {
      classifyName(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegcertError);
    const err = error as RegcertError;
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(reason);
    if (input.trim() !== "") expect(err.message).toContain(`"${input}"`);
  });
});

describe("classifyNames", () => {
  test("sorts positional hosts into DNS and IP, de-duplicated after normalisation, order kept", () => {
    expect(classifyNames(["registry.local", "192.168.0.12", "REGISTRY.local", "::1", "[::1]", "mirror.local"])).toEqual({
      dns: ["registry.local", "mirror.local"],
      ip: ["192.168.0.12", "::1"],
    });
  });

  test("--dns refuses an IP and --ip refuses a name, each pointing at the other flag", () => {
    expect(() => parseDnsOnly("192.168.0.12")).toThrow(/is an IP address/);
    expect(() => parseIpOnly("registry.local")).toThrow(/is not a valid IP address/);
    expect(parseIpOnly("::FFFF:10.0.0.1")).toBe("10.0.0.1");
  });
});

describe("parseCidr", () => {
  test.each([
    ["192.168.0.0/16", "192.168.0.0/16"],
    ["10.0.0.0/8", "10.0.0.0/8"],
    ["fd00::/8", "fd00::/8"],
    ["192.168.0.12/32", "192.168.0.12/32"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["::/0", "::/0"],
  ])("%s", (input, cidr) => expect(parseCidr(input).cidr).toBe(cidr));

  test.each([
    ["192.168.1.0/16", /did you mean 192.168.0.0\/16/],
    ["192.168.0.0", /expected ADDRESS\/PREFIX/],
    ["192.168.0.0/33", /longer than the address/],
    ["registry.local/24", /not an IP address/],
  ])("%s is refused", (input, reason) => {
    try {
      parseCidr(input);
      throw new Error("accepted");
    } catch (e) {
      const err = e as RegcertError;
      expect(`${err.message} ${err.hint ?? ""}`).toMatch(reason);
    }
  });
});

describe("the new refusals (issue 11) each carry the fix", () => {
  test.each([
    ["*.co.uk", "put the wildcard under your own domain, e.g. *.registry.example.co.uk"],
    ["xn--abc.example", "give the name in Unicode (regcert converts it) or its exact punycode form"],
    [" registry.local", 'write it without them: "registry.local"'],
    ["0.0.0.0", "give the address clients connect to, e.g. names.ip: 192.168.0.12"],
  ])("%j", (input, hint) => {
    try {
      classifyName(input);
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(RegcertError);
      expect((error as RegcertError).hint).toBe(hint);
    }
  });
});
