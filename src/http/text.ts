/**
 * Bytes <-> text without TextEncoder/TextDecoder (absent on XS unless a
 * module is added, absent on Espruino): UTF-8 length, encoding into a
 * caller's buffer, decoding spans, percent-decoding, ASCII comparisons.
 *
 * Never: allocate when comparing or encoding. Decoding makes exactly the
 * string the caller asked for (plus one view for long spans).
 */

/** Chunk size for String.fromCharCode.apply, well below engine argument limits. */
const DECODE_CHUNK = 1024;
/**
 * Scratch for decoding multi-byte text and percent-escapes; made on first
 * use, then reused. Not made at module load: on the board this module is
 * preloaded into flash, where a typed array made at load is read-only.
 */
let scratchCodes: Uint16Array | null = null;
let scratchBytes: Uint8Array | null = null;

let encodeEnd = 0;

/** Number of UTF-8 bytes needed for `s` from char index `from`. */
export function utf8Length(s: string, from: number): number {
  let n = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Encodes `s` from char `from` into `out[pos..limit)`, stopping before a
 * character that does not fit whole. Returns the next char index to encode;
 * `lastEncodeEnd()` gives the byte position reached. Lone surrogates become
 * U+FFFD, as TextEncoder does.
 */
export function encodeUtf8(s: string, from: number, out: Uint8Array, pos: number, limit: number): number {
  let i = from;
  const n = s.length;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (pos >= limit) break;
      out[pos++] = c;
      i++;
      continue;
    }
    let width = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        width = 2;
      } else c = 0xfffd;
    }
    if (c < 0x800) {
      if (pos + 2 > limit) break;
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      if (pos + 3 > limit) break;
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 63);
      out[pos++] = 0x80 | (c & 63);
    } else {
      if (pos + 4 > limit) break;
      out[pos++] = 0xf0 | (c >> 18);
      out[pos++] = 0x80 | ((c >> 12) & 63);
      out[pos++] = 0x80 | ((c >> 6) & 63);
      out[pos++] = 0x80 | (c & 63);
    }
    i += width;
  }
  encodeEnd = pos;
  return i;
}

/** The byte position reached by the last encodeUtf8 call. */
export function lastEncodeEnd(): number {
  return encodeEnd;
}

/** Writes an ASCII string (no checks) at `pos`; returns the new position. */
export function writeAscii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
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
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return decodeLatin1(bytes, start, end);
  if (scratchCodes === null) scratchCodes = new Uint16Array(DECODE_CHUNK);
  const codes = scratchCodes;
  let result = '';
  let n = 0;
  let i = start;
  while (i < end) {
    if (n > DECODE_CHUNK - 2) {
      result += String.fromCharCode.apply(null, codes.subarray(0, n) as unknown as number[]);
      n = 0;
    }
    const b = bytes[i];
    let code = 0xfffd;
    let used = 1;
    if (b < 0x80) code = b;
    else if (b >= 0xc2 && b < 0xe0 && i + 1 < end && (bytes[i + 1] & 0xc0) === 0x80) {
      code = ((b & 31) << 6) | (bytes[i + 1] & 63);
      used = 2;
    } else if (b >= 0xe0 && b < 0xf0 && i + 2 < end && (bytes[i + 1] & 0xc0) === 0x80 && (bytes[i + 2] & 0xc0) === 0x80) {
      code = ((b & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63);
      used = 3;
      if (code < 0x800 || (code >= 0xd800 && code <= 0xdfff)) code = 0xfffd;
    } else if (b >= 0xf0 && b < 0xf5 && i + 3 < end && (bytes[i + 1] & 0xc0) === 0x80 && (bytes[i + 2] & 0xc0) === 0x80 && (bytes[i + 3] & 0xc0) === 0x80) {
      code = ((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63);
      used = 4;
      if (code < 0x10000 || code > 0x10ffff) code = 0xfffd;
    }
    if (code >= 0x10000) {
      code -= 0x10000;
      codes[n++] = 0xd800 + (code >> 10);
      codes[n++] = 0xdc00 + (code & 1023);
    } else codes[n++] = code;
    i += used;
  }
  return result + String.fromCharCode.apply(null, codes.subarray(0, n) as unknown as number[]);
}

/** Decodes bytes as Latin-1 (each byte one char); ASCII is the common case. */
export function decodeLatin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 0) return '';
  if (end - start === 1) return String.fromCharCode(bytes[start]);
  let result = '';
  for (let s = start; s < end; s += DECODE_CHUNK) {
    const e = s + DECODE_CHUNK < end ? s + DECODE_CHUNK : end;
    result += String.fromCharCode.apply(null, bytes.subarray(s, e) as unknown as number[]);
  }
  return result;
}

function hexValue(b: number): number {
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
export function decodeComponent(bytes: Uint8Array, start: number, end: number, plusIsSpace: boolean): string {
  let needed = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === 37 || (plusIsSpace && b === 43)) {
      needed = true;
      break;
    }
  }
  if (!needed) return decodeUtf8(bytes, start, end);
  if (scratchBytes === null) scratchBytes = new Uint8Array(DECODE_CHUNK);
  const out = end - start <= scratchBytes.length ? scratchBytes : new Uint8Array(end - start);
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
  return decodeUtf8(out, 0, n);
}

/** True when bytes[start..end) equal the ASCII string `s` exactly. */
export function equalsAscii(bytes: Uint8Array, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (bytes[start + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** True when bytes[start..end) equal `lower` ignoring ASCII case; `lower` must be lower case. */
export function equalsAsciiLower(bytes: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let b = bytes[start + i];
    if (b >= 65 && b <= 90) b |= 0x20;
    if (b !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Like equalsAsciiLower, but `name` may have any case (header names from handlers). */
export function equalsIgnoreCase(bytes: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    let b = bytes[start + i];
    let c = name.charCodeAt(i);
    if (b >= 65 && b <= 90) b |= 0x20;
    if (c >= 65 && c <= 90) c |= 0x20;
    if (b !== c) return false;
  }
  return true;
}
