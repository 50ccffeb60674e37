/**
 * The state of one pool slot's connection: where the request stands in the
 * slot buffer, and what of the response is still to be written. One per
 * slot, made at start; the server (server.ts) moves it through the states.
 *
 * Never: allocate after construction.
 */
import { SlotContext } from './context.ts';
import type { Env, StreamSink } from './context.ts';
import { BodyStream } from './body-stream.ts';
import { ChunkedDecoder } from './http/chunked.ts';
import { RequestHead } from './http/parser.ts';
import { FRAMING_CHUNKED } from './http/response.ts';
import type { Pool } from './pool.ts';
import type { Socket } from './platform.ts';
import type { EncodeEnd } from './http/text.ts';

/** The slot is free. */
export const FREE = 0;
/** Reading a head (or idle between requests when filled === 0). */
export const HEAD = 1;
/** Reading a body. */
export const BODY = 2;
/** An async chain is running. */
export const HANDLER = 3;
/** Waiting for the socket to take the rest of a response. */
export const WRITE = 4;
/** A streamed response is open between writes. */
export const STREAM = 5;
/** A WebSocket: the slot belongs to its session (src/ws/session.ts) until it closes. */
export const WS = 6;

/** Per-slot connection state. Made once per slot at start. */
export class Connection implements EncodeEnd {
  /** The pool slot. */
  readonly slot: number;
  /** The slot's request bytes and response staging. */
  readonly input: Uint8Array;
  readonly output: Uint8Array;
  /** Parser offsets of the current request. */
  readonly head: RequestHead;
  /**
   * Decoder state of a chunked request body: the server's idle one, shared
   * by every connection, until this one's first chunked request (then its
   * own, kept; see ownChunked).
   */
  chunked: ChunkedDecoder;
  /**
   * A request body taken as it arrives (streamBody() routes): the server's
   * idle one, never active, until this one's first streamed body (then its
   * own, kept; see ownBody).
   */
  body: BodyStream;
  /** The current request's route (a MATCH_* code when none), found once the head is parsed. */
  route = -1;
  /** The context serving this slot; swapped for a spare when a chain is abandoned. */
  ctx: SlotContext;
  /** The connection's socket; null once it is gone. */
  socket: Socket | null = null;
  /** One of the states above. */
  state = FREE;
  /** Bytes of the slot filled with received data. */
  filled = 0;
  /** Where the current request's body starts, and where its raw bytes end. */
  bodyStart = 0;
  requestEnd = 0;
  /** When the current state times out (platform clock). */
  deadline = 0;
  /** When the last response finished (least-recently-used eviction). */
  lastActive = 0;
  /** Requests answered on this connection. */
  served = 0;
  /** The response says keep-alive. */
  keepAlive = false;
  /** Close once the pending output is written. */
  closeAfterWrite = false;
  /** The socket is gone while an async handler still runs: free the slot when it settles. */
  orphaned = false;
  /** Output staging: bytes [outPos, outLen) of `output` still to send. */
  outPos = 0;
  outLen = 0;
  /** Rest of a string body still to encode. */
  bodyString = '';
  /** Where the last encodeUtf8 into `output` stopped. */
  encodeEnd = 0;
  bodyChar = 0;
  /** Rest of a byte body still to send, straight from its source. */
  bodyBytes: Uint8Array | undefined = undefined;
  bodyPos = 0;
  bodyEnd = 0;
  /**
   * Bytes the socket took since the write deadline was last set: a client
   * that takes an output area's worth within writeTimeout gets another
   * writeTimeout (a slow reader finishes); one that trickles does not.
   */
  progress = 0;
  /** A streamed response is open; `streamEnding` once end() was called. */
  streaming = false;
  streamEnding = false;
  /**
   * How a streamed response's body is framed: FRAMING_CHUNKED; FRAMING_CLOSE
   * for HTTP/1.0 (the close ends it); FRAMING_LENGTH when it has none (a
   * 204 or 304, or the 500 that replaced an invalid head).
   */
  streamFraming = FRAMING_CHUNKED;
  /** Generation of the request an async handler belongs to. */
  awaiting = -1;

  /** The shared idle decoder and body, which this connection gives up at its first need of its own. */
  private readonly idle: IdleBodyParts;

  /** Binds the slot's buffers and makes its parser state and Context. */
  constructor(
    sink: StreamSink,
    slot: number,
    pool: Pool,
    limits: number,
    params: number,
    env: Env,
    idle: IdleBodyParts,
  ) {
    this.idle = idle;
    this.chunked = idle.chunked;
    this.body = idle.body;
    this.slot = slot;
    this.input = pool.inputs[slot];
    this.output = pool.outputs[slot];
    this.head = new RequestHead(limits);
    this.ctx = new SlotContext(slot, this.input, this.head, params, env, sink);
  }

  /** This connection's own chunked decoder, made at its first chunked request and kept. */
  ownChunked(): ChunkedDecoder {
    'cold'; // once per connection that sends a chunked body: kept in flash on Espruino until called
    if (this.chunked === this.idle.chunked) this.chunked = new ChunkedDecoder();
    return this.chunked;
  }

  /**
   * A new request's body state. Only a connection's own body stream has any:
   * the idle one is never written, so it is not reset for every request.
   */
  resetBody(): void {
    if (!this.body.idle) this.body.reset();
  }

  /** This connection's own body stream, made at its first streamed body and kept. */
  ownBody(): BodyStream {
    'cold'; // once per connection that streams a body: kept in flash on Espruino until called
    if (this.body === this.idle.body) this.body = new BodyStream();
    return this.body;
  }
}

/**
 * A chunked decoder and a body stream every connection of a server holds
 * until it needs its own: most requests have neither a chunked nor a
 * streamed body, and on Espruino each property of each object costs
 * variables. The idle body is never active; the idle decoder never decodes.
 */
export class IdleBodyParts {
  readonly chunked = new ChunkedDecoder();
  readonly body = new BodyStream();

  constructor() {
    this.body.idle = true;
  }
}
