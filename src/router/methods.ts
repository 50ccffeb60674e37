/**
 * HTTP method codes shared by the route compiler and the matcher.
 *
 * The seven standard methods have fixed small codes so that a request's
 * method can be turned into a number without a table and compared as one
 * byte; custom tokens get codes 7.. per table (see compile.ts).
 *
 * Never: allocate in anything the request path calls (standardMethodCode).
 */

/** Code of GET. */
export const METHOD_GET = 0;
/** Code of HEAD. Falls back to the GET route of a path that has no HEAD route. */
export const METHOD_HEAD = 1;
/** Code of POST. */
export const METHOD_POST = 2;
/** Code of PUT. */
export const METHOD_PUT = 3;
/** Code of DELETE. */
export const METHOD_DELETE = 4;
/** Code of PATCH. */
export const METHOD_PATCH = 5;
/** Code of OPTIONS. */
export const METHOD_OPTIONS = 6;

/** How many codes are fixed; custom method tokens are numbered from here. */
export const STANDARD_METHOD_COUNT = 7;

/** A table holds at most this many method codes: the allowed-method bitmap is 32 bits. */
export const MAX_METHOD_CODES = 32;

/** The method a route registers under to answer every method (app.all). */
export const ANY_METHOD = '*';

/** Names of the standard codes, indexed by code. */
export const STANDARD_METHOD_NAMES: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
]);

/**
 * Code of a standard method whose token is bytes[start..end), or -1.
 * Compares bytes directly, so it allocates nothing.
 */
export function standardMethodCode(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  const first = bytes[start];
  // Dispatch on length and first byte, then confirm the remaining bytes (literal
  // codes, no strings: reading a string's characters costs a call each on XS).
  if (length === 3) {
    if (first === 71 /* G */ && bytes[start + 1] === 69 && bytes[start + 2] === 84) return METHOD_GET;
    if (first === 80 /* P */ && bytes[start + 1] === 85 && bytes[start + 2] === 84) return METHOD_PUT;
    return -1;
  }
  if (length === 4) {
    if (first === 72 /* H */ && bytes[start + 1] === 69 && bytes[start + 2] === 65 && bytes[start + 3] === 68)
      return METHOD_HEAD;
    if (first === 80 /* P */ && bytes[start + 1] === 79 && bytes[start + 2] === 83 && bytes[start + 3] === 84)
      return METHOD_POST;
    return -1;
  }
  if (length === 5) {
    return first === 80 &&
      bytes[start + 1] === 65 &&
      bytes[start + 2] === 84 &&
      bytes[start + 3] === 67 &&
      bytes[start + 4] === 72
      ? METHOD_PATCH
      : -1;
  }
  if (length === 6) {
    return first === 68 &&
      bytes[start + 1] === 69 &&
      bytes[start + 2] === 76 &&
      bytes[start + 3] === 69 &&
      bytes[start + 4] === 84 &&
      bytes[start + 5] === 69
      ? METHOD_DELETE
      : -1;
  }
  if (length === 7) {
    return first === 79 &&
      bytes[start + 1] === 80 &&
      bytes[start + 2] === 84 &&
      bytes[start + 3] === 73 &&
      bytes[start + 4] === 79 &&
      bytes[start + 5] === 78 &&
      bytes[start + 6] === 83
      ? METHOD_OPTIONS
      : -1;
  }
  return -1;
}

/** Whether `name` is an HTTP method token (RFC 9110 tchar+). */
export function isMethodToken(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const isAlnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!isAlnum && "!#$%&'*+-.^_`|~".indexOf(name.charAt(i)) < 0) return false;
  }
  return true;
}
