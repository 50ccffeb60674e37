/**
 * Sec-WebSocket-Accept (RFC 6455 §4.2.2): base64(SHA-1(key + GUID)), where
 * key is the client's Sec-WebSocket-Key value exactly as sent (the parser
 * has trimmed the surrounding whitespace), still sitting in the slot.
 *
 * The hasher and the digest scratch are made on first use, then reused:
 * not at module load, because on the board a preloaded module's typed
 * arrays live in flash and are read-only. The GUID's bytes are only read,
 * so they are made at load (and cost no RAM on the board).
 *
 * Never: allocate after the first call; never copy the key out of the slot.
 */
import { asciiBytes } from '../http/text.ts';
import { encodeBase64 } from './base64.ts';
import { SHA1_BYTES, Sha1 } from './sha1.ts';

/** The bytes of the GUID RFC 6455 appends to every key. */
const GUID = asciiBytes('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');

/** Characters of a Sec-WebSocket-Accept value (base64 of a 20-byte digest). */
export const ACCEPT_LENGTH = 28;

let hasher: Sha1 | null = null;
let digestScratch: Uint8Array | null = null;

/**
 * Writes the 28-character Sec-WebSocket-Accept value for the key
 * bytes[keyStart..keyEnd) at out[pos..pos+28); returns pos + 28.
 */
export function writeAccept(bytes: Uint8Array, keyStart: number, keyEnd: number, out: Uint8Array, pos: number): number {
  if (hasher === null || digestScratch === null) {
    hasher = new Sha1();
    digestScratch = new Uint8Array(SHA1_BYTES);
  }
  hasher.reset();
  hasher.update(bytes, keyStart, keyEnd);
  hasher.update(GUID, 0, GUID.length);
  hasher.digest(digestScratch, 0);
  return encodeBase64(digestScratch, 0, SHA1_BYTES, out, pos);
}
