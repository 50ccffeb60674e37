/**
 * Test helpers for the WebSocket frame layer: client frames built byte by
 * byte (including the malformed ones no library would send), a driver that
 * feeds a byte stream to a FrameParser the way the server will (reads in
 * given pieces into the free end of a fixed slot, parse until WS_MORE), and
 * the same stream through the `ws` package's own Receiver as an oracle.
 *
 * Never: share state between runs; every run gets its own slot and parser.
 */
import * as wsPackage from 'ws';
import { FrameParser, WS_MORE } from '../../src/ws/frame-parser.ts';
import { OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from '../../src/ws/codes.ts';

/** What a client frame looks like; everything but opcode and payload has a valid default. */
export interface ClientFrame {
  opcode: number;
  payload: Uint8Array;
  /** FIN bit (default true). */
  fin?: boolean;
  /** Mask the payload (default true: clients must). */
  masked?: boolean;
  /** RSV1-3 as a 3-bit number (default 0). */
  rsv?: number;
  /** Length form: 7, 16 or 64 bits (default the shortest). */
  lengthBits?: 7 | 16 | 64;
  /** Declared payload length, when it should lie about the payload given. */
  declaredLength?: number;
  /** Masking key (default a fixed non-zero key). */
  key?: Uint8Array;
}

/** The `ws` package's frame reader (not in its type declarations). */
interface WsReceiver {
  on(event: string, listener: (...args: never[]) => void): this;
  write(chunk: Buffer, callback: () => void): boolean;
}

/** What `ws` exports beside its WebSocket class, typed for these tests: its frame reader and writer. */
export const wsInternals = wsPackage as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => WsReceiver;
  Sender: {
    frame(
      data: Buffer | { length: number },
      options: { fin: boolean; opcode: number; mask: boolean; readOnly?: boolean; rsv1?: boolean },
    ): Buffer[];
  };
};

const DEFAULT_KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** The bytes of a client frame. */
export function clientFrame(frame: ClientFrame): Uint8Array {
  const masked = frame.masked ?? true;
  const length = frame.declaredLength ?? frame.payload.length;
  const bits = frame.lengthBits ?? (length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  const head: number[] = [((frame.fin ?? true) ? 0x80 : 0) | ((frame.rsv ?? 0) << 4) | frame.opcode];
  const maskBit = masked ? 0x80 : 0;
  if (bits === 7) head.push(maskBit | length);
  else if (bits === 16) head.push(maskBit | 126, length >>> 8, length & 255);
  else {
    head.push(maskBit | 127);
    const high = Math.floor(length / 2 ** 32);
    const low = length % 2 ** 32;
    for (let shift = 24; shift >= 0; shift -= 8) head.push((high / 2 ** shift) & 255);
    for (let shift = 24; shift >= 0; shift -= 8) head.push((low >>> shift) & 255);
  }
  const key = frame.key ?? DEFAULT_KEY;
  if (masked) head.push(...key);
  const out = new Uint8Array(head.length + frame.payload.length);
  out.set(head);
  for (let i = 0; i < frame.payload.length; i++)
    out[head.length + i] = masked ? frame.payload[i] ^ key[i & 3] : frame.payload[i];
  return out;
}

/** Joins byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** One event a parser (or the oracle) reported, payload as hex so chai compares it readably. */
export interface WsEvent {
  kind: 'text' | 'binary' | 'ping' | 'pong' | 'close';
  hex: string;
  code?: number;
}

/** How a run ended: the events in order, and the close code it failed with (0: no failure). */
export interface WsRun {
  events: WsEvent[];
  failure: number;
}

const KIND: Record<number, WsEvent['kind']> = {
  [OP_TEXT]: 'text',
  [OP_BINARY]: 'binary',
  [OP_PING]: 'ping',
  [OP_PONG]: 'pong',
  [OP_CLOSE]: 'close',
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Feeds `stream` to a fresh FrameParser over a slot of `capacity` bytes, as
 * the server will: each read takes the next piece (sizes from `pieces`,
 * cycled; the rest of the stream when empty) but never more than the slot's
 * free end holds; after each read, parse until WS_MORE. Stops at a failure
 * or a Close. Throws if the parser ever asks for more bytes while the slot
 * is full (it would deadlock), breaks the rules on offsets, or touches the
 * bytes before `base` (which start at `start`, as the server's do).
 */
export function runParser(
  stream: Uint8Array,
  pieces: number[],
  capacity: number,
  limit = 0,
  start = 0,
  base = 0,
): WsRun {
  const slot = new Uint8Array(capacity);
  const parser = new FrameParser(capacity);
  // The caller's bytes before `base` (the server keeps a route's params there): the parser must never touch them.
  for (let i = 0; i < base; i++) slot[i] = (i * 7 + 1) & 255;
  const untouched = () => {
    for (let i = 0; i < base; i++)
      if (slot[i] !== ((i * 7 + 1) & 255)) throw new Error(`the parser wrote at ${i}, before base ${base}`);
  };
  parser.reset(start, limit, base);
  const events: WsEvent[] = [];
  let filled = start;
  let read = 0;
  let piece = 0;
  for (;;) {
    for (;;) {
      const event = parser.parse(slot, filled);
      untouched();
      if (event < 0) return { events, failure: -event };
      if (event === WS_MORE) break;
      if (parser.start < base || parser.end < parser.start || parser.end > filled)
        throw new Error(`bad span ${parser.start}..${parser.end} (filled ${filled})`);
      const payload = slot.slice(parser.start, parser.end);
      if (event === OP_CLOSE) {
        events.push({ kind: 'close', hex: hex(payload), code: parser.closeCode });
        return { events, failure: 0 };
      }
      events.push({ kind: KIND[event], hex: hex(payload) });
    }
    filled = parser.filled;
    if (read === stream.length) return { events, failure: 0 };
    if (filled >= capacity) throw new Error(`deadlock: the parser wants more with the slot full (${filled})`);
    const want = pieces.length > 0 ? pieces[piece++ % pieces.length] : stream.length;
    const n = Math.min(want, capacity - filled, stream.length - read);
    slot.set(stream.subarray(read, read + n), filled);
    filled += n;
    read += n;
  }
}

/** The status code `ws` attaches to its errors (under a symbol it does not export). */
function wsStatusCode(error: Error): number {
  const symbol = Object.getOwnPropertySymbols(error).find((s) => s.description === 'status-code');
  if (symbol === undefined) throw error;
  return (error as unknown as Record<symbol, number>)[symbol];
}

/**
 * Feeds the same stream, in the same pieces, to the `ws` package's server
 * side Receiver with maxPayload = `limit`: the oracle. Stops at its error
 * or its Close ('conclude'), as the parser run does.
 */
export async function runWsReceiver(stream: Uint8Array, pieces: number[], limit: number): Promise<WsRun> {
  const receiver = new wsInternals.Receiver({ isServer: true, maxPayload: limit });
  const events: WsEvent[] = [];
  let failure = 0;
  let done = false;
  receiver.on('message', (data: Buffer, isBinary: boolean) =>
    events.push({ kind: isBinary ? 'binary' : 'text', hex: data.toString('hex') }),
  );
  receiver.on('ping', (data: Buffer) => events.push({ kind: 'ping', hex: data.toString('hex') }));
  receiver.on('pong', (data: Buffer) => events.push({ kind: 'pong', hex: data.toString('hex') }));
  receiver.on('conclude', (code: number, reason: Buffer) => {
    events.push({ kind: 'close', hex: reason.toString('hex'), code });
    done = true;
  });
  receiver.on('error', (error: Error) => {
    failure = wsStatusCode(error);
    done = true;
  });
  let read = 0;
  let piece = 0;
  while (read < stream.length && !done) {
    const want = pieces.length > 0 ? pieces[piece++ % pieces.length] : stream.length;
    const n = Math.min(want, stream.length - read);
    await new Promise<void>((resolve) => receiver.write(Buffer.from(stream.subarray(read, read + n)), () => resolve()));
    read += n;
  }
  await new Promise((resolve) => setImmediate(resolve));
  return { events, failure };
}

/** A frame the server sent, as a client reads it. */
export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
  /** The frame was masked (servers must not mask). */
  masked: boolean;
}

/**
 * Splits the bytes a server sent into its frames; throws on a frame that
 * is cut short (a test sees every byte the server wrote).
 */
export function serverFrames(bytes: Uint8Array): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (bytes.length - p < 2) throw new Error(`a frame head cut short at ${p}`);
    const b0 = bytes[p];
    const b1 = bytes[p + 1];
    let length = b1 & 127;
    let q = p + 2;
    if (length === 126) {
      length = (bytes[q] << 8) | bytes[q + 1];
      q += 2;
    } else if (length === 127) {
      length = 0;
      for (let i = 0; i < 8; i++) length = length * 256 + bytes[q + i];
      q += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked) q += 4;
    if (q + length > bytes.length) throw new Error(`a frame at ${p} cut short: ${length} bytes announced`);
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 15, payload: bytes.slice(q, q + length), masked });
    p = q + length;
  }
  return frames;
}

/** The payload of a Close frame with `code` and a UTF-8 `reason`. */
export function closePayload(code: number, reason = ''): Uint8Array {
  return concat([Uint8Array.of(code >> 8, code & 255), utf8(reason)]);
}

/** The frames the server must write for the model's events and failure. */
export function expectedFrames(events: WsEvent[], failure: number): ServerFrame[] {
  const out: ServerFrame[] = [];
  const frame = (opcode: number, payload: Uint8Array) => ({ fin: true, opcode, payload, masked: false });
  for (const e of events) {
    const payload = Uint8Array.from(Buffer.from(e.hex, 'hex'));
    if (e.kind === 'text') out.push(frame(OP_TEXT, payload));
    else if (e.kind === 'binary') out.push(frame(OP_BINARY, payload));
    else if (e.kind === 'ping') out.push(frame(OP_PONG, payload));
    else if (e.kind === 'close')
      out.push(frame(OP_CLOSE, e.code === 1005 ? new Uint8Array(0) : closePayload(e.code ?? 1005)));
  }
  if (failure !== 0) out.push(frame(OP_CLOSE, closePayload(failure)));
  return out;
}

/**
 * How a run the model expects ends on the server: whether the server
 * closes the socket (it failed, or the client sent a Close), and the close
 * code the route's handler hears (the failure's, the client's, or 1006
 * when the client leaves with the socket open).
 */
export function expectedEnd(events: WsEvent[], failure: number): { serverCloses: boolean; code: number } {
  const closedByPeer = events.some((e) => e.kind === 'close');
  const code = failure !== 0 ? failure : closedByPeer ? (events[events.length - 1].code ?? 0) : 1006;
  return { serverCloses: failure !== 0 || closedByPeer, code };
}

/**
 * The upgrade request for `path` with the RFC 6455 example key, and the
 * 101 that answers it (naming a protocol when one was chosen): the
 * conformance cases' own (plain code, so that they run inside XS too).
 */
export { switching as switchingProtocols, upgrade as upgradeRequest } from '../conformance/cases.ts';
