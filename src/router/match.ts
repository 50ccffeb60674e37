/**
 * Route matcher: walks a table from compile.ts over path bytes that are still
 * in the request buffer, and reports the route, its param spans, or why there
 * is none (404, 405, trailing-slash redirect).
 *
 * Never: allocate in matchRoute or methodCode (no strings, arrays, closures or
 * objects; only numbers), write to the table (it may be a view over flash), or
 * keep state between calls (no module-level scratch: a preloaded module's
 * objects are read-only on XS). It recurses only at branch points, at most
 * MAX_BACKTRACK_DEPTH deep (checked by the compiler).
 *
 * Matching rules (documented for users in README "Routing"):
 * - static beats param beats wildcard at every segment, with full backtracking;
 *   as if each method had its own tree (a route of another method never hides
 *   one of this method);
 * - '?' ends the path; bytes are compared raw (no percent-decoding, no path
 *   cleaning: '//' is two separators around an empty segment, and a param never
 *   matches an empty segment);
 * - HEAD uses the HEAD route of a path, else its GET route, else its "*" route;
 *   other methods use their own route, else the path's "*" route.
 */

import { ANY_METHOD_CODE, FLAG_INDEXED, FLAG_PARAM, FLAG_ROUTES, FLAG_WILDCARD, STATIC_COUNT_MASK } from './format.ts';
import {
  METHOD_GET,
  METHOD_HEAD,
  STANDARD_METHOD_COUNT,
  STANDARD_METHOD_NAMES,
  standardMethodCode,
} from './methods.ts';

/** No route for this path, whatever the method. */
export const MATCH_NOT_FOUND = -1;
/** The path has routes, none for this method: answer 405 with allowedMethods(). */
export const MATCH_METHOD_NOT_ALLOWED = -2;
/** Not found, but the path with a '/' appended has a route for this method: redirect. */
export const MATCH_ADD_SLASH = -3;
/** Not found, but the path without its final '/' has a route for this method: redirect. */
export const MATCH_REMOVE_SLASH = -4;

const SLASH = 47;
const QUERY = 63;
const ROOT_OFFSET = 14;

/** Where a node's child pointers start; `list` is node + 2 + its label length. */
export function pointersAt(table: Uint8Array, flags: number, list: number): number {
  'cold';
  let statics = flags & STATIC_COUNT_MASK;
  if (statics === STATIC_COUNT_MASK) statics = table[list++];
  return (flags & FLAG_INDEXED) !== 0 ? list + 2 + table[list + 1] : list + statics;
}

/** Number of static children of a node; `list` is node + 2 + its label length. */
export function staticCount(table: Uint8Array, flags: number, list: number): number {
  'cold';
  const statics = flags & STATIC_COUNT_MASK;
  return statics === STATIC_COUNT_MASK ? table[list] : statics;
}

/** Position (0-based, ascending first byte) of the static child starting with byte c, or -1. */
export function staticIndex(table: Uint8Array, flags: number, list: number, c: number): number {
  'cold';
  let statics = flags & STATIC_COUNT_MASK;
  if (statics === STATIC_COUNT_MASK) statics = table[list++];
  if ((flags & FLAG_INDEXED) !== 0) {
    const slot = c - table[list];
    return slot >= 0 && slot < table[list + 1] ? table[list + 2 + slot] - 1 : -1;
  }
  for (let i = 0; i < statics; i++) if (table[list + i] === c) return i;
  return -1;
}

/**
 * Offset of child `index` of a node (children in table order: static children,
 * param child, wildcard child); `list` is node + 2 + its label length. The
 * first child is not stored: it follows the node (and its route block).
 */
export function childOffset(table: Uint8Array, flags: number, list: number, index: number): number {
  const pointers = pointersAt(table, flags, list);
  if (index > 0) {
    const pointer = pointers + 2 * index - 2;
    return table[pointer] | (table[pointer + 1] << 8);
  }
  return (
    routeBlockAt(table, flags, list, pointers) +
    ((flags & FLAG_ROUTES) !== 0 ? 1 + 3 * table[routeBlockAt(table, flags, list, pointers)] : 0)
  );
}

/** Where a node's route block would start (just after its pointers). */
export function routeBlockAt(table: Uint8Array, flags: number, list: number, pointers: number): number {
  const children = staticCount(table, flags, list) + (flags & FLAG_PARAM ? 1 : 0) + (flags & FLAG_WILDCARD ? 1 : 0);
  return children > 0 ? pointers + 2 * children - 2 : pointers;
}

/**
 * Depth-first search from `node`, whose label has matched up to `p`; `list`
 * is node + 2 + its label length, and `c` the byte at `p` (see below). `end`
 * is where the real path bytes stop; `slashEnd` is end + 1 when a '/' is to be
 * imagined after them (trailing-slash probe), else end. Returns a route index,
 * MATCH_METHOD_NOT_ALLOWED when some path-matching node had routes but none
 * for `method`, else MATCH_NOT_FOUND. Straight descents loop; only a branch
 * with an untried alternative recurses.
 *
 * The loop is written for XS's bytecode interpreter, where every operation
 * counts and a call costs as much as a dozen typed-array reads: no calls on
 * the way down, each path byte read once (`c` is carried from the step that
 * reached the node: the path byte at p, 47 '/' for the imagined slash of a
 * trailing-slash probe, or 63 '?' once the path is consumed), each label
 * length read once (by the parent, which compares the label), the first child
 * reached without a pointer, and literals for SLASH (47), QUERY (63) and the
 * flag bits (15 count, 16 indexed, 32 param, 64 wildcard, 128 routes).
 */
function search(
  table: Uint8Array,
  method: number,
  bytes: Uint8Array,
  end: number,
  slashEnd: number,
  params: Int32Array,
  node: number,
  list: number,
  p: number,
  c: number,
  k: number,
): number {
  // Every local is declared here, none in a block: XS pays for each block
  // scope a loop iteration enters (a let/const in a loop body costs about as
  // much as a typed-array read).
  let seen = MATCH_NOT_FOUND;
  let flags = 0;
  let statics = 0;
  let at = 0;
  let child = 0;
  let index = 0;
  let first = 0;
  let i = 0;
  let slot = 0;
  let q = 0;
  let b = 0;
  let next = 0;
  let stop = 0;
  let label = 0;
  let found = 0;
  let count = 0;
  let code = 0;
  let getRoute = 0;
  let anyRoute = 0;
  for (;;) {
    flags = table[node];

    if (c === 63) {
      // The path is consumed here: this node decides.
      if (flags < 128) return seen;
      statics = flags & 15;
      at = list;
      if (statics === 15) statics = table[at++];
      at += (flags & 16) !== 0 ? 2 + table[at + 1] : statics;
      i = statics + ((flags >> 5) & 1) + ((flags >> 6) & 1); // children
      if (i > 0) at += 2 * i - 2;
      count = table[at++];
      getRoute = -1;
      anyRoute = -1;
      for (i = 0; i < count; i++, at += 3) {
        code = table[at];
        if (code === method) return table[at + 1] | (table[at + 2] << 8);
        if (code === METHOD_GET) getRoute = table[at + 1] | (table[at + 2] << 8);
        else if (code === ANY_METHOD_CODE) anyRoute = table[at + 1] | (table[at + 2] << 8);
      }
      if (method === METHOD_HEAD && getRoute >= 0) return getRoute;
      return anyRoute >= 0 ? anyRoute : MATCH_METHOD_NOT_ALLOWED;
    }

    if (flags === 32) {
      // Only a param child, no routes (the '/' before ':id'): it follows the node.
      if (c === 47) return seen;
      next = 63;
      for (q = p + 1; q < end; q++) {
        b = bytes[q];
        if (b === 47 || b === 63) {
          next = b;
          break;
        }
      }
      if (q === end && end < slashEnd) next = 47;
      params[2 * k] = p;
      params[2 * k + 1] = q;
      node = list;
      list += 2;
      p = q;
      c = next;
      k++;
      continue;
    }

    statics = flags & 15;
    at = list;
    // The static child starting with c, or 0 for none.
    child = 0;
    if ((flags & 127) === 1) {
      // One static child and nothing else (routes aside): it follows the node.
      at++;
      if (table[list] === c) {
        child = at;
        if (flags >= 128) child += 1 + 3 * table[child];
      }
    } else {
      if (statics === 15) statics = table[at++];
      if (statics !== 0) {
        index = 0; // 1 + the position of the child among the statics
        if ((flags & 16) === 0) {
          first = table[at];
          if (first === c) index = 1;
          else if (first < c) {
            for (i = 1; i < statics; i++) {
              first = table[at + i];
              if (first >= c) break;
            }
            if (first === c) index = i + 1;
          }
          at += statics;
        } else {
          slot = c - table[at];
          i = table[at + 1]; // span
          if (slot >= 0 && slot < i) index = table[at + 2 + slot];
          at += 2 + i;
        }
        // `at` is now where the child pointers start.
        if (index === 1) {
          child = at + 2 * statics - 2 + ((flags >> 4) & 2) + ((flags >> 5) & 2);
          if (flags >= 128) child += 1 + 3 * table[child];
        } else if (index !== 0) {
          i = at + 2 * index - 4; // pointer
          child = table[i] | (table[i + 1] << 8);
        }
      }
    }
    if (child !== 0) {
      stop = p + 1 + table[child + 1];
      label = child + 1 - p; // the label byte for path position q is table[label + q]
      q = p + 1;
      if (stop <= end) {
        while (q < stop && table[label + q] === bytes[q]) q++;
      } else if (stop <= slashEnd) {
        while (q < end && table[label + q] === bytes[q]) q++;
        if (q === end && table[label + q] === 47) q++;
      }
      if (q === stop) {
        next = stop < end ? bytes[stop] : stop < slashEnd ? 47 : 63;
        if ((flags & 96) === 0) {
          node = child;
          list = label + stop;
          p = stop;
          c = next;
          continue;
        }
        found = search(table, method, bytes, end, slashEnd, params, child, label + stop, stop, next, k);
        if (found >= 0) return found;
        if (found === MATCH_METHOD_NOT_ALLOWED) seen = found;
      }
    }
    if ((flags & 96) === 0) return seen;

    if ((flags & 32) !== 0 && c !== 47) {
      // A param takes a non-empty segment: up to the next '/' or '?' or the end.
      next = 63;
      for (q = p + 1; q < end; q++) {
        b = bytes[q];
        if (b === 47 || b === 63) {
          next = b;
          break;
        }
      }
      if (q === end && end < slashEnd) next = 47;
      if (statics === 0) {
        child = at + ((flags >> 5) & 2);
        if (flags >= 128) child += 1 + 3 * table[child];
      } else {
        i = at + 2 * statics - 2; // pointer
        child = table[i] | (table[i + 1] << 8);
      }
      params[2 * k] = p;
      params[2 * k + 1] = q;
      if ((flags & 64) === 0) {
        node = child;
        list = child + 2;
        p = q;
        c = next;
        k++;
        continue;
      }
      found = search(table, method, bytes, end, slashEnd, params, child, child + 2, q, next, k + 1);
      if (found >= 0) return found;
      if (found === MATCH_METHOD_NOT_ALLOWED) seen = found;
    }
    if ((flags & 64) !== 0 && c === 47) {
      // Catch-all: the rest of the path, its leading '/' included.
      q = p;
      if (slashEnd > end) q = slashEnd;
      else while (q < end && bytes[q] !== 63) q++;
      params[2 * k] = p;
      params[2 * k + 1] = q;
      index = statics + ((flags >> 5) & 1);
      if (index === 0) {
        node = at;
        if (flags >= 128) node += 1 + 3 * table[node];
      } else {
        i = at + 2 * index - 2; // pointer
        node = table[i] | (table[i + 1] << 8);
      }
      list = node + 2;
      p = q;
      c = 63;
      k++;
      continue;
    }
    return seen;
  }
}

/**
 * A table's search unrolled into code by generateMatcher() (generate.ts):
 * what the walk below answers before the trailing-slash probe, for one table.
 */
export interface GeneratedMatcher {
  /** tableHash() of the table the code was generated from. */
  readonly hash: number;
  /** Route index (params written), MATCH_METHOD_NOT_ALLOWED or MATCH_NOT_FOUND. Allocates nothing. */
  readonly search: (method: number, bytes: Uint8Array, start: number, end: number, params: Int32Array) => number;
}

/**
 * Finds the route for `method` (a code from methods.ts or methodCode()) and
 * the path in bytes[start..end) (stopping at '?'). On success returns the
 * route index and has written params[2*i] / params[2*i+1] = start / end offset
 * (into `bytes`) of the route's i-th param, in path order; size params as
 * 2 * maxParams(table). Otherwise returns MATCH_ADD_SLASH / MATCH_REMOVE_SLASH
 * when the other trailing-slash variant has a route for this method,
 * MATCH_METHOD_NOT_ALLOWED when the path has routes for other methods only,
 * else MATCH_NOT_FOUND (params may then hold garbage). Allocates nothing.
 *
 * With `matcher` (generated from this same table), its code does the search
 * and the table only the trailing-slash probe: same answers, faster on XS.
 */
export function matchRoute(
  table: Uint8Array,
  method: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  params: Int32Array,
  matcher?: GeneratedMatcher,
): number {
  let found: number;
  if (matcher !== undefined) {
    found = matcher.search(method, bytes, start, end, params);
  } else {
    // The walk, inline: on XS a call costs as much as a dozen table reads.
    const root = table[ROOT_OFFSET] | (table[ROOT_OFFSET + 1] << 8);
    if (table[root] === 1 && start < end && bytes[start] === 47) {
      // The root's only child is the '/' node (every path starts with '/'):
      // start there, saving a step. Its label (often empty) is compared here.
      const child = root + 3;
      const stop = start + 1 + table[child + 1];
      const label = child + 1 - start;
      let q = start + 1;
      if (stop <= end) while (q < stop && table[label + q] === bytes[q]) q++;
      found =
        q !== stop
          ? MATCH_NOT_FOUND
          : search(table, method, bytes, end, end, params, child, label + stop, stop, stop < end ? bytes[stop] : 63, 0);
    } else {
      found = search(table, method, bytes, end, end, params, root, root + 2, start, start < end ? bytes[start] : 63, 0);
    }
  }
  if (found >= 0) return found;
  return probeTrailingSlash(table, method, bytes, start, end, params, found);
}

/** Offset of the table's root node. */
export function rootNode(table: Uint8Array): number {
  return table[ROOT_OFFSET] | (table[ROOT_OFFSET + 1] << 8);
}

/** The not-found path of matchRoute: try the other trailing-slash variant for this method. */
function probeTrailingSlash(
  table: Uint8Array,
  method: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  params: Int32Array,
  notFound: number,
): number {
  'cold';
  const root = rootNode(table);
  let pathEnd = start;
  while (pathEnd < end && bytes[pathEnd] !== QUERY) pathEnd++;
  if (pathEnd - start > 1 && bytes[pathEnd - 1] === SLASH) {
    if (search(table, method, bytes, pathEnd - 1, pathEnd - 1, params, root, root + 2, start, bytes[start], 0) >= 0)
      return MATCH_REMOVE_SLASH;
  } else if (
    search(
      table,
      method,
      bytes,
      pathEnd,
      pathEnd + 1,
      params,
      root,
      root + 2,
      start,
      start < pathEnd ? bytes[start] : 47,
      0,
    ) >= 0
  ) {
    return MATCH_ADD_SLASH;
  }
  return notFound;
}

/** Bitmap of every method code the table knows. */
function allMethodsMask(table: Uint8Array): number {
  'cold';
  const count = table[12];
  return count >= 32 ? -1 : (1 << count) - 1;
}

/** Exhaustive search collecting the methods of every node the path reaches; params are not recorded. */
function collectMethods(table: Uint8Array, bytes: Uint8Array, end: number, node: number, p: number): number {
  'cold';
  const flags = table[node];
  const list = node + 2 + table[node + 1];
  if (p >= end) {
    if ((flags & FLAG_ROUTES) === 0) return 0;
    let block = routeBlockAt(table, flags, list, pointersAt(table, flags, list));
    const count = table[block++];
    let methods = 0;
    for (let i = 0; i < count; i++, block += 3) {
      const code = table[block];
      if (code === ANY_METHOD_CODE) methods |= allMethodsMask(table);
      else if (code < 32) methods |= 1 << code;
    }
    if (methods & (1 << METHOD_GET)) methods |= 1 << METHOD_HEAD;
    return methods;
  }
  let methods = 0;
  const c = bytes[p];
  const statics = staticCount(table, flags, list);
  const i = staticIndex(table, flags, list, c);
  if (i >= 0) {
    const child = childOffset(table, flags, list, i);
    const stop = p + 1 + table[child + 1];
    let matches = stop <= end;
    for (let q = p + 1; matches && q < stop; q++) matches = table[child + 1 + q - p] === bytes[q];
    if (matches) methods |= collectMethods(table, bytes, end, child, stop);
  }
  let index = statics;
  if (flags & FLAG_PARAM) {
    let q = p;
    while (q < end && bytes[q] !== SLASH) q++;
    if (q > p) methods |= collectMethods(table, bytes, end, childOffset(table, flags, list, index), q);
    index++;
  }
  if (flags & FLAG_WILDCARD && c === SLASH) {
    methods |= collectMethods(table, bytes, end, childOffset(table, flags, list, index), end);
  }
  return methods;
}

/**
 * Bitmap (bit = method code) of the methods that have a route for the path in
 * bytes[start..end) (stopping at '?'): what the Allow header of a 405 lists.
 * GET implies HEAD; a "*" route sets every code the table knows. Returned as
 * an unsigned 32-bit number. For 405 answers, not the success path.
 */
export function allowedMethods(table: Uint8Array, bytes: Uint8Array, start: number, end: number): number {
  'cold';
  let pathEnd = start;
  while (pathEnd < end && bytes[pathEnd] !== QUERY) pathEnd++;
  const root = rootNode(table);
  return collectMethods(table, bytes, pathEnd, root, start) >>> 0;
}

/**
 * Method code of the token bytes[start..end): the fixed code of a standard
 * method, the table's code of a custom one, or -1 when the table has no route
 * with that method (such a request can only match "*" routes). Allocates nothing.
 */
export function methodCode(table: Uint8Array, bytes: Uint8Array, start: number, end: number): number {
  // GET, the common case, without a call.
  if (end - start === 3 && bytes[start] === 71 && bytes[start + 1] === 69 && bytes[start + 2] === 84) return 0;
  const standard = standardMethodCode(bytes, start, end);
  if (standard >= 0) return standard;
  const length = end - start;
  let at = 16;
  for (let code = STANDARD_METHOD_COUNT; code < table[12]; code++) {
    const nameLength = table[at++];
    if (nameLength === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (table[at + i] !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return code;
    }
    at += nameLength;
  }
  return -1;
}

/** Name of a method code, for the Allow header. Throws RangeError for a code the table does not know. */
export function methodName(table: Uint8Array, code: number): string {
  if (code >= 0 && code < STANDARD_METHOD_COUNT) return STANDARD_METHOD_NAMES[code];
  if (!(code >= STANDARD_METHOD_COUNT && code < table[12]))
    throw new RangeError(`no method code ${code} in this route table`);
  let at = 16;
  for (let skip = STANDARD_METHOD_COUNT; skip < code; skip++) at += 1 + table[at];
  let name = '';
  for (let i = 0; i < table[at]; i++) name += String.fromCharCode(table[at + 1 + i]);
  return name;
}

/** Number of method codes in the table: the standard ones, then the table's custom methods. */
export function methodCount(table: Uint8Array): number {
  'cold';
  return table[12];
}

/** Number of routes compiled into the table. */
export function routeCount(table: Uint8Array): number {
  return table[8] | (table[9] << 8);
}

/** Largest param count of any route: size the params array as 2 * maxParams(table). */
export function maxParams(table: Uint8Array): number {
  'cold';
  return table[3];
}

/** The routesHash() of the route list the table was compiled from. */
export function tableHash(table: Uint8Array): number {
  'cold';
  return (table[4] | (table[5] << 8) | (table[6] << 16) | (table[7] << 24)) >>> 0;
}

/** Number of params (a trailing wildcard included) of a route; -1 if the table has no such route. */
export function paramCount(table: Uint8Array, route: number): number {
  return findParamDepth(table, rootNode(table), route, 0);
}

/** Depth-first search for the node holding `route`; returns the params passed on the way, or -1. */
function findParamDepth(table: Uint8Array, node: number, route: number, depth: number): number {
  const flags = table[node];
  const list = node + 2 + table[node + 1];
  const statics = staticCount(table, flags, list);
  const children = statics + (flags & FLAG_PARAM ? 1 : 0) + (flags & FLAG_WILDCARD ? 1 : 0);
  for (let i = 0; i < children; i++) {
    const found = findParamDepth(table, childOffset(table, flags, list, i), route, i < statics ? depth : depth + 1);
    if (found >= 0) return found;
  }
  if (flags & FLAG_ROUTES) {
    const block = routeBlockAt(table, flags, list, pointersAt(table, flags, list));
    const count = table[block];
    for (let i = 0; i < count; i++) {
      const at3 = block + 1 + 3 * i;
      if ((table[at3 + 1] | (table[at3 + 2] << 8)) === route) return depth;
    }
  }
  return -1;
}
