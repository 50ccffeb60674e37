/**
 * Zero-allocation check for matchRoute and methodCode on V8. Run under
 * `node --expose-gc --import tsx bench/router-alloc.ts` (bench/router.ts does).
 *
 * Method: warm up by running the very loop that is measured (so optimisation,
 * which allocates code and feedback metadata, happens before), force a full GC, then run millions of lookups over a mix of outcomes (hits
 * with params, HEAD, 404, 405, both trailing-slash redirects, queries) and
 * read V8's young-generation (new space) use before and after, and count GC
 * events during the loop. V8 allocates by bumping a pointer in the young
 * generation, so an allocation per lookup shows as growth proportional to the
 * number of lookups (and as scavenges once it fills the space); the slope
 * between a short and a 5x longer run separates it from one-off costs. A positive control
 * that makes one small string per lookup shows the method sees allocation.
 * Exits non-zero when matchRoute allocates.
 *
 * Never: allocate inside the measured loops beyond what is being measured.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import { compileRoutes, matchRoute, methodCode, maxParams } from '../src/router/index.ts';
import type { GeneratedMatcher, RouteSpec } from '../src/router/index.ts';
import { loadMatcher } from '../host-sim/matcher.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const routes = JSON.parse(readFileSync(new URL('./routes/github.json', import.meta.url), 'utf8')) as RouteSpec[];
const table = compileRoutes(routes);
const params = new Int32Array(2 * maxParams(table));
const generated = loadMatcher(table);

const targets: [string, string][] = routes.map(([method, path]) => [method, path.replace(/:([A-Za-z0-9_]+)/g, '$1')]);
targets.push(
  ['HEAD', '/repos/octo/hello/issues'],
  ['GET', '/nope/nothing'],
  ['POST', '/repos/octo/hello/issues/1/labels/x'],
  ['PUT', '/gists'],
  ['GET', '/user/'],
  ['GET', '/users/octo/repos/'],
  ['GET', '/repos/a/b/git/refs/heads/main?x=1'],
  ['GET', '/authorizations/7?page=2&per_page=100'],
  ['BREW', '/user'],
  ['GET', '//'],
);
const lines = targets.map(([m, p]) => `${m} ${p} HTTP/1.1\r\n`).join('');
const bytes = new TextEncoder().encode(lines);
const spans = new Int32Array(targets.length * 3);
let at = 0;
targets.forEach(([m, p], i) => {
  spans[3 * i] = at;
  spans[3 * i + 1] = at + m.length;
  spans[3 * i + 2] = at + m.length + 1 + p.length;
  at += m.length + p.length + 12;
});
const count = targets.length;

function lookups(passes: number, matcher?: GeneratedMatcher): number {
  let sum = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < count; i++) {
      const start = spans[3 * i];
      const methodEnd = spans[3 * i + 1];
      sum += matchRoute(
        table,
        methodCode(table, bytes, start, methodEnd),
        bytes,
        methodEnd + 1,
        spans[3 * i + 2],
        params,
        matcher,
      );
    }
  }
  return sum;
}

/** Positive control: the same loop plus one short string per lookup, kept alive in a ring. */
const ring: string[] = new Array(64).fill('');
function allocatingLookups(passes: number): number {
  let sum = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < count; i++) {
      const start = spans[3 * i];
      const methodEnd = spans[3 * i + 1];
      sum += matchRoute(
        table,
        methodCode(table, bytes, start, methodEnd),
        bytes,
        methodEnd + 1,
        spans[3 * i + 2],
        params,
      );
      ring[i & 63] = String.fromCharCode(bytes[methodEnd + 2], bytes[methodEnd + 3]) + i;
    }
  }
  return sum;
}

let gcEvents = 0;
const observer = new PerformanceObserver((list) => {
  gcEvents += list.getEntries().length;
});
observer.observe({ entryTypes: ['gc'] });

function newSpaceUsed(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_used_size;
  return 0;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Young-generation growth over one run, and the GC events during it. */
async function growth(
  run: (passes: number) => number,
  passes: number,
): Promise<{ bytes: number; gcs: number; sum: number }> {
  gc!();
  await settle();
  gcEvents = 0;
  const before = newSpaceUsed();
  const sum = run(passes);
  const bytes = newSpaceUsed() - before;
  await settle(); // let GC entries be delivered
  return { bytes, gcs: gcEvents, sum };
}

/**
 * Bytes per lookup as the slope between a run of `passes` and one 5 times as
 * long: one-off costs (optimised code, feedback, the statistics objects) are
 * the same in both and cancel out; anything a lookup allocates would not.
 */
async function measure(
  name: string,
  run: (passes: number) => number,
  passes: number,
): Promise<{ bytesPerLookup: number; gcs: number }> {
  run(passes); // warm up with the same loop: optimisation happens here, not below
  const short = await growth(run, passes);
  const long = await growth(run, 5 * passes);
  const lookupsShort = passes * count;
  const lookupsLong = 5 * lookupsShort;
  const slope = (long.bytes - short.bytes) / (lookupsLong - lookupsShort);
  const gcs = short.gcs + long.gcs;
  console.log(
    `  ${name.padEnd(32)} young-gen growth: ${short.bytes.toLocaleString('en-US')} B over ${lookupsShort.toLocaleString('en-US')} lookups, ` +
      `${long.bytes.toLocaleString('en-US')} B over ${lookupsLong.toLocaleString('en-US')} -> ${slope.toFixed(4)} B/lookup; GCs during the runs: ${gcs}`,
  );
  return { bytesPerLookup: slope, gcs };
}

const passes = Number(process.env.ALLOC_PASSES ?? 4000);
const walk = await measure('matchRoute + methodCode', (n) => lookups(n), passes);
const code = await measure('  with the generated matcher', (n) => lookups(n, generated), passes);
const control = await measure('control: + 1 string per lookup', allocatingLookups, Math.ceil(passes / 10));
observer.disconnect();
const zero = [walk, code].every((m) => m.gcs === 0 && Math.abs(m.bytesPerLookup) < 0.001);
console.log(
  `  ${zero ? 'PASS' : 'FAIL'}: matchRoute ${zero ? 'allocates nothing' : 'allocates'}; control ${control.gcs > 0 || control.bytesPerLookup > 1 ? 'detected' : 'NOT detected'} its allocation`,
);
if (!zero) process.exitCode = 1;
