/**
 * cors(): Cross-Origin Resource Sharing headers for simple requests and
 * answers to preflight (OPTIONS + Access-Control-Request-Method) requests,
 * including for paths whose routes do not have an OPTIONS handler (when
 * registered with app.use(), it also runs on the 404/405 chains).
 *
 * Header values are built once at construction; a request only stores
 * references to them (and, for an origin list or function, to the request's
 * own Origin string).
 *
 * Never: build a header value per request beyond echoing the request's
 * Origin or Access-Control-Request-Headers; never answer a non-preflight
 * request itself.
 */
import type { Context, Handler } from '../context.ts';
import { equalsAscii } from '../http/text.ts';

/** Options of cors(). */
export interface CorsOptions {
  /**
   * Allowed origins: '*' (default, any origin, no credentials), one origin,
   * a list of origins, or a function returning the origin to allow (or
   * null to refuse).
   */
  origin?: string | string[] | ((origin: string, c: Context) => string | null);
  /** Methods announced to preflights (default GET, HEAD, PUT, POST, DELETE, PATCH). */
  methods?: string[];
  /** Request headers allowed; default: whatever the preflight asks for. */
  allowHeaders?: string[];
  /** Response headers the browser may expose to scripts. */
  exposeHeaders?: string[];
  /** Send `Access-Control-Allow-Credentials: true` (not with origin '*'). */
  credentials?: boolean;
  /** Seconds a preflight answer may be cached (Access-Control-Max-Age). */
  maxAge?: number;
}

/**
 * Middleware answering CORS preflights with 204 (403 for an origin that is
 * not allowed) and adding `Access-Control-Allow-Origin` (and friends) to
 * other requests from allowed origins.
 */
export function cors(options: CorsOptions = {}): Handler {
  const origin = options.origin ?? '*';
  if (options.credentials === true && origin === '*')
    throw new Error("cors: credentials need explicit origins, not '*'");
  const methods = (options.methods ?? ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH']).join(', ');
  const allowHeaders = options.allowHeaders ? options.allowHeaders.join(', ') : null;
  const exposeHeaders =
    options.exposeHeaders && options.exposeHeaders.length > 0 ? options.exposeHeaders.join(', ') : null;
  const credentials = options.credentials === true;
  const maxAge = options.maxAge !== undefined ? String(Math.floor(options.maxAge)) : null;
  const list = Array.isArray(origin) ? origin.slice() : null;
  const single = typeof origin === 'string' ? origin : null;
  const decide = typeof origin === 'function' ? origin : null;
  /** Only a fixed '*' or single origin keeps the answer the same for every Origin. */
  const varies = single === null || single !== '*';

  /** The Allow-Origin value for the Origin header `index`, or null when refused. Compares bytes in the slot. */
  function allowed(index: number, c: Context): string | null {
    if (single !== null) return single;
    const raw = c.raw;
    const start = raw.valueStart(index);
    const end = raw.valueEnd(index);
    if (list !== null) {
      for (let i = 0; i < list.length; i++) if (equalsAscii(raw.bytes, start, end, list[i])) return list[i];
      return null;
    }
    return decide !== null ? decide(c.header('origin') as string, c) : null;
  }

  return (c: Context) => {
    const originIndex = c.raw.headerIndex('origin');
    if (originIndex < 0) {
      if (varies) c.appendHeader('Vary', 'Origin');
      return c.next();
    }
    const allow = allowed(originIndex, c);
    const preflight = c.method === 'OPTIONS' && c.raw.headerIndex('access-control-request-method') >= 0;
    if (varies) c.appendHeader('Vary', 'Origin');
    if (!preflight) {
      if (allow !== null) {
        c.setHeader('Access-Control-Allow-Origin', allow);
        if (credentials) c.setHeader('Access-Control-Allow-Credentials', 'true');
        if (exposeHeaders !== null) c.setHeader('Access-Control-Expose-Headers', exposeHeaders);
      }
      return c.next();
    }
    if (allow === null) {
      c.text('403 Forbidden: origin not allowed\n', 403);
      return undefined;
    }
    c.setHeader('Access-Control-Allow-Origin', allow);
    if (credentials) c.setHeader('Access-Control-Allow-Credentials', 'true');
    c.setHeader('Access-Control-Allow-Methods', methods);
    if (allowHeaders !== null) {
      if (allowHeaders.length > 0) c.setHeader('Access-Control-Allow-Headers', allowHeaders);
    } else {
      const asked = c.header('access-control-request-headers');
      if (asked !== undefined && asked.length > 0) {
        c.setHeader('Access-Control-Allow-Headers', asked);
        c.appendHeader('Vary', 'Origin');
        c.appendHeader('Vary', 'Access-Control-Request-Headers');
      }
    }
    if (maxAge !== null) c.setHeader('Access-Control-Max-Age', maxAge);
    c.empty(204);
    return undefined;
  };
}
