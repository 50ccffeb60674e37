/**
 * recovery(): catches what a later handler throws or rejects with, inside
 * the chain, so that middleware running before it (logger, metrics) sees
 * the 500 and the connection goes on. Gin's Recovery().
 *
 * The server already answers 500 for an error that escapes the chain; the
 * difference is where the error stops. Without recovery, outer middleware
 * see the error fly past them; with it, they see a finished 500 response.
 * Either way the error is logged exactly once and counted in
 * `stats().errors` (through `c.env.countError()`), and the body is the same short text.
 *
 * Never: allocate for a request that does not fail (a sync chain costs one
 * call, an async one the promise it already had plus one `then`); never log
 * an error twice; never touch a response that is already streaming.
 */
import type { Context, Handler } from '../context.ts';
import { describeError, HttpError, isPromiseLike } from '../context.ts';
import { INTERNAL_ERROR_BODY } from '../http/status.ts';

/** Options of recovery(). */
export interface RecoveryOptions {
  /**
   * Answers the error instead of the default 500 (Gin's CustomRecovery).
   * Runs after the partial response was discarded; if it throws or does not
   * answer, the default 500 is sent.
   */
  handler?: (error: unknown, c: Context) => void;
  /** Write the error (with its stack) to the platform log (default true). */
  log?: boolean;
}

/** The body of the default 500, the same as the server's own. */
export const RECOVERY_BODY = INTERNAL_ERROR_BODY;

/**
 * Middleware that turns an error thrown or rejected by a later handler into
 * a response: an `HttpError` becomes its status and message, anything else
 * a 500 with a short body, logged once through `platform.log`.
 */
export function recovery(options: RecoveryOptions = {}): Handler {
  const custom = options.handler ?? null;
  const log = options.log !== false;

  function recover(c: Context, error: unknown, kept: number): void {
    // A streamed response has its head on the wire already: only the server
    // can end it (it closes the connection), so let the error through.
    if (c.streaming) throw error;
    // A timed-out request was already answered (see timeout()); just log.
    const answered = c.abandoned;
    if (error instanceof HttpError) {
      if (answered) return;
      c.resetResponse(kept);
      c.text(error.message + '\n', error.status);
      return;
    }
    c.env.countError();
    if (log)
      c.env.platform.log(`chipweb: recovered from handler error on ${c.method} ${c.path}: ${describeError(error)}`);
    if (answered) return;
    c.resetResponse(kept);
    if (custom !== null) {
      try {
        custom(error, c);
      } catch (nested) {
        if (log) c.env.platform.log(`chipweb: recovery handler failed: ${describeError(nested)}`);
        c.resetResponse(kept);
      }
      if (c.responded) return;
    }
    c.text(RECOVERY_BODY, 500);
  }

  return (c: Context) => {
    let result: unknown;
    // What middleware before this one set (CORS headers …) stays on the error's answer; the rest goes.
    const kept = c.headersSet;
    try {
      result = c.next();
    } catch (error) {
      recover(c, error, kept);
      return undefined;
    }
    if (isPromiseLike(result)) {
      return (result as Promise<unknown>).then(undefined, (error: unknown) => recover(c, error, kept));
    }
    return result;
  };
}
