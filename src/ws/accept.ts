/**
 * Sec-WebSocket-Accept (RFC 6455 §4.2.2): base64(SHA-1(key + GUID)), where
 * key is the client's Sec-WebSocket-Key value exactly as sent (the parser
 * has trimmed the surrounding whitespace), still sitting in the slot.
 *
 * An AcceptHasher holds the SHA-1 state and the digest scratch; its owner
 * (the server: handshakes are answered one at a time) makes it at start,
 * not at module load, because on the board a preloaded module's typed
 * arrays live in flash and are read-only, and module-level state that is
 * assigned later costs RAM. The GUID's bytes are only read, so they are
 * made at load (and cost no RAM on the board).
 *
 * Never: allocate per call; never copy the key out of the slot.
 */
import { asciiBytes } from '../http/text.ts';
import { encodeBase64 } from './base64.ts';
import { SHA1_BYTES, Sha1 } from './sha1.ts';

/** The bytes of the GUID RFC 6455 appends to every key. */
const GUID = asciiBytes('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');

/** Characters of a Sec-WebSocket-Accept value (base64 of a 20-byte digest). */
export const ACCEPT_LENGTH = 28;

/** Computes Sec-WebSocket-Accept values; made once by its owner, reused for every handshake. */
export class AcceptHasher {
  private readonly sha1 = new Sha1();
  private readonly digest = new Uint8Array(SHA1_BYTES);

  /** Made at the first WebSocket handshake: Espruino keeps the class in flash until then (toolchain/espruino/cold.ts). */
  // biome-ignore lint/complexity/noUselessConstructor: its directive is what it is for.
  constructor() {
    'cold';
  }

  /**
   * Writes the 28-character Sec-WebSocket-Accept value for the key
   * bytes[keyStart..keyEnd) at out[pos..pos+28); returns pos + 28.
   */
  write(bytes: Uint8Array, keyStart: number, keyEnd: number, out: Uint8Array, pos: number): number {
    const sha1 = this.sha1;
    sha1.reset();
    sha1.update(bytes, keyStart, keyEnd);
    sha1.update(GUID, 0, GUID.length);
    sha1.digest(this.digest, 0);
    return encodeBase64(this.digest, 0, SHA1_BYTES, out, pos);
  }
}
