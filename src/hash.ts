/**
 * FNV-1a, 32-bit: a fast, small hash for fixed-size tables (the rate
 * limiter's clients) and content tags (ETags of raw assets). Not for
 * anything an attacker must not be able to collide.
 *
 * (The router keeps its own copy: it imports nothing outside src/router/.)
 *
 * Never: allocate; read a string's properties (on XS that boxes it: see
 * codeUnitAt in http/text.ts).
 */
import { codeUnitAt } from './http/text.ts';

const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;

/** FNV-1a of bytes [start, end), as an unsigned 32-bit number. */
export function fnv1aBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = OFFSET_BASIS;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], PRIME);
  return h >>> 0;
}

/** FNV-1a of the UTF-16 code units of `s`, as an unsigned 32-bit number. */
export function fnv1aString(s: string): number {
  let h = OFFSET_BASIS;
  for (let i = 0; ; i++) {
    const c = codeUnitAt(s, i);
    if (c !== c) break;
    h = Math.imul(h ^ c, PRIME);
  }
  return h >>> 0;
}
