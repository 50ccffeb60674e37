/**
 * timeout(ms): answers 503 when the rest of the chain takes longer than
 * `ms`, frees the connection for its next request at once, and drops
 * whatever the late handler writes afterwards (Context.abandon()).
 *
 * Only async chains can be late: a synchronous handler blocks the whole
 * event loop, and no timer can interrupt it (the board's watchdog is the
 * only remedy; keep synchronous handlers short).
 *
 * A chain the server runs partly from promise jobs (ServerOptions.chainNesting,
 * as on Espruino) is async from there on: timeout() placed before such a
 * handler times every request.
 *
 * Never: allocate for a synchronous chain; never let the chain's promise
 * settle before the late handler is really done (its context is reused
 * only then); never keep a timer after the chain ends.
 */
import type { Context, Handler } from '../context.ts';
import { isPromiseLike } from '../context.ts';

/** Options of timeout(). */
export interface TimeoutOptions {
  /** Status answered when the chain is late (default 503). */
  status?: number;
  /** Text body answered (default "503 Service Unavailable\n", with the status's reason). */
  body?: string;
}

/**
 * Middleware that answers `status` (503) once the rest of the chain has run
 * for `ms` milliseconds without answering. The late handler keeps running
 * but can no longer write; middleware before this one see the 503 status
 * when the chain finally ends.
 */
export function timeout(ms: number, options: TimeoutOptions = {}): Handler {
  if (!(ms > 0)) throw new RangeError(`timeout: ms must be > 0, got ${ms}`);
  const status = options.status ?? 503;
  const body = options.body ?? (status === 503 ? '503 Service Unavailable\n' : `${status}\n`);

  return (c: Context) => {
    const result = c.next();
    if (!isPromiseLike(result)) return result;
    if (c.responded) return result; // answered already; only trailing work is left
    const platform = c.env.platform;
    const generation = c.generation;
    let fired = false;
    const timer = platform.setTimer(
      () => {
        if (c.generation === generation && !c.abandoned && c.abandon(status, body)) fired = true;
      },
      ms,
      false,
    );
    return (result as Promise<unknown>).then(
      () => {
        platform.clearTimer(timer);
        if (fired) c.status(status);
      },
      (error: unknown) => {
        platform.clearTimer(timer);
        if (fired) c.status(status);
        throw error;
      },
    );
  };
}
