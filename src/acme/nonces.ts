/**
 * Replay nonces (RFC 8555 §6.5): random, single use, and only ours. A nonce is removed the moment it
 * is used, so a replayed request gets badNonce. At most `capacity` unused nonces are remembered: the
 * oldest are forgotten first (a client holding one that old gets badNonce and simply retries, as
 * RFC 8555 §6.5 requires clients to do), which keeps memory flat under any request rate.
 */
import { randomBytes } from "node:crypto";

/** Random bytes drawn 4 KiB at a time: one CSPRNG call per 256 nonces instead of one per response. */
const POOL_BYTES = 4096;

export class NoncePool {
  private readonly live = new Set<string>();
  private pool = Buffer.alloc(0);
  private used = 0;

  constructor(private readonly capacity = 50_000) {}

  issue(): string {
    if (this.used + 16 > this.pool.length) {
      this.pool = randomBytes(POOL_BYTES);
      this.used = 0;
    }
    const nonce = this.pool.toString("base64url", this.used, this.used + 16);
    this.used += 16;
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
