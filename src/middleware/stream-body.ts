/**
 * streamBody(): marks a route whose handler takes the request body as it
 * arrives (`await c.readBody(onPiece)`), instead of in one piece in the
 * slot: an upload or a firmware image larger than the slot. For such a
 * route the server runs the chain as soon as the head is parsed, a body
 * larger than the slot is not a 413, and `bodyLimit()` still applies.
 *
 *   app.post('/upload', auth, bodyLimit(2_000_000), streamBody(), async (c) => {
 *     await c.readBody((bytes, start, end) => file.write(bytes, start, end));
 *     c.json({ ok: true });
 *   });
 *
 * Never: do anything when it runs: it is a marker the App finds in the chain.
 */
import type { Context, Handler } from '../context.ts';

const STREAM_BODY: Handler = (c: Context) => c.next();

/** The marker middleware for a route that streams its request body. */
export function streamBody(): Handler {
  'cold';
  return STREAM_BODY;
}

/** True when `chain` holds the streamBody() marker. */
export function streamsBody(chain: readonly unknown[]): boolean {
  'cold';
  for (let i = 0; i < chain.length; i++) if (chain[i] === STREAM_BODY) return true;
  return false;
}

/**
 * `chain` without the streamBody() marker, for the server to run: the
 * marker only calls c.next(), and on Espruino each handler in a chain costs
 * two call levels of the board's 25 KB C stack.
 */
export function withoutStreamBody<T>(chain: readonly T[]): readonly T[] {
  'cold';
  return chain.filter((handler) => (handler as unknown) !== STREAM_BODY);
}
