/**
 * A streaming `multipart/form-data` parser (RFC 7578, RFC 2046 section 5.1)
 * over spans of bytes as they arrive: what a browser sends for a form with
 * an `<input type=file>`, e.g. a firmware image, parsed without buffering
 * the file.
 *
 * Feed each piece of the body with step(bytes, start, end) until it answers
 * MP_MORE; each call reports one event and where it stopped (`pos`):
 *
 *   MP_PART      a part's headers were read: partName(), partFilename(),
 *                partContentType(), partNameIs() describe it
 *   MP_DATA      part data: data[dataStart..dataEnd), a span of the caller's
 *                bytes or of the parser's own delimiter buffer (bytes that
 *                looked like the start of a boundary at the end of a piece
 *                and turned out to be data: the parser keeps no other copy)
 *   MP_PART_END  the part's data ended
 *   MP_END       the closing boundary: the body is complete (the epilogue
 *                that may follow is skipped)
 *   MP_MORE      the piece is used up: feed the next one
 *   < 0          malformed input (MP_ERR_*; sticky): multipartStatus() and
 *                multipartProblem() give the answer
 *
 * Between events the caller may await (a flash write, a hash) before
 * calling step() again with the rest of the piece, which stays valid: the
 * parser only remembers offsets. feed() runs the loop for synchronous sinks.
 * When the body has ended, finish() says whether it was complete.
 *
 * A boundary is recognised wherever the pieces are cut (RFC 2046 boundaries
 * have no CR, so a partial match never overlaps a later one). Part headers
 * are copied into a buffer of `maxHeaderBytes`; more is MP_ERR_HEADER_TOO_LARGE.
 *
 * Never: allocate per piece or per part (strings only when a handler asks);
 * keep a reference to the caller's bytes between calls; accept a boundary
 * followed by anything but CRLF (after optional spaces) or "--".
 */
import { codeUnitAt, decodeUtf8, equalsAscii, equalsAsciiLower, TextScratch } from './text.ts';

/** The piece is used up: feed the next one. */
export const MP_MORE = 0;
/** A part's headers were read. */
export const MP_PART = 1;
/** Part data is in data[dataStart..dataEnd). */
export const MP_DATA = 2;
/** The current part's data ended. */
export const MP_PART_END = 3;
/** The closing boundary was read: the body is complete. */
export const MP_END = 4;

/** The Content-Type is not multipart/form-data. */
export const MP_ERR_NOT_MULTIPART = -1;
/** The Content-Type has no boundary, or one RFC 2046 does not allow (1 to 70 of its characters). */
export const MP_ERR_NO_BOUNDARY = -2;
/** The body ended before its first boundary. */
export const MP_ERR_NO_OPENING = -3;
/** The body ended before the closing boundary. */
export const MP_ERR_NO_CLOSE = -4;
/** A part's headers are larger than maxHeaderBytes. */
export const MP_ERR_HEADER_TOO_LARGE = -5;
/** A part header is malformed, or the part has no `Content-Disposition: form-data; name=…`. */
export const MP_ERR_BAD_HEADER = -6;
/** A boundary is followed by something other than CRLF or "--". */
export const MP_ERR_BAD_DELIMITER = -7;
/** step() was called before begin(), or after the body ended. */
export const MP_ERR_STATE = -8;

/** Options of a MultipartParser. */
export interface MultipartOptions {
  /** Largest header block of one part, in bytes (default 1024). */
  maxHeaderBytes?: number;
  /** The scratch names are decoded through (default: one of its own; a route can share the server's, c.env). */
  text?: TextScratch;
}

/** What feed() calls; all synchronous. */
export interface MultipartSink {
  /** A part starts; ask the parser for its name, filename and type. */
  part(parser: MultipartParser): void;
  /** Part data, a span valid only during the call. */
  data(bytes: Uint8Array, start: number, end: number): void;
  /** The part ended. */
  partEnd(parser: MultipartParser): void;
}

/** Longest boundary RFC 2046 allows. */
const MAX_BOUNDARY = 70;

// Parser states.
const IDLE = 0;
const PREAMBLE = 1;
const AFTER_DELIMITER = 2;
const AFTER_DASH = 3;
const PADDING = 4;
const AFTER_CR = 5;
const HEADERS = 6;
const DATA = 7;
const EPILOGUE = 8;
const FAILED = 9;

/** The problem of each error code, for the 400/415/431 body. */
export function multipartProblem(code: number): string {
  if (code === MP_ERR_NOT_MULTIPART) return 'the body is not multipart/form-data';
  if (code === MP_ERR_NO_BOUNDARY) return 'the multipart Content-Type has no valid boundary';
  if (code === MP_ERR_NO_OPENING) return 'the multipart body has no boundary';
  if (code === MP_ERR_NO_CLOSE) return 'the multipart body ended before its closing boundary';
  if (code === MP_ERR_HEADER_TOO_LARGE) return 'a multipart part has headers over the size limit';
  if (code === MP_ERR_BAD_HEADER)
    return 'a multipart part has a malformed header or no Content-Disposition: form-data; name';
  if (code === MP_ERR_BAD_DELIMITER) return 'a multipart boundary is followed by something other than CRLF or --';
  if (code === MP_ERR_STATE) return 'the multipart parser was used out of order';
  return 'the multipart body is malformed';
}

/** The HTTP status for an error code: 415 not multipart, 431 headers too large, else 400. */
export function multipartStatus(code: number): number {
  if (code === MP_ERR_NOT_MULTIPART) return 415;
  if (code === MP_ERR_HEADER_TOO_LARGE) return 431;
  return 400;
}

/** Whether `b` may appear in a boundary (RFC 2046 bchars: DIGIT ALPHA ' ( ) + _ , - . / : = ? and space). */
function isBoundaryChar(b: number): boolean {
  if ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)) return true;
  return (
    b === 39 ||
    b === 40 ||
    b === 41 ||
    b === 43 ||
    b === 95 ||
    b === 44 ||
    b === 45 ||
    b === 46 ||
    b === 47 ||
    b === 58 ||
    b === 61 ||
    b === 63 ||
    b === 32
  );
}

/** A streaming multipart/form-data parser; one per slot, reused with begin(). */
export class MultipartParser {
  /** Data span of the last MP_DATA: the caller's bytes or the parser's delimiter buffer. */
  data: Uint8Array;
  /** Start of the last MP_DATA span. */
  dataStart = 0;
  /** End of the last MP_DATA span. */
  dataEnd = 0;
  /** Where the last step() stopped in the piece it was given. */
  pos = 0;
  /** Parts whose headers were read since begin(). */
  parts = 0;

  /** "\r\n--" + boundary. */
  private readonly delimiter = new Uint8Array(4 + MAX_BOUNDARY);
  private delimiterLength = 0;
  /** The current part's header block. */
  private readonly head: Uint8Array;
  /** The scratch part names and filenames are decoded through. */
  private readonly text: TextScratch;
  private headLength = 0;
  private nameStart = 0;
  private nameEnd = 0;
  private filenameStart = -1;
  private filenameEnd = -1;
  private typeStart = 0;
  private typeEnd = 0;
  private state = IDLE;
  /** Spans of the parameter nextParam() read last. */
  private keyStart = 0;
  private keyEnd = 0;
  private valueStart = 0;
  private valueEnd = 0;
  private quoted = false;
  /** Delimiter bytes matched at the end of the previous piece. */
  private matched = 0;
  private error = 0;

  constructor(options: MultipartOptions = {}) {
    this.head = new Uint8Array(options.maxHeaderBytes ?? 1024);
    this.text = options.text ?? new TextScratch();
    this.data = this.delimiter;
    this.delimiter[0] = 13;
    this.delimiter[1] = 10;
    this.delimiter[2] = 45;
    this.delimiter[3] = 45;
  }

  /**
   * Starts a body whose Content-Type value is bytes[start..end) (e.g. where
   * the header sits in the slot). Returns 0, or MP_ERR_NOT_MULTIPART /
   * MP_ERR_NO_BOUNDARY.
   */
  begin(bytes: Uint8Array, start: number, end: number): number {
    this.state = IDLE;
    this.parts = 0;
    this.matched = 0;
    this.error = 0;
    this.pos = 0;
    this.data = this.delimiter;
    this.dataStart = 0;
    this.dataEnd = 0;
    let p = skipSpaces(bytes, start, end);
    let typeEnd = p;
    while (typeEnd < end && bytes[typeEnd] !== 59 && bytes[typeEnd] !== 32 && bytes[typeEnd] !== 9) typeEnd++;
    if (!equalsAsciiLower(bytes, p, typeEnd, 'multipart/form-data')) return this.fail(MP_ERR_NOT_MULTIPART);
    p = typeEnd;
    let length = -1;
    for (p = this.nextParam(bytes, p, end); p >= 0; p = this.nextParam(bytes, p, end)) {
      if (length >= 0 || !equalsAsciiLower(bytes, this.keyStart, this.keyEnd, 'boundary')) continue;
      // RFC 2046: 1 to 70 of its characters, not ending in a space.
      const n = unescapeInto(bytes, this.valueStart, this.valueEnd, this.quoted, this.delimiter, 4, MAX_BOUNDARY);
      if (n <= 0 || this.delimiter[4 + n - 1] === 32) return this.fail(MP_ERR_NO_BOUNDARY);
      for (let i = 0; i < n; i++) if (!isBoundaryChar(this.delimiter[4 + i])) return this.fail(MP_ERR_NO_BOUNDARY);
      length = n;
    }
    if (p === BAD_PARAM && length < 0) return this.fail(MP_ERR_NO_BOUNDARY);
    if (length < 0) return this.fail(MP_ERR_NO_BOUNDARY);
    this.delimiterLength = 4 + length;
    this.state = PREAMBLE;
    // The first boundary may open the body without a CRLF before it.
    this.matched = 2;
    return 0;
  }

  /** begin() for a Content-Type value a handler has as a string (e.g. `c.header('content-type')`). */
  beginText(contentType: string): number {
    // The header buffer is free until the first part: use it as scratch (ASCII; longer values are cut).
    const head = this.head;
    let n = 0;
    for (; n < head.length; n++) {
      const c = codeUnitAt(contentType, n);
      if (c !== c) break;
      head[n] = c > 255 ? 63 : c;
    }
    return this.begin(head, 0, n);
  }

  /**
   * Parses from bytes[start..end) up to the next event, and returns it (see
   * the file comment); `pos` says where it stopped. Call again with
   * (bytes, pos, end) until it returns MP_MORE.
   */
  step(bytes: Uint8Array, start: number, end: number): number {
    let p = start;
    for (;;) {
      const state = this.state;
      if (state === DATA) return this.scanData(bytes, p, end);
      if (state === PREAMBLE) {
        p = this.scanPreamble(bytes, p, end);
        if (p < 0) {
          this.pos = end;
          return MP_MORE;
        }
        continue;
      }
      if (state === HEADERS) return this.readHeaders(bytes, p, end);
      if (state === EPILOGUE) {
        this.pos = end;
        return MP_MORE;
      }
      if (state === FAILED) {
        this.pos = p;
        return this.error;
      }
      if (state === IDLE) return this.fail(MP_ERR_STATE);
      // The few bytes after a boundary: "--", or optional spaces and CRLF.
      if (p >= end) {
        this.pos = end;
        return MP_MORE;
      }
      const b = bytes[p++];
      if (state === AFTER_DELIMITER) {
        if (b === 45) this.state = AFTER_DASH;
        else if (b === 13) this.state = AFTER_CR;
        else if (b === 32 || b === 9) this.state = PADDING;
        else return this.failAt(MP_ERR_BAD_DELIMITER, p);
      } else if (state === AFTER_DASH) {
        if (b !== 45) return this.failAt(MP_ERR_BAD_DELIMITER, p);
        this.state = EPILOGUE;
        this.pos = p;
        return MP_END;
      } else if (state === PADDING) {
        if (b === 13) this.state = AFTER_CR;
        else if (b !== 32 && b !== 9) return this.failAt(MP_ERR_BAD_DELIMITER, p);
      } else if (state === AFTER_CR) {
        if (b !== 10) return this.failAt(MP_ERR_BAD_DELIMITER, p);
        this.state = HEADERS;
        this.headLength = 0;
      }
    }
  }

  /**
   * Runs step() over the whole piece, calling the sink for each event.
   * Returns MP_MORE (feed the next piece), MP_END, or an error.
   */
  feed(bytes: Uint8Array, start: number, end: number, sink: MultipartSink): number {
    let p = start;
    for (;;) {
      const event = this.step(bytes, p, end);
      p = this.pos;
      if (event === MP_DATA) sink.data(this.data, this.dataStart, this.dataEnd);
      else if (event === MP_PART) sink.part(this);
      else if (event === MP_PART_END) sink.partEnd(this);
      else return event;
    }
  }

  /**
   * Says whether the body, now ended, was complete: 0 after the closing
   * boundary, else MP_ERR_NO_OPENING, MP_ERR_NO_CLOSE or the earlier error.
   */
  finish(): number {
    if (this.state === EPILOGUE) return 0;
    if (this.state === FAILED) return this.error;
    if (this.state === PREAMBLE) return this.fail(MP_ERR_NO_OPENING);
    if (this.state === IDLE) return this.fail(MP_ERR_STATE);
    return this.fail(MP_ERR_NO_CLOSE);
  }

  /** The current part's field name (makes a string). */
  partName(): string {
    return decodeUtf8(this.head, this.nameStart, this.nameEnd, this.text);
  }

  /** Whether the current part's field name is `name` (ASCII; no string made). */
  partNameIs(name: string): boolean {
    return equalsAscii(this.head, this.nameStart, this.nameEnd, name);
  }

  /** Whether the current part is a file (its Content-Disposition has a filename). */
  get isFile(): boolean {
    return this.filenameStart >= 0;
  }

  /** The current part's filename, or undefined when it is not a file (makes a string). */
  partFilename(): string | undefined {
    return this.filenameStart < 0 ? undefined : decodeUtf8(this.head, this.filenameStart, this.filenameEnd, this.text);
  }

  /** The current part's Content-Type, or '' when it has none (RFC 7578: then text/plain). */
  partContentType(): string {
    return decodeUtf8(this.head, this.typeStart, this.typeEnd, this.text);
  }

  private fail(code: number): number {
    this.state = FAILED;
    this.error = code;
    return code;
  }

  private failAt(code: number, p: number): number {
    this.pos = p;
    return this.fail(code);
  }

  /**
   * Skips preamble bytes up to and through the first delimiter; returns the
   * position after it (state AFTER_DELIMITER), or -1 when the piece ended first.
   */
  private scanPreamble(bytes: Uint8Array, p: number, end: number): number {
    const delimiter = this.delimiter;
    const length = this.delimiterLength;
    let matched = this.matched;
    while (p < end) {
      if (bytes[p] === delimiter[matched]) {
        p++;
        if (++matched === length) {
          this.matched = 0;
          this.state = AFTER_DELIMITER;
          return p;
        }
      } else if (matched > 0) {
        matched = 0; // a CR only starts the delimiter, so retry this byte from the start
      } else p++;
    }
    this.matched = matched;
    return -1;
  }

  /** Reads header bytes into the header buffer until the blank line; then parses them. */
  private readHeaders(bytes: Uint8Array, p: number, end: number): number {
    const head = this.head;
    const limit = head.length;
    let n = this.headLength;
    while (p < end) {
      if (n === limit) return this.failAt(MP_ERR_HEADER_TOO_LARGE, p);
      const b = bytes[p++];
      head[n++] = b;
      if (b === 10 && head[n - 2] === 13 && (n === 2 || (n >= 4 && head[n - 3] === 10 && head[n - 4] === 13))) {
        this.headLength = n;
        this.pos = p;
        if (!this.parseHeaders(n === 2 ? 0 : n - 2)) return this.failAt(MP_ERR_BAD_HEADER, p);
        this.state = DATA;
        this.parts++;
        return MP_PART;
      }
    }
    this.headLength = n;
    this.pos = end;
    return MP_MORE;
  }

  /** Parses the header lines in head[0..end) (each ends with CRLF); false when malformed or not form-data. */
  private parseHeaders(end: number): boolean {
    const head = this.head;
    this.nameStart = -1;
    this.nameEnd = -1;
    this.filenameStart = -1;
    this.filenameEnd = -1;
    this.typeStart = 0;
    this.typeEnd = 0;
    let line = 0;
    while (line < end) {
      let lineEnd = line;
      while (lineEnd + 1 < end && !(head[lineEnd] === 13 && head[lineEnd + 1] === 10)) lineEnd++;
      if (lineEnd + 1 >= end) lineEnd = end - 2; // the last line's CRLF
      let colon = line;
      while (colon < lineEnd && head[colon] !== 58) colon++;
      if (colon === lineEnd || colon === line || head[line] === 32 || head[line] === 9) return false;
      let nameEnd = colon;
      while (nameEnd > line && (head[nameEnd - 1] === 32 || head[nameEnd - 1] === 9)) nameEnd--;
      const valueStart = skipSpaces(head, colon + 1, lineEnd);
      let valueEnd = lineEnd;
      while (valueEnd > valueStart && (head[valueEnd - 1] === 32 || head[valueEnd - 1] === 9)) valueEnd--;
      if (equalsAsciiLower(head, line, nameEnd, 'content-disposition')) {
        if (!this.parseDisposition(valueStart, valueEnd)) return false;
      } else if (equalsAsciiLower(head, line, nameEnd, 'content-type')) {
        this.typeStart = valueStart;
        this.typeEnd = valueEnd;
      }
      line = lineEnd + 2;
    }
    return this.nameStart >= 0;
  }

  /** Parses `form-data; name="…"; filename="…"` in head[start..end); quoted values are unescaped in place. */
  private parseDisposition(start: number, end: number): boolean {
    const head = this.head;
    let p = start;
    while (p < end && head[p] !== 59 && head[p] !== 32 && head[p] !== 9) p++;
    if (!equalsAsciiLower(head, start, p, 'form-data')) return false;
    for (p = this.nextParam(head, p, end); p >= 0; p = this.nextParam(head, p, end)) {
      const isName = equalsAsciiLower(head, this.keyStart, this.keyEnd, 'name');
      if (!isName && !equalsAsciiLower(head, this.keyStart, this.keyEnd, 'filename')) continue;
      // The value shrinks when unescaped, never grows: in place is safe.
      const n = unescapeInto(head, this.valueStart, this.valueEnd, this.quoted, head, this.valueStart, end);
      if (isName) {
        this.nameStart = this.valueStart;
        this.nameEnd = this.valueStart + n;
      } else {
        this.filenameStart = this.valueStart;
        this.filenameEnd = this.valueStart + n;
      }
    }
    return p !== BAD_PARAM;
  }

  /**
   * Reads the next `; key=value` parameter of bytes[p..end) into keyStart,
   * keyEnd, valueStart, valueEnd and quoted (a quoted value's span is inside
   * the quotes, escapes still in). Returns the position after it; NO_PARAM
   * when none is left, BAD_PARAM for an unterminated quoted value.
   * Parameters without a value are skipped.
   */
  private nextParam(bytes: Uint8Array, p: number, end: number): number {
    for (;;) {
      p = skipSpaces(bytes, p, end);
      if (p < end && bytes[p] === 59) p = skipSpaces(bytes, p + 1, end);
      if (p >= end) return NO_PARAM;
      const keyStart = p;
      while (p < end && bytes[p] !== 61 && bytes[p] !== 59) p++;
      let keyEnd = p;
      while (keyEnd > keyStart && (bytes[keyEnd - 1] === 32 || bytes[keyEnd - 1] === 9)) keyEnd--;
      if (p >= end || bytes[p] !== 61) continue;
      this.keyStart = keyStart;
      this.keyEnd = keyEnd;
      p = skipSpaces(bytes, p + 1, end);
      this.quoted = p < end && bytes[p] === 34;
      if (this.quoted) {
        this.valueStart = ++p;
        while (p < end && bytes[p] !== 34) p += bytes[p] === 92 && p + 1 < end ? 2 : 1;
        if (p >= end) return BAD_PARAM;
        this.valueEnd = p;
        return p + 1;
      }
      this.valueStart = p;
      while (p < end && bytes[p] !== 59 && bytes[p] !== 32 && bytes[p] !== 9) p++;
      this.valueEnd = p;
      return p;
    }
  }

  /** The DATA state: reports data up to the next delimiter, or the part's end. */
  private scanData(bytes: Uint8Array, p: number, end: number): number {
    const delimiter = this.delimiter;
    const length = this.delimiterLength;
    const carried = this.matched;
    if (carried > 0) {
      // A piece ended inside what may be a delimiter: go on matching.
      let i = p;
      let m = carried;
      while (i < end && m < length && bytes[i] === delimiter[m]) {
        i++;
        m++;
      }
      if (m === length) return this.partEnded(i);
      if (i === end) {
        this.matched = m;
        this.pos = end;
        return MP_MORE;
      }
      // Not a delimiter: the carried bytes were data. Rescan this piece from p
      // (the bytes matched in it hold no CR, so no delimiter starts among them).
      this.matched = 0;
      this.pos = p;
      this.data = delimiter;
      this.dataStart = 0;
      this.dataEnd = carried;
      return MP_DATA;
    }
    let i = p;
    for (;;) {
      while (i < end && bytes[i] !== 13) i++;
      if (i === end) return this.emit(bytes, p, end, end);
      let j = i;
      let m = 0;
      while (j < end && m < length && bytes[j] === delimiter[m]) {
        j++;
        m++;
      }
      if (m === length) {
        if (i > p) return this.emit(bytes, p, i, i);
        return this.partEnded(j);
      }
      if (j === end) {
        // The piece ends inside a possible delimiter: hold those bytes back.
        this.matched = m;
        return this.emit(bytes, p, i, end);
      }
      i++;
    }
  }

  /** Reports bytes[start..end) as data (or MP_MORE when empty), stopping at `next`. */
  private emit(bytes: Uint8Array, start: number, end: number, next: number): number {
    this.pos = next;
    if (end === start) return MP_MORE;
    this.data = bytes;
    this.dataStart = start;
    this.dataEnd = end;
    return MP_DATA;
  }

  /** A delimiter ended at `p`: the part is over. */
  private partEnded(p: number): number {
    this.matched = 0;
    this.pos = p;
    this.state = AFTER_DELIMITER;
    return MP_PART_END;
  }
}

/** nextParam(): no parameter left. */
const NO_PARAM = -1;
/** nextParam(): a quoted value without its closing quote. */
const BAD_PARAM = -2;

/**
 * Copies src[start..end) to dst[at..), dropping the backslash of each
 * escape when `quoted`; returns the length copied, or -1 when it is longer
 * than `max`. src and dst may be the same buffer with at <= start.
 */
function unescapeInto(
  src: Uint8Array,
  start: number,
  end: number,
  quoted: boolean,
  dst: Uint8Array,
  at: number,
  max: number,
): number {
  let n = 0;
  for (let p = start; p < end; p++) {
    if (quoted && src[p] === 92 && p + 1 < end) p++;
    if (n >= max) return -1;
    dst[at + n++] = src[p];
  }
  return n;
}

/** The first position at or after `p` that is not a space or tab. */
function skipSpaces(bytes: Uint8Array, p: number, end: number): number {
  while (p < end && (bytes[p] === 32 || bytes[p] === 9)) p++;
  return p;
}
