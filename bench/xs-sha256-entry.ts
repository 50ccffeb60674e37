/**
 * XS side of the SHA-256 benchmark (bundled into one IIFE and evaluated in
 * an xsnap worker by bench/xs-sha256.ts and test/crypto/xs.test.ts):
 * src/crypto/sha256.ts over a 64 KiB message made once, so the host can
 * count the heap slots each operation leaves behind and time it in XS.
 * Commands (first byte, then a 16-bit little-endian piece size):
 *   'u'  update the hasher with the next piece of the message (wrapping)
 *   'd'  digest into the reply buffer
 *   'n'  nothing (the baseline of the others)
 *   'g'  a full garbage collection
 * `shaBench.time(size, total)` hashes `total` bytes in pieces of `size` and
 * returns the milliseconds XS took; `shaBench.digestOf(size)` hashes the
 * whole message in pieces of `size` and returns its digest as numbers.
 *
 * Never: allocate in a measured command outside the code being measured
 * (every command answers with the same preallocated buffer).
 */
import { SHA256_BYTES, Sha256 } from '../src/crypto/sha256.ts';

declare const performance: { now(): number };
declare function gc(): void;
declare const globalThis: Record<string, unknown>;

/** Size of the message the pieces are cut from. */
export const MESSAGE_BYTES = 65536;

const message = new Uint8Array(MESSAGE_BYTES);
for (let i = 0; i < MESSAGE_BYTES; i++) message[i] = (i * 31 + (i >> 8)) & 255;
const hasher = new Sha256();
const reply = new Uint8Array(SHA256_BYTES);
let at = 0;

/** Hashes the next `size` bytes of the message (wrapping to the start). */
function piece(size: number): void {
  if (at + size > MESSAGE_BYTES) at = 0;
  hasher.update(message, at, at + size);
  at += size;
}

globalThis.handleCommand = (command: ArrayBuffer): ArrayBuffer => {
  const bytes = new Uint8Array(command);
  const op = bytes[0];
  const size = bytes[1] | (bytes[2] << 8);
  if (op === 117) piece(size);
  else if (op === 100) hasher.digest(reply, 0);
  else if (op === 103) gc();
  return reply.buffer;
};

globalThis.shaBench = {
  time(size: number, total: number): number {
    hasher.reset();
    at = 0;
    const t0 = performance.now();
    for (let done = 0; done < total; done += size) piece(size);
    hasher.digest(reply, 0);
    return performance.now() - t0;
  },
  digestOf(size: number): number[] {
    hasher.reset();
    for (let p = 0; p < MESSAGE_BYTES; p += size) hasher.update(message, p, Math.min(MESSAGE_BYTES, p + size));
    hasher.digest(reply, 0);
    return Array.from(reply);
  },
};
