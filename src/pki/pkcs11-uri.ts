/**
 * RFC 7512 `pkcs11:` URIs: which token (token label, manufacturer, serial, model) and which object
 * (label = `object`, CKA_ID = `id`, `type`) a key is, plus the query attributes regcert honours:
 * `pin-source` (a file holding the PIN), `pin-value` (accepted, never stored), `module-path`.
 * Values are percent-decoded (RFC 7512 §2.3); `id` is raw bytes. Pure: no token access here.
 */
import { opt, phrase, userError } from "./errors.js";
import { sanitizeForTerminal } from "../text/sanitize.js";

export interface Pkcs11Uri {
  token?: string;
  manufacturer?: string;
  serial?: string;
  model?: string;
  /** CKA_LABEL of the key */
  object?: string;
  /** CKA_ID of the key */
  id?: Uint8Array;
  type?: string;
  /** where the PIN is: a file path, or a file: URI (RFC 7512 §2.3 pin-source) */
  pinSource?: string;
  /** the PIN itself (RFC 7512 allows it; regcert never stores it) */
  pinValue?: string;
  /** the PKCS#11 module (shared library) to load */
  modulePath?: string;
}

const PATH_ATTRIBUTES = new Set(["token", "manufacturer", "serial", "model", "object", "id", "type", "library-manufacturer", "library-description", "library-version", "slot-description", "slot-manufacturer", "slot-id"]);
const QUERY_ATTRIBUTES = new Set(["pin-source", "pin-value", "module-name", "module-path"]);

function decode(value: string, attribute: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === "%") {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw invalid(`bad percent-encoding in ${attribute}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, "utf8"));
    }
  }
  return Uint8Array.from(bytes);
}

const invalid = (why: string) =>
  userError("regcert.invalidPkcs11Uri", phrase`${opt("pkcs11Uri")}: not an RFC 7512 PKCS#11 URI (${why})`, phrase`e.g. ${opt("pkcs11Uri", "'pkcs11:token=regcert;object=regcert-ca'")} (list tokens with pkcs11-tool --module MODULE --list-token-slots)`);

/** Parses a `pkcs11:` URI. Unknown attributes (vendor extensions) are ignored, as RFC 7512 §2.3 allows. */
export function parsePkcs11Uri(text: string): Pkcs11Uri {
  if (!/^pkcs11:/i.test(text)) throw invalid("it must start with pkcs11:");
  if (text.length > 4096) throw invalid("too long");
  const rest = text.slice("pkcs11:".length);
  const [path = "", query = ""] = rest.split("?", 2) as [string?, string?];
  const uri: Pkcs11Uri = {};
  const seen = new Set<string>();
  const take = (part: string, allowed: Set<string>) => {
    if (part === "") return;
    const eq = part.indexOf("=");
    if (eq <= 0) throw invalid(`"${sanitizeForTerminal(part.slice(0, 40))}" is not name=value`);
    const name = part.slice(0, eq).toLowerCase();
    const raw = part.slice(eq + 1);
    if (!allowed.has(name)) {
      if (PATH_ATTRIBUTES.has(name) || QUERY_ATTRIBUTES.has(name)) throw invalid(`${name} belongs in the ${allowed === PATH_ATTRIBUTES ? "query (after ?)" : "path (before ?)"}`);
      return;
    }
    if (seen.has(name)) throw invalid(`${name} is given twice`);
    seen.add(name);
    const bytes = decode(raw, name);
    const text = Buffer.from(bytes).toString("utf8");
    switch (name) {
      case "token": uri.token = text; break;
      case "manufacturer": uri.manufacturer = text; break;
      case "serial": uri.serial = text; break;
      case "model": uri.model = text; break;
      case "object": uri.object = text; break;
      case "id": uri.id = bytes; break;
      case "type": uri.type = text; break;
      case "pin-source": uri.pinSource = text; break;
      case "pin-value": uri.pinValue = text; break;
      case "module-path": uri.modulePath = text; break;
      default: break;
    }
  };
  for (const part of path.split(";")) take(part, PATH_ATTRIBUTES);
  for (const part of query.split("&")) take(part, QUERY_ATTRIBUTES);
  if (uri.type !== undefined && uri.type !== "private") throw invalid(`type=${uri.type}: a CA key is type=private`);
  if (!uri.object && !uri.id) throw invalid("it names no key: add object=LABEL (or id=%01…)");
  return uri;
}

const encodeText = (value: string) => Array.from(Buffer.from(value, "utf8"), (b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0").toUpperCase()}`)).join("");
const encodeBytes = (value: Uint8Array) => Array.from(value, (b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("");

/** The URI to record in the home: token, object, id, type=private and pin-source; never pin-value or the module. */
export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const path: string[] = [];
  if (uri.token !== undefined) path.push(`token=${encodeText(uri.token)}`);
  if (uri.manufacturer !== undefined) path.push(`manufacturer=${encodeText(uri.manufacturer)}`);
  if (uri.serial !== undefined) path.push(`serial=${encodeText(uri.serial)}`);
  if (uri.model !== undefined) path.push(`model=${encodeText(uri.model)}`);
  if (uri.object !== undefined) path.push(`object=${encodeText(uri.object)}`);
  if (uri.id !== undefined) path.push(`id=${encodeBytes(uri.id)}`);
  path.push("type=private");
  const query = uri.pinSource !== undefined ? `?pin-source=${encodeText(uri.pinSource)}` : "";
  return `pkcs11:${path.join(";")}${query}`;
}
