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

import { BlockHash } from '../crypto/block-hash.ts';

/** Bytes of a SHA-1 digest. */
export const SHA1_BYTES = 20;

/** A reusable SHA-1 hasher: reset(), update() any number of times, digest(). */
export class Sha1 extends BlockHash {
  /** The message schedule W0..W79 of one block. */
  private readonly w = new Int32Array(80);

  /** Makes a hasher ready for input. */
  constructor() {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
    super(5);
    this.reset();
  }

  /** The initial hash value H0..H4. */
  protected initialize(): void {
    const h = this.h;
    h[0] = 0x67452301;
    h[1] = 0xefcdab89 | 0;
    h[2] = 0x98badcfe | 0;
    h[3] = 0x10325476;
    h[4] = 0xc3d2e1f0 | 0;
  }

  /** Runs the compression function over the 64 bytes at src[at..at+64). */
  protected compress(src: Uint8Array, at: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++) {
      const j = at + t * 4;
      w[t] = (src[j] << 24) | (src[j + 1] << 16) | (src[j + 2] << 8) | src[j + 3];
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
