/**
 * The request-head parser on Espruino: the core's src/http/parser.ts with
 * its second step done by Espruino's native string code. `chipweb build
 * --target espruino` serves this module in the core parser's place.
 *
 * Espruino interprets every statement (about 2 µs each), so the core's
 * byte loops cost about 8 µs per byte of head: 0.5 ms for a 40-byte
 * request, 2.6 ms for a browser's 300. Here the complete head is copied
 * once into a string (E.toString) and checked with native indexOf and
 * regular expressions, a line at a time. Only the common, valid shape is
 * accepted here: an origin-form target, HTTP/1.x, header lines of a token,
 * a colon and a clean value. Anything else (absolute-form, an IP literal
 * Host, any malformed line) goes to the core's own parseComplete, which
 * then answers exactly as on every other engine. So what is accepted
 * records the same spans as the core would, and what is refused gets the
 * core's status. The header lines' spans are recorded only when something
 * reads a header (./engine-headers.ts): most requests read none, and
 * recording them was about half of a line's cost.
 *
 * Never: accept a head the core would refuse; record a span the core
 * would not; keep the string after parsing (it is dropped at once, and
 * Espruino frees it).
 */
import {
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
  type HeadLimits,
  type RequestHead,
  findHeadEnd,
  interpretHeader,
  parseComplete,
} from '../../src/http/parser.ts';
import { indexOfWhole } from '../../src/http/text.ts';
import type { Socket } from '../../src/platform.ts';
import { TOKEN_RE, valueEnd, valueStart } from './syntax.ts';
import { espruino } from './types/espruino.ts';

export * from '../../src/http/parser.ts';

/** A request line: a method token, an origin-form target of visible ASCII, the version (CR stripped). */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \/[!-~]* HTTP\/1\.[01]$/;
// The checks of header lines not seen before (a connection's first request, a POST's Content-Length) make
// their regular expressions where they run: one kept from the start costs the board 13 to 16 variables, and
// a connection's later requests with the same lines skip them (see knownSection).

/**
 * A takenLine no head the lane takes starts with: such a head's first LF
 * ends its request line, and its header section (a Host line first or
 * later, checked) cannot start with a second.
 */
const NO_LINE = '\n\n';

/** The longest header section kept as known (knownSection): its string costs the board a variable per 14 bytes. */
const KNOWN_MOST = 640;

/**
 * The last header section (the head's lines after the request line, with
 * the final CRLF) parseCommon found whole and plain (no Content-Length, no
 * list in Connection), and what its lines gave. A browser sends the same
 * lines with every request on a connection; checking them again took most
 * of such a request's time (about 700 µs for Chromium's 13 lines, with
 * the head's regular expression). One for the server: the answer depends
 * only on the section's text and the header limit, and parsing runs one
 * head at a time. Module variables, not an object's members: each costs
 * the board one variable, and is found in one look.
 */
let knownSection = '';
/** knownSection.length, kept: a string's length costs Espruino a lookup of String's prototype at every read. */
let knownLength = 0;
/**
 * Its lines have Host: the express lane takes it, under the limits it was
 * checked with (their values, kept: Espruino compares objects through
 * their valueOf, a call).
 */
let knownLane = false;
let knownMaxHeaders = 0;
let knownHeaderBytes = 0;
let knownCount = 0;
let knownConnection = 0;
let knownHits = 0;
let knownTaken = 0;

// The request line of the last head the express lane took, with its CRLF, its number (RequestHead.knownLine)
// and the spans it gave: a polling client sends the same line again and again. Module variables, not an
// object: each costs the board one variable.
/** A head that starts with it has this line: its only LF ends it. At first, and once forgotten, no head can. */
let takenLine = NO_LINE;
let takenLineNumber = 0;
let takenMethodEnd = 0;
let takenTargetEnd = 0;
let takenPathEnd = 0;
let takenMinorVersion = 0;

/** The known header section, how often parseHead found a head that ended with it, and how many the express lane took (for tests). */
export function knownHeaderSection(): { readonly section: string; readonly hits: number; readonly taken: number } {
  'cold';
  return { section: knownSection, hits: knownHits, taken: knownTaken };
}

/** Whether the Host value `value` is a reg-name or IPv4 address with an optional port (isValidHost's common case). */
function isPlainHost(value: string): boolean {
  // A reg-name or IPv4 address (Espruino has no `(…)?`).
  const hostName = /^[-.0-9A-Za-z_~%!$&'()*+,;=]*$/;
  const colon = value.indexOf(':');
  if (colon < 0) return hostName.test(value);
  return hostName.test(value.substr(0, colon)) && (colon === value.length - 1 || isDigits(value.substr(colon + 1)));
}

/** Whether `value` is a port or a Content-Length value: digits only. */
function isDigits(value: string): boolean {
  return /^[0-9]+$/.test(value);
}

/**
 * Parses the request head in bytes[0..filled), as the core's parseHead
 * does (same results, same spans), with the common case checked natively.
 */
export function parseHead(
  bytes: Uint8Array,
  filled: number,
  capacity: number,
  head: RequestHead,
  limits: HeadLimits,
): number {
  if (head.start === 0 && filled > 4 && bytes[0] > 32) {
    // A head from the slot's start, found whole in one look (findHeadEnd walks its lines in script).
    // At most the longest head the limits allow: a body or the next request after it stays bytes.
    const most = limits.maxRequestLine + limits.maxHeaderBytes + 4;
    const text = espruino.E.toString(bytes.subarray(0, filled < most ? filled : most));
    // Whole: a head that so far ends in CR, CRLF or CRLF CR is not complete (Espruino's indexOf says it is).
    const blank = indexOfWhole(text, '\r\n\r\n');
    if (blank > 0) {
      const end = blank + 4;
      const lineEnd = text.indexOf('\n');
      // Within the limits findHeadEnd enforces (414, 431), the common shape is recorded here.
      if (
        lineEnd < limits.maxRequestLine &&
        end - lineEnd - 3 <= limits.maxHeaderBytes &&
        parseCommon(bytes, end < text.length ? text.substr(0, end) : text, 0, head, limits)
      )
        return end;
      // Anything else, the core decides (what parseCommon may have set is undone first).
      head.contentLength = -1;
      head.connection = 0;
      const coreEnd = findHeadEnd(bytes, filled, capacity, head, limits);
      return coreEnd <= 0 ? coreEnd : parseComplete(bytes, head.start, coreEnd, head, limits);
    }
  }
  const headEnd = findHeadEnd(bytes, filled, capacity, head, limits);
  if (headEnd <= 0) return headEnd;
  const start = head.start;
  if (parseCommon(bytes, espruino.E.toString(bytes.subarray(start, headEnd)), start, head, limits)) return headEnd;
  // The core decides, from what findHeadEnd left: only what interpretHeader may have set is undone.
  head.contentLength = -1;
  head.connection = 0;
  return parseComplete(bytes, start, headEnd, head, limits);
}

/**
 * The express lane's way in (the core's takeHead, server.ts): the head
 * waiting in `socket` when takeKnownHead takes it. A keep-alive client, a
 * browser above all, sends the same header lines with every request: such
 * a head is recognised with one native endsWith and its request line's
 * check, and copied into the slot in one native set(); the bytes never
 * become a second string (parseHead's E.toString of the slot).
 */
export function takeHead(socket: Socket, bytes: Uint8Array, head: RequestHead, limits: HeadLimits): number {
  // Espruino's socket (platform.ts) keeps what arrived and the core has not read as a byte string.
  const received = socket as unknown as { pending: string };
  const taken = takeKnownHead(received.pending, bytes, head, limits);
  if (taken > 0) received.pending = '';
  return taken;
}

/**
 * The express lane's head: when `text` is exactly one
 * request head whose header lines are the known section, copies it into
 * `bytes` from 0 and records it in `head` as reset() and parseHead would
 * (every field: the last request's may still be there; a head that took
 * the same line last keeps what the line gave), and returns its length;
 * else 0, with nothing changed.
 */
export function takeKnownHead(text: string, bytes: Uint8Array, head: RequestHead, limits: HeadLimits): number {
  const n = text.length;
  // Without Host a section is refused for HTTP/1.1 (parseCommon): such heads go the slot's way (lane closed).
  if (
    !knownLane ||
    knownMaxHeaders !== limits.maxHeaders ||
    knownHeaderBytes !== limits.maxHeaderBytes ||
    n > bytes.length
  )
    return 0;
  // The text after the first line is the known section (checked whole, a single blank line at its end): one head.
  const lineEnd = text.indexOf('\n');
  if (n - lineEnd - 1 !== knownLength || lineEnd >= limits.maxRequestLine || !text.endsWith(knownSection)) return 0;
  // The line of the last head taken was checked then, and gives the same spans; a head that took it last, with
  // this section, holds them already (only the parsers write those fields, and the core's resets knownLine first).
  const same = text.startsWith(takenLine);
  if ((!same || head.knownLine !== takenLineNumber) && !takeLine(text, head)) return 0;
  // What reading a header changes (RequestHead.indexHeaders).
  head.headerCount = 0;
  head.unindexedFrom = knownCount > 0 ? lineEnd + 1 : 0;
  bytes.set(text as unknown as ArrayLike<number>, 0);
  knownTaken++;
  return n;
}

/**
 * takeKnownHead() for a head `text` the known section ends, when `head`
 * does not hold the line taken last: when the line is another, checks it
 * and remembers it and its spans under a new number (false, with nothing
 * remembered or changed, when it is not of the common shape); then
 * records in `head` what the line and the known section give, as reset()
 * and then parseHead would leave it, for the server resets no head the
 * lane takes. A function of its own ('noinline'): a client that sends the
 * same line again on the same connection passes none of this.
 */
function takeLine(text: string, head: RequestHead): boolean {
  'noinline'; // its parameters are few (what it needs it finds again): each costs the board a variable
  const lineEnd = text.indexOf('\n');
  if (!text.startsWith(takenLine)) {
    const line = text.substr(0, lineEnd - 1);
    if (text.charCodeAt(lineEnd - 1) !== 13 || !REQUEST_LINE.test(line)) return false;
    recordRequestLine(line, 0, head);
    takenLine = text.substr(0, lineEnd + 1);
    takenLineNumber++;
    takenMethodEnd = head.methodEnd;
    takenTargetEnd = head.targetEnd;
    takenPathEnd = head.pathEnd;
    takenMinorVersion = head.minorVersion;
  }
  head.methodEnd = takenMethodEnd;
  head.targetStart = takenMethodEnd + 1;
  head.pathStart = takenMethodEnd + 1;
  head.targetEnd = takenTargetEnd;
  head.pathEnd = takenPathEnd;
  head.minorVersion = takenMinorVersion;
  head.start = 0;
  head.contentLength = -1;
  head.chunked = false;
  head.connection = knownConnection;
  head.expectContinue = false;
  head.headEnd = text.length;
  head.scanFrom = 0;
  head.knownLine = takenLineNumber;
  return true;
}

/** Records the spans of a request line `line` (REQUEST_LINE's shape, its CR off) that starts at `start`. */
function recordRequestLine(line: string, start: number, head: RequestHead): void {
  const methodEnd = line.indexOf(' ');
  const targetEnd = line.indexOf(' ', methodEnd + 1);
  head.methodEnd = start + methodEnd;
  head.targetStart = start + methodEnd + 1;
  head.targetEnd = start + targetEnd;
  head.minorVersion = line.charCodeAt(line.length - 1) - 48;
  head.pathStart = head.targetStart;
  const target = line.substr(methodEnd + 1, targetEnd - methodEnd - 1);
  let pathEnd = target.indexOf('?');
  const hash = target.indexOf('#');
  if (hash >= 0 && (pathEnd < 0 || hash < pathEnd)) pathEnd = hash;
  head.pathEnd = head.targetStart + (pathEnd < 0 ? target.length : pathEnd);
}

/** What checkLines found: the header lines, whether one was Host, whether all were plain (see knownSection). */
let linesCount = 0;
let linesHostSeen = false;
let linesPlain = true;

/**
 * Checks each header line of the head `text` from `p` to its blank line,
 * and reads Host, Content-Length and Connection into `head`; false when a
 * line is malformed or refused. What it found goes to `linesCount`,
 * `linesHostSeen` and `linesPlain`. A function of its own, called only for
 * a section not known: Espruino reads the code it skips token by token,
 * and a known section then skips only the call.
 */
function checkLines(
  bytes: Uint8Array,
  text: string,
  start: number,
  from: number,
  head: RequestHead,
  limits: HeadLimits,
): boolean {
  const blank = text.length - 2; // the final CRLF
  let count = 0;
  let hostSeen = false;
  let plain = true;
  let p = from;
  while (p < blank) {
    const eol = text.indexOf('\n', p);
    const colon = text.indexOf(':', p);
    if (colon <= p || colon > eol || !TOKEN_RE.test(text.substr(p, colon - p))) return false;
    if (++count > limits.maxHeaders) return false;
    const nameLength = colon - p;
    if (nameLength === 4 || nameLength === 6 || nameLength === 10 || nameLength === 14 || nameLength === 17) {
      // Host, Expect, Connection, Content-Length, Transfer-Encoding: read here or by the core (short values).
      const name = text.substr(p, nameLength).toLowerCase();
      const vs = valueStart(text, colon + 1, eol - 1);
      const ve = valueEnd(text, vs, eol - 1);
      if (name === 'host') {
        if (hostSeen || !isPlainHost(text.substr(vs, ve - vs))) return false;
        hostSeen = true;
      } else if (name === 'transfer-encoding' || name === 'expect') return false;
      else if (name === 'content-length') {
        const value = text.substr(vs, ve - vs);
        if (head.contentLength >= 0 || value.length > 15 || !isDigits(value)) return false;
        head.contentLength = parseInt(value, 10);
        plain = false;
      } else if (name === 'connection') {
        const value = text.substr(vs, ve - vs).toLowerCase();
        if (value === 'keep-alive') head.connection |= CONNECTION_KEEP_ALIVE;
        else if (value === 'close') head.connection |= CONNECTION_CLOSE;
        else {
          interpretHeader(bytes, start + p, start + colon, start + vs, start + ve, head); // a list: the core reads it
          plain = false;
        }
      }
    }
    p = eol + 1;
  }
  linesCount = count;
  linesHostSeen = hostSeen;
  linesPlain = plain;
  return true;
}

/**
 * The common case of a complete head: `text` holds its bytes from `start`
 * in `bytes`. Records it and returns true, or false when the core must look
 * (it may be valid in a rarer form, or it is malformed).
 */
function parseCommon(bytes: Uint8Array, text: string, start: number, head: RequestHead, limits: HeadLimits): boolean {
  const lineEnd = text.indexOf('\n');
  // A known section was checked whole before: only the request line is new (REQUEST_LINE admits no control
  // character, and its CR is checked here).
  const seen =
    knownMaxHeaders === limits.maxHeaders && text.length - lineEnd - 1 === knownLength && text.endsWith(knownSection);
  // Malformed: a control character other than HTAB, a CR not followed by LF, an LF not preceded by CR.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds.
  if (seen ? text.charCodeAt(lineEnd - 1) !== 13 : /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r[^\n]|[^\r]\n/.test(text))
    return false;
  const line = text.substr(0, lineEnd - 1);
  if (!REQUEST_LINE.test(line)) return false;
  recordRequestLine(line, start, head);

  // Every line is checked (checkLines); their spans are recorded only when a header is read (./engine-headers.ts).
  let count: number;
  let hostSeen: boolean;
  if (seen) {
    knownHits++;
    count = knownCount;
    hostSeen = knownLane;
    head.connection |= knownConnection;
  } else {
    if (!checkLines(bytes, text, start, lineEnd + 1, head, limits)) return false;
    count = linesCount;
    hostSeen = linesHostSeen;
    if (linesPlain && text.length - lineEnd - 1 <= KNOWN_MOST) {
      knownSection = espruino.E.toString(text.substr(lineEnd + 1)); // flat: endsWith compares it in one pass
      knownLength = text.length - lineEnd - 1;
      takenLine = NO_LINE; // the lane's next head gets new fields (connection, headEnd) under a new number
      knownMaxHeaders = limits.maxHeaders;
      knownHeaderBytes = limits.maxHeaderBytes;
      knownCount = count;
      knownConnection = head.connection;
      knownLane = hostSeen; // within its limits (findHeadEnd's or parseHead's check came first)
    }
  }
  if (head.minorVersion === 1 && !hostSeen) return false;
  head.headerCount = 0;
  if (count > 0) head.unindexedFrom = start + lineEnd + 1;
  head.headEnd = start + text.length;
  return true;
}
