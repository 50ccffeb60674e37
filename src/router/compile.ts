/**
 * Route compiler: turns Gin-style routes into one compact, position-independent
 * byte table that match.ts walks over request bytes.
 *
 * It runs at build time (`chipweb build`) or once at start-up, so it may
 * allocate freely. It must never be needed on the request path, and the table
 * it writes must be readable through a plain Uint8Array view over flash: no
 * pointers, only offsets from the table's first byte.
 *
 * ## Route syntax
 *
 *   /users/new          static segments, matched byte for byte (percent-encoded
 *                       bytes are matched raw, case-sensitive)
 *   /users/:id          `:name` matches exactly one non-empty segment
 *   /static/*filepath   `*name` matches the rest of the path, INCLUDING its
 *                       leading '/' (Gin's catch-all): on /static/css/a.css
 *                       filepath = "/css/a.css", on /static/ it is "/". It
 *                       does not match /static (no slash); the matcher reports
 *                       MATCH_ADD_SLASH there instead. Last segment only.
 *
 * `:` and `*` are special only at the start of a segment; elsewhere in a segment
 * they are rejected (not treated as literals) so a typo never silently becomes a
 * static route. Paths are printable ASCII without '?' or '#', start with '/',
 * and have no empty segment ('//'); a single trailing '/' is allowed and is
 * significant (/a and /a/ are different routes).
 *
 * Method: one of GET HEAD POST PUT DELETE PATCH OPTIONS (fixed codes 0..6), any
 * other token (codes 7.. in order first seen, names stored in the table), or
 * "*" for every method (an explicit method on the same path wins over it).
 *
 * ## Table format (version 2, all multi-byte integers little-endian)
 *
 * Header, 16 bytes:
 *
 *   0  u8[2] magic "CW"
 *   2  u8    format version (2)
 *   3  u8    max params of any route (size the params array as 2 * this)
 *   4  u32   routesHash() of the route list the table was compiled from
 *   8  u16   route count (route index = position in the compiled list)
 *  10  u16   table length in bytes
 *  12  u8    method code count: 7 + number of custom methods
 *  13  u8    max nested branch points on one path (matcher recursion, <= 16)
 *  14  u16   offset of the root node
 *  16  ...   custom method names, code 7 first: u8 length, then ASCII bytes
 *
 * Node (the root follows the method names; every other node follows its
 * parent in pre-order, so offsets always point forward):
 *
 *   u8  flags   bits 0-3: number of static children (15: count is in the byte
 *               after the label); bit 4: the static children are indexed
 *               (below); bit 5: has a param child; bit 6: has a wildcard
 *               child; bit 7: has a route block
 *   u8  label length L (0..255; longer static runs are split into a chain)
 *   L   label bytes: the static text this node matches AFTER its first byte,
 *       which lives in the parent's first-byte list (root, param and
 *       wildcard nodes have L = 0; param/wildcard consume a segment/the rest)
 *  [u8  static child count, only when flags & 15 == 15]
 *   either (bit 4 clear, fewer than 4 static children):
 *   n   first byte of each static child, ascending
 *   or (bit 4 set, 4 or more static children), a direct index by first byte:
 *   u8  lowest first byte B
 *   u8  span S (highest first byte - B + 1)
 *   S   for each byte B + i: 1 + the position of the static child starting
 *       with it (in ascending first-byte order), or 0 for none
 *   2m  u16 offset of each child but the first, in the order static
 *       children (ascending), param child, wildcard child; m = children - 1
 *  [route block]                       if bit 7:
 *       u8 count, then count x (u8 method code, u16 route index), ascending
 *       method code; code 255 means "*" (any method) and sorts last
 *   ... the first child (pre-order), so its offset is not stored: it is the
 *       end of this node (after the route block, whose size is 1 + 3 x count)
 *
 * Children in that order (statics, param, wildcard) follow their parent in
 * pre-order; a matcher reaches the first one without reading a pointer, which
 * is the only child of most nodes.
 *
 * Static text before a param includes its '/' ("/users/" then :id); static
 * text before a wildcard stops before its '/' ("/static" then *filepath), so
 * the wildcard node sees (and captures) the slash.
 *
 * Handler indexes are the route indexes; param names are not stored (the App
 * knows them from the route list: paramNames()).
 *
 * ## Limits (RouteError when exceeded, naming the route involved)
 *
 *   table size     65,535 bytes (16-bit offsets)
 *   routes         65,535
 *   params         32 per route
 *   backtracking   16 nested branch points on one root-to-leaf path
 *   method codes   32 per table (7 standard + 25 custom)
 *   path length    no own limit; static runs > 255 bytes take chained nodes
 */

import {
  ANY_METHOD,
  MAX_METHOD_CODES,
  STANDARD_METHOD_COUNT,
  STANDARD_METHOD_NAMES,
  isMethodToken,
} from './methods.ts';
import {
  ANY_METHOD_CODE,
  FLAG_INDEXED,
  FLAG_PARAM,
  FLAG_ROUTES,
  INDEX_MIN_STATICS,
  FLAG_WILDCARD,
  HEADER_SIZE,
  MAX_BACKTRACK_DEPTH,
  MAX_PARAMS,
  MAX_ROUTES,
  MAX_TABLE_BYTES,
  STATIC_COUNT_MASK,
  TABLE_MAGIC_0,
  TABLE_MAGIC_1,
  TABLE_VERSION,
} from './format.ts';

/** A route to compile: an HTTP method (or "*" for any) and a Gin-style path. */
export type RouteSpec = readonly [method: string, path: string];

/** Thrown by compileRoutes and paramNames; the message names the routes involved. */
export class RouteError extends Error {
  override name = 'RouteError';

  /** Espruino keeps the class in flash until a route is refused (toolchain/espruino/cold.ts). */
  constructor(message: string) {
    'cold';
    super(message);
  }
}

const SLASH = '/';
const MAX_LABEL = 255;

/** One piece of a parsed route path. */
interface PathPiece {
  kind: 'static' | 'param' | 'wildcard';
  /** Static text, or the param/wildcard name. */
  text: string;
}

/** A node of the compile-time tree (plain objects; serialised by writeNode). */
interface BuildNode {
  /** Static text matched by this node, first byte included ('' for root, param, wildcard). */
  label: string;
  statics: BuildNode[];
  param: BuildNode | null;
  paramName: string;
  paramRoute: number;
  wildcard: BuildNode | null;
  wildcardName: string;
  wildcardRoute: number;
  /** method code -> route index */
  routes: Map<number, number>;
  offset: number;
}

function newNode(label: string): BuildNode {
  return {
    label,
    statics: [],
    param: null,
    paramName: '',
    paramRoute: -1,
    wildcard: null,
    wildcardName: '',
    wildcardRoute: -1,
    routes: new Map(),
    offset: 0,
  };
}

function describe(routes: ReadonlyArray<RouteSpec>, index: number): string {
  return `${routes[index][0]} ${routes[index][1]} (route ${index})`;
}

/**
 * Splits a route path into static text, params and a final wildcard, or throws
 * RouteError saying what is wrong. `where` names the route in messages.
 */
function parsePath(path: string, where: string): PathPiece[] {
  'cold';
  if (typeof path !== 'string' || path.charAt(0) !== SLASH) {
    throw new RouteError(`path must start with '/': ${where}`);
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x3f /* ? */ || c === 0x23 /* # */) {
      throw new RouteError(
        `path may contain only printable ASCII without '?' or '#' (percent-encode the rest): ` +
          `character ${JSON.stringify(path.charAt(i))} at ${i} in ${where}`,
      );
    }
  }
  const segments = path.slice(1).split(SLASH);
  const pieces: PathPiece[] = [];
  let text = '';
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s];
    const last = s === segments.length - 1;
    const first = segment.charAt(0);
    if (segment.length === 0 && !last) {
      throw new RouteError(`empty segment ('//') in ${where}`);
    }
    if (first === ':' || first === '*') {
      const name = segment.slice(1);
      const what = first === ':' ? 'param' : 'wildcard';
      if (name.length === 0) throw new RouteError(`empty ${what} name in ${where}`);
      if (name.indexOf(':') >= 0 || name.indexOf('*') >= 0) {
        throw new RouteError(`one param per segment: '${segment}' in ${where}`);
      }
      if (first === ':') {
        pieces.push({ kind: 'static', text: text + SLASH });
        pieces.push({ kind: 'param', text: name });
        text = '';
      } else {
        if (!last) throw new RouteError(`wildcard '${segment}' must be the last segment in ${where}`);
        if (text.length > 0) pieces.push({ kind: 'static', text });
        pieces.push({ kind: 'wildcard', text: name });
        text = '';
      }
    } else {
      if (segment.indexOf(':') >= 0 || segment.indexOf('*') >= 0) {
        throw new RouteError(`':' and '*' may only start a segment: '${segment}' in ${where}`);
      }
      text += SLASH + segment;
    }
  }
  if (text.length > 0) pieces.push({ kind: 'static', text });
  return pieces;
}

/**
 * Names of the params of a route path, in path order, wildcard included
 * without its '*': ['owner', 'repo'] for '/repos/:owner/:repo'.
 * Throws RouteError on a malformed path.
 */
export function paramNames(path: string): string[] {
  'cold';
  const names: string[] = [];
  for (const piece of parsePath(path, path)) {
    if (piece.kind !== 'static') names.push(piece.text);
  }
  return names;
}

/**
 * 32-bit FNV-1a hash of the route list ("METHOD path\n" per route, in order).
 * Stored in the table header, so an app can check at start-up that the routes
 * it registers are the ones a build-time table was compiled from.
 */
export function routesHash(routes: ReadonlyArray<RouteSpec>): number {
  'cold';
  let hash = 0x811c9dc5;
  for (let r = 0; r < routes.length; r++) {
    const line = routes[r][0] + ' ' + routes[r][1] + '\n';
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      hash = Math.imul(hash ^ (c & 0xff), 0x01000193);
      if (c > 0xff) hash = Math.imul(hash ^ (c >>> 8), 0x01000193);
    }
  }
  return hash >>> 0;
}

/** Inserts static text below `node`, splitting labels where they diverge; returns the node that ends it. */
function insertStatic(node: BuildNode, text: string): BuildNode {
  let rest = text;
  let current = node;
  while (rest.length > 0) {
    const index = current.statics.findIndex((child) => child.label.charAt(0) === rest.charAt(0));
    if (index < 0) {
      const leaf = newNode(rest);
      current.statics.push(leaf);
      return leaf;
    }
    let child = current.statics[index];
    let common = 1;
    while (common < rest.length && common < child.label.length && rest.charAt(common) === child.label.charAt(common))
      common++;
    if (common < child.label.length) {
      const middle = newNode(child.label.slice(0, common));
      child.label = child.label.slice(common);
      middle.statics.push(child);
      current.statics[index] = middle;
      child = middle;
    }
    rest = rest.slice(common);
    current = child;
  }
  return current;
}

/** Splits static labels longer than the u8 length field can hold into chains of nodes. */
function splitLongLabels(node: BuildNode): void {
  // The stored label omits the first byte, so a node holds at most 1 + 255 bytes.
  if (node.label.length > MAX_LABEL + 1) {
    const tail = newNode(node.label.slice(MAX_LABEL + 1));
    tail.statics = node.statics;
    tail.param = node.param;
    tail.paramName = node.paramName;
    tail.paramRoute = node.paramRoute;
    tail.wildcard = node.wildcard;
    tail.wildcardName = node.wildcardName;
    tail.wildcardRoute = node.wildcardRoute;
    tail.routes = node.routes;
    node.label = node.label.slice(0, MAX_LABEL + 1);
    node.statics = [tail];
    node.param = null;
    node.wildcard = null;
    node.routes = new Map();
    node.paramRoute = -1;
    node.wildcardRoute = -1;
    node.paramName = '';
    node.wildcardName = '';
  }
  for (const child of node.statics) splitLongLabels(child);
  if (node.param) splitLongLabels(node.param);
  if (node.wildcard) splitLongLabels(node.wildcard);
}

function storedLabelLength(node: BuildNode): number {
  return node.label.length === 0 ? 0 : node.label.length - 1;
}

function nodeSize(node: BuildNode): number {
  const n = node.statics.length;
  return (
    2 +
    storedLabelLength(node) +
    (n >= STATIC_COUNT_MASK ? 1 : 0) +
    (n >= INDEX_MIN_STATICS ? 2 + indexSpan(node) : n) +
    2 * Math.max(0, childrenOf(node).length - 1) +
    (node.routes.size > 0 ? 1 + 3 * node.routes.size : 0)
  );
}

/** Span of the first-byte index of a node with sorted static children. */
function indexSpan(node: BuildNode): number {
  const statics = node.statics;
  return statics[statics.length - 1].label.charCodeAt(0) - statics[0].label.charCodeAt(0) + 1;
}

/** A node's children in table order: static children (sorted by preorder), param child, wildcard child. */
function childrenOf(node: BuildNode): BuildNode[] {
  const children = node.statics.slice();
  if (node.param) children.push(node.param);
  if (node.wildcard) children.push(node.wildcard);
  return children;
}

/** Pre-order list: node, its static children (ascending first byte), param child, wildcard child. */
function preorder(node: BuildNode, out: BuildNode[]): void {
  out.push(node);
  node.statics.sort((a, b) => a.label.charCodeAt(0) - b.label.charCodeAt(0));
  for (const child of node.statics) preorder(child, out);
  if (node.param) preorder(node.param, out);
  if (node.wildcard) preorder(node.wildcard, out);
}

/**
 * The deepest stack of branch points the matcher can build on one path, and
 * the route index found below the deepest one (for the error message).
 */
function backtrackDepth(node: BuildNode, depth: number): { depth: number; route: number } {
  const kinds = (node.statics.length > 0 ? 1 : 0) + (node.param ? 1 : 0) + (node.wildcard ? 1 : 0);
  const here = depth + (kinds >= 2 ? 1 : 0);
  let best = { depth: here, route: node.routes.size > 0 ? (node.routes.values().next().value as number) : -1 };
  const children = node.statics.slice();
  if (node.param) children.push(node.param);
  if (node.wildcard) children.push(node.wildcard);
  for (const child of children) {
    const below = backtrackDepth(child, here);
    if (below.depth > best.depth || (below.depth === best.depth && best.route < 0)) best = below;
  }
  return best;
}

function writeU16(table: Uint8Array, at: number, value: number): void {
  table[at] = value & 0xff;
  table[at + 1] = value >>> 8;
}

/**
 * Compiles routes into a route table (format above). The route index of each
 * route is its position in `routes`. Throws RouteError naming the routes
 * involved on a duplicate route, a wildcard that is not last, different param
 * names at the same position, an empty param name, a malformed path or method,
 * or when a limit is exceeded.
 */
export function compileRoutes(routes: ReadonlyArray<RouteSpec>): Uint8Array<ArrayBuffer> {
  'cold'; // at boot, and only where no table was built in: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  if (routes.length > MAX_ROUTES) {
    throw new RouteError(`too many routes: ${routes.length} (limit ${MAX_ROUTES})`);
  }
  const customMethods: string[] = [];
  const root = newNode('');
  let maxParams = 0;

  for (let index = 0; index < routes.length; index++) {
    const [method, path] = routes[index];
    const where = describe(routes, index);
    let code: number;
    if (method === ANY_METHOD) {
      code = ANY_METHOD_CODE;
    } else {
      code = STANDARD_METHOD_NAMES.indexOf(method);
      if (code < 0) {
        if (typeof method !== 'string' || !isMethodToken(method)) {
          throw new RouteError(`method must be an HTTP token or "*": ${JSON.stringify(method)} in ${where}`);
        }
        let custom = customMethods.indexOf(method);
        if (custom < 0) {
          if (STANDARD_METHOD_COUNT + customMethods.length >= MAX_METHOD_CODES) {
            throw new RouteError(
              `too many methods: ${method} in ${where} would be code ${MAX_METHOD_CODES} (limit ${MAX_METHOD_CODES} codes per table)`,
            );
          }
          custom = customMethods.length;
          customMethods.push(method);
        }
        code = STANDARD_METHOD_COUNT + custom;
      }
    }

    const pieces = parsePath(path, where);
    let params = 0;
    let node = root;
    for (const piece of pieces) {
      if (piece.kind === 'static') {
        node = insertStatic(node, piece.text);
      } else if (piece.kind === 'param') {
        params++;
        if (!node.param) {
          node.param = newNode('');
          node.paramName = piece.text;
          node.paramRoute = index;
        } else if (node.paramName !== piece.text) {
          throw new RouteError(
            `different param names at the same position: ':${node.paramName}' in ${describe(routes, node.paramRoute)} and ':${piece.text}' in ${where}`,
          );
        }
        node = node.param;
      } else {
        params++;
        if (!node.wildcard) {
          node.wildcard = newNode('');
          node.wildcardName = piece.text;
          node.wildcardRoute = index;
        } else if (node.wildcardName !== piece.text) {
          throw new RouteError(
            `different wildcard names at the same position: '*${node.wildcardName}' in ${describe(routes, node.wildcardRoute)} and '*${piece.text}' in ${where}`,
          );
        }
        node = node.wildcard;
      }
    }
    if (params > MAX_PARAMS) {
      throw new RouteError(`too many params: ${params} in ${where} (limit ${MAX_PARAMS})`);
    }
    if (params > maxParams) maxParams = params;
    const existing = node.routes.get(code);
    if (existing !== undefined) {
      throw new RouteError(`duplicate route ${method} ${path} (routes ${existing} and ${index})`);
    }
    node.routes.set(code, index);
  }

  splitLongLabels(root);
  const backtrack = backtrackDepth(root, 0);
  if (backtrack.depth > MAX_BACKTRACK_DEPTH) {
    throw new RouteError(
      `too many branch points (${backtrack.depth}, limit ${MAX_BACKTRACK_DEPTH}) on the path of ${describe(routes, backtrack.route)}`,
    );
  }

  const nodes: BuildNode[] = [];
  preorder(root, nodes);
  let size = HEADER_SIZE;
  for (const name of customMethods) size += 1 + name.length;
  const rootOffset = size;
  for (const node of nodes) {
    node.offset = size;
    size += nodeSize(node);
  }
  if (size > MAX_TABLE_BYTES) {
    throw new RouteError(
      `route table too large: ${size} bytes for ${routes.length} routes (limit ${MAX_TABLE_BYTES}); split the routes or shorten static paths`,
    );
  }

  const table = new Uint8Array(size);
  table[0] = TABLE_MAGIC_0;
  table[1] = TABLE_MAGIC_1;
  table[2] = TABLE_VERSION;
  table[3] = maxParams;
  const hash = routesHash(routes);
  writeU16(table, 4, hash & 0xffff);
  writeU16(table, 6, hash >>> 16);
  writeU16(table, 8, routes.length);
  writeU16(table, 10, size);
  table[12] = STANDARD_METHOD_COUNT + customMethods.length;
  table[13] = backtrack.depth;
  writeU16(table, 14, rootOffset);
  let at = HEADER_SIZE;
  for (const name of customMethods) {
    table[at++] = name.length;
    for (let i = 0; i < name.length; i++) table[at++] = name.charCodeAt(i);
  }
  for (const node of nodes) at = writeNode(table, node);
  return table;
}

/** Writes one node at node.offset; returns the offset after it. */
function writeNode(table: Uint8Array, node: BuildNode): number {
  let at = node.offset;
  const n = node.statics.length;
  table[at++] =
    (n >= STATIC_COUNT_MASK ? STATIC_COUNT_MASK : n) |
    (n >= INDEX_MIN_STATICS ? FLAG_INDEXED : 0) |
    (node.param ? FLAG_PARAM : 0) |
    (node.wildcard ? FLAG_WILDCARD : 0) |
    (node.routes.size > 0 ? FLAG_ROUTES : 0);
  const labelLength = storedLabelLength(node);
  table[at++] = labelLength;
  for (let i = 1; i <= labelLength; i++) table[at++] = node.label.charCodeAt(i);
  if (n >= STATIC_COUNT_MASK) table[at++] = n;
  if (n >= INDEX_MIN_STATICS) {
    const lowest = node.statics[0].label.charCodeAt(0);
    const span = indexSpan(node);
    table[at++] = lowest;
    table[at++] = span;
    for (let i = 0; i < n; i++) table[at + node.statics[i].label.charCodeAt(0) - lowest] = i + 1;
    at += span;
  } else {
    for (const child of node.statics) table[at++] = child.label.charCodeAt(0);
  }
  const children = childrenOf(node);
  for (let i = 1; i < children.length; i++) {
    writeU16(table, at, children[i].offset);
    at += 2;
  }
  if (node.routes.size > 0) {
    table[at++] = node.routes.size;
    const codes = Array.from(node.routes.keys()).sort((a, b) => a - b);
    for (const code of codes) {
      table[at++] = code;
      writeU16(table, at, node.routes.get(code) as number);
      at += 2;
    }
  }
  return at;
}
