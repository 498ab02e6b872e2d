/**
 * The key types regcert makes (`--key`), in one place: the engine validates against this list, the
 * CLI's help and the library's KeyAlgorithm type come from it. No imports, so the command
 * definitions can use it without loading node:crypto at start-up.
 */
export const KEY_ALGORITHMS = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** The default: fast to make and accepted by Docker, containerd, podman, Go and OpenSSL. */
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = "ecdsa-p256";
