/**
 * Free TCP ports and "wait until it listens", for tests that start real servers on loopback only.
 */
import { createConnection, createServer } from "node:net";

/** Loopback host a test server may bind: IPv4 or IPv6. */
export type LoopbackHost = "127.0.0.1" | "::1";

/**
 * Returns a port that was free a moment ago on `host` (listens on port 0, reads the port, closes).
 * Another process could take it before you bind it; callers bind soon after.
 */
export function freePort(host: LoopbackHost = "127.0.0.1"): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: no address"));
        return;
      }
      const { port } = address;
      server.close(() => resolvePromise(port));
    });
  });
}

/** True when a TCP connection to host:port succeeds within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Polls until host:port accepts TCP connections. Resolves true when it does, false after `timeoutMs`
 * or as soon as `giveUp()` returns true (e.g. the server process has exited).
 */
export async function waitForPort(host: string, port: number, timeoutMs: number, giveUp: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (giveUp()) return false;
    if (await canConnect(host, port, 300)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Whether this machine can listen on the IPv6 loopback ::1 (containers often run with IPv6 off).
 * Tests that need it use `(await ipv6LoopbackAvailable() ? test : test.skip)(…)` so a skip is visible.
 */
export function ipv6LoopbackAvailable(): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once("error", () => resolvePromise(false));
    server.listen({ host: "::1", port: 0 }, () => server.close(() => resolvePromise(true)));
  });
}
