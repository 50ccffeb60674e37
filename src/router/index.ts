/**
 * chipweb/router: compile Gin-style routes into a byte table, match request
 * path bytes against it. Pure functions, no I/O.
 *
 * Never: import anything outside src/router (it must stay usable alone, on
 * XS, Espruino and Node).
 */

export {
  METHOD_GET,
  METHOD_HEAD,
  METHOD_POST,
  METHOD_PUT,
  METHOD_DELETE,
  METHOD_PATCH,
  METHOD_OPTIONS,
  ANY_METHOD,
  MAX_METHOD_CODES,
  STANDARD_METHOD_COUNT,
  STANDARD_METHOD_NAMES,
  standardMethodCode,
} from './methods.ts';
export { compileRoutes, routesHash, paramNames, RouteError } from './compile.ts';
export type { RouteSpec } from './compile.ts';
export { MAX_TABLE_BYTES, MAX_ROUTES, MAX_PARAMS, MAX_BACKTRACK_DEPTH } from './format.ts';
export {
  MATCH_NOT_FOUND,
  MATCH_METHOD_NOT_ALLOWED,
  MATCH_ADD_SLASH,
  MATCH_REMOVE_SLASH,
  matchRoute,
  allowedMethods,
  methodCode,
  methodName,
  methodCount,
  routeCount,
  paramCount,
  maxParams,
  tableHash,
} from './match.ts';
export type { GeneratedMatcher } from './match.ts';
export { generateMatcher, MAX_GENERATED_NESTING } from './generate.ts';
export type { RouterMode } from './generate.ts';
