/**
 * SHA-1 (FIPS 180-4) over byte spans, for the WebSocket handshake: RFC 6455
 * derives Sec-WebSocket-Accept from the client's key with it. SHA-1 is used
 * there as a checksum, not for security, and must not be used for security
 * here either.
 *
 * All state lives in typed arrays made by the constructor: one instance is
 * made at start and reused (reset, update, digest) for every handshake.
 * Arithmetic stays in 32-bit integers (`| 0`, `>>>`), which XS and Espruino
 * hold without boxing.
 *
 * Never: allocate after construction; never read outside the given span.
 */

/** Bytes of a SHA-1 digest. */
export const SHA1_BYTES = 20;

/** A reusable SHA-1 hasher: reset(), update() any number of times, digest(). */
export class Sha1 {
  /** The five chaining words H0..H4. */
  private readonly h = new Int32Array(5);
  /** The message schedule W0..W79 of one block. */
  private readonly w = new Int32Array(80);
  /** The block being filled. */
  private readonly block = new Uint8Array(64);
  /** Bytes in `block`. */
  private used = 0;
  /** Bytes hashed since reset (a number: exact up to 2^53). */
  private total = 0;

  /** Makes a hasher ready for input. */
  constructor() {
    this.reset();
  }

  /** Starts a new digest. */
  reset(): void {
    const h = this.h;
    h[0] = 0x67452301;
    h[1] = 0xefcdab89 | 0;
    h[2] = 0x98badcfe | 0;
    h[3] = 0x10325476;
    h[4] = 0xc3d2e1f0 | 0;
    this.used = 0;
    this.total = 0;
  }

  /** Adds bytes[start..end) to the message. */
  update(bytes: Uint8Array, start: number, end: number): void {
    const block = this.block;
    let used = this.used;
    this.total += end - start;
    for (let i = start; i < end; i++) {
      block[used++] = bytes[i];
      if (used === 64) {
        this.compress();
        used = 0;
      }
    }
    this.used = used;
  }

  /**
   * Pads the message, writes its 20-byte digest at out[pos..pos+20) and
   * returns pos + 20. The hasher must be reset before it is used again.
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
      this.compress();
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
    this.compress();
    this.used = 0;
    const h = this.h;
    for (let i = 0; i < 5; i++) {
      const v = h[i];
      out[pos++] = v >>> 24;
      out[pos++] = (v >>> 16) & 255;
      out[pos++] = (v >>> 8) & 255;
      out[pos++] = v & 255;
    }
    return pos;
  }

  /** Runs the compression function over `block`. */
  private compress(): void {
    const w = this.w;
    const block = this.block;
    for (let t = 0; t < 16; t++) {
      const j = t * 4;
      w[t] = (block[j] << 24) | (block[j + 1] << 16) | (block[j + 2] << 8) | block[j + 3];
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
      w[t] = (x << 1) | (x >>> 31);
    }
    const h = this.h;
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    let t = 0;
    for (; t < 20; t++) {
      const f = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w[t] + 0x5a827999) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = f;
    }
    for (; t < 40; t++) {
      const f = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[t] + 0x6ed9eba1) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = f;
    }
    for (; t < 60; t++) {
      const f = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w[t] + 0x8f1bbcdc) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = f;
    }
    for (; t < 80; t++) {
      const f = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[t] + 0xca62c1d6) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = f;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
  }
}
