/**
 * The peer of bench/xs-sha256.ts on XS: @noble/hashes' SHA-256 (pure
 * JavaScript, audited, the most used JS implementation), fed the same
 * message in the same pieces, timed inside XS. Loaded into the worker after
 * bench/xs-sha256-entry.ts; installed by `npm run bench:setup`.
 *
 * Never: run in `npm test` (the peer is not a dependency of the package).
 */
import { sha256 } from '@noble/hashes/sha2.js';

declare const performance: { now(): number };
declare const globalThis: Record<string, unknown>;

const SIZE = 65536;
const message = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) message[i] = (i * 31 + (i >> 8)) & 255;

globalThis.nobleBench = {
  time(size: number, total: number): number {
    const t0 = performance.now();
    const h = sha256.create();
    let at = 0;
    for (let done = 0; done < total; done += size) {
      if (at + size > SIZE) at = 0;
      h.update(message.subarray(at, at + size));
      at += size;
    }
    h.digest();
    return performance.now() - t0;
  },
  digestOf(size: number): number[] {
    const h = sha256.create();
    for (let p = 0; p < SIZE; p += size) h.update(message.subarray(p, Math.min(SIZE, p + size)));
    return Array.from(h.digest());
  },
};
