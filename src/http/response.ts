/**
 * Response state of one slot and the encoder that turns it into bytes.
 *
 * Handlers fill a ResponseState (status, a few headers, one body source);
 * the server encodes the head into the slot's output area and then moves
 * the body out in pieces that respect the socket's free space. Status
 * lines and common header lines are encoded once, at module load.
 *
 * Never: concatenate strings or create arrays per response.
 */
import { isTokenByte } from './parser.ts';
import { knownStatusCodes, reasonPhrase, statusHasBody } from './status.ts';
import { encodeUtf8, utf8Length, writeAscii, writeAsciiBounded, writeDecimal } from './text.ts';

/** No body. */
export const BODY_NONE = 0;
/** Body is a string, encoded as UTF-8 while it is sent. */
export const BODY_STRING = 1;
/** Body is a byte range of a Uint8Array (a slot span, an asset in flash). */
export const BODY_BYTES = 2;
/** Body is streamed by the handler with chunked encoding. */
export const BODY_STREAM = 3;

/** Most response headers a handler may set. */
export const MAX_RESPONSE_HEADERS = 16;

function ascii(s: string): Uint8Array {
  'cold';
  const out = new Uint8Array(s.length);
  writeAscii(out, 0, s);
  return out;
}

const STATUS_LINES: Uint8Array[] = [];
(function preencodeStatusLines() {
  const codes = knownStatusCodes();
  for (let i = 0; i < codes.length; i++)
    STATUS_LINES[codes[i]] = ascii('HTTP/1.1 ' + codes[i] + ' ' + reasonPhrase(codes[i]) + '\r\n');
  // Frozen: preloaded on the board, a frozen table stays in flash (0 RAM).
  Object.freeze(STATUS_LINES);
})();

/** The preencoded status line ("HTTP/1.1 200 OK\r\n") of a known status, or undefined. */
export function statusLine(status: number): Uint8Array | undefined {
  return STATUS_LINES[status];
}

const CONTENT_LENGTH = ascii('Content-Length: ');
const CONTENT_TYPE = ascii('Content-Type: ');
const CONNECTION_CLOSE = ascii('Connection: close\r\n');
const CONNECTION_KEEP_ALIVE = ascii('Connection: keep-alive\r\n');
const CHUNKED = ascii('Transfer-Encoding: chunked\r\n');
const CRLF = ascii('\r\n');

/** The interim answer to `Expect: 100-continue`. */
export const CONTINUE_RESPONSE = ascii('HTTP/1.1 100 Continue\r\n\r\n');

/** Content types the helpers use; constants so no string is built per response. */
export const TYPE_TEXT = 'text/plain; charset=utf-8';
/** JSON content type. */
export const TYPE_JSON = 'application/json';
/** HTML content type. */
export const TYPE_HTML = 'text/html; charset=utf-8';
/** Raw bytes content type. */
export const TYPE_BYTES = 'application/octet-stream';

/**
 * What an unused header entry holds: one string shared by every entry
 * (Espruino makes a new string for each '' evaluated: 2 variables an
 * entry instead of 1; XS and V8 share it anyway).
 */
const UNSET = '';

/** The header lists of a response that has set none yet (never written: entries below headerCount only). */
const NO_HEADERS: string[] = Object.freeze([]) as unknown as string[];

/** What a handler said the response is. One per slot, reset per request. */
export class ResponseState {
  /** Status code. */
  status = 200;
  /** Content-Type, or '' for none. */
  contentType = '';
  /** Number of extra headers set. */
  headerCount = 0;
  /**
   * Extra header names and values (strings owned by the handler), entries
   * [0, headerCount) in use. Made at the first header set, at their full
   * size (push would leave XS's growth slack in each), and kept: until then
   * NO_HEADERS (a slot that never sets one spares 2 arrays, about 36 of
   * Espruino's variables).
   */
  headerNames: string[] = NO_HEADERS;
  headerValues: string[] = NO_HEADERS;
  /** One of BODY_*. */
  bodyKind = BODY_NONE;
  /** String body. */
  bodyString = '';
  /** Byte body source and range. */
  bodyBytes: Uint8Array | undefined = undefined;
  bodyStart = 0;
  bodyEnd = 0;
  /** A handler has produced the response (later writes are ignored). */
  committed = false;
  /** Bitmap of allowed method codes, sent as an Allow header when the answer is a 405; or 0. */
  allowMask = 0;

  /** Back to a fresh 200 with nothing set. */
  clearAll(): void {
    if (this.headerCount > 0) this.truncateHeaders(0);
    this.clearAnswer();
  }

  /**
   * Back to a fresh 200 with no body, keeping the header lines set so far
   * (an error's answer keeps what middleware set, CORS headers say, as Gin does).
   */
  clearAnswer(): void {
    this.status = 200;
    this.contentType = '';
    this.bodyKind = BODY_NONE;
    this.bodyString = '';
    this.bodyBytes = undefined;
    this.bodyStart = 0;
    this.bodyEnd = 0;
    this.committed = false;
    this.allowMask = 0;
  }

  /** Sets a header, replacing one of the same name (ASCII case-insensitive); Content-Type sets the type. */
  setHeader(name: string, value: string): void {
    if (sameName(name, 'content-type')) {
      this.contentType = value;
      return;
    }
    for (let i = 0; i < this.headerCount; i++) {
      if (sameName(this.headerNames[i], name)) {
        this.headerValues[i] = value;
        return;
      }
    }
    if (this.headerCount >= MAX_RESPONSE_HEADERS)
      throw new RangeError(`response: more than ${MAX_RESPONSE_HEADERS} headers`);
    if (this.headerNames === NO_HEADERS) {
      this.headerNames = new Array<string>(MAX_RESPONSE_HEADERS).fill(UNSET);
      this.headerValues = new Array<string>(MAX_RESPONSE_HEADERS).fill(UNSET);
    }
    this.headerNames[this.headerCount] = name;
    this.headerValues[this.headerCount] = value;
    this.headerCount++;
  }

  /** Forgets the header lines after the first `count` (the ones set later). */
  truncateHeaders(count: number): void {
    // Not 'cold': every request whose last answer set a header runs it (clearAll). 'noinline': one that set
    // none skips it, and Espruino reads the code it skips token by token.
    'noinline';
    for (let i = count; i < this.headerCount; i++) {
      this.headerNames[i] = UNSET;
      this.headerValues[i] = UNSET;
    }
    if (count < this.headerCount) this.headerCount = count;
  }

  /**
   * Adds `value` to the list header `name` (Vary, Cache-Control …): set, or
   * joined to the value so far with ", " unless it is there already.
   */
  appendHeader(name: string, value: string): void {
    const current = this.getHeader(name);
    if (current === undefined) this.setHeader(name, value);
    else if (!listHas(current, value)) this.setHeader(name, current + ', ' + value);
  }

  /** The value of a header set so far, or undefined. */
  getHeader(name: string): string | undefined {
    for (let i = 0; i < this.headerCount; i++) if (sameName(this.headerNames[i], name)) return this.headerValues[i];
    return undefined;
  }

  /** Body length in bytes (strings measured as UTF-8); -1 for streams. */
  bodyByteLength(): number {
    if (this.bodyKind === BODY_STRING) return utf8Length(this.bodyString, 0);
    if (this.bodyKind === BODY_BYTES) return this.bodyEnd - this.bodyStart;
    if (this.bodyKind === BODY_STREAM) return -1;
    return 0;
  }
}

const charCodeAt = ''.charCodeAt;

/** Header names equal ignoring ASCII case (strings read with charCodeAt.call: see text.ts). */
/** True when out[start..end) has no control character but HTAB (RFC 9110 field-value). */
function validFieldValue(out: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    const b = out[k];
    if ((b < 32 && b !== 9) || b === 127) return false;
  }
  return true;
}

/** Whether the comma list `list` has the element `item` (ASCII case-insensitive, spaces around elements ignored). */
function listHas(list: string, item: string): boolean {
  const n = item.length;
  for (let start = 0; start <= list.length; ) {
    while (charCodeAt.call(list, start) === 32) start++;
    let end = list.indexOf(',', start);
    if (end < 0) end = list.length;
    let last = end;
    while (last > start && charCodeAt.call(list, last - 1) === 32) last--;
    if (last - start === n) {
      let same = true;
      for (let i = 0; i < n && same; i++) {
        let x: number = charCodeAt.call(list, start + i);
        let y: number = charCodeAt.call(item, i);
        if (x >= 65 && x <= 90) x |= 0x20;
        if (y >= 65 && y <= 90) y |= 0x20;
        same = x === y;
      }
      if (same) return true;
    }
    start = end + 1;
  }
  return false;
}

function sameName(a: string, b: string): boolean {
  for (let i = 0; ; i++) {
    let x: number = charCodeAt.call(a, i);
    let y: number = charCodeAt.call(b, i);
    if (x !== x || y !== y) return x !== x && y !== y;
    if (x >= 65 && x <= 90) x |= 0x20;
    if (y >= 65 && y <= 90) y |= 0x20;
    if (x !== y) return false;
  }
}

/** The body has a Content-Length (`HeadPlan.contentLength`). */
export const FRAMING_LENGTH = 0;
/** The body is chunked (a streamed response). */
export const FRAMING_CHUNKED = 1;
/** The body ends when the connection closes (an HTTP/1.0 stream). */
export const FRAMING_CLOSE = 2;

/**
 * What encodeHead needs besides the ResponseState: how the connection and
 * the body are framed, the method names for an Allow header, and a
 * trailing-slash redirect's Location taken from the request bytes. One per
 * connection, filled before each head.
 */
export class HeadPlan {
  /** `Connection: keep-alive` (else close). */
  keepAlive = false;
  /** One of FRAMING_*. */
  framing = FRAMING_LENGTH;
  /** The Content-Length to announce with FRAMING_LENGTH. */
  contentLength = 0;
  /** Method names by code, for Allow. */
  methodNames: readonly string[] = [];
  /**
   * With a redirect: the request bytes; Location is [pathStart, pathEnd)
   * of them, plus '/' when `addSlash`, then the query up to `queryEnd`.
   */
  redirect: Uint8Array | null = null;
  pathStart = 0;
  pathEnd = 0;
  addSlash = false;
  queryEnd = 0;

  /** A plain head: these framing and connection settings, no redirect. */
  plain(keepAlive: boolean, framing: number, contentLength: number): this {
    this.keepAlive = keepAlive;
    this.framing = framing;
    this.contentLength = contentLength;
    this.redirect = null;
    return this;
  }
}

/**
 * The whole response as one byte string (each char a byte): the head
 * encodeHead would write into an output area of `room` bytes for a plain
 * plan (no redirect, FRAMING_LENGTH with `contentLength`, `keepAlive`),
 * then `body` (or no body when null, or when the status has none: 204,
 * 304), for a socket that takes text
 * (Socket.writeText). Null when it must go through encodeHead: always
 * here, since strings are not bytes on XS or V8. An engine whose strings
 * are bytes serves its own module in this one's place (Espruino:
 * firmware/espruino/response.ts).
 */
export function responseText(
  _res: ResponseState,
  _keepAlive: boolean,
  _contentLength: number,
  _body: string | null,
  _room: number,
): string | null {
  return null;
}

/**
 * Encodes the status line and headers of `res` into `out` from 0 and
 * returns the head's length, or -1 when it does not fit in `out`, when
 * the status is not a final one (200-599), or when a header name is not a
 * token or a value holds a control character (CR/LF injection), so the
 * server answers 500 instead.
 */
export function encodeHead(res: ResponseState, out: Uint8Array, plan: HeadPlan): number {
  // A handler's status must be a final one: a 1xx would leave the client waiting for the answer.
  const status = res.status;
  if (status !== (status | 0) || status < 200 || status > 599) return -1;
  const limit = out.length;
  let p = 0;
  const line = STATUS_LINES[res.status];
  if (line) {
    out.set(line, 0);
    p = line.length;
  } else {
    // A code without a preencoded line (an engine may preencode only the common ones): its phrase, or "Unknown".
    p = writeAscii(out, 0, 'HTTP/1.1 ');
    p = writeDecimal(out, p, res.status);
    p = writeAscii(out, p, ' ');
    p = writeAscii(out, p, reasonPhrase(res.status));
    p = writeAscii(out, p, '\r\n');
  }
  if (res.contentType !== '' && statusHasBody(res.status)) {
    if (p + CONTENT_TYPE.length + 2 > limit) return -1;
    out.set(CONTENT_TYPE, p);
    const typeStart = p + CONTENT_TYPE.length;
    p = writeAsciiBounded(out, typeStart, res.contentType, limit - 2);
    if (p < 0 || !validFieldValue(out, typeStart, p)) return -1;
    out[p++] = 13;
    out[p++] = 10;
  }
  const location = plan.redirect;
  if (location !== null) {
    // Location is the request's own path with a '/' added or removed, then its query.
    const queryStart = plan.addSlash ? plan.pathEnd : plan.pathEnd + 1;
    if (p + 13 + (plan.queryEnd - plan.pathStart) > limit) return -1;
    p = writeAscii(out, p, 'Location: ');
    for (let i = plan.pathStart; i < plan.pathEnd; i++) out[p++] = location[i];
    if (plan.addSlash) out[p++] = 47;
    for (let i = queryStart; i < plan.queryEnd; i++) out[p++] = location[i];
    out[p++] = 13;
    out[p++] = 10;
  }
  if (res.allowMask !== 0 && res.status === 405) {
    p = writeAscii(out, p, 'Allow: ');
    let first = true;
    for (let code = 0; code < 32; code++) {
      if ((res.allowMask & (1 << code)) === 0) continue;
      const name = plan.methodNames[code];
      if (p + 8 > limit) return -1;
      if (!first) {
        out[p++] = 44;
        out[p++] = 32;
      }
      p = writeAsciiBounded(out, p, name, limit - 4);
      if (p < 0) return -1;
      first = false;
    }
    out[p++] = 13;
    out[p++] = 10;
  }
  for (let i = 0; i < res.headerCount; i++) {
    const name = res.headerNames[i];
    const value = res.headerValues[i];
    const nameStart = p;
    p = writeAsciiBounded(out, p, name, limit - 4);
    if (p < 0 || p === nameStart) return -1;
    for (let k = nameStart; k < p; k++) if (!isTokenByte(out[k])) return -1;
    out[p++] = 58;
    out[p++] = 32;
    const valueStart = p;
    const valueLength = utf8Length(value, 0);
    if (p + valueLength > limit - 2) return -1;
    encodeUtf8(value, 0, out, p, limit - 2, null);
    p += valueLength;
    // A CR or LF from user input would start a header of the attacker's choosing.
    if (!validFieldValue(out, valueStart, p)) return -1;
    out[p++] = 13;
    out[p++] = 10;
  }
  if (p + 64 > limit) return -1;
  if (plan.framing === FRAMING_LENGTH) {
    if (statusHasBody(res.status)) {
      out.set(CONTENT_LENGTH, p);
      p = writeDecimal(out, p + CONTENT_LENGTH.length, plan.contentLength);
      out[p++] = 13;
      out[p++] = 10;
    }
  } else if (plan.framing === FRAMING_CHUNKED) {
    out.set(CHUNKED, p);
    p += CHUNKED.length;
  } // FRAMING_CLOSE: the body ends when the connection closes (HTTP/1.0 streams)
  const connection = plan.keepAlive ? CONNECTION_KEEP_ALIVE : CONNECTION_CLOSE;
  out.set(connection, p);
  p += connection.length;
  out.set(CRLF, p);
  return p + 2;
}

/**
 * Builds a complete small response at start-up (for 400, 408, 503 …):
 * status line, text body, `Connection: close`, and any extra header lines.
 */
export function preencodeResponse(status: number, extraHeaders: string): Uint8Array {
  'cold';
  const body = status + ' ' + reasonPhrase(status) + '\n';
  return ascii(
    'HTTP/1.1 ' +
      status +
      ' ' +
      reasonPhrase(status) +
      '\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ' +
      body.length +
      '\r\n' +
      extraHeaders +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** The statuses with a preencoded answer, 400 first (the fallback for any other). */
export const PREENCODED_CODES: readonly number[] = Object.freeze([400, 408, 413, 414, 417, 431, 500, 501, 505, 503]);

/** The preencoded answer for PREENCODED_CODES[i]. */
function encodeAnswer(i: number): Uint8Array {
  'cold';
  const code = PREENCODED_CODES[i];
  return preencodeResponse(code, code === 503 ? 'Retry-After: 1\r\n' : '');
}

/** Bytes before the answers in an answer block: one 16-bit offset per answer, and the end. */
const ANSWER_TABLE = 2 * (PREENCODED_CODES.length + 1);

/** The bytes the answer block takes (to reserve room for it). */
export function answerBlockSize(): number {
  'cold';
  let total = ANSWER_TABLE;
  for (let i = 0; i < PREENCODED_CODES.length; i++) total += encodeAnswer(i).length;
  return total;
}

/**
 * Writes the answer block into `into` (answerBlockSize() bytes) and returns
 * it: (PREENCODED_CODES.length + 1) 16-bit little-endian offsets, then the
 * answers back to back; answer i is [offset i, offset i + 1). The same bytes
 * on every engine, so `chipweb build` can write them once into flash
 * (ServerOptions.answers) and a board keeps no copy in RAM.
 */
export function writeAnswerBlock(into: Uint8Array): Uint8Array {
  'cold';
  let at = ANSWER_TABLE;
  into[0] = at & 0xff;
  into[1] = at >> 8;
  for (let i = 0; i < PREENCODED_CODES.length; i++) {
    const encoded = encodeAnswer(i);
    into.set(encoded, at);
    at += encoded.length;
    into[2 * i + 2] = at & 0xff;
    into[2 * i + 3] = at >> 8;
  }
  return into;
}

/**
 * The answers the server sends on its own (400, 408, 413, 414, 417, 431,
 * 500, 501, 505, and 503 with Retry-After), as one answer block
 * (writeAnswerBlock): one allocation rather than one per answer, placed by
 * the server after the pool in the platform's buffer, so a board copies
 * them to its sockets without a view; or a block in flash made at build
 * time (Espruino reads it from Storage).
 */
export class PreencodedAnswers {
  /** The answer block: its offsets, then every answer. */
  readonly bytes: Uint8Array;

  /** Reads answers from `block` (writeAnswerBlock's layout; checked, since one from flash may be stale). */
  constructor(block: Uint8Array) {
    const n = PREENCODED_CODES.length;
    if (
      block.length < ANSWER_TABLE ||
      offsetAt(block, 0) !== ANSWER_TABLE ||
      offsetAt(block, n) !== block.length ||
      block[offsetAt(block, 0)] !== 0x48 // 'H' of the first answer's status line
    )
      throw new Error(
        `server: the preencoded answers (${block.length} bytes) are not an answer block of ${n} answers; rebuild with 'chipweb build' and flash again`,
      );
    this.bytes = block;
  }

  /** Where the answer for `status` starts in `bytes` (400's when it has none). */
  start(status: number): number {
    return offsetAt(this.bytes, this.index(status));
  }

  /** Where the answer for `status` ends in `bytes`. */
  end(status: number): number {
    return offsetAt(this.bytes, this.index(status) + 1);
  }

  private index(status: number): number {
    for (let i = 0; i < PREENCODED_CODES.length; i++) if (PREENCODED_CODES[i] === status) return i;
    return 0;
  }
}

/** Offset `i` of an answer block's table. */
function offsetAt(block: Uint8Array, i: number): number {
  return block[2 * i] | (block[2 * i + 1] << 8);
}
