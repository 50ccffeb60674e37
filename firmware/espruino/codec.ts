/**
 * Espruino's native text codec (the core's TextCodec, src/platform.ts).
 *
 * An Espruino string is a byte string: on ESP32 builds (no Unicode) a
 * literal keeps its UTF-8 bytes, so "✓" is 3 chars, and what comes off a
 * socket is bytes. So text goes to bytes with one native copy (a typed
 * array's set() takes a string's char codes as bytes) and bytes to text
 * with E.toString. On a build with Unicode, a string flagged as UTF-8 is
 * left to the core's own encoder (the codec answers -1), and UTF-8 bytes
 * are decoded with E.asUTF8.
 *
 * Never: allocate on the encoding path beyond the substring of a partial
 * copy; throw (a failed UTF-8 decode keeps the bytes as they are).
 */
import type { TextCodec } from '../../src/platform.ts';
import { espruino } from './types/espruino.ts';

/** Whether this Espruino build has Unicode strings (E.asUTF8 works). */
export function hasUnicode(): boolean {
  'cold';
  try {
    espruino.E.asUTF8('a');
    return true;
  } catch {
    return false;
  }
}

/** The codec for this build. */
export function espruinoCodec(): TextCodec {
  'cold';
  const E = espruino.E;
  const unicode = hasUnicode();
  return {
    byteLength(s: string, from: number): number {
      if (unicode && E.isUTF8(s)) return -1;
      const n = s.length - from;
      return n > 0 ? n : 0;
    },
    encode(s: string, from: number, out: Uint8Array, pos: number, limit: number): number {
      if (unicode && E.isUTF8(s)) return -1;
      const left = s.length - from;
      const room = limit - pos;
      if (left <= 0 || room <= 0) return 0;
      if (left <= room) {
        out.set((from === 0 ? s : s.substr(from)) as unknown as ArrayLike<number>, pos);
        return left;
      }
      out.set(s.substr(from, room) as unknown as ArrayLike<number>, pos);
      return room;
    },
    decode(bytes: Uint8Array, start: number, end: number, utf8: boolean): string {
      if (end <= start) return '';
      const text = E.toString(bytes.subarray(start, end));
      if (!utf8 || !unicode) return text;
      try {
        return E.asUTF8(text);
      } catch {
        return text;
      }
    },
  };
}
