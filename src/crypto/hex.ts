/**
 * Hex digests without strings: parsing an expected digest written in hex
 * (a request header where it sits in the slot, a multipart field, a string
 * a handler has) into a caller's bytes, comparing digests in constant time,
 * and writing hex into a caller's buffer. Only toHex() makes a string, for
 * messages.
 *
 * Never: allocate (except toHex); stop a comparison at the first difference;
 * read a string's properties (XS boxes the primitive: see http/text.ts).
 */
import { atEnd, codeUnitAt, hexValue } from '../http/text.ts';

const DIGITS = '0123456789abcdef';

/**
 * Parses bytes[start..end), which must be exactly 2 * count hex digits (any
 * case; spaces and tabs around them are ignored), into out[pos..pos+count).
 * Returns false, leaving `out` partly written, when it is not that.
 */
export function parseHex(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  pos: number,
  count: number,
): boolean {
  while (start < end && (bytes[start] === 32 || bytes[start] === 9)) start++;
  while (end > start && (bytes[end - 1] === 32 || bytes[end - 1] === 9)) end--;
  if (end - start !== count * 2) return false;
  for (let i = 0; i < count; i++) {
    const hi = hexValue(bytes[start + i * 2]);
    const lo = hexValue(bytes[start + i * 2 + 1]);
    if (hi < 0 || lo < 0) return false;
    out[pos + i] = (hi << 4) | lo;
  }
  return true;
}

/** parseHex() for a string (e.g. `c.header('x-image-sha256')`): exactly 2 * count hex digits, spaces around ignored. */
export function parseHexString(text: string, out: Uint8Array, pos: number, count: number): boolean {
  let start = 0;
  let end = 0;
  while (!atEnd(text, end)) end++; // the length, without reading text.length
  while (start < end && (codeUnitAt(text, start) === 32 || codeUnitAt(text, start) === 9)) start++;
  while (end > start && (codeUnitAt(text, end - 1) === 32 || codeUnitAt(text, end - 1) === 9)) end--;
  if (end - start !== count * 2) return false;
  for (let i = 0; i < count; i++) {
    const hi = hexValue(codeUnitAt(text, start + i * 2));
    const lo = hexValue(codeUnitAt(text, start + i * 2 + 1));
    if (hi < 0 || lo < 0) return false;
    out[pos + i] = (hi << 4) | lo;
  }
  return true;
}

/** True when a[aPos..aPos+count) equals b[bPos..bPos+count); always reads all `count` bytes. */
export function equalBytes(a: Uint8Array, aPos: number, b: Uint8Array, bPos: number, count: number): boolean {
  let diff = 0;
  for (let i = 0; i < count; i++) diff |= a[aPos + i] ^ b[bPos + i];
  return diff === 0;
}

/** Writes bytes[start..end) as lower-case hex at out[pos..) and returns the end position. */
export function writeHex(bytes: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  for (let i = start; i < end; i++) {
    out[pos++] = codeUnitAt(DIGITS, bytes[i] >> 4);
    out[pos++] = codeUnitAt(DIGITS, bytes[i] & 15);
  }
  return pos;
}

/** bytes[start..end) as a lower-case hex string (allocates: for messages and logs). */
export function toHex(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += DIGITS[bytes[i] >> 4] + DIGITS[bytes[i] & 15];
  return s;
}
