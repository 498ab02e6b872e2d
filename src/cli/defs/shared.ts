/**
 * Flag builders shared by several commands, so a flag reads and validates the same everywhere. The
 * values are checked by the command (with a `hint:` line, which commander's own choice errors lack),
 * but the help lists them from the one source.
 */
import { Option } from "commander";
import { DEFAULT_KEY_ALGORITHM, KEY_ALGORITHMS } from "../../pki/key-types.js";

/** --key <type>: the key types regcert makes; `note` replaces the default (e.g. "the old CA's"). */
export function keyOption(note?: string): Option {
  const option = new Option("--key <type>", `${KEY_ALGORITHMS.join(" | ")} (ed25519: opt-in, Go clients only)${note ? ` (default: ${note})` : ""}`);
  return note ? option : option.default(DEFAULT_KEY_ALGORITHM);
}

/** --client-cert/--client-key: a client certificate for registries that demand mTLS (the command checks both are given). */
export function clientPairOptions(): [Option, Option] {
  return [new Option("--client-cert <file>", "client certificate, for registries that require mTLS"), new Option("--client-key <file>", "the client certificate's key")];
}
