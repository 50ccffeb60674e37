/**
 * Context: what a handler sees of one request and how it answers.
 *
 * One Context per pool slot, created at start and reused for every request
 * the slot serves (as Gin pools its contexts). Request accessors read the
 * slot buffer through the parser's offsets and make a string only when the
 * handler asks for one. Response helpers record what to send; the server
 * encodes it when the middleware chain has finished.
 *
 * Never: allocate in the accessors beyond the string or view returned; never
 * keep a Context (or a view from body()) after the handler's promise
 * settles: the slot serves the next request.
 */
import { decodeComponent, decodeLatin1, decodeUtf8, equalsAscii } from './http/text.ts';
import type { TextScratch } from './http/text.ts';
import type { RequestHead } from './http/parser.ts';
import type { Device } from './device.ts';
import type { Platform } from './platform.ts';
import type { ServerStats } from './stats.ts';
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
    super(message);
    this.status = status;
  }
}

/** The text of an error for a log line: its stack when it has one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack || error.message;
  return String(error);
}

/** What the server lets a Context do with its connection. */
export interface StreamSink {
  /** An async chain finished (or failed). */
  handlerSettled(c: Context, error: unknown, failed: boolean): void;
  /** Answers now for a chain that is still running; see Context.abandon. */
  abandon(c: Context, status: number, body: string): boolean;
  /** Sends the head now and switches the response to chunked streaming. */
  beginStream(c: Context): void;
  /** Queues a chunk; returns false when the socket cannot take it now. */
  writeStream(c: Context, data: string | Uint8Array): boolean;
  /** Sends the final chunk; the connection then goes on (or closes). */
  endStream(c: Context): void;
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
  /** The server's live counters. */
  stats(): ServerStats;
}

/** Most values `c.set` can hold per request. */
const MAX_VARS = 8;
/** Shared empty lists for a context that has served nothing yet (frozen: in flash on the board). */
const NO_NAMES: readonly string[] = Object.freeze([]);
const NO_HANDLERS: readonly Handler<any>[] = Object.freeze([]);

/** True when a query span holds '%' or '+' and so may decode to another name. */
function needsDecoding(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === 37 || b[i] === 43) return true;
  return false;
}

/** The request and response of one slot. `P` names the route's params. */
export class Context<P extends string = string> {
  /** Index of the pool slot this context serves (-1 for a spare). */
  slot: number;
  /** The slot's request bytes. */
  bytes: Uint8Array;
  /** Parser offsets of the current request. */
  head: RequestHead;
  /** Abandoned by its connection (see abandon()): every response call is ignored. */
  detached = false;
  /** Settlement callbacks for async chains, made once. */
  readonly settled: () => void;
  readonly rejected: (error: unknown) => void;
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
  /** Body span in `bytes`. */
  bodyStart = 0;
  bodyEnd = 0;
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
  /** The server's side of the connection. */
  readonly sink: StreamSink;
  /** Host services: platform, device, server counters. */
  env: Env;
  // Made at their full size (push would leave XS's growth slack in each).
  private readonly varKeys: string[] = new Array<string>(MAX_VARS).fill('');
  private readonly varValues: unknown[] = new Array<unknown>(MAX_VARS).fill(undefined);
  private varCount = 0;

  /** Made once per slot at start. */
  constructor(slot: number, bytes: Uint8Array, head: RequestHead, maxParams: number, env: Env, sink: StreamSink) {
    this.slot = slot;
    this.env = env;
    this.sink = sink;
    this.settled = () => sink.handlerSettled(this, null, false);
    this.rejected = (error: unknown) => sink.handlerSettled(this, error, true);
    this.bytes = bytes;
    this.head = head;
    this.paramSpans = new Int32Array(maxParams * 2);
    this.res = new ResponseState();
  }

  /** Clears per-request state; called by the server before each request. */
  reset(): void {
    this.res.reset();
    for (let i = 0; i < this.varCount; i++) {
      this.varKeys[i] = '';
      this.varValues[i] = undefined;
    }
    this.varCount = 0;
    this.index = 0;
    this.generation++;
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
    return decodeUtf8(this.bytes, this.bodyStart, this.bodyEnd, this.sink.text);
  }

  /** The request body parsed as JSON; throws HttpError 400 when it is not JSON. */
  bodyJson<T = unknown>(): T {
    try {
      return JSON.parse(this.bodyText()) as T;
    } catch (_error) {
      throw new HttpError(400, 'request body is not valid JSON');
    }
  }

  // ---- per-request values ----

  /** Stores a value for later middleware/handlers of this request. */
  set(key: string, value: unknown): void {
    for (let i = 0; i < this.varCount; i++) {
      if (this.varKeys[i] === key) {
        this.varValues[i] = value;
        return;
      }
    }
    if (this.varCount >= MAX_VARS) throw new RangeError(`context: more than ${MAX_VARS} values set`);
    this.varKeys[this.varCount] = key;
    this.varValues[this.varCount++] = value;
  }

  /** A value stored with set(), or undefined. */
  get<T = unknown>(key: string): T | undefined {
    for (let i = 0; i < this.varCount; i++) if (this.varKeys[i] === key) return this.varValues[i] as T;
    return undefined;
  }

  // ---- chain ----

  /** Runs the rest of the middleware chain; await it in middleware. */
  next(): unknown {
    const i = ++this.index;
    if (i < this.chain.length) return this.chain[i](this);
    return undefined;
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

  /** True once a handler has produced the response. */
  get responded(): boolean {
    return this.res.committed;
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
