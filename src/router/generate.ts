/**
 * Matcher generator: unrolls one compiled route table into the source of a
 * JavaScript function that answers exactly what matchRoute's table walk
 * answers for that table, with the table's structure turned into code.
 *
 * Why: on XS a table walk is interpreter-bound. Every node costs reads of
 * its flags, first-byte list and child pointers, and every label byte two
 * typed-array reads and a loop step. Generated code knows all of that
 * already: a label byte is one read compared with a literal, a node is a
 * few compares on its first byte, and backtracking is plain nesting. On the
 * GitHub set it looks paths up about 2.5x faster than the walk on XS
 * (README, "Runs on XS"). `chipweb build` puts the function into the
 * preloaded core, so it runs from flash as bytecode; the table stays the
 * source of truth and still answers the rare questions: trailing-slash
 * probes, 405's Allow, method names.
 *
 * It runs at build time (and in the simulators), so it may allocate freely.
 * The code it writes must run on XS and Espruino: no labels, no regular
 * expressions, no closures, only `let`, `if`, `for` and typed-array reads.
 */

import { ANY_METHOD_CODE, FLAG_PARAM, FLAG_ROUTES, FLAG_WILDCARD } from './format.ts';
import { METHOD_GET, METHOD_HEAD } from './methods.ts';
import {
  childOffset,
  MATCH_METHOD_NOT_ALLOWED,
  MATCH_NOT_FOUND,
  pointersAt,
  rootNode,
  routeBlockAt,
  staticCount,
  staticIndex,
  tableHash,
} from './match.ts';
import { RouteError } from './compile.ts';

const SLASH = 47;
const QUERY = 63;
/** Static children at or below which the first byte is tested in a chain, not a binary decision tree. */
const CHAIN_MAX = 3;
/**
 * Most nested blocks in generated code. The code nests about three blocks
 * per node on a path (the GitHub set needs 40), and parsers recurse per
 * block: V8 overflows its stack near 1,500 plain nested ifs. A deeper tree
 * (a chain of more than 85 routes, each one byte longer than the last)
 * gets the walk.
 */
export const MAX_GENERATED_NESTING = 256;

/**
 * How a server finds routes: 'code', the table's generated matcher (the
 * default of `chipweb build` and the simulators), or 'table', the table walk.
 */
export type RouterMode = 'code' | 'table';

/** A node of a format-2 table, decoded. */
interface DecodedNode {
  /** Label bytes after the first (which the parent dispatches on). */
  label: number[];
  /** Static children in ascending first-byte order. */
  statics: { first: number; node: number }[];
  /** Offset of the param child, or -1. */
  param: number;
  /** Offset of the wildcard child, or -1. */
  wildcard: number;
  /** [method code, route index] pairs, ascending code (ANY_METHOD_CODE last). */
  routes: [number, number][];
}

/** Reads the node at `node` with the matcher's own table readers (the layout is documented in compile.ts). */
function decodeNode(table: Uint8Array, node: number): DecodedNode {
  const flags = table[node];
  const list = node + 2 + table[node + 1];
  const statics = staticCount(table, flags, list);
  const decoded: DecodedNode = {
    label: Array.from(table.subarray(node + 2, list)),
    statics: [],
    param: -1,
    wildcard: -1,
    routes: [],
  };
  for (let c = 0; c < 256; c++) {
    const i = staticIndex(table, flags, list, c);
    if (i >= 0) decoded.statics[i] = { first: c, node: childOffset(table, flags, list, i) };
  }
  let index = statics;
  if ((flags & FLAG_PARAM) !== 0) decoded.param = childOffset(table, flags, list, index++);
  if ((flags & FLAG_WILDCARD) !== 0) decoded.wildcard = childOffset(table, flags, list, index);
  if ((flags & FLAG_ROUTES) !== 0) {
    const block = routeBlockAt(table, flags, list, pointersAt(table, flags, list));
    for (let i = 0, at = block + 1; i < table[block]; i++, at += 3)
      decoded.routes.push([table[at], table[at + 1] | (table[at + 2] << 8)]);
  }
  return decoded;
}

/**
 * A path position in the generated code: a variable (`s`, the path's start,
 * or `qN`, the end of the N-th param) plus a constant, so static labels cost
 * no additions at run time.
 */
interface Position {
  base: string;
  offset: number;
}

function expression(position: Position, extra = 0): string {
  const offset = position.offset + extra;
  return offset === 0 ? position.base : `${position.base}+${offset}`;
}

/**
 * Source of a JavaScript expression: an object `{ hash, search }` where
 * `hash` is the table's tableHash() and `search(method, bytes, start, end,
 * params)` does for `table` what matchRoute does before its trailing-slash
 * probe: it returns the route index (params written as matchRoute writes
 * them), MATCH_METHOD_NOT_ALLOWED or MATCH_NOT_FOUND. Pass the evaluated
 * object to matchRoute (or to the Server as `routeMatcher`), which adds the
 * probe. The search allocates nothing. Throws RouteError when the code would
 * nest more than MAX_GENERATED_NESTING blocks (the table walk has no such limit).
 */
export function generateMatcher(table: Uint8Array): string {
  const lines: string[] = [];
  let nesting = 0;
  const emit = (text: string) => {
    lines.push(text);
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 123) nesting++;
      else if (ch === 125) nesting--;
    }
    if (nesting > MAX_GENERATED_NESTING) {
      throw new RouteError(
        `the route tree is too deep for a generated matcher (more than ${MAX_GENERATED_NESTING} nested blocks; ` +
          'long chains of routes that each extend the previous one by a few bytes): route with the table walk (chipweb build --router table)',
      );
    }
  };

  /** The method dispatch of a node whose routes match the whole path; falls through when none is for the method. */
  const emitRoutes = (routes: [number, number][]) => {
    if (routes.length === 0) return;
    let get = -1;
    let any = -1;
    let head = false;
    for (const [code, route] of routes) {
      if (code === ANY_METHOD_CODE) {
        any = route;
        continue;
      }
      if (code === METHOD_GET) get = route;
      if (code === METHOD_HEAD) head = true;
      emit(`if(m===${code})return ${route};`);
    }
    if (get >= 0 && !head) emit(`if(m===${METHOD_HEAD})return ${get};`);
    // Some route matched the path, none the method: remember it and let the
    // other branches try (as the walk does), so a later route still wins.
    emit(any >= 0 ? `return ${any};` : `n=${MATCH_METHOD_NOT_ALLOWED};`);
  };

  /**
   * Code for the node `decoded`, reached with the path matched up to
   * `position` and `k` params captured. `cKnown`: `c` already holds the
   * byte there (63 at the end), as after a param. Failure falls out of the
   * block.
   */
  const emitNode = (decoded: DecodedNode, position: Position, k: number, cKnown: boolean) => {
    const here = expression(position);
    const hasChildren = decoded.statics.length > 0 || decoded.param >= 0 || decoded.wildcard >= 0;
    if (decoded.routes.length > 0) {
      emit(cKnown ? `if(c===${QUERY}){` : `if(${here}>=e||(c=b[${here}])===${QUERY}){`);
      emitRoutes(decoded.routes);
      if (!hasChildren) {
        emit('}');
        return;
      }
      emit('}else{');
    } else {
      if (!hasChildren) return;
      emit(cKnown ? `if(c!==${QUERY}){` : `if(${here}<e&&(c=b[${here}])!==${QUERY}){`);
    }

    const emitStatic = (child: number) => {
      const decodedChild = decodeNode(table, child);
      const label = decodedChild.label;
      const stop = 1 + label.length;
      const after = { base: position.base, offset: position.offset + stop };
      // The label must end by the path's end. A child without routes checks
      // `after < e` itself before anything else, so a label read past the end
      // (a spurious match, or undefined past the buffer) fails there: the
      // bound is only needed where the child could answer at `after`.
      const tests = decodedChild.routes.length > 0 ? [`${expression(after)}<=e`] : [];
      for (let i = 0; i < label.length; i++) tests.push(`b[${expression(position, 1 + i)}]===${label[i]}`);
      if (tests.length === 0) {
        emitNode(decodedChild, after, k, false);
        return;
      }
      emit(`if(${tests.join('&&')}){`);
      emitNode(decodedChild, after, k, false);
      emit('}');
    };
    // A chain of compares for a few children, else a binary decision tree on c.
    const emitStatics = (list: { first: number; node: number }[]) => {
      if (list.length <= CHAIN_MAX) {
        list.forEach(({ first, node: child }, i) => {
          emit(`${i === 0 ? '' : '}else '}if(c===${first}){`);
          emitStatic(child);
        });
        emit('}');
        return;
      }
      const middle = list.length >> 1;
      emit(`if(c<${list[middle].first}){`);
      emitStatics(list.slice(0, middle));
      emit('}else{');
      emitStatics(list.slice(middle));
      emit('}');
    };
    if (decoded.statics.length > 0) emitStatics(decoded.statics);

    // A static branch that failed may have overwritten c: read the byte again.
    let current = decoded.statics.length > 0 ? `b[${here}]` : 'c';
    if (decoded.param >= 0) {
      // A param takes a non-empty segment: up to the next '/' or '?' or the end.
      const q = `q${k + 1}`;
      emit(`if(${current}!==${SLASH}){`);
      emit(`for(${q}=${here}+1;${q}<e;${q}++){c=b[${q}];if(c===${SLASH}||c===${QUERY})break;}`);
      emit(`if(${q}===e)c=${QUERY};`);
      emit(`p[${2 * k}]=${here};p[${2 * k + 1}]=${q};`);
      emitNode(decodeNode(table, decoded.param), { base: q, offset: 0 }, k + 1, true);
      emit('}');
      current = `b[${here}]`;
    }
    if (decoded.wildcard >= 0) {
      // Catch-all: the rest of the path, its leading '/' included.
      const q = `q${k + 1}`;
      emit(`if(${current}===${SLASH}){`);
      emit(`for(${q}=${here};${q}<e&&b[${q}]!==${QUERY};${q}++);`);
      emit(`p[${2 * k}]=${here};p[${2 * k + 1}]=${q};`);
      emitRoutes(decodeNode(table, decoded.wildcard).routes);
      emit('}');
    }
    emit('}');
  };

  emitNode(decodeNode(table, rootNode(table)), { base: 's', offset: 0 }, 0, false);
  const locals = [`n=${MATCH_NOT_FOUND}`, 'c=0'];
  for (let i = 1; i <= table[3]; i++) locals.push(`q${i}=0`);
  return [
    // A method, not `search: function`: no prototype object to carry.
    `{hash:${tableHash(table)},search(m,b,s,e,p){`,
    `let ${locals.join(',')};`,
    ...lines,
    'return n;',
    '}}',
  ].join('\n');
}
