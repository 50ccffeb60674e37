/**
 * Base64 (RFC 4648 §4, standard alphabet, with padding) between byte spans:
 * encoding into a caller's buffer, and checking how many bytes a padded
 * base64 span stands for (the handshake's key must be 16).
 *
 * Never: allocate (no tables made at run time, no strings); never write
 * outside the span the caller gave.
 */

/** The base64 character of a 6-bit value. */
function base64Char(v: number): number {
  if (v < 26) return 65 + v; // A-Z
  if (v < 52) return 71 + v; // a-z
  if (v < 62) return v - 4; // 0-9
  return v === 62 ? 43 : 47; // + /
}

/** The 6-bit value of a base64 character, or -1 (padding '=' included). */
function base64Value(c: number): number {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (c === 43) return 62;
  if (c === 47) return 63;
  return -1;
}

/** Characters base64 takes for `n` bytes, padding included. */
export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/**
 * Encodes bytes[start..end) as base64 with padding at out[pos..); returns
 * the position after the last character (pos + base64Length(end - start)).
 */
export function encodeBase64(bytes: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  let i = start;
  for (; i + 3 <= end; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[pos++] = base64Char(v >> 18);
    out[pos++] = base64Char((v >> 12) & 63);
    out[pos++] = base64Char((v >> 6) & 63);
    out[pos++] = base64Char(v & 63);
  }
  const rest = end - i;
  if (rest === 1) {
    const v = bytes[i];
    out[pos++] = base64Char(v >> 2);
    out[pos++] = base64Char((v & 3) << 4);
    out[pos++] = 61;
    out[pos++] = 61;
  } else if (rest === 2) {
    const v = (bytes[i] << 8) | bytes[i + 1];
    out[pos++] = base64Char(v >> 10);
    out[pos++] = base64Char((v >> 4) & 63);
    out[pos++] = base64Char((v & 15) << 2);
    out[pos++] = 61;
  }
  return pos;
}

/**
 * The number of bytes bytes[start..end) decodes to when it is padded base64
 * (a multiple of 4 characters of the standard alphabet, '=' only as one or
 * two final pad characters), or -1 when it is not. Bits left over before
 * the padding are not required to be zero (as in common decoders).
 */
export function base64DecodedLength(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n <= 0 || n % 4 !== 0) return n === 0 ? 0 : -1;
  let pad = 0;
  if (bytes[end - 1] === 61) pad = bytes[end - 2] === 61 ? 2 : 1;
  for (let i = start; i < end - pad; i++) if (base64Value(bytes[i]) < 0) return -1;
  return (n / 4) * 3 - pad;
}
