/**
 * Bytes <-> text without TextEncoder/TextDecoder (absent on XS unless a
 * module is added, absent on Espruino): UTF-8 length, encoding into a
 * caller's buffer, decoding spans, percent-decoding, ASCII comparisons.
 *
 * Never: allocate when comparing or encoding. Decoding makes exactly the
 * string the caller asked for, through the caller's TextScratch. Hold no
 * state at module level: on the board this module is preloaded into flash,
 * where a binding other than `const` costs RAM (xsl warns "no const"). Never read a property of a string primitive
 * (s.length, s.charCodeAt(i), s[i]) on the request path: XS boxes the
 * primitive into a new String object for every such read (2 heap slots);
 * `charCodeAt.call(s, i)` does not, and answers NaN past the end. XS also
 * finds char i by scanning from the start (its strings are UTF-8), so long
 * strings are walked in slices of WINDOW chars. On the Moddable runtime
 * (XS built without mxCESU8) an index counts code points and charCodeAt
 * returns a whole code point above U+FFFF; xsnap, V8 and Espruino give
 * UTF-16 surrogate pairs. Every function here takes both.
 *
 * One source for every engine: the string methods are taken from '' (on
 * Espruino String.prototype.charCodeAt is undefined, ''.charCodeAt is not),
 * fromCharCode.apply gets at most DECODE_CHUNK arguments (Espruino takes at
 * most 256), and an engine with native byte-string copies (Espruino)
 * gets a TextCodec that is asked first (ENGINE_CODEC, chosen by the build).
 */

import { ENGINE_CODEC } from './engine-codec.ts';

/** Chunk size for String.fromCharCode.apply, well below engine argument limits. */
export const DECODE_CHUNK = 256;

/** The buffers of a TextScratch (made at the first decode that needs them). */
export class ScratchBuffers {
  /** Char codes being decoded; also the buffer of the ladder's views. */
  readonly codes: Uint16Array;
  /**
   * Views of lengths 1, 2, 4 … DECODE_CHUNK at the start of `codes`
   * (fromCharCode.apply takes the length of what it is given, so a view of
   * an exact length would otherwise be made per call).
   */
  readonly ladder: Uint16Array[];
  /** Percent-decoded bytes. */
  readonly bytes: Uint8Array;

  constructor() {
    this.codes = new Uint16Array(DECODE_CHUNK);
    this.ladder = [];
    for (let size = 1; size <= DECODE_CHUNK; size *= 2) this.ladder.push(this.codes.subarray(0, size));
    this.bytes = new Uint8Array(DECODE_CHUNK);
  }
}

/**
 * The scratch decoding goes through, made once by its owner (the server,
 * the logger) at run time: on the board a typed array made at module load
 * would be preloaded into flash, where it is read-only. Its buffers are
 * made at the first decode that needs them and kept: with an engine codec
 * (Espruino's) only percent-decoding does, and most boots never see one.
 */
export class TextScratch {
  private made: ScratchBuffers | null = null;

  /** The buffers, made on first use. */
  buffers(): ScratchBuffers {
    if (this.made === null) this.made = new ScratchBuffers();
    return this.made;
  }
}

/** Where encodeUtf8 stopped, for a caller that needs the byte position too. */
export interface EncodeEnd {
  /** The byte position the last encodeUtf8 call reached. */
  encodeEnd: number;
}

const charCodeAt = ''.charCodeAt;
const sliceString = ''.slice;
const fromCharCode = String.fromCharCode;
/** Chars walked per slice of a long string (see the file comment). */
const WINDOW = 64;

/**
 * The first index from `from` where all of `needle` occurs in `s`, or -1:
 * indexOf as every engine means it. Espruino 2v29's indexOf (and includes)
 * also reports the index where `s` ends with the start of a longer needle
 * ("ab\r\n".indexOf("\r\n\r\n") is 2), so a hit that runs past the end is
 * no hit. One character can only match whole: plain indexOf is right for it.
 */
export function indexOfWhole(s: string, needle: string, from = 0): number {
  const i = s.indexOf(needle, from);
  return i >= 0 && i + needle.length <= s.length ? i : -1;
}

/** The UTF-16 code unit of `s` at `i`, or NaN past the end; never boxes `s` (see the file comment). */
export function codeUnitAt(s: string, i: number): number {
  return charCodeAt.call(s, i);
}

/** True when `s` has no char at index `i` (it has at most i chars). Never boxes `s`. */
export function atEnd(s: string, i: number): boolean {
  const c: number = charCodeAt.call(s, i);
  return c !== c;
}

/** The chars of `s` from `base`: `s` itself when it is short, else a slice of WINDOW chars ('' past the end). */
function windowAt(s: string, base: number): string {
  if (base === 0 && atEnd(s, WINDOW)) return s;
  return sliceString.call(s, base, base + WINDOW);
}

/**
 * The string of the char codes codes[start..end), built through the view
 * ladder. `codes` may be the scratch's own `codes`: each piece is copied
 * down to the start, reading ahead of what it writes.
 */
function codesToString(codes: Uint16Array | Uint8Array, start: number, end: number, scratch: ScratchBuffers): string {
  const views = scratch.ladder;
  let result = '';
  let p = start;
  for (let k = views.length - 1; k >= 0; k--) {
    const view = views[k];
    const size = 1 << k;
    while (end - p >= size) {
      for (let i = 0; i < size; i++) view[i] = codes[p + i];
      result += fromCharCode.apply(null, view as unknown as number[]);
      p += size;
    }
  }
  return result;
}

/** Number of UTF-8 bytes needed for `s` from char index `from`. */
export function utf8Length(s: string, from: number): number {
  const codec = ENGINE_CODEC;
  if (codec !== null) {
    const bytes = codec.byteLength(s, from);
    if (bytes >= 0) return bytes;
  }
  return countUtf8(s, from);
}

/**
 * utf8Length's count in script, char by char: for engines without a codec
 * (XS) and the strings an engine's codec leaves to the core. A function of
 * its own, and cold: Espruino reads the code after a return token by token,
 * so utf8Length's every call would pass this loop; a board without Unicode
 * never runs it.
 */
function countUtf8(s: string, from: number): number {
  'cold';
  let n = 0;
  let high = false; // the previous char was a high surrogate
  for (let base = from; ; base += WINDOW) {
    const piece = windowAt(s, base);
    let j = 0;
    for (; ; j++) {
      const c: number = charCodeAt.call(piece, j);
      if (c !== c) break;
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xdc00 && c <= 0xdfff && high)
        n += 1; // completes a pair: 3 + 1 = 4 bytes
      else if (c > 0xffff)
        n += 4; // Moddable's XS (UTF-8 strings, no CESU-8) gives a whole code point, not a surrogate pair
      else n += 3;
      high = c >= 0xd800 && c <= 0xdbff;
    }
    if (j < WINDOW) return n;
  }
}

/**
 * Encodes `s` from char `from` into `out[pos..limit)`, stopping before a
 * character that does not fit whole. Returns the next char index to encode;
 * `end.encodeEnd` gets the byte position reached. Lone surrogates become
 * U+FFFD, as TextEncoder does.
 */
export function encodeUtf8(
  s: string,
  from: number,
  out: Uint8Array,
  pos: number,
  limit: number,
  end: EncodeEnd | null,
): number {
  const codec = ENGINE_CODEC;
  if (codec !== null) {
    const n = codec.encode(s, from, out, pos, limit);
    if (n >= 0) {
      if (end !== null) end.encodeEnd = pos + n;
      return from + n;
    }
  }
  let base = from;
  for (;;) {
    const piece = windowAt(s, base);
    let j = 0;
    for (; ; j++) {
      let c: number = charCodeAt.call(piece, j);
      if (c !== c) break;
      if (c < 0x80) {
        if (pos >= limit) {
          if (end !== null) end.encodeEnd = pos;
          return base + j;
        }
        out[pos++] = c;
        continue;
      }
      let width = 1;
      if (c >= 0xd800 && c <= 0xdfff) {
        let d: number = charCodeAt.call(piece, j + 1);
        if (d !== d) d = charCodeAt.call(s, base + j + 1); // a pair split across slices
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          width = 2;
        } else c = 0xfffd;
      }
      const need = c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      if (pos + need > limit) {
        if (end !== null) end.encodeEnd = pos;
        return base + j;
      }
      if (need === 2) {
        out[pos++] = 0xc0 | (c >> 6);
        out[pos++] = 0x80 | (c & 63);
      } else if (need === 3) {
        out[pos++] = 0xe0 | (c >> 12);
        out[pos++] = 0x80 | ((c >> 6) & 63);
        out[pos++] = 0x80 | (c & 63);
      } else {
        out[pos++] = 0xf0 | (c >> 18);
        out[pos++] = 0x80 | ((c >> 12) & 63);
        out[pos++] = 0x80 | ((c >> 6) & 63);
        out[pos++] = 0x80 | (c & 63);
      }
      j += width - 1;
    }
    if (j === 0) break;
    base += j;
  }
  if (end !== null) end.encodeEnd = pos;
  return base;
}

/**
 * A new array of the bytes of an ASCII string: for constants made once at
 * module load (on the board they are preloaded into flash and only read).
 * Allocates: never call it on the request path.
 */
export function asciiBytes(s: string): Uint8Array {
  'cold';
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** Writes an ASCII string (no checks) at `pos`; returns the new position. */
export function writeAscii(out: Uint8Array, pos: number, s: string): number {
  return writeAsciiBounded(out, pos, s, 0x7fffffff);
}

/** Like writeAscii, but returns -1 (having written part of it) when `s` does not fit before `limit`. */
export function writeAsciiBounded(out: Uint8Array, pos: number, s: string, limit: number): number {
  const codec = ENGINE_CODEC;
  if (codec !== null) {
    const n = codec.encode(s, 0, out, pos, limit);
    if (n >= 0) return atEnd(s, n) ? pos + n : -1;
  }
  for (let base = 0; ; base += WINDOW) {
    const piece = windowAt(s, base);
    let j = 0;
    for (; ; j++) {
      const c: number = charCodeAt.call(piece, j);
      if (c !== c) break;
      if (pos >= limit) return -1;
      out[pos++] = c;
    }
    if (j < WINDOW) return pos;
  }
}

/** Writes a non-negative integer in decimal at `pos`; returns the new position. */
export function writeDecimal(out: Uint8Array, pos: number, value: number): number {
  if (value === 0) {
    out[pos] = 48;
    return pos + 1;
  }
  let digits = 0;
  for (let v = value; v > 0; v = Math.floor(v / 10)) digits++;
  let p = pos + digits;
  for (let v = value; v > 0; v = Math.floor(v / 10)) out[--p] = 48 + (v % 10);
  return pos + digits;
}

/** Decodes UTF-8 bytes[start..end) into a string (invalid sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number, scratch: TextScratch): string {
  const codec = ENGINE_CODEC;
  if (codec !== null) return codec.decode(bytes, start, end, true);
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return decodeLatin1(bytes, start, end, scratch);
  const buffers = scratch.buffers();
  const codes = buffers.codes;
  let result = '';
  let n = 0;
  let i = start;
  while (i < end) {
    if (n > DECODE_CHUNK - 2) {
      result += codesToString(codes, 0, n, buffers);
      n = 0;
    }
    const b = bytes[i];
    let code = 0xfffd;
    let used = 1;
    if (b < 0x80) code = b;
    else if (b >= 0xc2 && b < 0xe0 && i + 1 < end && (bytes[i + 1] & 0xc0) === 0x80) {
      code = ((b & 31) << 6) | (bytes[i + 1] & 63);
      used = 2;
    } else if (
      b >= 0xe0 &&
      b < 0xf0 &&
      i + 2 < end &&
      (bytes[i + 1] & 0xc0) === 0x80 &&
      (bytes[i + 2] & 0xc0) === 0x80
    ) {
      code = ((b & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63);
      used = 3;
      if (code < 0x800 || (code >= 0xd800 && code <= 0xdfff)) code = 0xfffd;
    } else if (
      b >= 0xf0 &&
      b < 0xf5 &&
      i + 3 < end &&
      (bytes[i + 1] & 0xc0) === 0x80 &&
      (bytes[i + 2] & 0xc0) === 0x80 &&
      (bytes[i + 3] & 0xc0) === 0x80
    ) {
      code = ((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63);
      used = 4;
      if (code < 0x10000 || code > 0x10ffff) code = 0xfffd;
    }
    if (code >= 0x10000) {
      // One call with both halves, so XS (UTF-8 strings) makes one character of them; the
      // ladder could split a pair across two calls. Text beyond U+FFFF is rare: a string each is fine.
      if (n > 0) result += codesToString(codes, 0, n, buffers);
      n = 0;
      code -= 0x10000;
      result += fromCharCode(0xd800 + (code >> 10), 0xdc00 + (code & 1023));
    } else codes[n++] = code;
    i += used;
  }
  return result + codesToString(codes, 0, n, buffers);
}

/** Decodes bytes as Latin-1 (each byte one char); ASCII is the common case. */
export function decodeLatin1(bytes: Uint8Array, start: number, end: number, scratch: TextScratch): string {
  if (end - start <= 0) return '';
  const codec = ENGINE_CODEC;
  if (codec !== null) return codec.decode(bytes, start, end, false);
  if (end - start === 1) return fromCharCode(bytes[start]);
  return codesToString(bytes, start, end, scratch.buffers());
}

/** The value of a hex digit byte, or -1. */
export function hexValue(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  const l = b | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Percent-decodes bytes[start..end) and decodes the result as UTF-8.
 * With `plusIsSpace` (query strings, forms) '+' becomes ' '. Malformed
 * escapes are kept as they are, as browsers do.
 */
export function decodeComponent(
  bytes: Uint8Array,
  start: number,
  end: number,
  plusIsSpace: boolean,
  scratch: TextScratch,
): string {
  let needed = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === 37 || (plusIsSpace && b === 43)) {
      needed = true;
      break;
    }
  }
  if (!needed) return decodeUtf8(bytes, start, end, scratch);
  const own = scratch.buffers().bytes;
  const out = end - start <= own.length ? own : new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === 37 && i + 2 < end) {
      const hi = hexValue(bytes[i + 1]);
      const lo = hexValue(bytes[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = plusIsSpace && b === 43 ? 32 : b;
  }
  return decodeUtf8(out, 0, n, scratch);
}

/** True when bytes[start..end) equal the ASCII string `s` exactly. */
export function equalsAscii(bytes: Uint8Array, start: number, end: number, s: string): boolean {
  for (let i = 0; i < end - start; i++) if (bytes[start + i] !== charCodeAt.call(s, i)) return false;
  return atEnd(s, end - start);
}

/** True when bytes[start..end) equal `lower` ignoring ASCII case; `lower` must be lower case. */
export function equalsAsciiLower(bytes: Uint8Array, start: number, end: number, lower: string): boolean {
  for (let i = 0; i < end - start; i++) {
    let b = bytes[start + i];
    if (b >= 65 && b <= 90) b |= 0x20;
    if (b !== charCodeAt.call(lower, i)) return false;
  }
  return atEnd(lower, end - start);
}

/** Like equalsAsciiLower, but `name` may have any case (header names from handlers). */
export function equalsIgnoreCase(bytes: Uint8Array, start: number, end: number, name: string): boolean {
  for (let i = 0; i < end - start; i++) {
    let b = bytes[start + i];
    let c: number = charCodeAt.call(name, i);
    if (b >= 65 && b <= 90) b |= 0x20;
    if (c >= 65 && c <= 90) c |= 0x20;
    if (b !== c) return false;
  }
  return atEnd(name, end - start);
}
