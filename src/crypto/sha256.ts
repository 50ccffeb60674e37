/**
 * SHA-256 (FIPS 180-4) over byte spans, streaming: the integrity check of an
 * over-the-air image (src/ota/session.ts) hashes each piece of the body
 * where it sits in the slot, as it arrives, with no copy of whole blocks.
 *
 * All state lives in typed arrays the constructor makes: one hasher is made
 * at start and reused (reset, update any number of times, digest); the
 * blocks, padding and digest are BlockHash's (block-hash.ts). Arithmetic
 * stays in 32-bit integers (`| 0`, `>>>`), which XS and Espruino hold
 * without boxing.
 *
 * Never: allocate after construction; read outside the given span; keep a
 * reference to the caller's bytes after update() returns.
 */

import { BlockHash } from './block-hash.ts';

/** Bytes of a SHA-256 digest. */
export const SHA256_BYTES = 32;

/** The round constants K0..K63 (the first 32 bits of the fractional parts of the cube roots of the first 64 primes). */
const ROUND_CONSTANTS = Object.freeze([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** The initial hash value H0..H7 (fractional parts of the square roots of the first 8 primes). */
const INITIAL_HASH = Object.freeze([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** A reusable SHA-256 hasher: reset(), update() any number of times, digest(). */
export class Sha256 extends BlockHash {
  /** The message schedule W0..W63 of one block. */
  private readonly w = new Int32Array(64);
  /** The round constants, copied once so the rounds read a typed array. */
  private readonly k = new Int32Array(64);

  /** Makes a hasher ready for input. */
  constructor() {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
    super(8);
    for (let i = 0; i < 64; i++) this.k[i] = ROUND_CONSTANTS[i];
    this.reset();
  }

  /** The initial hash value. */
  protected initialize(): void {
    for (let i = 0; i < 8; i++) this.h[i] = INITIAL_HASH[i];
  }

  /** Runs the compression function over the 64 bytes at src[at..at+64). */
  protected compress(src: Uint8Array, at: number): void {
    const w = this.w;
    const k = this.k;
    for (let t = 0; t < 16; t++) {
      const j = at + t * 4;
      w[t] = (src[j] << 24) | (src[j + 1] << 16) | (src[j + 2] << 8) | src[j + 3];
    }
    let x = 0;
    let y = 0;
    for (let t = 16; t < 64; t++) {
      x = w[t - 15];
      y = w[t - 2];
      w[t] =
        ((((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) +
          w[t - 7] +
          (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
          w[t - 16]) |
        0;
    }
    const h = this.h;
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    let f = h[5];
    let g = h[6];
    let hh = h[7];
    let t1 = 0;
    let t2 = 0;
    for (let t = 0; t < 64; t++) {
      t1 =
        (hh +
          (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) +
          k[t] +
          w[t]) |
        0;
      t2 =
        ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & b) ^ (a & c) ^ (b & c))) |
        0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
}
