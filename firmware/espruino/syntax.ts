/**
 * HTTP syntax as regular expressions, for the Espruino parser and response
 * encoder (parser.ts, response.ts): Espruino runs a regular expression in
 * native code, where a loop over the bytes costs about 2 µs a byte. One
 * instance of each: a regular expression takes Espruino variables.
 *
 * Never: differ from the core's tables (src/http/parser.ts TOKEN, the
 * field-value check of src/http/response.ts).
 */

/** An RFC 9110 token (a method, a header name), whole string. */
export const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
