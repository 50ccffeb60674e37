/**
 * Incremental UTF-8 validation (RFC 3629, as RFC 6455 requires of text
 * messages): bytes are fed in any split (frames, reads), and the validator
 * answers false at the first byte that cannot continue a valid sequence,
 * so a bad message fails as soon as it is seen. Overlong forms,
 * surrogates (U+D800-DFFF) and code points past U+10FFFF are invalid.
 *
 * State: how many continuation bytes are still due, and the range the next
 * one must fall in (the first continuation byte is narrower after E0, ED,
 * F0 and F4).
 *
 * Never: allocate; never look at bytes outside the span given.
 */

/** Validation state of one text message; one instance per slot, reset per message. */
export class Utf8Validator {
  /** Continuation bytes still due for the current character. */
  private need = 0;
  /** Smallest allowed value of the next continuation byte. */
  private low = 0x80;
  /** Largest allowed value of the next continuation byte. */
  private high = 0xbf;

  /** Made at the first WebSocket handshake: Espruino keeps the class in flash until then (toolchain/espruino/cold.ts). */
  // biome-ignore lint/complexity/noUselessConstructor: its directive is what it is for.
  constructor() {
    'cold';
  }

  /** Starts a new message. */
  reset(): void {
    this.need = 0;
    this.low = 0x80;
    this.high = 0xbf;
  }

  /**
   * Feeds bytes[start..end). Returns false when they make the message
   * invalid UTF-8 (the state is then meaningless until reset()).
   */
  check(bytes: Uint8Array, start: number, end: number): boolean {
    let need = this.need;
    let low = this.low;
    let high = this.high;
    let i = start;
    while (i < end) {
      const b = bytes[i++];
      if (need === 0) {
        if (b < 0x80) {
          // ASCII run: the common case, one comparison per byte.
          while (i < end && bytes[i] < 0x80) i++;
          continue;
        }
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
          need = 2;
          if (b === 0xe0)
            low = 0xa0; // no overlong 3-byte forms
          else if (b === 0xed) high = 0x9f; // no surrogates
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3;
          if (b === 0xf0)
            low = 0x90; // no overlong 4-byte forms
          else if (b === 0xf4) high = 0x8f; // nothing past U+10FFFF
        } else return false; // 80-C1 (continuation or overlong lead), F5-FF
      } else {
        if (b < low || b > high) return false;
        need--;
        low = 0x80;
        high = 0xbf;
      }
    }
    this.need = need;
    this.low = low;
    this.high = high;
    return true;
  }

  /** True when the bytes fed so far end on a character boundary (a text message may end here). */
  complete(): boolean {
    return this.need === 0;
  }
}
