/**
 * OpenSSL and GnuTLS certtool as independent judges of what regcert writes.
 * openssl x509 -checkhost/-checkip exit 0 whether or not the name matches: assert on the text.
 */
import { runTool, type RunToolOptions, type ToolResult } from "./run-tool.js";

/** Runs `openssl ...args` (never throws; see ToolResult). */
export function openssl(args: readonly string[], options: RunToolOptions = {}): Promise<ToolResult> {
  return runTool("openssl", args, options);
}

/** Runs GnuTLS `certtool ...args` (never throws). */
export function certtool(args: readonly string[], options: RunToolOptions = {}): Promise<ToolResult> {
  return runTool("certtool", args, options);
}

/** `openssl x509 -in FILE -noout -text`: the human dump of a certificate; throws if openssl fails. */
export async function x509Text(certPath: string): Promise<string> {
  const result = await openssl(["x509", "-in", certPath, "-noout", "-text"]);
  if (result.code !== 0) throw new Error(`${result.command} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * Returns the lines of `openssl x509 -text` that follow the line containing `header` (e.g.
 * "X509v3 Basic Constraints"), up to the next extension header; the header line itself is first.
 */
export function extensionBlock(text: string, header: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.includes(header));
  if (start < 0) return "";
  const out = [lines[start]!.trim()];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(X509v3 |Authority Information|Signature Algorithm|Signature Value|CT Precertificate)/.test(line)) break;
    out.push(line.trim());
  }
  return out.join("\n");
}

/** `openssl x509 -checkhost NAME` output (stdout); "does match" / "does NOT match" is in the text. */
export async function checkHost(certPath: string, host: string): Promise<string> {
  const result = await openssl(["x509", "-in", certPath, "-noout", "-checkhost", host]);
  if (result.code !== 0) throw new Error(`${result.command} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** `openssl x509 -checkip IP` output (stdout). */
export async function checkIp(certPath: string, ip: string): Promise<string> {
  const result = await openssl(["x509", "-in", certPath, "-noout", "-checkip", ip]);
  if (result.code !== 0) throw new Error(`${result.command} failed: ${result.stderr}`);
  return result.stdout.trim();
}
