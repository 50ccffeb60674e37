/**
 * Incremental HTTP/1.x request-head parser over a slot buffer.
 *
 * Bytes arrive in any split; `parseHead` is called after each read with
 * the bytes filled so far. It finds the end of the head, then validates and
 * records the request line and headers as offsets into the buffer, in the
 * preallocated typed arrays of a RequestHead. It is strict where leniency
 * enables request smuggling: CRLF line ends only, no whitespace before a
 * header colon, no obs-fold, one Content-Length, never with
 * Transfer-Encoding.
 *
 * Never: create strings or objects while parsing; never read past `filled`.
 */
import type { Socket } from '../platform.ts';
import { ENGINE_HEADER_INDEXER } from './engine-headers.ts';
import { equalsAsciiLower, equalsIgnoreCase } from './text.ts';

/** Limits the parser enforces; the server passes its configured values. */
export interface HeadLimits {
  /** Longest request line, CRLF included, in bytes (else 414). */
  maxRequestLine: number;
  /** Longest header block after the request line, in bytes (else 431). */
  maxHeaderBytes: number;
  /** Most header fields (else 431). */
  maxHeaders: number;
}

/** Returned by parseHead while the head is not complete yet. */
export const HEAD_INCOMPLETE = 0;

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 58;
const QUESTION = 63;
const SLASH = 47;

/** 1 for RFC 9110 token characters. */
const TOKEN = new Uint8Array(128);
(function initTokenTable() {
  const extra = "!#$%&'*+-.^_`|~";
  for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
  for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
  for (let c = 97; c <= 122; c++) TOKEN[c] = 1;
  for (let i = 0; i < extra.length; i++) TOKEN[extra.charCodeAt(i)] = 1;
})();

/** 1 for the bytes of an RFC 3986 reg-name or IPv4 address: unreserved, sub-delims and '%'. */
const HOST_NAME = new Uint8Array(128);
(function initHostTable() {
  // - . _ ~ % ! $ & ' ( ) * + , ; =
  const extra = [45, 46, 95, 126, 37, 33, 36, 38, 39, 40, 41, 42, 43, 44, 59, 61];
  for (let c = 48; c <= 57; c++) HOST_NAME[c] = 1;
  for (let c = 65; c <= 90; c++) HOST_NAME[c] = 1;
  for (let c = 97; c <= 122; c++) HOST_NAME[c] = 1;
  for (let i = 0; i < extra.length; i++) HOST_NAME[extra[i]] = 1;
})();

/**
 * True when bytes [start, end) are a valid Host value (RFC 9112 3.2):
 * `uri-host [":" port]`, where uri-host is a reg-name, an IPv4 address or a
 * bracketed IP literal. An empty value is valid (no authority).
 */
export function isValidHost(bytes: Uint8Array, start: number, end: number): boolean {
  let p = start;
  if (p < end && bytes[p] === 91) {
    // "[" IPv6address / IPvFuture "]": hex digits, ':', '.', 'v' and sub-delims.
    p++;
    while (p < end && bytes[p] !== 93) {
      const b = bytes[p];
      if (b >= 128 || (HOST_NAME[b] !== 1 && b !== COLON) || b === 37) return false;
      p++;
    }
    if (p >= end || p === start + 1) return false;
    p++;
  } else {
    while (p < end && bytes[p] < 128 && HOST_NAME[bytes[p]] === 1) p++;
  }
  if (p === end) return true;
  if (bytes[p] !== COLON) return false;
  for (p++; p < end; p++) if (bytes[p] < 48 || bytes[p] > 57) return false;
  return true;
}

/** True for a byte that may appear in a token (method, header name). */
export function isTokenByte(b: number): boolean {
  return b < 128 && TOKEN[b] === 1;
}

/** Connection header flags. */
export const CONNECTION_CLOSE = 1;
/** Connection: keep-alive was sent (matters for HTTP/1.0). */
export const CONNECTION_KEEP_ALIVE = 2;

/**
 * The parsed request head of one slot, as offsets into the slot buffer.
 * One instance per slot, created at start and reset per request.
 */
export class RequestHead {
  /** Offset where the request line starts (after any leading empty lines). */
  start = 0;
  /** End of the method token. */
  methodEnd = 0;
  /** Request target span. */
  targetStart = 0;
  targetEnd = 0;
  /** Path span inside the target (absolute-form targets skip scheme and authority). */
  pathStart = 0;
  pathEnd = 0;
  /** HTTP minor version: 0 or 1. */
  minorVersion = 1;
  /** Number of header fields recorded (see unindexedFrom). */
  headerCount = 0;
  /** Header spans: [nameStart, nameEnd, valueStart, valueEnd] per field. */
  readonly headers: Uint16Array;
  /** Content-Length value, or -1 when absent. */
  contentLength = -1;
  /** Transfer-Encoding: chunked. */
  chunked = false;
  /** CONNECTION_* flags. */
  connection = 0;
  /** Expect: 100-continue. */
  expectContinue = false;
  /** Offset just past the blank line that ends the head. */
  headEnd = 0;
  /** Where the search for the end of the head resumes. */
  scanFrom = 0;
  /**
   * Where the header lines start while their spans are not recorded yet
   * (an engine's parser may leave them until one is read: engine-headers.ts);
   * 0 once they are, and always with the core's parser.
   */
  unindexedFrom = 0;
  /**
   * An engine's number for this head's request line when its parser took
   * that line before (Espruino's express lane: the same number, the same
   * line), so the server may reuse what the line gave last time; 0 with
   * the core's parser.
   */
  knownLine = 0;

  /** Allocates the header span array for `maxHeaders` fields. */
  constructor(maxHeaders: number) {
    // Offsets into a slot, which is at most 65535 bytes (pool.ts): 16 bits each.
    this.headers = new Uint16Array(maxHeaders * 4);
  }

  /** Forgets the previous request; called before parsing the next one. */
  reset(): void {
    this.start = 0;
    this.methodEnd = 0;
    this.targetStart = 0;
    this.targetEnd = 0;
    this.pathStart = 0;
    this.pathEnd = 0;
    this.minorVersion = 1;
    this.headerCount = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.connection = 0;
    this.expectContinue = false;
    this.headEnd = 0;
    this.scanFrom = 0;
    this.unindexedFrom = 0;
    this.knownLine = 0;
  }

  /** Records the header spans if the parser left them for later: call before reading `headers` or `headerCount`. */
  indexHeaders(bytes: Uint8Array): void {
    if (this.unindexedFrom === 0 || ENGINE_HEADER_INDEXER === null) return;
    this.headerCount = ENGINE_HEADER_INDEXER(bytes, this.unindexedFrom, this.headEnd, this.headers);
    this.unindexedFrom = 0;
  }

  /** Index of the first header whose name equals `name` (ASCII case ignored), or -1. */
  findHeader(bytes: Uint8Array, name: string): number {
    if (this.unindexedFrom !== 0) this.indexHeaders(bytes); // a call level less when indexed: see server.ts advance()
    const h = this.headers;
    for (let i = 0; i < this.headerCount; i++) {
      if (equalsIgnoreCase(bytes, h[i * 4], h[i * 4 + 1], name)) return i;
    }
    return -1;
  }
}

/** Compares bytes[s..e) with a lower-case ASCII word, ignoring case (allocates nothing on XS: see text.ts). */
function spanIs(bytes: Uint8Array, s: number, e: number, word: string): boolean {
  return equalsAsciiLower(bytes, s, e, word);
}

/**
 * Takes a whole request head waiting in `socket` into `bytes` from 0 and
 * records it in `head` (a reset head) as parseHead would: the head's length,
 * or 0 with nothing read or changed. The express lane's way in (server.ts):
 * none in the core, where every head is read into its slot and parsed
 * there. The Espruino build's parser (firmware/espruino/parser.ts) takes a
 * head whose header lines are the ones it checked whole last time.
 */
export const takeHead: ((socket: Socket, bytes: Uint8Array, head: RequestHead, limits: HeadLimits) => number) | null =
  null;

/**
 * Parses the request head in bytes[0..filled) (a slot never holds more than
 * one unparsed head start, at offset 0 or after leading CRLFs).
 * Returns HEAD_INCOMPLETE, the offset just past the head (> 0) when it is
 * complete and valid, or a negative HTTP status (-400, -414, -431, -505,
 * -501) when it is not. `capacity` is the slot size: a head that cannot
 * complete within it is rejected instead of waiting forever.
 */
export function parseHead(
  bytes: Uint8Array,
  filled: number,
  capacity: number,
  head: RequestHead,
  limits: HeadLimits,
): number {
  const headEnd = findHeadEnd(bytes, filled, capacity, head, limits);
  return headEnd > 0 ? parseComplete(bytes, head.start, headEnd, head, limits) : headEnd;
}

/**
 * The first step of parseHead: skips leading empty lines (head.start), and
 * finds the end of the head within the limits. Returns the offset just past
 * the head, HEAD_INCOMPLETE, or a negative status (-400, -414, -431). An
 * engine's own second step (firmware/espruino/parser.ts) starts from here.
 */
export function findHeadEnd(
  bytes: Uint8Array,
  filled: number,
  capacity: number,
  head: RequestHead,
  limits: HeadLimits,
): number {
  // Leading empty lines before a request are ignored (RFC 9112 §2.2).
  let start = head.start;
  while (start + 1 < filled && bytes[start] === CR && bytes[start + 1] === LF) start += 2;
  if (start < filled && bytes[start] === LF) return -400;
  head.start = start;
  if (head.scanFrom < start) head.scanFrom = start;

  // Find the end of the request line first, so an overlong URI gets 414.
  // Line ends are found with indexOf: native on every engine (and far cheaper
  // than a loop on Espruino's interpreter); bytes past `filled` are stale.
  const lineLimit = start + limits.maxRequestLine;
  let lineEnd = bytes.indexOf(LF, head.methodEnd > start ? head.methodEnd : start);
  if (lineEnd >= filled) lineEnd = -1;
  if ((lineEnd < 0 || lineEnd > lineLimit) && filled > lineLimit) return -414;
  if (lineEnd < 0) {
    // methodEnd doubles as "request line scanned up to here" until the head is parsed.
    head.methodEnd = filled;
    if (filled >= capacity) return -414;
    return HEAD_INCOMPLETE;
  }
  if (lineEnd + 1 - start > limits.maxRequestLine) return -414;

  // Then the blank line that ends the head.
  let headEnd = -1;
  for (let i = bytes.indexOf(LF, head.scanFrom > lineEnd ? head.scanFrom : lineEnd); i >= 0 && i < filled; ) {
    if (i + 1 < filled && bytes[i + 1] === LF) return -400; // bare LF line end
    if (i + 2 < filled && bytes[i + 1] === CR && bytes[i + 2] === LF) {
      headEnd = i + 3;
      break;
    }
    i = bytes.indexOf(LF, i + 1);
  }
  if (headEnd < 0) {
    head.scanFrom = filled > lineEnd + 2 ? filled - 2 : lineEnd;
    // Not complete yet: 431 only once no ending could bring the block within the limit (its final CRLF not counted).
    if (filled - lineEnd - 1 > limits.maxHeaderBytes + 1 || filled >= capacity) return -431;
    return HEAD_INCOMPLETE;
  }
  if (headEnd - lineEnd - 1 > limits.maxHeaderBytes + 2) return -431;
  return headEnd;
}

/**
 * The second step of parseHead: validates the complete head in
 * bytes[start..headEnd) (found by findHeadEnd) and records its spans.
 * Returns headEnd, or a negative status.
 */
export function parseComplete(
  bytes: Uint8Array,
  start: number,
  headEnd: number,
  head: RequestHead,
  limits: HeadLimits,
): number {
  const lineEnd = bytes.indexOf(LF, start);
  if (lineEnd === start || bytes[lineEnd - 1] !== CR) return -400;
  const lineStop = lineEnd - 1;

  // method SP target SP HTTP/x.y
  let p = start;
  while (p < lineStop && bytes[p] < 128 && TOKEN[bytes[p]] === 1) p++;
  if (p === start || p >= lineStop || bytes[p] !== SP) return -400;
  head.methodEnd = p;
  p++;
  const targetStart = p;
  while (p < lineStop && bytes[p] > SP && bytes[p] < 127) p++;
  if (p === targetStart || p >= lineStop || bytes[p] !== SP) return -400;
  head.targetStart = targetStart;
  head.targetEnd = p;
  p++;
  const status = parseVersion(bytes, p, lineStop, head);
  if (status !== 0) return status;

  // Path: origin-form "/...", asterisk-form "*", or absolute-form "http://host/...".
  let pathStart = targetStart;
  if (bytes[targetStart] !== SLASH) {
    if (head.targetEnd - targetStart === 1 && bytes[targetStart] === 42) {
      // Asterisk-form is for OPTIONS only (RFC 9112 §3.2.4).
      if (!isOptions(bytes, head.start, head.methodEnd)) return -400;
      pathStart = targetStart;
    } else {
      pathStart = absolutePathStart(bytes, targetStart, head.targetEnd);
      if (pathStart < 0) return -400;
    }
  }
  head.pathStart = pathStart;
  let pathEnd = pathStart;
  while (pathEnd < head.targetEnd && bytes[pathEnd] !== QUESTION && bytes[pathEnd] !== 35) pathEnd++;
  head.pathEnd = pathEnd;

  // Header fields.
  let count = 0;
  let hostSeen = false;
  let transferEncodingSeen = false;
  const spans = head.headers;
  p = lineEnd + 1;
  const blank = headEnd - 2;
  while (p < blank) {
    const eol = bytes.indexOf(LF, p);
    if (bytes[eol - 1] !== CR) return -400;
    const c0 = bytes[p];
    if (c0 === SP || c0 === HTAB) return -400; // obs-fold
    const nameStart = p;
    while (p < eol && bytes[p] < 128 && TOKEN[bytes[p]] === 1) p++;
    if (p === nameStart || bytes[p] !== COLON) return -400;
    const nameEnd = p;
    p++;
    while (p < eol - 1 && (bytes[p] === SP || bytes[p] === HTAB)) p++;
    const valueStart = p;
    let valueEnd = eol - 1;
    for (let k = valueStart; k < valueEnd; k++) {
      const b = bytes[k];
      if ((b < SP && b !== HTAB) || b === 127) return -400;
    }
    while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)) valueEnd--;
    if (count >= limits.maxHeaders) return -431;
    spans[count * 4] = nameStart;
    spans[count * 4 + 1] = nameEnd;
    spans[count * 4 + 2] = valueStart;
    spans[count * 4 + 3] = valueEnd;
    count++;
    const status2 = interpretHeader(bytes, nameStart, nameEnd, valueStart, valueEnd, head);
    if (status2 === 1) {
      if (hostSeen || !isValidHost(bytes, valueStart, valueEnd)) return -400;
      hostSeen = true;
    } else if (status2 === 2) {
      if (transferEncodingSeen) return -400;
      transferEncodingSeen = true;
    } else if (status2 < 0) return status2;
    p = eol + 1;
  }
  head.headerCount = count;
  if (head.minorVersion === 1 && !hostSeen) return -400;
  if (transferEncodingSeen && head.contentLength >= 0) return -400;
  head.headEnd = headEnd;
  return headEnd;
}

/** Parses "HTTP/1.1" or "HTTP/1.0"; other versions are 505, garbage 400. Returns 0 when fine. */
function parseVersion(bytes: Uint8Array, p: number, stop: number, head: RequestHead): number {
  if (stop - p !== 8) return -400;
  if (
    bytes[p] !== 72 ||
    bytes[p + 1] !== 84 ||
    bytes[p + 2] !== 84 ||
    bytes[p + 3] !== 80 ||
    bytes[p + 4] !== SLASH ||
    bytes[p + 6] !== 46
  )
    return -400;
  const major = bytes[p + 5] - 48;
  const minor = bytes[p + 7] - 48;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return -400;
  if (major !== 1 || minor > 1) return -505;
  head.minorVersion = minor;
  return 0;
}

/** The one method asterisk-form goes with. */
const OPTIONS = 'OPTIONS';

/** Whether bytes[s..e) is the method OPTIONS (methods are case-sensitive). */
function isOptions(bytes: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 7) return false;
  for (let i = 0; i < 7; i++) if (bytes[s + i] !== OPTIONS.charCodeAt(i)) return false;
  return true;
}

/** For "scheme://authority/path?q", the offset of "/path"; -1 when malformed. */
function absolutePathStart(bytes: Uint8Array, s: number, e: number): number {
  let p = s;
  while (p < e && bytes[p] !== COLON) p++;
  if (p === s || p + 2 >= e || bytes[p + 1] !== SLASH || bytes[p + 2] !== SLASH) return -1;
  p += 3;
  while (p < e && bytes[p] !== SLASH && bytes[p] !== QUESTION) p++;
  if (p >= e || bytes[p] !== SLASH) return -1;
  return p;
}

/**
 * Applies the headers the server itself must understand. Returns 1 for
 * Host, 2 for Transfer-Encoding (so the caller can reject repeats), 0 for
 * others, or a negative status.
 */
export function interpretHeader(
  bytes: Uint8Array,
  ns: number,
  ne: number,
  vs: number,
  ve: number,
  head: RequestHead,
): number {
  const length = ne - ns;
  if (length === 4 && spanIs(bytes, ns, ne, 'host')) return 1;
  if (length === 14 && spanIs(bytes, ns, ne, 'content-length')) {
    if (head.contentLength >= 0 || ve === vs || ve - vs > 15) return -400;
    let value = 0;
    for (let k = vs; k < ve; k++) {
      const d = bytes[k] - 48;
      if (d < 0 || d > 9) return -400;
      value = value * 10 + d;
    }
    head.contentLength = value;
    return 0;
  }
  if (length === 17 && spanIs(bytes, ns, ne, 'transfer-encoding')) {
    // Only "chunked" alone is supported; chunked not last is malformed.
    if (spanIs(bytes, vs, ve, 'chunked')) {
      head.chunked = true;
      return 2;
    }
    if (ve - vs >= 7 && spanIs(bytes, ve - 7, ve, 'chunked')) return -501;
    return ve - vs > 0 && TOKEN[bytes[vs]] === 1 ? -501 : -400;
  }
  if (length === 10 && spanIs(bytes, ns, ne, 'connection')) {
    let t = vs;
    while (t < ve) {
      while (t < ve && (bytes[t] === SP || bytes[t] === HTAB || bytes[t] === 44)) t++;
      const ts = t;
      while (t < ve && bytes[t] !== 44 && bytes[t] !== SP && bytes[t] !== HTAB) t++;
      if (spanIs(bytes, ts, t, 'close')) head.connection |= CONNECTION_CLOSE;
      else if (spanIs(bytes, ts, t, 'keep-alive')) head.connection |= CONNECTION_KEEP_ALIVE;
    }
    return 0;
  }
  if (length === 6 && spanIs(bytes, ns, ne, 'expect')) {
    if (spanIs(bytes, vs, ve, '100-continue')) {
      head.expectContinue = true;
      return 0;
    }
    return -417;
  }
  return 0;
}
