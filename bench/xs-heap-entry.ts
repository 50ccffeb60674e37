/**
 * XS side of the heap benchmark (bundled into one IIFE and evaluated in an
 * xsnap worker by bench/xs-heap.ts): a chipweb Server with a small app on
 * the allocation-free bench platform, plus the pieces of its request path
 * callable one by one, so the host can count the heap slots each leaves
 * behind (routing with the generated matcher, as a built board does):
 *   stage 'p'  parse only (parseHead over the request bytes)
 *   stage 'r'  parse + route (methodCode, matchRoute, allowedMethods on 405)
 *   stage 'f'  the full request through the server (response in the sink)
 *   unit  'u'  one step of the path on its own (see UNITS)
 *
 * Never: allocate in a measured command outside the code being measured
 * (every command answers with the same preallocated buffer).
 */
import { App } from '../src/app.ts';
import { STANDARD_METHOD_NAMES } from '../src/router/methods.ts';
import { Server } from '../src/server.ts';
import { HEAD_INCOMPLETE, parseHead, RequestHead } from '../src/http/parser.ts';
import type { HeadLimits } from '../src/http/parser.ts';
import { allowedMethods, MATCH_METHOD_NOT_ALLOWED, matchRoute, methodCode } from '../src/router/index.ts';
import { BODY_STRING, encodeHead, FRAMING_LENGTH, HeadPlan, ResponseState, TYPE_TEXT } from '../src/http/response.ts';
import { decodeComponent, encodeUtf8, TextScratch, utf8Length } from '../src/http/text.ts';
import { BenchPlatform } from './xs-bench-platform.ts';
import { loadMatcher } from '../host-sim/matcher.ts';

declare const performance: { now(): number };
declare function gc(): void;
declare const globalThis: Record<string, unknown>;

/** The object the JSON route answers with (also measured alone, as the handler's own cost). */
function statusObject(): unknown {
  return { ok: true, uptime: 1234, requests: 42, name: 'chipweb' };
}

/** Text bodies of growing length, to time how string bodies scale on XS. */
const BODY_LENGTHS = [100, 1000, 10000];
const BODIES: string[] = BODY_LENGTHS.map((n) => {
  let s = '';
  while (s.length < n) s += '0123456789';
  return s;
});

const app = new App();
app.get('/', (c) => c.text('hello'));
app.get('/body/:n', (c) => c.text(BODIES[Number(c.param('n'))]));
app.get('/users/:id', (c) => c.text(c.param('id')));
app.get('/api/status', (c) => c.json(statusObject()));

const SLOT_SIZE = 4096;
const platform = new BenchPlatform();
const table = app.compile().table;
// The board's router: the table's search as code (evaluated here from the source chipweb build preloads).
const matcher = loadMatcher(table);
const server = new Server(app, platform, { slots: 4, slotSize: SLOT_SIZE, outputSize: 1024, routeMatcher: matcher });
void server.start().then(() => platform.connect());

const limits: HeadLimits = { maxRequestLine: 1024, maxHeaderBytes: 2048, maxHeaders: 32 };
const head = new RequestHead(limits.maxHeaders);
const params = new Int32Array(64);
const out = new Float64Array(2);

/** Per case: every request alone (for the stages) and all of them back to back (one delivery). */
let singles: Uint8Array[][] = [];
let wholes: Uint8Array[] = [];

function latin1Bytes(s: string): Uint8Array {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** Loads the cases: each a list of raw requests (one, or several for a pipelined batch). */
function setup(cases: string[][]): void {
  singles = cases.map((requests) => requests.map(latin1Bytes));
  wholes = cases.map((requests) => latin1Bytes(requests.join('')));
}

function parseOnly(bytes: Uint8Array): number {
  head.reset();
  return parseHead(bytes, bytes.length, SLOT_SIZE, head, limits);
}

function parseAndRoute(bytes: Uint8Array): number {
  const end = parseOnly(bytes);
  if (end === HEAD_INCOMPLETE || end < 0) return end;
  const code = methodCode(table, bytes, head.start, head.methodEnd);
  if (code < 0) return -1;
  const route = matchRoute(table, code, bytes, head.pathStart, head.pathEnd, params, matcher);
  if (route === MATCH_METHOD_NOT_ALLOWED) return allowedMethods(table, bytes, head.pathStart, head.pathEnd);
  return route;
}

function runStage(op: number, index: number): void {
  if (op === 102) {
    const bytes = wholes[index];
    platform.deliver(bytes, bytes.length);
    return;
  }
  const requests = singles[index];
  for (let k = 0; k < requests.length; k++) {
    out[1] = op === 112 ? parseOnly(requests[k]) : parseAndRoute(requests[k]);
  }
}

/** Steps of the static route's path (and the others'), measured one at a time. */
const sample = 'hello';
const res = new ResponseState();
const output = new Uint8Array(1024);
const plan = new HeadPlan();
plan.methodNames = STANDARD_METHOD_NAMES;
const getBytes = latin1Bytes('GET');
const postBytes = latin1Bytes('POST');
const deleteBytes = latin1Bytes('DELETE');
const rootPath = latin1Bytes('/');
const paramBytes = latin1Bytes('42');
const scratch = new TextScratch();
const UNITS: [string, () => unknown][] = [
  ['any property of a string primitive (here "hello".length)', () => sample.length],
  ['String.prototype.charCodeAt.call(s, i) (no boxing)', () => String.prototype.charCodeAt.call(sample, 1)],
  ['parseHead, static request', () => parseOnly(singles[0][0])],
  ['methodCode GET', () => methodCode(table, getBytes, 0, 3)],
  ['methodCode POST', () => methodCode(table, postBytes, 0, 4)],
  ['methodCode DELETE', () => methodCode(table, deleteBytes, 0, 6)],
  ['matchRoute GET /', () => matchRoute(table, 0, rootPath, 0, 1, params, matcher)],
  ['matchRoute GET / (table walk)', () => matchRoute(table, 0, rootPath, 0, 1, params)],
  ['utf8Length("hello") (res.bodyLength)', () => utf8Length(sample, 0)],
  [
    'encodeHead 200 text/plain, 5-byte body',
    () => {
      res.clearAll();
      res.status = 200;
      res.contentType = TYPE_TEXT;
      res.bodyKind = BODY_STRING;
      res.bodyString = sample;
      return encodeHead(res, output, plan.plain(true, FRAMING_LENGTH, 5));
    },
  ],
  ['encodeUtf8("hello") into the output', () => encodeUtf8(sample, 0, output, 0, output.length, null)],
  ['decodeComponent "42" (c.param)', () => decodeComponent(paramBytes, 0, 2, false, scratch)],
  ["the JSON route handler's own work: object literal + JSON.stringify", () => JSON.stringify(statusObject())],
];

/** The bytes the server wrote for the last delivery, as latin1 text. */
function response(): string {
  const s = platform.socket;
  let text = '';
  for (let i = 0; i < s.sinkLength; i++) text += String.fromCharCode(s.sink[i]);
  return text;
}

/** Full requests per second for case `index`, timed inside XS. */
function throughput(index: number, count: number): number {
  const bytes = wholes[index];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) platform.deliver(bytes, bytes.length);
  return (count * singles[index].length * 1000) / (performance.now() - t0);
}

/** Milliseconds per request for each text body length (response fully written). */
function bodyTimes(): { chars: number; ms: number }[] {
  const times: { chars: number; ms: number }[] = [];
  for (let i = 0; i < BODIES.length; i++) {
    const request = latin1Bytes(`GET /body/${i} HTTP/1.1\r\nHost: device.local\r\n\r\n`);
    platform.deliver(request, request.length);
    const count = BODY_LENGTHS[i] > 1000 ? 3 : 30;
    const t0 = performance.now();
    for (let k = 0; k < count; k++) platform.deliver(request, request.length);
    times.push({ chars: BODY_LENGTHS[i], ms: (performance.now() - t0) / count });
  }
  return times;
}

globalThis.heapBench = {
  bodyTimes,
  setup,
  response,
  throughput,
  units: () => UNITS.map((u) => u[0]),
  stats: () => server.stats(),
  logged: () => platform.logged,
};

/**
 * Commands: [op, index, count(u24, for 'm')]. 'n' nothing, 'p' / 'r' / 'f'
 * a stage of case `index`, 'u' unit `index`, 'm' `count` full requests
 * cycling through every case, 'g' a full garbage collection (from a
 * command: an evaluated `gc()` script itself leaves one slot behind).
 */
globalThis.handleCommand = (command: ArrayBuffer): ArrayBuffer => {
  const bytes = new Uint8Array(command);
  const op = bytes[0];
  const index = bytes[1];
  if (op === 112 || op === 114 || op === 102) runStage(op, index);
  else if (op === 103) gc();
  else if (op === 117) out[1] = UNITS[index][1]() as number;
  else if (op === 109) {
    const count = bytes[2] | (bytes[3] << 8) | (bytes[4] << 16);
    for (let i = 0; i < count; i++) {
      const whole = wholes[i % wholes.length];
      platform.deliver(whole, whole.length);
    }
  }
  return out.buffer;
};
