/**
 * HOST[:PORT] parsing and per-registry directory names. The names must be what Docker
 * (moby hostCertsDir), containers/image (dockerCertDir) and containerd (hostPaths) look up for an
 * image reference `<host[:port]>/repo`: the reference's registry part as typed, brackets kept for
 * IPv6, no port for 443 (the e2e test checks containerd's lookup against real ctr).
 */
import { parseRegistryHost, parseRegistryHosts } from "../../../src/trust/host-port.js";
import { RegcertError } from "../../../src/pki/errors.js";

describe("parseRegistryHost", () => {
  test.each([
    ["registry.local:5000", "registry.local", 5000, "registry.local:5000", ["registry.local:5000"]],
    ["Registry.Local:5000", "registry.local", 5000, "registry.local:5000", ["registry.local:5000"]],
    ["registry.local.:5000", "registry.local", 5000, "registry.local:5000", ["registry.local:5000"]],
    ["192.168.0.12:5000", "192.168.0.12", 5000, "192.168.0.12:5000", ["192.168.0.12:5000"]],
    ["localhost:444", "localhost", 444, "localhost:444", ["localhost:444"]],
    ["registry.local", "registry.local", 443, "registry.local", ["registry.local", "registry.local:443"]],
    ["registry.local:443", "registry.local", 443, "registry.local", ["registry.local", "registry.local:443"]],
    ["[::1]:5000", "::1", 5000, "[::1]:5000", ["[::1]:5000"]],
    ["[FD00:0:0:0:0:0:0:1]:5000", "fd00::1", 5000, "[fd00::1]:5000", ["[fd00::1]:5000"]],
    ["[2001:db8::1]", "2001:db8::1", 443, "[2001:db8::1]", ["[2001:db8::1]", "[2001:db8::1]:443"]],
    ["[::ffff:10.0.0.1]:5000", "10.0.0.1", 5000, "10.0.0.1:5000", ["10.0.0.1:5000"]],
    ["reg.example:1", "reg.example", 1, "reg.example:1", ["reg.example:1"]],
    ["reg.example:65535", "reg.example", 65535, "reg.example:65535", ["reg.example:65535"]],
  ])("%s", (input, host, port, hostPort, dirs) => {
    const parsed = parseRegistryHost(input);
    expect(parsed.host).toBe(host);
    expect(parsed.port).toBe(port);
    expect(parsed.hostPort).toBe(hostPort);
    expect(parsed.directoryNames).toEqual(dirs);
  });

  test.each([
    ["registry.local:0", /invalid port 0/],
    ["registry.local:65536", /invalid port 65536/],
    ["registry.local:99999", /invalid port 99999/],
    ["registry.local:123456", /invalid port "123456"/],
    ["registry.local:abc", /invalid port "abc"/],
    ["registry.local:-1", /invalid port "-1"/],
    ["registry.local:05000", /leading zero/],
    ["registry.local:", /empty port/],
    ["::1", /IPv6 address without brackets/],
    ["fd00::1:5000", /IPv6 address without brackets/],
    ["[::1", /unbalanced/],
    ["[::1]5000", /unexpected text/],
    ["[registry.local]:5000", /not an IPv6 address/],
    ["[fe80::1%eth0]:5000", /zone/],
    ["https://registry.local:5000", /URL scheme/],
    ["registry.local:5000/team/app", /has a path/],
    ["*.example.com:5000", /wildcard/],
    ["bad_name:5000", /underscores/],
    ["-bad.example:5000", /hyphen/],
    ["10.0.0.300:5000", /above 255/],
    ["", /empty/],
  ])("refuses %j", (input, message) => {
    let error: unknown;
    try {
      parseRegistryHost(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegcertError);
    expect((error as RegcertError).exitCode).toBe(2);
    expect((error as RegcertError).message).toMatch(message);
  });

  test("duplicates (same normalised host and port) are dropped, first kept", () => {
    expect(parseRegistryHosts(["Registry.local:5000", "registry.local:5000", "registry.local", "registry.local:443"]).map((h) => h.hostPort)).toEqual(["registry.local:5000", "registry.local"]);
  });
});
