/**
 * The response encoder on Espruino: the core's src/http/response.ts with
 * the common head written as one string by Espruino's native code.
 * `chipweb build --target espruino` serves this module in the core's place.
 *
 * The core encodes a head byte by byte and then checks the bytes (a
 * header value for control characters, a name for token characters): on
 * Espruino's interpreter that is about 230 µs for a JSON answer and 230 µs
 * more per header a handler sets. Here the checks are regular expressions
 * over the strings, the head is one string, and one native copy (a typed
 * array's set() of a byte string) puts it into the output area. Only heads
 * without a redirect or an Allow list, made of byte strings, are written
 * here; the rest goes to the core's encodeHead. Both write the same bytes
 * and refuse the same heads (-1).
 *
 * Never: write a head the core would refuse, or other bytes than the
 * core's; keep the string (Espruino frees it at once).
 */
import {
  encodeHead as coreEncodeHead,
  FRAMING_CHUNKED,
  FRAMING_LENGTH,
  type HeadPlan,
  type ResponseState,
  statusLine,
} from '../../src/http/response.ts';
import { reasonPhrase, statusHasBody } from '../../src/http/status.ts';
import { espruino } from './types/espruino.ts';
import { hasUnicode } from './codec.ts';
import { TOKEN_RE } from './syntax.ts';

export * from '../../src/http/response.ts';

/** What a header value may not hold: control characters other than HTAB. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Strings are bytes here (ESP32 builds); on a build with Unicode a UTF-8 string goes to the core. */
const UNICODE = hasUnicode();

/**
 * The last content type headerLines accepted: handlers send the same few,
 * so responseText's common answer checks a type once, not per request.
 */
let checkedType = '';
/** The room the common answer's head takes with that type (its length kept: a string's length costs Espruino a lookup). */
let checkedRoom = 0;
/**
 * The common answer's head with that type, up to its Content-Length value:
 * made once, as each `+` on Espruino copies the whole string it adds to.
 */
let checkedHead = '';
/** The common answer's head after its Content-Length value. */
const KEEP_ALIVE_END = '\r\nConnection: keep-alive\r\n\r\n';
const CLOSE_END = '\r\nConnection: close\r\n\r\n';

/** Whether `s` is written as its own bytes (no UTF-8 encoding to do). */
function byteString(s: string): boolean {
  return !UNICODE || !espruino.E.isUTF8(s);
}

/** Whether this module writes the head of `res` when its plan has no redirect: no Allow list, no odd status (the core's cases). */
function plainStatus(res: ResponseState): boolean {
  const status = res.status;
  return (res.allowMask === 0 || status !== 405) && status === (status | 0) && status >= 200 && status <= 599;
}

/**
 * The header lines of `res` after its status line, through the blank line,
 * as one string, for a plain head (plainHead): null when the core's
 * encodeHead must write them (text that is not bytes) or would refuse the
 * head (-1: an invalid header, or a head that does not fit in `room` bytes).
 */
function headerLines(
  res: ResponseState,
  framing: number,
  contentLength: number,
  keepAlive: boolean,
  statusLength: number,
  room: number,
): string | null {
  const status = res.status;
  let head = '';
  const body = statusHasBody(status);
  const type = res.contentType;
  if (type !== '' && body) {
    if (type !== checkedType) {
      if (!byteString(type) || CONTROL.test(type)) return null;
      checkedType = type;
      // headerLines' room check, for the common answer's head (the status line's 17 bytes, Content-Type's line 16 and the type).
      checkedRoom = type.length + 97;
      checkedHead = `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: `;
    }
    head += `Content-Type: ${type}\r\n`;
  }
  for (let i = 0; i < res.headerCount; i++) {
    const name = res.headerNames[i];
    const value = res.headerValues[i];
    if (!byteString(name) || !byteString(value) || !TOKEN_RE.test(name) || CONTROL.test(value)) return null;
    head += `${name}: ${value}\r\n`;
  }
  if (statusLength + head.length + 64 > room) return null;
  if (framing === FRAMING_LENGTH) {
    if (body) head += `Content-Length: ${contentLength}\r\n`;
  } else if (framing === FRAMING_CHUNKED) head += 'Transfer-Encoding: chunked\r\n';
  return head + (keepAlive ? 'Connection: keep-alive\r\n\r\n' : 'Connection: close\r\n\r\n');
}

/**
 * Encodes the status line and headers of `res` into `out` from 0, as the
 * core's encodeHead does: the head's length, or -1 when it does not fit or
 * a header is invalid.
 */
export function encodeHead(res: ResponseState, out: Uint8Array, plan: HeadPlan): number {
  if (plan.redirect !== null || !plainStatus(res)) return coreEncodeHead(res, out, plan);
  // The preencoded status line goes first; the rest follows it as one string.
  const line = statusLine(res.status);
  const first = line === undefined ? `HTTP/1.1 ${res.status} ${reasonPhrase(res.status)}\r\n` : '';
  const at = line === undefined ? 0 : line.length;
  const lines = headerLines(res, plan.framing, plan.contentLength, plan.keepAlive, at + first.length, out.length);
  if (lines === null) return coreEncodeHead(res, out, plan);
  const head = first + lines;
  if (line !== undefined) out.set(line, 0);
  out.set(head as unknown as ArrayLike<number>, at);
  return at + head.length;
}

/**
 * The core's responseText: the whole response as one byte string, the head
 * as encodeHead writes it into `room` bytes for a plain plan (no redirect,
 * FRAMING_LENGTH), then `body`; null when encodeHead must write it (see
 * headerLines) or `body` is not bytes.
 */
export function responseText(
  res: ResponseState,
  keepAlive: boolean,
  contentLength: number,
  body: string | null,
  room: number,
): string | null {
  const type = res.contentType;
  if (res.status === 200 && res.headerCount === 0 && type === checkedType && type !== '' && checkedRoom <= room) {
    // The common answer (a 200 with its type and no other header): what headerLines writes, in one expression.
    if (UNICODE && body !== null && espruino.E.isUTF8(body)) return null; // not bytes (see byteString)
    const head = checkedHead + contentLength + (keepAlive ? KEEP_ALIVE_END : CLOSE_END);
    return body === null ? head : head + body;
  }
  return otherResponseText(res, keepAlive, contentLength, body, room);
}

/**
 * responseText() for any other answer. A function of its own ('noinline'):
 * Espruino reads the code it skips token by token, and the common answer
 * would skip all of this at every request (about 260 tokens).
 */
function otherResponseText(
  res: ResponseState,
  keepAlive: boolean,
  contentLength: number,
  body: string | null,
  room: number,
): string | null {
  'noinline';
  const sent = body !== null && statusHasBody(res.status) ? body : null;
  if (!plainStatus(res) || (sent !== null && !byteString(sent))) return null;
  const line = statusLine(res.status);
  const first =
    line !== undefined ? espruino.E.toString(line) : `HTTP/1.1 ${res.status} ${reasonPhrase(res.status)}\r\n`;
  const lines = headerLines(res, FRAMING_LENGTH, contentLength, keepAlive, first.length, room);
  if (lines === null) return null;
  return sent === null ? first + lines : first + lines + sent;
}
