/**
 * The server side of the WebSocket opening handshake (RFC 6455 §4.2) over a
 * parsed request head: is this a valid upgrade request (and if not, which
 * status answers it), which subprotocol to choose, and the 101 response.
 *
 * Header values are read as spans of the slot (RequestHead), compared byte
 * by byte; the response is written into the caller's output buffer.
 *
 * Never: make strings or objects; never read outside the head's spans.
 */
import type { RequestHead } from '../http/parser.ts';
import { asciiBytes, equalsAscii, equalsAsciiLower, writeAscii } from '../http/text.ts';
import type { AcceptHasher } from './accept.ts';
import { base64DecodedLength } from './base64.ts';

/** The only protocol version this server speaks (and names in a 426 answer's Sec-WebSocket-Version). */
export const WEBSOCKET_VERSION = 13;

/** Bytes the key must decode to (§4.1: a random 16-byte value, base64-encoded). */
const KEY_BYTES = 16;

/**
 * The fixed start of every 101 answer, as bytes: made at module load (on
 * the board, in flash with the preloaded module) and only ever read.
 */
const SWITCHING_PREFIX = asciiBytes(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ',
);

const SP = 32;
const HTAB = 9;
const COMMA = 44;

/**
 * True when the comma-separated list bytes[start..end) (a header value such
 * as `keep-alive, Upgrade`) has an element equal to `lower` ignoring ASCII
 * case; `lower` must be lower case. Whitespace around elements is skipped.
 */
export function hasToken(bytes: Uint8Array, start: number, end: number, lower: string): boolean {
  let p = start;
  while (p < end) {
    while (p < end && (bytes[p] === SP || bytes[p] === HTAB || bytes[p] === COMMA)) p++;
    const tokenStart = p;
    while (p < end && bytes[p] !== COMMA) p++;
    let tokenEnd = p;
    while (tokenEnd > tokenStart && (bytes[tokenEnd - 1] === SP || bytes[tokenEnd - 1] === HTAB)) tokenEnd--;
    if (tokenEnd > tokenStart && equalsAsciiLower(bytes, tokenStart, tokenEnd, lower)) return true;
  }
  return false;
}

/** Header field i's name equals `lower` (ASCII case ignored); `length` is lower's length, compared first. */
function nameIs(bytes: Uint8Array, head: RequestHead, i: number, lower: string, length: number): boolean {
  const ns = head.headers[i * 4];
  const ne = head.headers[i * 4 + 1];
  return ne - ns === length && equalsAsciiLower(bytes, ns, ne, lower);
}

/**
 * Checks that a parsed request asks for a WebSocket (RFC 6455 §4.2.1).
 * Returns the index in `head.headers` of the Sec-WebSocket-Key field (>= 0:
 * its value span is the key) when it does, or a negative status:
 *   -400  not GET over HTTP/1.1, no `Connection: upgrade`, or the key is
 *         missing, repeated, or not base64 of 16 bytes;
 *   -426  no `Upgrade: websocket` (a plain request to a WebSocket route),
 *         or Sec-WebSocket-Version missing or not 13. The answer must carry
 *         `Upgrade: websocket` and `Sec-WebSocket-Version: 13`.
 * One pass over the fields; names are compared only when their length fits.
 */
export function checkUpgrade(bytes: Uint8Array, head: RequestHead): number {
  'cold'; // once per WebSocket: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  if (head.minorVersion !== 1 || !equalsAscii(bytes, head.start, head.methodEnd, 'GET')) return -400;
  head.indexHeaders(bytes);
  const h = head.headers;
  let upgrade = false;
  let connection = false;
  let versions = 0;
  let badVersion = false;
  let keys = 0;
  let key = -1;
  for (let i = 0; i < head.headerCount; i++) {
    const vs = h[i * 4 + 2];
    const ve = h[i * 4 + 3];
    if (nameIs(bytes, head, i, 'upgrade', 7)) {
      if (hasToken(bytes, vs, ve, 'websocket')) upgrade = true;
    } else if (nameIs(bytes, head, i, 'connection', 10)) {
      if (hasToken(bytes, vs, ve, 'upgrade')) connection = true;
    } else if (nameIs(bytes, head, i, 'sec-websocket-version', 21)) {
      versions++;
      if (ve - vs !== 2 || bytes[vs] !== 49 || bytes[vs + 1] !== 51) badVersion = true; // "13"
    } else if (nameIs(bytes, head, i, 'sec-websocket-key', 17)) {
      keys++;
      key = i;
    }
  }
  if (!upgrade) return -426;
  if (!connection) return -400;
  if (versions === 0 || badVersion) return -426;
  if (keys !== 1 || base64DecodedLength(bytes, h[key * 4 + 2], h[key * 4 + 3]) !== KEY_BYTES) return -400;
  return key;
}

/**
 * Chooses a subprotocol: walks the client's Sec-WebSocket-Protocol lists in
 * its order of preference and returns the index in `protocols` of the
 * first one the server supports (compared exactly: protocol names are
 * case-sensitive), or -1 when there is none in common or the client offered
 * none (the 101 then names no protocol).
 */
export function chooseProtocol(bytes: Uint8Array, head: RequestHead, protocols: readonly string[]): number {
  'cold';
  head.indexHeaders(bytes);
  const h = head.headers;
  for (let i = 0; i < head.headerCount; i++) {
    if (!nameIs(bytes, head, i, 'sec-websocket-protocol', 22)) continue;
    const end = h[i * 4 + 3];
    let p = h[i * 4 + 2];
    while (p < end) {
      while (p < end && (bytes[p] === SP || bytes[p] === HTAB || bytes[p] === COMMA)) p++;
      const tokenStart = p;
      while (p < end && bytes[p] !== COMMA && bytes[p] !== SP && bytes[p] !== HTAB) p++;
      if (p === tokenStart) continue;
      for (let k = 0; k < protocols.length; k++) {
        if (equalsAscii(bytes, tokenStart, p, protocols[k])) return k;
      }
    }
  }
  return -1;
}

/**
 * Writes the whole 101 response head at out[pos..) for the key
 * bytes[keyStart..keyEnd): status line, Upgrade, Connection,
 * Sec-WebSocket-Accept (computed by `accept`), Sec-WebSocket-Protocol when
 * `protocol` is not null, and the blank line. Returns the new position. It
 * takes 129 bytes plus 26 and the protocol's length when one is named.
 */
export function writeSwitchingProtocols(
  accept: AcceptHasher,
  bytes: Uint8Array,
  keyStart: number,
  keyEnd: number,
  protocol: string | null,
  out: Uint8Array,
  pos: number,
): number {
  'cold';
  const prefix = SWITCHING_PREFIX;
  let p = pos;
  for (let i = 0; i < prefix.length; i++) out[p++] = prefix[i];
  p = accept.write(bytes, keyStart, keyEnd, out, p);
  if (protocol !== null) {
    p = writeAscii(out, p, '\r\nSec-WebSocket-Protocol: ');
    p = writeAscii(out, p, protocol);
  }
  return writeAscii(out, p, '\r\n\r\n');
}
