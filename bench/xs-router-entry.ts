/**
 * XS side of the router benchmark (bundled into one IIFE and evaluated in an
 * xsnap worker by bench/xs-router.ts): chipweb's router, as a board built by
 * `chipweb build` runs it (the generated matcher, evaluated here from the
 * source the build preloads) and as the plain table walk, against the
 * linear RegExp router (bench/xs-regexp-router.ts) on the same requests,
 * timed inside XS with `performance.now()` so no pipe traffic is counted.
 *
 * chipweb's router gets what the server has: the request line's bytes in a
 * buffer (method and path spans); it answers with a route index and param
 * spans. The RegExp router gets the method and path as ready-made strings.
 *
 * Never: allocate in the timed loops beyond what each router itself does.
 */
import { compileRoutes, matchRoute, methodCode } from '../src/router/index.ts';
import type { GeneratedMatcher } from '../src/router/index.ts';
import { RegExpRouter } from './xs-regexp-router.ts';

declare const performance: { now(): number };
declare const globalThis: Record<string, unknown>;

let table = new Uint8Array(0);
/** The generated matcher of `table` (see useMatcher). */
let matcher: GeneratedMatcher | undefined;
let params = new Int32Array(0);
/** All request lines, "METHOD /path\n" after one another, as bytes. */
let bytes = new Uint8Array(0);
/** Per request: method start, method end, path start, path end. */
let spans = new Int32Array(0);
let methods: string[] = [];
let paths: string[] = [];
let count = 0;
const regexpRouter = new RegExpRouter();
/** Reply of the timing and measuring commands: [milliseconds, checksum]. */
const out = new Float64Array(2);

/** Compiles both routers and lays out the requests; returns the table size. */
function setup(routes: [string, string][], requests: [string, string][]): number {
  table = compileRoutes(routes);
  params = new Int32Array(2 * (table[3] || 1));
  for (let i = 0; i < routes.length; i++) regexpRouter.add(routes[i][0], routes[i][1]);
  count = requests.length;
  methods = requests.map((r) => r[0]);
  paths = requests.map((r) => r[1]);
  let length = 0;
  for (let i = 0; i < count; i++) length += methods[i].length + paths[i].length + 2;
  bytes = new Uint8Array(length);
  spans = new Int32Array(count * 4);
  let p = 0;
  for (let i = 0; i < count; i++) {
    spans[i * 4] = p;
    for (let k = 0; k < methods[i].length; k++) bytes[p++] = methods[i].charCodeAt(k);
    spans[i * 4 + 1] = p;
    bytes[p++] = 32;
    spans[i * 4 + 2] = p;
    for (let k = 0; k < paths[i].length; k++) bytes[p++] = paths[i].charCodeAt(k);
    spans[i * 4 + 3] = p;
    bytes[p++] = 10;
  }
  return table.length;
}

/** Installs the generated matcher of the table (the expression generateMatcher() wrote, evaluated by XS). */
function useMatcher(generated: GeneratedMatcher): number {
  matcher = generated;
  return matcher.hash;
}

/** One chipweb lookup of request i, as the server does it: method code from bytes, then the search (generated, or the walk without `using`). */
function chipwebLookup(i: number, using: GeneratedMatcher | undefined): number {
  const s = spans;
  const code = methodCode(table, bytes, s[i * 4], s[i * 4 + 1]);
  return matchRoute(table, code, bytes, s[i * 4 + 2], s[i * 4 + 3], params, using);
}

/** Route index each router finds for each request (to check they agree with the expected route). */
function check(): { chipweb: number[]; walk: number[]; regexp: number[] } {
  const chipweb: number[] = [];
  const walk: number[] = [];
  const regexp: number[] = [];
  for (let i = 0; i < count; i++) {
    chipweb.push(chipwebLookup(i, matcher));
    walk.push(chipwebLookup(i, undefined));
    regexp.push(regexpRouter.lookup(methods[i], paths[i]));
  }
  return { chipweb, walk, regexp };
}

/** Looks every request up `rounds` times with chipweb's router (`using`, or the walk); reply: [ms, checksum]. */
function timeChipweb(using: GeneratedMatcher | undefined, rounds: number): ArrayBuffer {
  let sum = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < count; i++) sum += chipwebLookup(i, using);
  }
  out[0] = performance.now() - t0;
  out[1] = sum;
  return out.buffer;
}

/** timeChipweb with the generated matcher (what a built board runs). */
function runChipweb(rounds: number): ArrayBuffer {
  return timeChipweb(matcher, rounds);
}

/** timeChipweb with the table walk. */
function runChipwebWalk(rounds: number): ArrayBuffer {
  return timeChipweb(undefined, rounds);
}

/** Looks every request up `rounds` times with the RegExp router; reply: [ms, checksum]. */
function runRegExp(rounds: number): ArrayBuffer {
  let sum = 0;
  const router = regexpRouter;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < count; i++) sum += router.lookup(methods[i], paths[i]);
  }
  out[0] = performance.now() - t0;
  out[1] = sum;
  return out.buffer;
}

globalThis.routerBench = { setup, useMatcher, check, runChipweb, runChipwebWalk, runRegExp };

/**
 * Commands for heap counting (one byte): 'n' does nothing, 'c' looks every
 * request up once with chipweb's generated matcher, 'w' with its table walk,
 * 'r' with the RegExp router. All answer
 * with the same preallocated buffer, so their only difference is the lookups.
 */
globalThis.handleCommand = (command: ArrayBuffer): ArrayBuffer => {
  const op = new Uint8Array(command)[0];
  if (op === 99) return runChipweb(1);
  if (op === 119) return runChipwebWalk(1);
  if (op === 114) return runRegExp(1);
  return out.buffer;
};
