/**
 * The state of a request body taken as it arrives (a streamBody() route):
 * the handler's piece callback, how much is still to come, and whether the
 * server waits for the promise the last piece returned. One per slot, made
 * at start; the server (server.ts, "2b. streamed bodies") moves it along.
 *
 * The body's bytes pass through the slot after the head (which stays, so
 * c.header() and c.param() keep working): each piece is handed over as a
 * span, then its room is reused for the next.
 *
 * Never: allocate per piece; hand over a piece before the previous one's
 * promise settled (its bytes may still be in use).
 */

/** The callback that receives each piece of a streamed body. */
export type PieceReader = (bytes: Uint8Array, start: number, end: number) => unknown;

/** Per-slot state of a streamed request body. */
export class BodyStream {
  /**
   * The server's idle one (IdleBodyParts), never written: a connection
   * resets its body only when it is its own. A flag, not a comparison with
   * the idle one: Espruino compares objects through their valueOf.
   */
  idle = false;
  /** This request's body streams (its route has streamBody() and it has a body). */
  active = false;
  /** Every byte has been handed over. */
  done = false;
  /** Content-Length bytes still to come; -1 for a chunked body. */
  remaining = 0;
  /** Bytes handed over so far. */
  delivered = 0;
  /** End of the piece handed over last, until its room is reused (0: none). */
  pieceEnd = 0;
  /** Waiting for the promise the last piece returned. */
  paused = false;
  /** The handler's callback while readBody() waits; null otherwise. */
  reader: PieceReader | null = null;
  /** Settle readBody()'s promise. */
  resolve: ((value?: undefined) => void) | null = null;
  reject: ((error: unknown) => void) | null = null;
  /** The continuation after a piece's promise, bound to its connection once (on first use). */
  resume: (() => void) | null = null;
  fail: ((error: unknown) => void) | null = null;

  /** A new request: nothing streams. */
  reset(): void {
    this.active = false;
    this.done = false;
    this.remaining = 0;
    this.delivered = 0;
    this.pieceEnd = 0;
    this.paused = false;
    this.reader = null;
    this.resolve = null;
    this.reject = null;
  }
}
