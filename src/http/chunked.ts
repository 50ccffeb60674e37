/**
 * In-place decoder for `Transfer-Encoding: chunked` request bodies.
 *
 * Chunk data is moved down over the framing as it arrives, so the decoded
 * body ends up contiguous in the slot right after the head, and the raw
 * bytes after the final chunk (a pipelined request) stay where they are.
 * Chunk extensions and trailer fields are read and dropped.
 *
 * It also has the two writers the server needs to frame a streamed
 * response's chunks.
 *
 * Never: allocate, or write at or beyond the raw read position.
 */

import { hexValue } from './text.ts';

const CR = 13;
const LF = 10;

const SIZE = 0; // reading hex digits
const EXTENSION = 1; // after ';' until CR
const SIZE_LF = 2; // expecting LF after the size line's CR
const DATA = 3; // copying chunk data
const DATA_CR = 4; // expecting CR after chunk data
const DATA_LF = 5; // expecting LF after chunk data
const TRAILER_START = 6; // start of a trailer line (or the final CRLF)
const TRAILER = 7; // inside a trailer line
const TRAILER_LF = 8; // expecting LF after a trailer line's CR
const FINAL_LF = 9; // expecting LF of the final empty line
const DONE = 10;

/** Returned by decode while more bytes are needed. */
export const CHUNKED_INCOMPLETE = 0;
/** Returned by decode when the body is complete. */
export const CHUNKED_DONE = 1;

/** State of one chunked body; one instance per slot, reset per request. */
export class ChunkedDecoder {
  /** Where decoded body bytes end (the body is [bodyStart, bodyEnd)). */
  bodyEnd = 0;
  /** Raw bytes consumed up to here; after DONE, the next request starts here. */
  readPos = 0;
  private state = SIZE;
  private remaining = 0;
  private digits = 0;
  private sizeEnded = false;

  /** Starts decoding a body whose first raw byte is at `bodyStart`. */
  reset(bodyStart: number): void {
    this.bodyEnd = bodyStart;
    this.readPos = bodyStart;
    this.state = SIZE;
    this.remaining = 0;
    this.digits = 0;
    this.sizeEnded = false;
  }

  /**
   * The caller moved the raw bytes not yet consumed to `at` and discarded
   * the decoded ones (a streamed body): decoding goes on from there, in
   * whatever chunk it was.
   */
  rebase(at: number): void {
    this.bodyEnd = at;
    this.readPos = at;
  }

  /**
   * Consumes raw bytes up to `filled`. Returns CHUNKED_INCOMPLETE,
   * CHUNKED_DONE, -400 for malformed framing, or -413 when the decoded
   * body would exceed `maxBody`.
   */
  decode(bytes: Uint8Array, filled: number, maxBody: number, bodyStart: number): number {
    let p = this.readPos;
    let w = this.bodyEnd;
    while (p < filled && this.state !== DONE) {
      const b = bytes[p];
      switch (this.state) {
        case SIZE: {
          const v = hexValue(b);
          if (v >= 0 && this.sizeEnded) return -400; // "1 2": digits after whitespace
          if (v >= 0) {
            // At most 7 significant digits; leading zeros are allowed (1*HEXDIG), bounded by the slot.
            this.digits++;
            if (this.remaining > 0xffffff) return -413;
            this.remaining = this.remaining * 16 + v;
            p++;
          } else if (this.digits === 0) return -400;
          else if (b === 59) {
            this.state = EXTENSION;
            p++;
          } else if (b === CR) {
            this.state = SIZE_LF;
            p++;
          } else if (b === 32 || b === 9) {
            this.sizeEnded = true; // BWS before an extension: no more digits
            p++;
          } else return -400;
          break;
        }
        case EXTENSION:
          if (b === CR) this.state = SIZE_LF;
          else if (b === LF || (b < 32 && b !== 9)) return -400;
          p++;
          break;
        case SIZE_LF:
          if (b !== LF) return -400;
          p++;
          if (this.remaining === 0) this.state = TRAILER_START;
          else {
            if (w - bodyStart + this.remaining > maxBody) return -413;
            this.state = DATA;
          }
          break;
        case DATA: {
          let n = filled - p;
          if (n > this.remaining) n = this.remaining;
          if (w !== p) bytes.copyWithin(w, p, p + n);
          w += n;
          p += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (b !== CR) return -400;
          this.state = DATA_LF;
          p++;
          break;
        case DATA_LF:
          if (b !== LF) return -400;
          this.state = SIZE;
          this.digits = 0;
          this.sizeEnded = false;
          p++;
          break;
        case TRAILER_START:
          if (b === CR) this.state = FINAL_LF;
          else if (b === LF) return -400;
          else this.state = TRAILER;
          p++;
          break;
        case TRAILER:
          if (b === CR) this.state = TRAILER_LF;
          else if (b === LF) return -400;
          p++;
          break;
        case TRAILER_LF:
          if (b !== LF) return -400;
          this.state = TRAILER_START;
          p++;
          break;
        case FINAL_LF:
          if (b !== LF) return -400;
          this.state = DONE;
          p++;
          break;
      }
    }
    this.readPos = p;
    this.bodyEnd = w;
    return this.state === DONE ? CHUNKED_DONE : CHUNKED_INCOMPLETE;
  }
}

/** Writes the last chunk and the empty trailer ("0\r\n\r\n") at `p`; returns the new position. */
export function writeLastChunk(out: Uint8Array, p: number): number {
  out[p] = 48;
  out[p + 1] = 13;
  out[p + 2] = 10;
  out[p + 3] = 13;
  out[p + 4] = 10;
  return p + 5;
}

/** Writes `value` in lower-case hex (a chunk size) at `p`; returns the new position. */
export function writeHex(out: Uint8Array, p: number, value: number): number {
  let digits = 1;
  while (value >>> (digits * 4) !== 0 && digits < 8) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    const d = (value >>> (i * 4)) & 15;
    out[p++] = d < 10 ? 48 + d : 87 + d;
  }
  return p;
}
