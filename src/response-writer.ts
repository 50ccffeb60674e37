/**
 * The response writer: turns what a handler answered (the Context's
 * ResponseState) into bytes in the slot's output area, and moves them to
 * the socket as fast as it takes them. Small bodies go out with the head;
 * long string bodies are encoded piece by piece into the output area; byte
 * bodies (a flash asset) are written straight from their source. Streamed
 * responses (c.stream) are framed here too: chunked for HTTP/1.1, raw for
 * HTTP/1.0, head only for HEAD. On a socket that takes text (Espruino,
 * whose strings are bytes), a small answer goes out as one string instead,
 * head and body joined by the engine's own code (responseText).
 *
 * It only writes: the server (server.ts) decides what state the connection
 * is in and what comes next.
 *
 * Never: allocate (the one string of the text path exists only where an
 * engine's sockets take text); write more than the socket accepts; send a
 * head that is invalid or does not fit (that becomes a 500).
 */
import type { Connection } from './connection.ts';
import { writeHex, writeLastChunk } from './http/chunked.ts';
import {
  BODY_BYTES,
  BODY_STREAM,
  BODY_STRING,
  encodeHead,
  FRAMING_CHUNKED,
  FRAMING_CLOSE,
  FRAMING_LENGTH,
  HeadPlan,
  responseText,
} from './http/response.ts';
import { statusHasBody } from './http/status.ts';
import { atEnd, encodeUtf8, utf8Length } from './http/text.ts';
import type { Platform } from './platform.ts';
import type { ServerStats } from './stats.ts';

/** Room a chunk's framing takes in the output area: hex size, two CRLFs, and the last chunk after it. */
export const CHUNK_OVERHEAD = 16;

/** Writes the responses of one server's connections. */
export class ResponseWriter {
  /**
   * How the next head is framed: one for the whole server, since heads are
   * encoded one at a time (filled right before each).
   */
  readonly plan = new HeadPlan();

  /**
   * The size of every connection's output area (the pool's outputSize),
   * kept: a typed array's length costs Espruino a lookup through its
   * prototypes at every read.
   */
  private readonly outputSize: number;

  /** Made once by the server; `methodNames` by code, for Allow headers (the server fills it before a 405). */
  constructor(
    private readonly platform: Platform,
    private readonly counters: ServerStats,
    methodNames: readonly string[],
    outputSize: number,
  ) {
    this.plan.methodNames = methodNames;
    this.outputSize = outputSize;
  }

  /**
   * Encodes the head of `conn`'s answer (and as much of a small body as
   * fits) into its output area. `redirect`: a trailing-slash redirect
   * whose Location comes from the request path (redirectTo() set the plan).
   */
  encode(conn: Connection, redirect: boolean): void {
    conn.bodyString = '';
    conn.bodyChar = 0;
    conn.bodyBytes = undefined;
    if (!redirect && this.sendText(conn)) return;
    const ctx = conn.ctx;
    const res = ctx.res;
    const plan = this.plan;
    let length = redirect ? 0 : res.bodyByteLength();
    if (!redirect) plan.plain(conn.keepAlive, FRAMING_LENGTH, length);
    let headLength = encodeHead(res, conn.output, plan);
    if (headLength < 0) {
      // The handler's headers do not fit the output area: answer 500 rather than a truncated head.
      this.invalidHead(conn);
      length = 0;
      headLength = encodeHead(res, conn.output, plan.plain(false, FRAMING_LENGTH, 0));
    }
    this.counters.responses[(res.status / 100) | 0]++;
    conn.outPos = 0;
    conn.outLen = headLength;
    if (!ctx.isHead && length > 0 && statusHasBody(res.status)) {
      if (res.bodyKind === BODY_STRING) {
        const next = encodeUtf8(res.bodyString, 0, conn.output, headLength, conn.output.length, conn);
        conn.outLen = conn.encodeEnd;
        if (!atEnd(res.bodyString, next)) {
          conn.bodyString = res.bodyString;
          conn.bodyChar = next;
        }
      } else if (res.bodyKind === BODY_BYTES && res.bodyBytes !== undefined) {
        const n = res.bodyEnd - res.bodyStart;
        if (n <= conn.output.length - headLength) {
          const source = res.bodyBytes;
          const out = conn.output;
          for (let i = 0; i < n; i++) out[headLength + i] = source[res.bodyStart + i];
          conn.outLen += n;
        } else {
          conn.bodyBytes = res.bodyBytes;
          conn.bodyPos = res.bodyStart;
          conn.bodyEnd = res.bodyEnd;
        }
      }
    }
    res.bodyString = '';
    res.bodyBytes = undefined;
    plan.redirect = null;
  }

  /**
   * On a socket that takes text (Espruino, whose strings are bytes): sends
   * `conn`'s answer, head and body, as one string, when its engine writes
   * it so (responseText). True when it went out whole: there is nothing to
   * flush (the connection has no output pending when its answer is ready).
   * A head fits the output area, so a socket with that much room besides
   * the body takes it all: no string is made in vain.
   */
  sendText(conn: Connection): boolean {
    const socket = conn.socket;
    // (!socket, not socket === null: Espruino compares an object through its valueOf, a call.)
    if (!socket || socket.writeText === undefined) return false;
    const ctx = conn.ctx;
    const res = ctx.res;
    const length = res.bodyByteLength();
    if (res.bodyKind !== BODY_STRING && length !== 0) return false;
    // responseText leaves out the body a status has none for (a 200, the common answer, has one).
    const text = responseText(
      res,
      conn.keepAlive,
      length,
      length > 0 && !ctx.isHead ? res.bodyString : null,
      this.outputSize,
    );
    // A socket without room for all of it takes none, and encode() writes the answer through the output area.
    if (text === null || !socket.writeText(text)) return false;
    this.counters.responses[(res.status / 100) | 0]++;
    conn.outPos = 0;
    conn.outLen = 0;
    res.bodyString = ''; // the body is sent: an idle connection keeps no reference to it
    return true;
  }

  /**
   * Sets up a trailing-slash redirect for the next encode(conn, true):
   * Location is [pathStart, pathEnd) of `request` plus '/' when `addSlash`,
   * then the query up to `queryEnd`; no body.
   */
  redirectTo(
    keepAlive: boolean,
    request: Uint8Array,
    pathStart: number,
    pathEnd: number,
    addSlash: boolean,
    queryEnd: number,
  ): void {
    'cold';
    const plan = this.plan.plain(keepAlive, FRAMING_LENGTH, 0);
    plan.redirect = request;
    plan.pathStart = pathStart;
    plan.pathEnd = pathEnd;
    plan.addSlash = addSlash;
    plan.queryEnd = queryEnd;
  }

  /** Queues bytes[start, end) of a preencoded answer (an error, a 101) as the whole response. */
  preencoded(conn: Connection, bytes: Uint8Array, start: number, end: number): void {
    conn.outPos = 0;
    conn.outLen = 0;
    conn.bodyChar = 0;
    conn.bodyString = '';
    conn.bodyBytes = bytes;
    conn.bodyPos = start;
    conn.bodyEnd = end;
  }

  /**
   * Writes pending output, refilling from the body source, until done
   * (true) or the socket is full (false: its writable callback resumes).
   */
  flush(conn: Connection): boolean {
    const socket = conn.socket;
    if (socket === null) return false;
    for (;;) {
      if (conn.outPos < conn.outLen) {
        const n = socket.write(conn.output, conn.outPos, conn.outLen - conn.outPos);
        conn.outPos += n;
        conn.progress += n;
        if (conn.outPos < conn.outLen) return false;
      }
      if (conn.bodyChar > 0) {
        conn.bodyChar = encodeUtf8(conn.bodyString, conn.bodyChar, conn.output, 0, conn.output.length, conn);
        conn.outPos = 0;
        conn.outLen = conn.encodeEnd;
        if (atEnd(conn.bodyString, conn.bodyChar)) {
          conn.bodyChar = 0;
          conn.bodyString = '';
        }
        continue;
      }
      if (conn.bodyBytes !== undefined) {
        const n = socket.write(conn.bodyBytes, conn.bodyPos, conn.bodyEnd - conn.bodyPos);
        conn.bodyPos += n;
        conn.progress += n;
        if (conn.bodyPos < conn.bodyEnd) return false;
        conn.bodyBytes = undefined;
      }
      conn.outPos = 0;
      conn.outLen = 0;
      return true;
    }
  }

  /** True while `conn` has output the socket has not taken yet. */
  pending(conn: Connection): boolean {
    return conn.outPos < conn.outLen || conn.bodyBytes !== undefined || conn.bodyChar > 0;
  }

  // ---- streamed responses ----

  /** Encodes a stream's head: chunked for HTTP/1.1, closed by the connection's end for HTTP/1.0. */
  openStream(conn: Connection): void {
    const res = conn.ctx.res;
    // A status without a body (204, 304) gets none; HTTP/1.0 has no chunked encoding: the close ends the body.
    let framing = FRAMING_LENGTH;
    if (statusHasBody(res.status)) framing = conn.head.minorVersion === 0 ? FRAMING_CLOSE : FRAMING_CHUNKED;
    if (framing === FRAMING_CLOSE) conn.keepAlive = false;
    let headLength = encodeHead(res, conn.output, this.plan.plain(conn.keepAlive, framing, 0));
    if (headLength < 0) {
      // As respond() does: an empty 500 rather than a stream with no head; what the handler writes goes nowhere.
      this.invalidHead(conn);
      res.bodyKind = BODY_STREAM; // still a stream: its end, not respond(), finishes it
      res.committed = true;
      framing = FRAMING_LENGTH;
      headLength = encodeHead(res, conn.output, this.plan.plain(false, FRAMING_LENGTH, 0));
    }
    conn.streamFraming = framing;
    this.counters.responses[(res.status / 100) | 0]++;
    conn.outPos = 0;
    conn.outLen = headLength;
    conn.streaming = true;
    conn.streamEnding = false;
  }

  /** Logs a handler's head that cannot be sent, and makes the response an empty 500 that closes the connection. */
  private invalidHead(conn: Connection): void {
    'cold';
    const ctx = conn.ctx;
    this.platform.log(
      `chipweb: the response head for ${ctx.method} ${ctx.path} is invalid (a status outside 200-599, a header name that is not a token, a control character in a value) or longer than outputSize ${conn.output.length}`,
    );
    this.counters.errors++;
    ctx.res.clearAll();
    ctx.res.status = 500;
    conn.keepAlive = false;
  }

  chunk(conn: Connection, data: string | Uint8Array): boolean {
    const out = conn.output;
    const length = typeof data === 'string' ? utf8Length(data, 0) : data.length;
    // A chunk is copied whole into the output area: false would read as "not keeping up", and a retry never fits.
    if (length + CHUNK_OVERHEAD > out.length)
      throw new RangeError(
        `c.write(): a chunk of ${length} bytes is more than a stream takes at once (${out.length - CHUNK_OVERHEAD}, outputSize less the chunk framing): write it in smaller pieces`,
      );
    if (!conn.streaming || conn.streamEnding || this.pending(conn)) return false;
    if (conn.ctx.isHead || conn.streamFraming === FRAMING_LENGTH) return true; // HEAD, 204, 304: the head only
    if (length === 0) return true;
    let p = 0;
    const chunked = conn.streamFraming === FRAMING_CHUNKED;
    if (chunked) {
      p = writeHex(out, 0, length);
      out[p++] = 13;
      out[p++] = 10;
    }
    if (typeof data === 'string') encodeUtf8(data, 0, out, p, out.length, null);
    else for (let i = 0; i < length; i++) out[p + i] = data[i];
    p += length;
    if (chunked) {
      out[p++] = 13;
      out[p++] = 10;
    }
    conn.outPos = 0;
    conn.outLen = p;
    return true;
  }

  /**
   * Queues the end of a stream: the last chunk (none for HEAD, or for
   * HTTP/1.0, where the close ends the body), behind what is still queued.
   */
  endStream(conn: Connection): void {
    conn.streamEnding = true;
    const lastChunk = !conn.ctx.isHead && conn.streamFraming === FRAMING_CHUNKED;
    if (conn.outPos < conn.outLen) {
      // Behind what is still queued; it fits, as chunk() leaves CHUNK_OVERHEAD bytes of room.
      if (lastChunk) conn.outLen = writeLastChunk(conn.output, conn.outLen);
      return;
    }
    conn.outPos = 0;
    conn.outLen = lastChunk ? writeLastChunk(conn.output, 0) : 0;
  }
}
