/**
 * HTTP syntax as regular expressions, for the Espruino parser and response
 * encoder (parser.ts, response.ts): Espruino runs a regular expression in
 * native code, where a loop over the bytes costs about 2 µs a byte. One
 * instance of each: a regular expression takes Espruino variables. And a
 * field value's bounds without its surrounding spaces and tabs, for the
 * parser and the header indexer (engine-headers.ts) alike.
 *
 * Never: differ from the core's tables (src/http/parser.ts TOKEN, the
 * field-value check of src/http/response.ts).
 */

/** An RFC 9110 token (a method, a header name), whole string. */
export const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Where the field value in text[from, to) starts, past its leading spaces and tabs. */
export function valueStart(text: string, from: number, to: number): number {
  let c = text.charCodeAt(from);
  while (from < to && (c === 32 || c === 9)) c = text.charCodeAt(++from);
  return from;
}

/** Where the field value text[from, to) ends, before its trailing spaces and tabs (`from` from valueStart). */
export function valueEnd(text: string, from: number, to: number): number {
  let c = text.charCodeAt(to - 1);
  while (to > from && (c === 32 || c === 9)) c = text.charCodeAt(--to - 1);
  return to;
}
