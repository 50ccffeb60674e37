/**
 * health(): a liveness/readiness handler for `/healthz`: 200 "ok" while
 * the app is healthy, 503 with the reason when a check says it is not.
 *
 * Mount it as a route: `app.get('/healthz', health())` (HEAD works too).
 * It answers from the same pool as any request, so a 200 also proves that
 * the server accepts, parses and routes.
 *
 * Never: allocate on the healthy path (the body is a constant); never throw
 * (a throwing check counts as unhealthy).
 */
import type { Context, Handler } from '../context.ts';

/** Options of health(). */
export interface HealthOptions {
  /**
   * Extra check: return true when healthy, or false / a reason string when
   * not (the reason becomes the 503 body).
   */
  check?: (c: Context) => boolean | string;
}

/** The body of a healthy answer. */
export const HEALTHY_BODY = 'ok\n';

/** A handler answering 200 "ok", or 503 when `check` fails. */
export function health(options: HealthOptions = {}): Handler {
  const check = options.check ?? null;
  return (c: Context) => {
    c.setHeader('Cache-Control', 'no-store');
    if (check === null) return c.text(HEALTHY_BODY);
    let verdict: boolean | string;
    try {
      verdict = check(c);
    } catch (error) {
      verdict = error instanceof Error ? error.message : 'check failed';
    }
    if (verdict === true) return c.text(HEALTHY_BODY);
    c.text('unhealthy' + (typeof verdict === 'string' && verdict.length > 0 ? ': ' + verdict : '') + '\n', 503);
    return undefined;
  };
}
