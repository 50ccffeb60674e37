/**
 * A WebSocket connection in its pool slot: the session state, the frame
 * pump (read into the slot, parse in place, call the route's handlers,
 * answer Ping and Close), sending, and the idle, ping and close timeouts.
 *
 * The server makes up to `wsSlots` sessions when the app has WebSocket
 * routes, each at an upgrade that finds none free, and keeps them; each is also the `ws` object the handlers see (as the slot's
 * SlotContext is their `c`). The server hands a connection over to a free
 * session once its upgrade request passed the chain (begin), then calls
 * readable / writable / tick while the slot is in state WS, and end() when
 * the slot is released; the session then serves the next upgrade, in
 * whichever slot.
 *
 *   begin: 101 head into the output area, open(ws, c), the route's params
 *          moved to the front of the slot (they stay readable through
 *          ws.param), the parser set to assemble messages after them
 *   pump:  parse -> message(ws, msg) | Ping -> Pong | Close -> echo, close
 *          | a failure -> Close with its code; read more when it asks
 *   close: the close handler hears the code once; the socket is closed
 *          once the last frame is written; the slot comes back
 *
 * While any output is pending no frame is parsed: the next frames would
 * overwrite a message still being sent from the slot, and a client that
 * does not read is held back by TCP instead of by memory.
 *
 * Never: allocate per frame or per message (handlers may); parse while
 * output is pending; call a handler after the close was reported; throw
 * out of a platform callback.
 */
import type { Connection } from '../connection.ts';
import { WS } from '../connection.ts';
import { describeError, isPromiseLike } from '../context.ts';
import type { Env } from '../context.ts';
import { decodeUtf8, encodeUtf8, utf8Length } from '../http/text.ts';
import type { TextScratch } from '../http/text.ts';
import type { Platform } from '../platform.ts';
import type { ResponseWriter } from '../response-writer.ts';
import type { ResolvedOptions } from '../server-options.ts';
import type { ServerStats } from '../stats.ts';
import {
  CLOSE_ABNORMAL,
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL_ERROR,
  CLOSE_NO_STATUS,
  CLOSE_NORMAL,
  CLOSE_TOO_BIG,
  isValidCloseCode,
  MAX_CONTROL_PAYLOAD,
  OP_BINARY,
  OP_CLOSE,
  OP_PING,
  OP_PONG,
  OP_TEXT,
} from './codes.ts';
import type { AcceptHasher } from './accept.ts';
import { CONTROL_ROOM, FrameParser, WS_MORE } from './frame-parser.ts';
import { frameHeadLength, writeCloseFrame, writeControlFrame, writeFrameHead } from './frame-writer.ts';
import { checkUpgrade, chooseProtocol, writeSwitchingProtocols } from './handshake.ts';
import type { WsRoute } from './route.ts';
import type { WebSocket, WsMessage } from './socket.ts';

/** The slot is not a WebSocket. */
const NONE = 0;
/** Open: messages flow both ways. */
const OPEN = 1;
/** The server sent Close and waits for the peer's (at most wsPingTimeout). */
const CLOSING = 2;
/** The close was reported; the socket closes once the output is written. */
const CLOSED = 3;

/** Bytes of the largest Close frame the server sends: head + 125. */
const CLOSE_FRAME_BYTES = 2 + MAX_CONTROL_PAYLOAD;

/** What a session needs of the server (the Engine in server.ts). */
export interface SessionHost {
  readonly platform: Platform;
  /** Writes the slot's output area to its socket (and long payloads from where they are). */
  readonly writer: ResponseWriter;
  readonly counters: ServerStats;
  readonly env: Env;
  /** The scratch text is decoded through (handlers run one at a time). */
  readonly text: TextScratch;
  readonly options: ResolvedOptions;
  /** Logs and counts the rejection of an async handler's promise (one function for every session). */
  readonly wsRejected: (error: unknown) => void;
  /** Closes the socket and frees the slot (`linger`: discard what the client still sends first). */
  close(conn: Connection, linger: boolean): void;
  /** Answers a preencoded error status and closes after it. */
  fail(conn: Connection, status: number): void;
  /** Gives a blocked writer another writeTimeout when the client took an output area's worth since the last. */
  keepWriting(conn: Connection): void;
}

/** The received message handlers see; one per session, pointed at its slot's bytes for each message. */
class MessageView implements WsMessage {
  /** The opcode (text or binary) and the span of the message in `bytes`. */
  opcode = 0;
  start = 0;
  end = 0;

  constructor(
    /** The session whose slot holds the message. */
    readonly owner: WsSession,
    /** The bytes of the slot the session serves now. */
    public slot: Uint8Array,
    private readonly scratch: TextScratch,
  ) {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
  }

  get isText(): boolean {
    return this.opcode === OP_TEXT;
  }

  get length(): number {
    return this.end - this.start;
  }

  text(): string {
    return decodeUtf8(this.slot, this.start, this.end, this.scratch);
  }

  bytes(): Uint8Array {
    return this.slot.subarray(this.start, this.end);
  }

  byteAt(index: number): number {
    return index >= 0 && index < this.end - this.start ? this.slot[this.start + index] : -1;
  }

  copyTo(target: Uint8Array, offset = 0): number {
    let n = this.end - this.start;
    if (n > target.length - offset) n = target.length - offset;
    const source = this.slot;
    const from = this.start;
    for (let i = 0; i < n; i++) target[offset + i] = source[from + i];
    return n > 0 ? n : 0;
  }

  /** Copies the message into `out` at `pos`; returns the position after it. */
  writeInto(out: Uint8Array, pos: number): number {
    const source = this.slot;
    for (let i = this.start; i < this.end; i++) out[pos++] = source[i];
    return pos;
  }
}

/** The WebSocket session of one pool slot, and the `ws` its handlers see. */
export class WsSession implements WebSocket {
  /** Whatever the app keeps with this connection. */
  data: unknown = undefined;
  /** The connection this session serves (or served last). */
  private conn: Connection;
  private readonly host: SessionHost;
  /** Computes Sec-WebSocket-Accept (one per server: handshakes are answered one at a time). */
  private readonly accept: AcceptHasher;
  private readonly parser: FrameParser;
  private readonly message: MessageView;
  /** Bumped when a connection's session ends: `ws.generation`. */
  private closes = 0;
  private route: WsRoute | null = null;
  private state = NONE;
  private chosen = '';
  /** When the peer last sent bytes, when the server's ping went out (-1: none out), when its Close did. */
  private lastHeard = 0;
  /** Bytes came from the peer since the timer's last turn. */
  private heard = false;
  private pingSentAt = -1;
  private closeSentAt = 0;
  /** The close handler has run (or had nothing to run). */
  private reported = false;
  /** Close the socket lingering (the peer may still be sending) rather than at once. */
  private linger = false;
  /** Output is waiting for the socket (conn.deadline is when the client must have read it). */
  private blocked = false;
  /** The frame pump is running (flush() leaves small frames for it to write when it stops). */
  private pumping = false;
  /** A Close waiting for room in the output area (0: none), and its reason. */
  private queuedClose = 0;
  private queuedReason = '';

  /** Made at the upgrade that first needs it; `conn` is that upgrade's connection (every slot has the same size); begin() gives it each next one. */
  constructor(conn: Connection, host: SessionHost, accept: AcceptHasher) {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
    this.conn = conn;
    this.host = host;
    this.accept = accept;
    if (!(conn.input.length >= 2 * CONTROL_ROOM))
      throw new RangeError(
        `server: WebSocket routes need slotSize of at least ${2 * CONTROL_ROOM} bytes, got ${conn.input.length}`,
      );
    this.parser = new FrameParser(conn.input.length);
    this.message = new MessageView(this, conn.input, host.text);
  }

  // ---- the server's side ----

  /**
   * The upgrade request passed the route's chain (its last handler checked
   * the handshake and answered 101): answer 101, run open, and read frames.
   * A handler of the chain that answered 101 itself, with a handshake that
   * does not pass, gets 400 and the connection closes.
   */
  begin(conn: Connection, route: WsRoute): void {
    this.conn = conn;
    this.message.slot = conn.input;
    const head = conn.head;
    const input = conn.input;
    const key = checkUpgrade(input, head);
    if (key < 0) {
      this.host.fail(conn, 400);
      return;
    }
    const pick = route.protocols.length > 0 ? chooseProtocol(input, head, route.protocols) : -1;
    this.chosen = pick >= 0 ? route.protocols[pick] : '';
    conn.outPos = 0;
    conn.outLen = writeSwitchingProtocols(
      this.accept,
      input,
      head.headers[key * 4 + 2],
      head.headers[key * 4 + 3],
      pick >= 0 ? route.protocols[pick] : null,
      conn.output,
      0,
    );
    this.host.counters.responses[1]++;
    this.host.counters.webSockets++;
    conn.state = WS;
    this.route = route;
    this.state = OPEN;
    this.reported = false;
    this.linger = false;
    this.blocked = false;
    this.queuedClose = 0;
    this.pingSentAt = -1;
    this.heard = false;
    this.lastHeard = this.host.platform.now();
    if (route.open !== null) {
      try {
        this.settle(route.open(this, conn.ctx));
      } catch (error) {
        this.handlerFailed(error);
      }
    }
    // The request's bytes are overwritten by frames from here on: keep the params, in front.
    const base = this.keepParams();
    this.parser.reset(conn.requestEnd, route.maxMessage, base);
    if (input.length - base < 2 * CONTROL_ROOM) this.fail(CLOSE_TOO_BIG);
    this.flush();
    this.pump();
  }

  /** Platform callback (through the server): bytes are waiting. */
  readable(): void {
    this.pump();
  }

  /** Platform callback (through the server): the socket has room again. */
  writable(): void {
    if (!this.host.writer.flush(this.conn)) {
      this.host.keepWriting(this.conn); // a slow reader that keeps up gets more time (Engine.keepWriting)
      return;
    }
    this.compact();
    this.blocked = false;
    this.pump();
  }

  /** The server's timer: pings an idle peer, drops one that does not answer, or does not read. */
  tick(now: number): void {
    if (this.state === NONE) return;
    if (this.heard) {
      this.heard = false;
      this.lastHeard = now;
      this.pingSentAt = -1;
    }
    const o = this.host.options;
    if (this.blocked) {
      if (now >= this.conn.deadline) this.drop(); // the client stopped reading
    } else if (this.state === CLOSING) {
      if (now - this.closeSentAt >= o.wsPingTimeout) this.drop(); // no Close came back
    } else if (this.state === OPEN) {
      if (this.pingSentAt >= 0) {
        if (now - this.pingSentAt >= o.wsPingTimeout) this.drop(); // no answer to the ping
      } else if (o.wsIdleTimeout > 0 && now - this.lastHeard >= o.wsIdleTimeout && this.writePing()) {
        this.pingSentAt = now;
      }
    }
  }

  /** The server is stopping: Close 1001 (going away). */
  goingAway(): void {
    'cold';
    if (this.state === OPEN) this.close(CLOSE_GOING_AWAY, '');
  }

  /** The slot is being released: the close handler hears 1006 if nothing was said. */
  end(): void {
    if (this.state === NONE) return;
    this.finish(CLOSE_ABNORMAL, '');
    this.closes++;
    this.state = NONE;
    this.route = null;
    this.data = undefined;
    this.chosen = '';
    this.queuedClose = 0;
    this.queuedReason = '';
    this.blocked = false;
  }

  // ---- the `ws` handlers see ----

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  get generation(): number {
    return this.closes;
  }

  get protocol(): string {
    return this.chosen;
  }

  get remoteAddress(): string {
    return this.conn.ctx.remoteAddress;
  }

  get env(): Env {
    return this.host.env;
  }

  param(name: string): string {
    return this.conn.ctx.param(name);
  }

  send(data: string | Uint8Array | WsMessage): boolean {
    const conn = this.conn;
    if (this.state !== OPEN || conn.socket === null) return false;
    const out = conn.output;
    if (typeof data === 'string') {
      const length = utf8Length(data, 0);
      const head = frameHeadLength(length);
      let p = this.room(head + length);
      if (p >= 0) {
        p = writeFrameHead(out, p, OP_TEXT, true, length);
        encodeUtf8(data, 0, out, p, p + length, null);
        conn.outLen = p + length;
      } else {
        // Longer than the room: the head and what fits now, the rest encoded as the socket takes it.
        p = this.room(head + 4);
        if (p < 0) return false;
        p = writeFrameHead(out, p, OP_TEXT, true, length);
        conn.bodyChar = encodeUtf8(data, 0, out, p, out.length, conn);
        conn.bodyString = data;
        conn.outLen = conn.encodeEnd;
      }
    } else if (data instanceof Uint8Array) {
      const length = data.length;
      const head = frameHeadLength(length);
      let p = this.room(head + length);
      if (p >= 0) {
        p = writeFrameHead(out, p, OP_BINARY, true, length);
        for (let i = 0; i < length; i++) out[p + i] = data[i];
        conn.outLen = p + length;
      } else {
        // Sent from where it is (it must stay unchanged until sent), as c.send() does.
        p = this.room(head);
        if (p < 0) return false;
        conn.outLen = writeFrameHead(out, p, OP_BINARY, true, length);
        conn.bodyBytes = data;
        conn.bodyPos = 0;
        conn.bodyEnd = length;
      }
    } else if (data instanceof MessageView) {
      const length = data.end - data.start;
      const head = frameHeadLength(length);
      let p = this.room(head + length);
      if (p >= 0) {
        p = writeFrameHead(out, p, data.opcode, true, length);
        conn.outLen = data.writeInto(out, p);
      } else {
        // Only from this socket's own slot, which is not parsed again until it is sent.
        if (data.owner !== this) return false;
        p = this.room(head);
        if (p < 0) return false;
        conn.outLen = writeFrameHead(out, p, data.opcode, true, length);
        conn.bodyBytes = conn.input;
        conn.bodyPos = data.start;
        conn.bodyEnd = data.end;
      }
    } else throw new TypeError('ws.send takes a string, a Uint8Array or a received message');
    this.flush();
    return true;
  }

  close(code = CLOSE_NORMAL, reason = ''): void {
    if (!isValidCloseCode(code))
      throw new TypeError(`ws.close: ${code} may not be sent in a Close frame (1000-1003, 1007-1014, 3000-4999)`);
    if (this.state !== OPEN) return;
    this.writeClose(code, reason);
    this.state = CLOSING;
    this.closeSentAt = this.host.platform.now();
  }

  ping(): boolean {
    return this.state === OPEN && this.writePing();
  }

  // ---- the frame pump ----

  /**
   * Parses and answers what is in the slot and the socket, until it needs
   * output room or bytes. Frames its handlers queue in the output area go
   * out together when it stops (one socket write for a burst of messages,
   * not one per frame).
   */
  private pump(): void {
    if (this.pumping) return; // called again from within (a handler's doing): the running pump goes on
    this.pumping = true;
    try {
      this.pumpFrames();
    } finally {
      this.pumping = false;
    }
    if (this.state !== NONE) this.flushNow();
  }

  private pumpFrames(): void {
    const conn = this.conn;
    const parser = this.parser;
    for (;;) {
      const socket = conn.socket;
      if (this.state === NONE || socket === null) return;
      if (this.queuedClose !== 0 && !this.writeQueuedClose()) return;
      if (
        conn.bodyBytes !== undefined ||
        conn.bodyChar > 0 ||
        this.state === CLOSED ||
        (conn.outLen - conn.outPos) * 2 > conn.output.length
      ) {
        // A long payload (perhaps from this slot), the last frames, or an output area more than half
        // full: out before the next frame, whose answer (a Pong, a Close, an echo) then finds room.
        this.flushNow();
        if (this.host.writer.pending(conn)) return; // writable() resumes
      }
      if (this.blocked) return; // the socket is full: writable() resumes
      if (this.state === CLOSED) {
        this.host.close(conn, this.linger);
        return;
      }
      const event = parser.parse(conn.input, conn.filled);
      if (event === WS_MORE) {
        conn.filled = parser.filled;
        const space = conn.input.length - conn.filled;
        const n = space > 0 ? socket.read(conn.input, conn.filled, space) : 0;
        if (n <= 0) return;
        conn.filled += n;
        this.heard = true; // the timer notes when (a clock read per tick, not per read)
        continue;
      }
      if (event < 0) this.fail(-event);
      else if (event === OP_TEXT || event === OP_BINARY) this.deliver(event);
      else if (event === OP_PING) this.pong();
      else if (event === OP_CLOSE) this.closeReceived();
      // OP_PONG: the bytes it came in already counted as a sign of life.
    }
  }

  /** A whole message: the route's message handler. */
  private deliver(opcode: number): void {
    const route = this.route;
    if (route === null) return;
    const msg = this.message;
    msg.opcode = opcode;
    msg.start = this.parser.start;
    msg.end = this.parser.end;
    try {
      this.settle(route.message(this, msg));
    } catch (error) {
      this.handlerFailed(error);
    }
    msg.start = 0; // a message kept past its handler reads as empty
    msg.end = 0;
  }

  /** A Ping: the Pong echoes its payload (nothing is pending while frames are parsed, so it fits). */
  private pong(): void {
    if (this.state !== OPEN) return;
    const p = this.room(2 + MAX_CONTROL_PAYLOAD);
    if (p < 0) return;
    this.conn.outLen = writeControlFrame(
      this.conn.output,
      p,
      OP_PONG,
      this.conn.input,
      this.parser.start,
      this.parser.end,
    );
    this.flush();
  }

  /** The peer's Close: echo its code (none when it sent none), report, and close once written. */
  private closeReceived(): void {
    'cold';
    const parser = this.parser;
    const code = parser.closeCode;
    if (this.state === OPEN) this.writeClose(code, '');
    this.linger = false;
    this.finish(
      code,
      parser.end > parser.start ? decodeUtf8(this.conn.input, parser.start, parser.end, this.host.text) : '',
    );
  }

  /** Fails the connection with `code`: Close with it (unless one was sent), report, close lingering. */
  private fail(code: number): void {
    if (this.state === OPEN) this.writeClose(code, '');
    this.linger = true;
    this.finish(code, '');
  }

  /** The peer stopped answering or reading: close at once, the close handler hears 1006. */
  private drop(): void {
    'cold';
    this.host.counters.timeouts++;
    this.finish(CLOSE_ABNORMAL, '');
    this.host.close(this.conn, false);
  }

  /** Reports the close once: the close handler runs; no handler runs after it. */
  private finish(code: number, reason: string): void {
    if (this.state === OPEN || this.state === CLOSING) this.state = CLOSED;
    if (this.reported) return;
    this.reported = true;
    this.host.counters.webSockets--;
    const route = this.route;
    if (route === null || route.close === null) return;
    try {
      this.settle(route.close(this, code, reason));
    } catch (error) {
      this.host.counters.errors++;
      this.host.platform.log(`chipweb: WebSocket close handler error on ${route.path}: ${describeError(error)}`);
    }
  }

  /** A handler threw: log it and close with 1011. */
  private handlerFailed(error: unknown): void {
    'cold';
    this.host.counters.errors++;
    const path = this.route === null ? '' : this.route.path;
    this.host.platform.log(`chipweb: WebSocket handler error on ${path}: ${describeError(error)}`);
    if (this.state === OPEN || this.state === CLOSING) this.fail(CLOSE_INTERNAL_ERROR);
  }

  /** An async handler's promise: log a rejection (not awaited). */
  private settle(result: unknown): void {
    if (isPromiseLike(result)) result.then(undefined, this.host.wsRejected);
  }

  // ---- output ----

  /**
   * Where `n` more bytes can be written in the output area, after what is
   * still pending there (moved to the front), or -1: no room now, or a
   * long payload is still going out.
   */
  private room(n: number): number {
    const conn = this.conn;
    if (conn.bodyBytes !== undefined || conn.bodyChar > 0) return -1;
    this.compact();
    if (conn.outLen + n > conn.output.length && conn.outLen > 0 && !this.blocked) {
      this.flushNow(); // frames the pump held back: out now, to make room
      this.compact();
    }
    return conn.outLen + n <= conn.output.length ? conn.outLen : -1;
  }

  /** Moves what is still to be written to the front of the output area. */
  private compact(): void {
    const conn = this.conn;
    if (conn.outPos === 0) return;
    if (conn.outPos < conn.outLen) conn.output.copyWithin(0, conn.outPos, conn.outLen);
    conn.outLen -= conn.outPos;
    conn.outPos = 0;
  }

  /** Writes the output now, or when the pump stops if it is running and the frames are all in the output area. */
  private flush(): void {
    const conn = this.conn;
    if (this.pumping && !this.blocked && conn.bodyBytes === undefined && conn.bodyChar === 0) return;
    this.flushNow();
  }

  /** Writes what the socket takes; notes when the client must have read the rest by. */
  private flushNow(): void {
    const conn = this.conn;
    if (this.host.writer.flush(conn)) {
      this.blocked = false;
      return;
    }
    if (!this.blocked && conn.socket !== null) {
      this.blocked = true;
      conn.deadline = this.host.platform.now() + this.host.options.writeTimeout;
      conn.progress = 0;
    }
  }

  /** Queues a Close frame (code 0 or 1005: an empty one); waits for room behind a long payload. */
  private writeClose(code: number, reason: string): void {
    'cold';
    const p = this.room(CLOSE_FRAME_BYTES);
    if (p < 0) {
      this.queuedClose = code === 0 ? CLOSE_NO_STATUS : code;
      this.queuedReason = reason;
      return;
    }
    this.conn.outLen = writeCloseFrame(this.conn.output, p, code, reason, this.conn);
    this.flush();
  }

  /** Writes the Close that waited for room; false while there is still none. */
  private writeQueuedClose(): boolean {
    'cold';
    if (this.room(CLOSE_FRAME_BYTES) < 0) return false;
    const code = this.queuedClose;
    const reason = this.queuedReason;
    this.queuedClose = 0;
    this.queuedReason = '';
    this.writeClose(code, reason);
    return true;
  }

  /** Queues an empty Ping; false when there is no room now. */
  private writePing(): boolean {
    const p = this.room(2);
    if (p < 0) return false;
    this.conn.outLen = writeFrameHead(this.conn.output, p, OP_PING, true, 0);
    this.flush();
    return true;
  }

  /**
   * Moves the route's param bytes to the front of the slot (the request is
   * overwritten by frames from now on) and points the Context's param spans
   * at them; returns where messages may start. Each moves down, so a
   * forward copy is safe.
   */
  private keepParams(): number {
    const ctx = this.conn.ctx;
    const input = this.conn.input;
    const spans = ctx.paramSpans;
    let p = 0;
    for (let i = 0; i < ctx.paramNames.length; i++) {
      const start = spans[i * 2];
      const end = spans[i * 2 + 1];
      spans[i * 2] = p;
      for (let k = start; k < end; k++) input[p++] = input[k];
      spans[i * 2 + 1] = p;
    }
    return p;
  }
}
