/**
 * Context: what a handler sees of one request and how it answers.
 *
 * One Context per pool slot, created at start and reused for every request
 * the slot serves (as Gin pools its contexts). Request accessors read the
 * slot buffer through the parser's offsets and make a string only when the
 * handler asks for one. Response helpers record what to send; the server
 * encodes it when the middleware chain has finished. What only some
 * requests need (the values of set(), the callbacks that hear when an async
 * chain settles) is made the first time a request on the slot needs it,
 * then kept: a one-time cost per context, never one per request.
 *
 * Never: allocate in the accessors beyond the string or view returned; never
 * keep a Context (or a view from body()) after the handler's promise
 * settles: the slot serves the next request.
 */
import { parseJson } from './json.ts';
import { decodeComponent, decodeLatin1, decodeUtf8, equalsAscii, indexOfWhole } from './http/text.ts';
import type { TextScratch } from './http/text.ts';
import type { RequestHead } from './http/parser.ts';
import type { Device } from './device.ts';
import type { Platform } from './platform.ts';
import type { ServerStats } from './stats.ts';
import type { PieceReader } from './body-stream.ts';
import { STANDARD_METHOD_NAMES } from './router/methods.ts';
import {
  BODY_BYTES,
  BODY_STREAM,
  BODY_STRING,
  ResponseState,
  TYPE_BYTES,
  TYPE_HTML,
  TYPE_JSON,
  TYPE_TEXT,
} from './http/response.ts';

/** A route handler or middleware. It may be async; middleware calls `await c.next()`. */
export type Handler<P extends string = string> = (c: Context<P>) => unknown;

/** Handles an error thrown by a handler; must answer through `c`. */
export type ErrorHandler = (error: unknown, c: Context) => unknown;

/** Throw one from a handler to answer with `status` and a short text body. */
export class HttpError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Creates an error that the server answers with `status` and `message`. */
  constructor(status: number, message: string) {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
    super(message);
    this.status = status;
  }
}

/** True when a handler returned a promise (or any thenable) to wait for. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * The text of an error for a log line: its stack when it has one, after
 * its name and message when the stack lacks them (Espruino's holds only
 * the frames).
 */
export function describeError(error: unknown): string {
  'cold';
  if (!(error instanceof Error)) return String(error);
  const stack = error.stack;
  const title = `${error.name || 'Error'}: ${error.message}`; // Espruino's errors may have no name
  if (!stack) return title;
  return indexOfWhole(stack, error.message) >= 0 ? stack : `${title}\n${stack}`;
}

/** What the server lets a Context do with its connection. */
export interface StreamSink {
  /** An async chain finished (or failed). */
  handlerSettled(c: SlotContext, error: unknown, failed: boolean): void;
  /** Answers now for a chain that is still running; see Context.abandon(). */
  abandon(c: SlotContext, status: number, body: string): boolean;
  /** Sends the head now and switches the response to chunked streaming. */
  beginStream(c: SlotContext): void;
  /** Queues a chunk; returns false when the socket cannot take it now. */
  writeStream(c: SlotContext, data: string | Uint8Array): boolean;
  /** Sends the final chunk; the connection then goes on (or closes). */
  endStream(c: SlotContext): void;
  /** Starts handing the body to `reader` (see Context.readBody). */
  readBody(c: SlotContext, reader: PieceReader, resolve: () => void, reject: (error: unknown) => void): void;
  /** The scratch text is decoded through (shared: handlers run one at a time). */
  readonly text: TextScratch;
}

/**
 * What the host provides to every handler through `c.env`: the platform,
 * the device (LED, Wi-Fi) when there is one, and the server's counters.
 * One object per server, shared by all contexts.
 */
export interface Env {
  /** The host platform (clock, store, assets, memory, log). */
  readonly platform: Platform;
  /** The board's device, or its simulated twin; null when the host has none. */
  readonly device: Device | null;
  /** The server's counters, read-only. */
  stats(): Readonly<ServerStats>;
  /** Counts a handler error that middleware answered itself (recovery() does). */
  countError(): void;
  /** The scratch the server decodes text through, shared by the core's middleware (one call at a time). */
  readonly text: TextScratch;
}

/**
 * The request as it lies in the slot, for middleware that compares bytes
 * where they are instead of making strings (authentication, CORS, ETags).
 * Read-only; valid until the response is sent.
 */
export interface RawRequest {
  /** The slot's bytes: the request head, then the body. */
  readonly bytes: Uint8Array;
  /** The path's span in `bytes` (no query). */
  readonly pathStart: number;
  readonly pathEnd: number;
  /**
   * The body's length in bytes; for a streamed body (streamBody()) its
   * Content-Length, or -1 when it is chunked.
   */
  readonly bodyLength: number;
  /** Index of the first header named `name` (ASCII, case-insensitive), or -1. */
  headerIndex(name: string): number;
  /** Start of header `index`'s value in `bytes`. */
  valueStart(index: number): number;
  /** End of header `index`'s value in `bytes`. */
  valueEnd(index: number): number;
}

/**
 * What a handler sees of one request and how it answers. `P` names the
 * route's params, so `c.param()` only takes those.
 */
export interface Context<P extends string = string> {
  // ---- request ----
  /** The request method, e.g. "GET". */
  readonly method: string;
  /** The request path without the query, as sent (not percent-decoded). */
  readonly path: string;
  /** The raw query string after '?', or '' when there is none. */
  readonly queryString: string;
  /** A path parameter of the route, percent-decoded. */
  param(name: P): string;
  /** The first value of a query parameter, decoded; undefined when absent. */
  query(name: string): string | undefined;
  /** A request header's value (first of that name, case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** The request body as a view into the slot (valid until the response is sent). */
  body(): Uint8Array;
  /** The request body decoded as UTF-8. */
  bodyText(): string;
  /**
   * The request body parsed as JSON; throws HttpError 400 when it is not
   * JSON. `keys`: the member names the handler reads; on the board (XS)
   * the others are skipped without making a name XS never frees, so give
   * them for any body a client writes (see src/json.ts).
   */
  bodyJson<T = unknown>(keys?: readonly string[]): T;
  /**
   * Hands the body to `onPiece` piece by piece, as spans of the slot
   * (bytes[start..end), valid until `onPiece` returns, or until the promise
   * it returns settles: the server reads no more meanwhile). On a
   * streamBody() route the pieces arrive as the client sends them; on any
   * other route the whole body is one piece. Resolves once the body has
   * ended; rejects with HttpError 400 (malformed or cut short), 408 (too
   * slow) or 413 (over the limit), with whatever `onPiece` throws, or when
   * the client goes away.
   */
  readBody(onPiece: (bytes: Uint8Array, start: number, end: number) => unknown): Promise<void>;
  /**
   * Caps this request's body at `max` bytes (bodyLimit() uses it). False
   * when it is over already: a body in the slot, or a streamed body whose
   * Content-Length says so; a streamed body that grows past it ends
   * readBody() with 413.
   */
  limitBody(max: number): boolean;
  /** The peer's address. */
  readonly remoteAddress: string;
  /** The request's bytes and spans, for byte-level middleware. */
  readonly raw: RawRequest;
  /** Host services: platform, device, the server's counters. */
  readonly env: Env;
  /**
   * Changes whenever this Context moves on to another request: keep it with
   * `c` and compare before writing later (a stream kept in a list).
   */
  readonly generation: number;

  // ---- per-request values and the chain ----
  /** Stores a value for later middleware and handlers of this request (up to 8). */
  set(key: string, value: unknown): void;
  /** A value stored with set(), or undefined. */
  get<T = unknown>(key: string): T | undefined;
  /**
   * Runs the rest of the middleware chain; await it in middleware. It may
   * return a promise even when the rest is synchronous (past
   * ServerOptions.chainNesting handlers, as on Espruino).
   */
  next(): unknown;

  // ---- response ----
  /** Sets the status code of the response. */
  status(code: number): this;
  /** The response status so far (200 until something sets it). */
  readonly statusCode: number;
  /**
   * Sets a response header, replacing one of the same name (up to 16);
   * `Content-Type` replaces the type the answer helpers set.
   */
  setHeader(name: string, value: string): this;
  /**
   * Adds `value` to a list header (`Vary`, `Cache-Control` …): joined to
   * what is set with ", ", once. Middleware that vary the answer use it, so
   * that neither replaces the other's.
   */
  appendHeader(name: string, value: string): this;
  /** True once a handler has produced the response; later answers are ignored. */
  readonly responded: boolean;
  /** True while a streamed response (stream()) is open. */
  readonly streaming: boolean;
  /** True once abandon() answered for this request: the chain runs on detached, and its answers are dropped. */
  readonly abandoned: boolean;
  /** Answers with a text body. */
  text(body: string, status?: number): void;
  /** Answers with `JSON.stringify(value)`. */
  json(value: unknown, status?: number): void;
  /** Answers with an HTML body. */
  html(body: string, status?: number): void;
  /** Answers with bytes (not copied: they must stay unchanged until sent). */
  send(bytes: Uint8Array, contentType?: string, status?: number): void;
  /** Answers with no body (204 unless a status is given). */
  empty(status?: number): void;
  /** Redirects to `location` (302 unless another 3xx code is given). */
  redirect(location: string, code?: number): void;
  /**
   * Starts a streamed response (chunked encoding), e.g. Server-Sent Events.
   * The slot stays with this request until end(); write() returns false
   * when the client is not keeping up (the data was not queued).
   */
  stream(contentType: string, status?: number): void;
  /**
   * Writes a chunk of a streamed response; false when it was not queued.
   * A chunk is at most outputSize − 16 bytes (RangeError otherwise): split
   * longer data. A 204 or 304 stream, or one answering HEAD, sends no body.
   */
  write(data: string | Uint8Array): boolean;
  /** Ends a streamed response. */
  end(): void;
  /**
   * Answers `status` with a text body now, while the chain is still running
   * (the timeout middleware uses it); the late handler's answers are dropped.
   * False when there is nothing to abandon: already answered, or the chain
   * has not yet waited on anything (before the handler's first await it is
   * still running and answers itself).
   */
  abandon(status: number, body: string): boolean;
  /**
   * Forgets the status, body and headers set so far, so an error handler can
   * answer afresh; `keepHeaders` keeps that many of the first header lines
   * (those set before a point, see `headersSet`: recovery() keeps what
   * middleware before it set, CORS say). A streamed response's head is
   * already sent: it stays.
   */
  resetResponse(keepHeaders?: number): void;
  /** How many response header lines are set so far (a mark for resetResponse). */
  readonly headersSet: number;
}

/**
 * `c.methodCode` of a request whose method the route table has no code for
 * (a standard method no route uses, such as CONNECT): it can only be 404 or 405.
 */
export const UNKNOWN_METHOD = 255;

/** Most values `c.set` can hold per request. */
const MAX_VARS = 8;
/** What an unused c.set() key holds: one shared string (see response.ts UNSET). */
const UNSET_KEY = '';
/**
 * bodyLimit when no limit was set: larger than any body a board takes, and
 * an integer, which Espruino stores in the property's own variable (Infinity
 * would take one more per slot).
 */
const NO_BODY_LIMIT = 0x7fffffff;
/** Shared empty lists for a context that has served nothing yet (frozen: in flash on the board). */
const NO_NAMES: readonly string[] = Object.freeze([]);
const NO_HANDLERS: readonly Handler<any>[] = Object.freeze([]);

/** True when a query span holds '%' or '+' and so may decode to another name. */
function needsDecoding(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === 37 || b[i] === 43) return true;
  return false;
}

/**
 * The Context of one pool slot, with the state the server moves it
 * through. Made once per slot at start (a spare at the first abandoned
 * chain); internal to the core: handlers see it only as a Context.
 */
export class SlotContext<P extends string = string> implements Context<P>, RawRequest {
  /** Index of the pool slot this context serves (-1 for a spare). */
  slot: number;
  /** The slot's request bytes. */
  bytes: Uint8Array;
  /** Parser offsets of the current request. */
  head: RequestHead;
  /** Abandoned by its connection (see abandon()): every response call is ignored. */
  detached = false;
  /**
   * Settlement callbacks for async chains: made at the first one this context waits for, then kept.
   * Undefined until then, not null: on Espruino a property holding null costs a variable more.
   */
  private settled: (() => void) | undefined = undefined;
  private rejected: ((error: unknown) => void) | undefined = undefined;
  /** Param spans written by the router: [start, end] per param. */
  readonly paramSpans: Int32Array;
  /** The response being built. */
  readonly res: ResponseState;
  /** Method code (router numbering) of the current request. */
  methodCode = 0;
  /** Method name for codes outside the standard seven (from the route table). */
  customMethod = '';
  /** Param names of the matched route, in path order. */
  paramNames: readonly string[] = NO_NAMES;
  /** Body span in `bytes` (empty for a streamed body). */
  bodyStart = 0;
  bodyEnd = 0;
  /** The body streams (streamBody()); its bytes arrive through readBody(). */
  bodyStreamed = false;
  /** Most body bytes this request may send (limitBody()); NO_BODY_LIMIT when none was set. */
  bodyLimit = NO_BODY_LIMIT;
  /** Peer address of the connection. */
  remoteAddress = '';
  /** True for HEAD requests: the body is computed but not sent. */
  isHead = false;
  /** Bumped for every request this context serves; lets late async work detect reuse. */
  generation = 0;
  /** Set by the server: the middleware chain of the current request. */
  chain: readonly Handler<any>[] = NO_HANDLERS;
  /** Position in `chain`. */
  index = 0;
  /** Set by the server: ServerOptions.chainNesting, Infinity for none (every handler of the chain runs nested). */
  chainNesting = Infinity;
  /**
   * The generation whose next handler waits in a promise job (nextFromJob),
   * else -1; the server sets it back to -1 to cancel a job whose chain has
   * already ended (a middleware that dropped c.next()'s promise).
   */
  queuedFor = -1;
  /** The server's side of the connection. */
  readonly sink: StreamSink;
  /** Host services: platform, device, server counters. */
  readonly env: Env;
  /** The values set(): made at the first set() on this context, at their full size, then kept (undefined until then). */
  private varKeys: string[] | undefined = undefined;
  private varValues: unknown[] | undefined = undefined;
  private varCount = 0;

  /** Made once per slot at start, or as a spare (slot -1) when first needed. */
  constructor(slot: number, bytes: Uint8Array, head: RequestHead, maxParams: number, env: Env, sink: StreamSink) {
    this.slot = slot;
    this.env = env;
    this.sink = sink;
    this.bytes = bytes;
    this.head = head;
    this.paramSpans = new Int32Array(maxParams * 2);
    this.res = new ResponseState();
  }

  /** Clears per-request state; called by the server before each request. */
  beginRequest(): void {
    this.res.clearAll();
    if (this.varCount > 0) this.clearVars();
    this.index = 0;
    this.bodyStreamed = false;
    this.bodyLimit = NO_BODY_LIMIT;
    this.generation++;
  }

  /** beginRequest() for a request that set variables (ctx.set): they go, and their slots are free again. */
  private clearVars(): void {
    'noinline'; // most requests set none: Espruino reads the code it skips token by token
    const keys = this.varKeys;
    const values = this.varValues;
    if (keys !== undefined && values !== undefined) {
      for (let i = 0; i < this.varCount; i++) {
        keys[i] = UNSET_KEY;
        values[i] = undefined;
      }
    }
    this.varCount = 0;
  }

  // ---- request ----

  /** The request method, e.g. "GET". */
  get method(): string {
    return this.methodCode < STANDARD_METHOD_NAMES.length ? STANDARD_METHOD_NAMES[this.methodCode] : this.customMethod;
  }

  /** The request path without the query, as sent (not percent-decoded). */
  get path(): string {
    return decodeLatin1(this.bytes, this.head.pathStart, this.head.pathEnd, this.sink.text);
  }

  /** The raw query string after '?', or '' when there is none. */
  get queryString(): string {
    const h = this.head;
    if (h.pathEnd >= h.targetEnd || this.bytes[h.pathEnd] !== 63) return '';
    return decodeLatin1(this.bytes, h.pathEnd + 1, h.targetEnd, this.sink.text);
  }

  /** A path parameter of the route, percent-decoded. */
  param(name: P): string {
    const names = this.paramNames;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === name)
        return decodeComponent(this.bytes, this.paramSpans[i * 2], this.paramSpans[i * 2 + 1], false, this.sink.text);
    }
    return '';
  }

  /** The first value of a query parameter, decoded; undefined when absent. */
  query(name: string): string | undefined {
    const h = this.head;
    const b = this.bytes;
    let p = h.pathEnd;
    if (p >= h.targetEnd || b[p] !== 63) return undefined;
    p++;
    const end = h.targetEnd;
    while (p <= end) {
      let e = p;
      while (e < end && b[e] !== 38) e++;
      let eq = p;
      while (eq < e && b[eq] !== 61) eq++;
      const text = this.sink.text;
      if (equalsAscii(b, p, eq, name) || (needsDecoding(b, p, eq) && decodeComponent(b, p, eq, true, text) === name)) {
        return eq < e ? decodeComponent(b, eq + 1, e, true, text) : '';
      }
      p = e + 1;
    }
    return undefined;
  }

  /** The request's bytes and spans (this context itself, seen as a RawRequest). */
  get raw(): RawRequest {
    return this;
  }

  /** The path's span in the slot. */
  get pathStart(): number {
    return this.head.pathStart;
  }
  get pathEnd(): number {
    return this.head.pathEnd;
  }

  /** The body's length in bytes (a streamed body's Content-Length, or -1 when chunked). */
  get bodyLength(): number {
    if (!this.bodyStreamed) return this.bodyEnd - this.bodyStart;
    return this.head.chunked ? -1 : this.head.contentLength;
  }

  /** Index of the first header named `name`, or -1. */
  headerIndex(name: string): number {
    return this.head.findHeader(this.bytes, name);
  }

  /** Start of header `index`'s value in the slot. */
  valueStart(index: number): number {
    return this.head.headers[index * 4 + 2];
  }

  /** End of header `index`'s value in the slot. */
  valueEnd(index: number): number {
    return this.head.headers[index * 4 + 3];
  }

  /** A request header's value (first of that name, case-insensitive), or undefined. */
  header(name: string): string | undefined {
    const i = this.head.findHeader(this.bytes, name);
    if (i < 0) return undefined;
    const h = this.head.headers;
    return decodeLatin1(this.bytes, h[i * 4 + 2], h[i * 4 + 3], this.sink.text);
  }

  /** The request body as a view into the slot (valid until the response is sent). */
  body(): Uint8Array {
    return this.bytes.subarray(this.bodyStart, this.bodyEnd);
  }

  /** The request body decoded as UTF-8. */
  bodyText(): string {
    'cold'; // seldom called: made from flash at each call on Espruino (toolchain/espruino/cold.ts)
    return decodeUtf8(this.bytes, this.bodyStart, this.bodyEnd, this.sink.text);
  }

  /** Hands the body over piece by piece (see Context.readBody). */
  readBody(onPiece: PieceReader): Promise<void> {
    return new Promise<void>((resolve, reject) => this.sink.readBody(this, onPiece, resolve, reject));
  }

  /** Caps the body at `max` bytes; false when it is over already. */
  limitBody(max: number): boolean {
    'cold'; // seldom called: made from flash at each call on Espruino (toolchain/espruino/cold.ts)
    if (max < this.bodyLimit) this.bodyLimit = max;
    return this.bodyLength <= max;
  }

  /** The request body parsed as JSON; throws HttpError 400 when it is not JSON. */
  bodyJson<T = unknown>(keys?: readonly string[]): T {
    try {
      return parseJson(this.bodyText(), keys) as T;
    } catch (_error) {
      throw new HttpError(400, 'request body is not valid JSON');
    }
  }

  // ---- per-request values ----

  /** Stores a value for later middleware/handlers of this request. */
  set(key: string, value: unknown): void {
    let keys = this.varKeys;
    let values = this.varValues;
    if (keys === undefined || values === undefined) {
      // Made at their full size (push would leave XS's growth slack in each).
      keys = this.varKeys = new Array<string>(MAX_VARS).fill(UNSET_KEY);
      values = this.varValues = new Array<unknown>(MAX_VARS).fill(undefined);
    }
    for (let i = 0; i < this.varCount; i++) {
      if (keys[i] === key) {
        values[i] = value;
        return;
      }
    }
    if (this.varCount >= MAX_VARS) throw new RangeError(`context: more than ${MAX_VARS} values set`);
    keys[this.varCount] = key;
    values[this.varCount++] = value;
  }

  /** A value stored with set(), or undefined. */
  get<T = unknown>(key: string): T | undefined {
    const keys = this.varKeys;
    const values = this.varValues;
    if (keys === undefined || values === undefined) return undefined;
    for (let i = 0; i < this.varCount; i++) if (keys[i] === key) return values[i] as T;
    return undefined;
  }

  // ---- chain ----

  /** The chain returned a promise: the server hears when it settles (handlerSettled). */
  awaitChain(result: PromiseLike<unknown>): void {
    let settled = this.settled;
    let rejected = this.rejected;
    if (settled === undefined || rejected === undefined) {
      const sink = this.sink;
      settled = this.settled = () => sink.handlerSettled(this, null, false);
      rejected = this.rejected = (error: unknown) => sink.handlerSettled(this, error, true);
    }
    result.then(settled, rejected);
  }

  /** Runs the rest of the middleware chain; await it in middleware. */
  next(): unknown {
    const i = ++this.index;
    // Two ifs, so the minifier leaves the call in a plain return: on Espruino every statement or expression
    // around it is C stack under the rest of the chain. Past the chain's end: undefined.
    if (i < this.chain.length && i % this.chainNesting !== 0) return this.chain[i](this);
    if (i < this.chain.length) return this.nextFromJob(i);
  }

  /**
   * Runs chain[i] from a promise job, where the engine's native stack starts
   * empty again (ServerOptions.chainNesting); not if this context has moved
   * on to another request by then.
   */
  private nextFromJob(i: number): Promise<unknown> {
    const generation = this.generation;
    this.queuedFor = generation;
    return Promise.resolve().then(() => {
      if (this.queuedFor !== generation || this.generation !== generation) return undefined;
      this.queuedFor = -1;
      return this.chain[i](this);
    });
  }

  // ---- response ----

  /** Sets the status code of the response. */
  status(code: number): this {
    this.res.status = code;
    return this;
  }

  /** Sets a response header (replacing one of the same name). */
  setHeader(name: string, value: string): this {
    if (!this.res.committed || this.res.bodyKind !== BODY_STREAM) this.res.setHeader(name, value);
    return this;
  }

  /** Adds to a list header (see Context.appendHeader). */
  appendHeader(name: string, value: string): this {
    if (!this.res.committed || this.res.bodyKind !== BODY_STREAM) this.res.appendHeader(name, value);
    return this;
  }

  /** True once a handler has produced the response. */
  get responded(): boolean {
    return this.res.committed;
  }

  /** The response status so far. */
  get statusCode(): number {
    return this.res.status;
  }

  /** True while a streamed response is open. */
  get streaming(): boolean {
    return this.res.bodyKind === BODY_STREAM;
  }

  /** True once abandon() answered for this request. */
  get abandoned(): boolean {
    return this.detached;
  }

  /** Forgets what was set for the response so far (but the first `keepHeaders` header lines), unless it is streaming. */
  resetResponse(keepHeaders = 0): void {
    'cold'; // seldom called: made from flash at each call on Espruino (toolchain/espruino/cold.ts)
    if (this.res.bodyKind === BODY_STREAM) return;
    this.res.truncateHeaders(keepHeaders);
    this.res.clearAnswer();
  }

  /** How many response header lines are set so far. */
  get headersSet(): number {
    return this.res.headerCount;
  }

  /** Answers with a text body. */
  text(body: string, status?: number): void {
    this.answerString(body, TYPE_TEXT, status);
  }

  /** Answers with `JSON.stringify(value)`. */
  json(value: unknown, status?: number): void {
    this.answerString(JSON.stringify(value), TYPE_JSON, status);
  }

  /** Answers with an HTML body. */
  html(body: string, status?: number): void {
    this.answerString(body, TYPE_HTML, status);
  }

  /** Answers with bytes (not copied: they must stay unchanged until sent). */
  send(bytes: Uint8Array, contentType?: string, status?: number): void {
    const res = this.res;
    if (res.committed) return;
    if (status !== undefined) res.status = status;
    res.contentType = contentType === undefined ? TYPE_BYTES : contentType;
    res.bodyKind = BODY_BYTES;
    res.bodyBytes = bytes;
    res.bodyStart = 0;
    res.bodyEnd = bytes.length;
    res.committed = true;
  }

  /** Answers with no body (204 unless a status is given). */
  empty(status?: number): void {
    'cold'; // seldom called: made from flash at each call on Espruino (toolchain/espruino/cold.ts)
    const res = this.res;
    if (res.committed) return;
    res.status = status === undefined ? 204 : status;
    res.committed = true;
  }

  /** Redirects to `location` (302 unless another 3xx code is given). */
  redirect(location: string, code?: number): void {
    if (this.res.committed) return;
    this.res.setHeader('Location', location);
    this.res.status = code === undefined ? 302 : code;
    this.res.committed = true;
  }

  /**
   * Starts a streamed response (chunked encoding), e.g. Server-Sent Events.
   * The slot stays with this request until end(); write() returns false
   * when the client is not keeping up (the data was not queued).
   */
  stream(contentType: string, status?: number): void {
    const res = this.res;
    if (res.committed) return;
    if (status !== undefined) res.status = status;
    res.contentType = contentType;
    res.bodyKind = BODY_STREAM;
    res.committed = true;
    this.sink.beginStream(this);
  }

  /** Writes a chunk of a streamed response. */
  write(data: string | Uint8Array): boolean {
    if (this.res.bodyKind !== BODY_STREAM || this.detached) return false;
    return this.sink.writeStream(this, data);
  }

  /** Ends a streamed response. */
  end(): void {
    if (this.res.bodyKind !== BODY_STREAM || this.detached) return;
    this.sink.endStream(this);
  }

  /**
   * Answers `status` with a text body now, while the chain is still running
   * (the timeout middleware uses it). The connection moves on with a spare
   * context; this one is detached: whatever the late handler does with it
   * is ignored, and it returns to the spares when the chain settles.
   * Returns false when there is nothing to abandon (already answered, or
   * the chain is not async).
   */
  abandon(status: number, body: string): boolean {
    if (this.detached || this.res.committed) return false;
    return this.sink.abandon(this, status, body);
  }

  private answerString(body: string, type: string, status: number | undefined): void {
    const res = this.res;
    if (res.committed) return;
    if (status !== undefined) res.status = status;
    res.contentType = type;
    res.bodyKind = BODY_STRING;
    res.bodyString = body;
    res.committed = true;
  }
}
