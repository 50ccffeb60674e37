/**
 * Test helpers for the router: request paths as bytes in a larger buffer (as
 * the server holds them), match results as plain values, the route sets, and
 * concrete request paths generated from route patterns.
 *
 * Never: used by src/ (tests only).
 */
import { readFileSync } from 'node:fs';
import { matchRoute, maxParams, methodCode } from '../../src/router/index.ts';
import type { GeneratedMatcher, RouteSpec } from '../../src/router/index.ts';

/** The four benchmark route sets (bench/routes, a copy of ../shared/bench/routes). */
export const ROUTE_SET_NAMES = ['github', 'static', 'gplus', 'parse'] as const;

/** Directory of the shared route sets. */
export const ROUTES_DIR = new URL('../../bench/routes/', import.meta.url);

/** Loads a route set as a list of [method, path]. */
export function loadRouteSet(name: string): RouteSpec[] {
  return JSON.parse(readFileSync(new URL(`${name}.json`, ROUTES_DIR), 'utf8')) as RouteSpec[];
}

const encoder = new TextEncoder();

/** The outcome of one lookup: route index or MATCH_* code, and the param values as strings. */
export interface Lookup {
  route: number;
  params: string[];
}

/**
 * Looks `path` up for `method` (a name), with the table walk or, given
 * `matcher`, the generated code. The path is placed in the middle of a
 * larger buffer, as a request line, so offsets must be honoured.
 */
export function lookup(
  table: Uint8Array,
  method: string,
  path: string,
  paramTotal = -1,
  matcher?: GeneratedMatcher,
): Lookup {
  const line = encoder.encode(`${method} ${path} HTTP/1.1\r\nHost: x\r\n`);
  const methodEnd = method.length;
  const start = methodEnd + 1;
  const end = start + encoder.encode(path).length;
  const code = methodCode(table, line, 0, methodEnd);
  const params = new Int32Array(2 * Math.max(1, maxParams(table)));
  const route = matchRoute(table, code, line, start, end, params, matcher);
  const decoder = new TextDecoder();
  const values: string[] = [];
  if (route >= 0) {
    const n = paramTotal >= 0 ? paramTotal : 0;
    for (let i = 0; i < n; i++) values.push(decoder.decode(line.subarray(params[2 * i], params[2 * i + 1])));
  }
  return { route, params: values };
}

/** Bytes of a string (ASCII), for direct calls. */
export function bytesOf(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * A concrete request path for a route pattern and the param values in it:
 * `:name` becomes a value unlikely to equal a static segment, `*name` a two-segment rest.
 */
export function concretePath(pattern: string, salt: number): { path: string; values: string[] } {
  const values: string[] = [];
  const path = pattern
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        const value = `${segment.slice(1)}-v${salt}`;
        values.push(value);
        return value;
      }
      if (segment.startsWith('*')) {
        const value = `rest${salt}/deeper.txt`;
        values.push(`/${value}`);
        return value;
      }
      return segment;
    })
    .join('/');
  return { path, values };
}
