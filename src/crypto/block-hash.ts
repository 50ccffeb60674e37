/**
 * What SHA-1 and SHA-256 share (FIPS 180-4): the message goes through in
 * 64-byte blocks, whole blocks compressed straight from the caller's bytes
 * and only a piece's ragged ends buffered; the padding ends it with the
 * message's bit length, big-endian; the digest is the chaining words,
 * big-endian. A subclass gives the chaining words and the compression.
 *
 * Never: allocate after construction; read outside the given span; keep a
 * reference to the caller's bytes after update() returns.
 */

/** A streaming hash over 64-byte blocks; the base of Sha1 and Sha256. */
export abstract class BlockHash {
  /** The chaining words. */
  protected readonly h: Int32Array;
  /** The partial block carried between update() calls. */
  private readonly block = new Uint8Array(64);
  /** Bytes in `block`. */
  private used = 0;
  /** Bytes hashed since reset (a number: exact up to 2^53). */
  private total = 0;

  /** Makes the state for `words` chaining words (5 for SHA-1, 8 for SHA-256). */
  protected constructor(words: number) {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
    this.h = new Int32Array(words);
  }

  /** Sets the chaining words to the algorithm's initial value. */
  protected abstract initialize(): void;

  /** Runs the compression function over the 64 bytes at src[at..at+64). */
  protected abstract compress(src: Uint8Array, at: number): void;

  /** Starts a new digest. */
  reset(): void {
    this.initialize();
    this.used = 0;
    this.total = 0;
  }

  /** Bytes hashed since the last reset. */
  get length(): number {
    return this.total;
  }

  /** Adds bytes[start..end) to the message. */
  update(bytes: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    this.total += end - start;
    let p = start;
    let used = this.used;
    const block = this.block;
    if (used > 0) {
      while (used < 64 && p < end) block[used++] = bytes[p++];
      if (used < 64) {
        this.used = used;
        return;
      }
      this.compress(block, 0);
      used = 0;
    }
    while (end - p >= 64) {
      this.compress(bytes, p);
      p += 64;
    }
    while (p < end) block[used++] = bytes[p++];
    this.used = used;
  }

  /**
   * Pads the message, writes its digest (4 bytes per chaining word) at
   * out[pos..), resets the hasher for the next message and returns the
   * position after the digest.
   */
  digest(out: Uint8Array, pos: number): number {
    const block = this.block;
    // Bit length, big-endian, as two 32-bit halves (total * 8 without overflow).
    const high = Math.floor(this.total / 0x20000000);
    const low = (this.total % 0x20000000) * 8;
    let used = this.used;
    block[used++] = 0x80;
    if (used > 56) {
      while (used < 64) block[used++] = 0;
      this.compress(block, 0);
      used = 0;
    }
    while (used < 56) block[used++] = 0;
    block[56] = high >>> 24;
    block[57] = (high >>> 16) & 255;
    block[58] = (high >>> 8) & 255;
    block[59] = high & 255;
    block[60] = low >>> 24;
    block[61] = (low >>> 16) & 255;
    block[62] = (low >>> 8) & 255;
    block[63] = low & 255;
    this.compress(block, 0);
    const h = this.h;
    for (let i = 0; i < h.length; i++) {
      const v = h[i];
      out[pos++] = v >>> 24;
      out[pos++] = (v >>> 16) & 255;
      out[pos++] = (v >>> 8) & 255;
      out[pos++] = v & 255;
    }
    this.reset();
    return pos;
  }
}
