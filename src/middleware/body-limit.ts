/**
 * bodyLimit(max): answers 413 for a request whose body is larger than
 * `max` bytes, for the routes (or group) it guards.
 *
 * The server's own `maxBody` applies to every request before the body is
 * read, and closes the connection (the unread body would otherwise have to
 * be drained). By the time a middleware runs the whole body is already in
 * the slot, so bodyLimit only decides whether the handler sees it: the
 * connection stays open, and the slot has not grown either way. Use it to
 * give one route a tighter limit than the server's. On a streamBody()
 * route the body has not arrived yet: a Content-Length over `max` is a 413
 * at once, and a body that grows past it ends c.readBody() with 413.
 *
 * Never: allocate; never read the body.
 */
import type { Context, Handler } from '../context.ts';

/** Options of bodyLimit(). */
export interface BodyLimitOptions {
  /** Body of the 413 (default "413 Content Too Large\n"). */
  body?: string;
}

/** Middleware answering 413 when the request body exceeds `max` bytes. */
export function bodyLimit(max: number, options: BodyLimitOptions = {}): Handler {
  if (!(max >= 0)) throw new RangeError(`bodyLimit: max must be >= 0, got ${max}`);
  const body = options.body ?? '413 Content Too Large\n';
  return (c: Context) => {
    if (!c.limitBody(max)) {
      c.text(body, 413);
      return undefined;
    }
    return c.next();
  };
}
