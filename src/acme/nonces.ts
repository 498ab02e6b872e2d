/**
 * Replay nonces (RFC 8555 §6.5): random, single use, and only ours. A nonce is removed the moment it
 * is used, so a replayed request gets badNonce. At most `capacity` unused nonces are remembered: the
 * oldest are forgotten first (a client holding one that old gets badNonce and simply retries, as
 * RFC 8555 §6.5 requires clients to do), which keeps memory flat under any request rate.
 */
import { randomBytes } from "node:crypto";

export class NoncePool {
  private readonly live = new Set<string>();

  constructor(private readonly capacity = 50_000) {}

  issue(): string {
    const nonce = randomBytes(16).toString("base64url");
    this.live.add(nonce);
    if (this.live.size > this.capacity) {
      const oldest = this.live.values().next().value;
      if (oldest !== undefined) this.live.delete(oldest);
    }
    return nonce;
  }

  /** True once for a nonce this pool issued; false for unknown, forgotten or already used nonces. */
  consume(nonce: string): boolean {
    return this.live.delete(nonce);
  }

  get size(): number {
    return this.live.size;
  }
}
