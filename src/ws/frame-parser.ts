/**
 * Incremental parser of the frames a WebSocket client sends, over the
 * connection's slot buffer (RFC 6455 §5).
 *
 * Bytes arrive in any split; `parse` is called after each read and returns
 * one event at a time as a code, with offsets in the parser's fields:
 *   WS_MORE      more bytes are needed; read on at `filled`
 *   OP_TEXT, OP_BINARY
 *                a whole message at bytes[start..end) (start = `base`)
 *   OP_PING, OP_PONG
 *                a control frame's payload at bytes[start..end)
 *   OP_CLOSE     the peer's Close: `closeCode` (1005 when it sent none),
 *                its reason (valid UTF-8) at bytes[start..end)
 *   < 0          the negated close code to fail the connection with:
 *                -1002 protocol error, -1007 bad UTF-8, -1009 too big.
 * The spans stay valid until the next call. Call `parse` again until it
 * answers WS_MORE before reading more bytes.
 *
 * In place: payloads are unmasked where they lie, and every data frame's
 * payload is moved down to follow the previous one, so a fragmented message
 * ends up whole at `base` (the start of the slot, unless the caller keeps
 * a few bytes of its own before it: the server keeps a WebSocket route's
 * params there); control frames that arrive between fragments are
 * unmasked where they lie, after it. When more bytes are
 * needed, the few unread bytes (a partial frame head, or a partial control
 * frame) move down behind the message too, so the rest of the slot is free
 * to read into. A message may therefore take the whole slot except room
 * for one control frame (CONTROL_ROOM bytes): that is the default limit.
 *
 * Text is checked as UTF-8 as it arrives, across frame and read
 * boundaries, and fails at the first bad byte.
 *
 * Never: allocate after construction (no object or view per frame); never
 * read at or past `filled`, or write at or past the raw read position.
 */
import {
  CLOSE_INVALID_DATA,
  CLOSE_NO_STATUS,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_TOO_BIG,
  isValidCloseCode,
  MAX_CONTROL_PAYLOAD,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PONG,
  OP_TEXT,
} from './codes.ts';
import { Utf8Validator } from './utf8-validator.ts';

/** Returned by parse when more bytes are needed. */
export const WS_MORE = 0;

/**
 * Bytes of the slot kept free beyond the largest message: one whole masked
 * control frame (2 + 4 + 125), which may arrive between two fragments.
 */
export const CONTROL_ROOM = 2 + 4 + MAX_CONTROL_PAYLOAD;

/** The largest message a slot of `capacity` bytes can assemble: the default limit. */
export function largestMessage(capacity: number): number {
  return capacity - CONTROL_ROOM;
}

const HEADER = 0; // expecting a frame head
const PAYLOAD = 1; // moving a data frame's payload into the message
const CLOSED = 2; // the peer's Close was read; later bytes are dropped
const FAILED = 3; // a close code was returned; it is returned again

/** Frame parsing state of one WebSocket connection; one instance per slot. */
export class FrameParser {
  /** Start of the payload (message, control payload, close reason) of the last event. */
  start = 0;
  /** End of that payload. */
  end = 0;
  /** After OP_CLOSE: the code the peer sent, or 1005 when it sent none. */
  closeCode = 0;
  /** After WS_MORE: bytes of the slot holding data now; the caller reads on from here. */
  filled = 0;
  /** Largest message accepted, in bytes (more: 1009); set by reset(). */
  limit = 0;
  /** Where messages are assembled (bytes before it are the caller's); set by reset(). */
  base = 0;
  /** The slot size this parser was made for. */
  readonly capacity: number;
  private state = HEADER;
  /** Next raw byte to read. */
  private readPos = 0;
  /** End of the message assembled so far (it starts at `base`). */
  private messageEnd = 0;
  /** Opcode of the message being assembled (text or binary), 0 when none is. */
  private messageOpcode = 0;
  /** The current data frame is its message's last. */
  private fin = false;
  /** Payload bytes of the current data frame not yet moved. */
  private remaining = 0;
  /** Which mask byte applies to the next payload byte (0-3). */
  private phase = 0;
  /** The close code of a failure, repeated by later calls. */
  private error = 0;
  /** The current frame's masking key. */
  private readonly mask = new Uint8Array(4);
  private readonly utf8 = new Utf8Validator();

  /** Makes the parser of a slot of `capacity` bytes (at least 2 × CONTROL_ROOM). */
  constructor(capacity: number) {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
    if (!(capacity >= 2 * CONTROL_ROOM)) throw new RangeError(`ws: a slot of ${capacity} bytes is too small`);
    this.capacity = capacity;
    this.limit = largestMessage(capacity);
  }

  /**
   * Starts a connection whose first frame byte is at `start` (just after
   * the upgrade request, where a client may already have sent frames).
   * `limit` is the largest message to accept; 0 or more than the slot can
   * assemble means largestMessage(capacity - base). `base` (default 0,
   * at most `start`): bytes [0, base) belong to the caller and are never
   * touched; messages are assembled from `base` on.
   */
  reset(start: number, limit: number, base = 0): void {
    const most = largestMessage(this.capacity - base);
    this.limit = limit > 0 && limit < most ? limit : most;
    this.base = base;
    this.state = HEADER;
    this.readPos = start;
    this.filled = start;
    this.messageEnd = base;
    this.messageOpcode = 0;
    this.fin = false;
    this.remaining = 0;
    this.phase = 0;
    this.error = 0;
    this.start = base;
    this.end = base;
    this.closeCode = 0;
  }

  /** Parses bytes up to `filled`; returns the next event (see the file comment). */
  parse(bytes: Uint8Array, filled: number): number {
    if (this.state === FAILED) return -this.error;
    if (this.state === CLOSED) {
      this.readPos = this.base;
      this.filled = this.base;
      return WS_MORE;
    }
    let p = this.readPos;
    for (;;) {
      if (this.state === PAYLOAD) {
        const available = filled - p;
        const n = this.remaining < available ? this.remaining : available;
        if (n > 0) {
          const w = this.messageEnd;
          this.unmask(bytes, p, w, n);
          p += n;
          this.remaining -= n;
          this.messageEnd = w + n;
          if (this.messageOpcode === OP_TEXT && !this.utf8.check(bytes, w, w + n)) return this.fail(CLOSE_INVALID_DATA);
        }
        if (this.remaining > 0) break;
        this.state = HEADER;
        if (!this.fin) continue;
        const opcode = this.messageOpcode;
        if (opcode === OP_TEXT && !this.utf8.complete()) return this.fail(CLOSE_INVALID_DATA);
        this.start = this.base;
        this.end = this.messageEnd;
        this.messageEnd = this.base;
        this.messageOpcode = 0;
        this.readPos = p;
        return opcode;
      }

      // A frame head: 2 bytes, 0/2/8 of extended length, 4 of masking key.
      if (filled - p < 2) break;
      const b0 = bytes[p];
      const b1 = bytes[p + 1];
      const opcode = b0 & 15;
      const fin = (b0 & 0x80) !== 0;
      let length = b1 & 127;
      if ((b0 & 0x70) !== 0) return this.fail(CLOSE_PROTOCOL_ERROR); // RSV bits: no extension is negotiated
      if (opcode === OP_CONTINUATION) {
        if (this.messageOpcode === 0) return this.fail(CLOSE_PROTOCOL_ERROR); // nothing to continue
      } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
        if (this.messageOpcode !== 0) return this.fail(CLOSE_PROTOCOL_ERROR); // a message is unfinished
      } else if (opcode >= OP_CLOSE && opcode <= OP_PONG) {
        // Control frames: never fragmented, at most 125 bytes, a Close body is empty or has a code.
        if (!fin || length > MAX_CONTROL_PAYLOAD || (opcode === OP_CLOSE && length === 1))
          return this.fail(CLOSE_PROTOCOL_ERROR);
      } else return this.fail(CLOSE_PROTOCOL_ERROR); // reserved opcode
      if ((b1 & 0x80) === 0) return this.fail(CLOSE_PROTOCOL_ERROR); // clients must mask
      const size = length === 126 ? 8 : length === 127 ? 14 : 6;
      if (filled - p < size) break;
      if (length === 126) length = (bytes[p + 2] << 8) | bytes[p + 3];
      else if (length === 127) {
        if (bytes[p + 2] >= 128) return this.fail(CLOSE_PROTOCOL_ERROR); // the top bit must be 0
        if ((bytes[p + 2] | bytes[p + 3] | bytes[p + 4] | bytes[p + 5]) !== 0) return this.fail(CLOSE_TOO_BIG);
        length = bytes[p + 6] * 0x1000000 + ((bytes[p + 7] << 16) | (bytes[p + 8] << 8) | bytes[p + 9]);
      }
      const mask = this.mask;
      mask[0] = bytes[p + size - 4];
      mask[1] = bytes[p + size - 3];
      mask[2] = bytes[p + size - 2];
      mask[3] = bytes[p + size - 1];
      this.phase = 0;

      if (opcode >= OP_CLOSE) {
        // A control frame is handled whole, where it lies.
        if (filled - p < size + length) break;
        const s = p + size;
        this.unmask(bytes, s, s, length);
        p = s + length;
        this.readPos = p;
        this.start = s;
        this.end = p;
        if (opcode === OP_CLOSE) return this.closeFrame(bytes, s, p);
        return opcode;
      }

      if (this.messageEnd - this.base + length > this.limit) return this.fail(CLOSE_TOO_BIG);
      if (opcode !== OP_CONTINUATION) {
        this.messageOpcode = opcode;
        if (opcode === OP_TEXT) this.utf8.reset();
      }
      this.fin = fin;
      this.remaining = length;
      this.state = PAYLOAD;
      p += size;
    }

    // More bytes are needed: move the unread tail down behind the message.
    const w = this.messageEnd;
    if (p > w) for (let i = p; i < filled; i++) bytes[w + i - p] = bytes[i];
    this.readPos = w;
    this.filled = w + (filled - p);
    return WS_MORE;
  }

  /** Checks a Close frame's body at bytes[s..e) and records its code and reason. */
  private closeFrame(bytes: Uint8Array, s: number, e: number): number {
    if (e === s) this.closeCode = CLOSE_NO_STATUS;
    else {
      const code = (bytes[s] << 8) | bytes[s + 1];
      if (!isValidCloseCode(code)) return this.fail(CLOSE_PROTOCOL_ERROR);
      this.utf8.reset();
      if (!this.utf8.check(bytes, s + 2, e) || !this.utf8.complete()) return this.fail(CLOSE_INVALID_DATA);
      this.closeCode = code;
      this.start = s + 2;
    }
    this.state = CLOSED;
    return OP_CLOSE;
  }

  /** Enters the failed state; returns the negated close code. */
  private fail(code: number): number {
    this.state = FAILED;
    this.error = code;
    return -code;
  }

  /**
   * Unmasks n payload bytes from bytes[from..) into bytes[to..) (to <= from,
   * so moving down in one pass is safe), continuing the mask where the
   * previous piece of the frame stopped.
   */
  private unmask(bytes: Uint8Array, from: number, to: number, n: number): void {
    const mask = this.mask;
    const end = from + n;
    let i = from;
    let o = to;
    let k = this.phase;
    while (k !== 0 && i < end) {
      bytes[o++] = bytes[i++] ^ mask[k];
      k = (k + 1) & 3;
    }
    const m0 = mask[0];
    const m1 = mask[1];
    const m2 = mask[2];
    const m3 = mask[3];
    while (i + 4 <= end) {
      bytes[o] = bytes[i] ^ m0;
      bytes[o + 1] = bytes[i + 1] ^ m1;
      bytes[o + 2] = bytes[i + 2] ^ m2;
      bytes[o + 3] = bytes[i + 3] ^ m3;
      i += 4;
      o += 4;
    }
    while (i < end) {
      bytes[o++] = bytes[i++] ^ mask[k];
      k = (k + 1) & 3;
    }
    this.phase = k;
  }
}
