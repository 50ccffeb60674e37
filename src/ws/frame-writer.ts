/**
 * Server frames (RFC 6455 §5.2) written into a caller's output buffer:
 * unmasked, FIN and opcode, the shortest length form (7, 16 or 64 bits).
 * A data frame's head is written here and its payload by the caller right
 * after it (encodeUtf8 for text, a copy for bytes); control frames (close
 * with a code and reason, ping, pong) are written whole.
 *
 * Never: allocate; never write past the frame being written (callers size
 * the room with frameHeadLength).
 */
import { encodeUtf8 } from '../http/text.ts';
import type { EncodeEnd } from '../http/text.ts';
import { CLOSE_NO_STATUS, MAX_CONTROL_PAYLOAD, OP_CLOSE } from './codes.ts';

/** Bytes of a server frame head for a payload of `length` bytes: 2, 4 or 10. */
export function frameHeadLength(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/**
 * Writes a server frame head at out[pos..): FIN when `fin`, `opcode`, no
 * mask, and `length` (below 2^53) in the shortest form. Returns the
 * position where the payload goes.
 */
export function writeFrameHead(out: Uint8Array, pos: number, opcode: number, fin: boolean, length: number): number {
  out[pos] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) {
    out[pos + 1] = length;
    return pos + 2;
  }
  if (length < 0x10000) {
    out[pos + 1] = 126;
    out[pos + 2] = length >>> 8;
    out[pos + 3] = length & 255;
    return pos + 4;
  }
  const high = Math.floor(length / 0x100000000);
  const low = length % 0x100000000;
  out[pos + 1] = 127;
  out[pos + 2] = high >>> 24;
  out[pos + 3] = (high >>> 16) & 255;
  out[pos + 4] = (high >>> 8) & 255;
  out[pos + 5] = high & 255;
  out[pos + 6] = low >>> 24;
  out[pos + 7] = (low >>> 16) & 255;
  out[pos + 8] = (low >>> 8) & 255;
  out[pos + 9] = low & 255;
  return pos + 10;
}

/**
 * Writes a whole control frame (ping or pong) whose payload is
 * bytes[start..end), at most 125 bytes (a pong echoes a ping's payload).
 * Returns the position after it.
 */
export function writeControlFrame(
  out: Uint8Array,
  pos: number,
  opcode: number,
  bytes: Uint8Array,
  start: number,
  end: number,
): number {
  'cold'; // a Pong, now and then: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  let p = writeFrameHead(out, pos, opcode, true, end - start);
  for (let i = start; i < end; i++) out[p++] = bytes[i];
  return p;
}

/**
 * Writes a whole Close frame at out[pos..): the 2-byte `code` and `reason`
 * as UTF-8, cut at a character boundary to fit the 125-byte limit; an empty
 * body when `code` is 0 or 1005 (no code). Returns the position after it
 * (at most pos + 127). The caller checks `code` with isValidCloseCode;
 * `scratch` is where the encoder leaves its position (the connection's).
 */
export function writeCloseFrame(
  out: Uint8Array,
  pos: number,
  code: number,
  reason: string,
  scratch: EncodeEnd,
): number {
  'cold'; // once per WebSocket: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  if (code === 0 || code === CLOSE_NO_STATUS) return writeFrameHead(out, pos, OP_CLOSE, true, 0);
  const body = pos + 2;
  out[body] = code >>> 8;
  out[body + 1] = code & 255;
  encodeUtf8(reason, 0, out, body + 2, body + MAX_CONTROL_PAYLOAD, scratch);
  const end = scratch.encodeEnd;
  writeFrameHead(out, pos, OP_CLOSE, true, end - body);
  return end;
}
