/**
 * XS side of bench/xs-router-ab.ts: times the working router (src/router)
 * against a frozen copy (bench/xs-router-baseline*.ts: matcher, compiler and
 * format of an earlier commit) on the same requests, interleaved, so variants
 * can be compared on a noisy machine. Refresh the copies to move the baseline.
 */
import { compileRoutes, matchRoute, methodCode } from '../src/router/index.ts';
import { matchRoute as matchBase, methodCode as codeBase } from './xs-router-baseline.ts';
import { compileRoutes as compileBase } from './xs-router-baseline-compile.ts';

declare const performance: { now(): number };
declare const globalThis: Record<string, unknown>;

let table = new Uint8Array(0);
let tableBase = new Uint8Array(0);
let params = new Int32Array(0);
let bytes = new Uint8Array(0);
let spans = new Int32Array(0);
let count = 0;
const out = new Float64Array(2);

function setup(routes: [string, string][], requests: [string, string][]): number {
  table = compileRoutes(routes);
  tableBase = compileBase(routes);
  params = new Int32Array(2 * (table[3] || 1));
  count = requests.length;
  let length = 0;
  for (let i = 0; i < count; i++) length += requests[i][0].length + requests[i][1].length + 2;
  bytes = new Uint8Array(length);
  spans = new Int32Array(count * 4);
  let p = 0;
  for (let i = 0; i < count; i++) {
    const [m, path] = requests[i];
    spans[i * 4] = p;
    for (let k = 0; k < m.length; k++) bytes[p++] = m.charCodeAt(k);
    spans[i * 4 + 1] = p;
    bytes[p++] = 32;
    spans[i * 4 + 2] = p;
    for (let k = 0; k < path.length; k++) bytes[p++] = path.charCodeAt(k);
    spans[i * 4 + 3] = p;
    bytes[p++] = 10;
  }
  return table.length;
}

function check(): number {
  let bad = 0;
  for (let i = 0; i < count; i++) {
    const s = spans;
    if (matchRoute(table, methodCode(table, bytes, s[i * 4], s[i * 4 + 1]), bytes, s[i * 4 + 2], s[i * 4 + 3], params) !== i) bad++;
  }
  return bad;
}

function runNew(rounds: number): ArrayBuffer {
  const s = spans;
  let sum = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < count; i++) {
      sum += matchRoute(table, methodCode(table, bytes, s[i * 4], s[i * 4 + 1]), bytes, s[i * 4 + 2], s[i * 4 + 3], params);
    }
  }
  out[0] = performance.now() - t0;
  out[1] = sum;
  return out.buffer;
}

function runBase(rounds: number): ArrayBuffer {
  const s = spans;
  let sum = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < count; i++) {
      sum += matchBase(tableBase, codeBase(tableBase, bytes, s[i * 4], s[i * 4 + 1]), bytes, s[i * 4 + 2], s[i * 4 + 3], params);
    }
  }
  out[0] = performance.now() - t0;
  out[1] = sum;
  return out.buffer;
}

function stubMatch(t: Uint8Array, m: number, b: Uint8Array, start: number, end: number, ps: Int32Array): number {
  return start;
}
function stubCode(t: Uint8Array, b: Uint8Array, start: number, end: number): number {
  return 0;
}

/** The harness and the two calls alone (stubs): what every lookup pays outside the router. */
function runStub(rounds: number): ArrayBuffer {
  const s = spans;
  let sum = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < count; i++) {
      sum += stubMatch(table, stubCode(table, bytes, s[i * 4], s[i * 4 + 1]), bytes, s[i * 4 + 2], s[i * 4 + 3], params);
    }
  }
  out[0] = performance.now() - t0;
  out[1] = sum;
  return out.buffer;
}

/** Like runStub with the real methodCode. */
function runCode(rounds: number): ArrayBuffer {
  const s = spans;
  let sum = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < count; i++) {
      sum += stubMatch(table, methodCode(table, bytes, s[i * 4], s[i * 4 + 1]), bytes, s[i * 4 + 2], s[i * 4 + 3], params);
    }
  }
  out[0] = performance.now() - t0;
  out[1] = sum;
  return out.buffer;
}

globalThis.abBench = { setup, check, runNew, runBase, runStub, runCode };
