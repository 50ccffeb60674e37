/**
 * `npm run bench:router`: route lookups per second for chipweb's table walk
 * ("chipweb"), its generated matcher ("chipweb code", what the simulator and
 * a built board route with), and the routers people compare against (find-my-way, Hono's RegExpRouter,
 * TrieRouter, PatternRouter, LinearRouter), on the four route sets in
 * bench/routes (copied from ../shared/bench/routes), in one run; plus table sizes, the Gin-style
 * "GitHub all" figure, and the zero-allocation check (bench/router-alloc.ts).
 *
 * Each peer gets the request in its natural form (method and path strings);
 * chipweb gets what the server has: the request line's bytes in one buffer,
 * with the method and path spans, and pays for methodCode() on every lookup.
 * Requests: one per route, each param filled with its name (as Gin's and
 * httprouter's benchmarks do), a wildcard with "name/x.css".
 *
 * Timing: each router runs whole passes over its set for ~TIME_MS; routers are
 * interleaved and this repeats ROUNDS times; the best round counts (the
 * machine is shared, so the best round is the least disturbed one). Every
 * router's answers are checked before timing. Never: time anything but lookups.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import FindMyWay from 'find-my-way';
import { compileRoutes, matchRoute, methodCode, maxParams } from '../src/router/index.ts';
import type { GeneratedMatcher, RouteSpec } from '../src/router/index.ts';
import { loadMatcher } from '../host-sim/matcher.ts';
import { type HonoRouter, honoRouters } from './peers.ts';

const SETS = ['github', 'static', 'gplus', 'parse'] as const;
const HONO = await honoRouters();
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TIME_MS = Number(process.env.TIME_MS ?? 250);
const ROUTES_DIR = new URL('./routes/', import.meta.url);

type Request = readonly [method: string, path: string];

interface Contender {
  name: string;
  /** One pass over all requests; returns a checksum so nothing is optimised away. */
  pass: () => number;
}

function loadSet(name: string): { routes: RouteSpec[]; requests: Request[] } {
  const routes = JSON.parse(readFileSync(new URL(`${name}.json`, ROUTES_DIR), 'utf8')) as RouteSpec[];
  const requests = routes.map(
    ([method, path]): Request => [
      method,
      path.replace(/:([A-Za-z0-9_]+)/g, '$1').replace(/\*([A-Za-z0-9_]+)/g, '$1/x.css'),
    ],
  );
  return { routes, requests };
}

/**
 * chipweb: request lines in one buffer, spans in an Int32Array, params into a
 * preallocated array; with `generated`, matchRoute uses the table's generated matcher.
 */
function chipweb(
  routes: RouteSpec[],
  requests: Request[],
  generated: boolean,
): { contender: Contender; table: Uint8Array } {
  const table = compileRoutes(routes);
  const matcher: GeneratedMatcher | undefined = generated ? loadMatcher(table) : undefined;
  const params = new Int32Array(2 * Math.max(1, maxParams(table)));
  const lines = requests.map(([method, path]) => `${method} ${path} HTTP/1.1\r\n`).join('');
  const bytes = new TextEncoder().encode(lines);
  const spans = new Int32Array(requests.length * 3);
  let at = 0;
  requests.forEach(([method, path], i) => {
    spans[3 * i] = at;
    spans[3 * i + 1] = at + method.length;
    spans[3 * i + 2] = at + method.length + 1 + path.length;
    at += method.length + path.length + 12;
  });
  const count = requests.length;
  const pass = (): number => {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const start = spans[3 * i];
      const methodEnd = spans[3 * i + 1];
      const method = methodCode(table, bytes, start, methodEnd);
      sum += matchRoute(table, method, bytes, methodEnd + 1, spans[3 * i + 2], params, matcher);
    }
    return sum;
  };
  for (let i = 0; i < count; i++) {
    const method = methodCode(table, bytes, spans[3 * i], spans[3 * i + 1]);
    const found = matchRoute(table, method, bytes, spans[3 * i + 1] + 1, spans[3 * i + 2], params, matcher);
    if (found !== i) throw new Error(`chipweb: ${requests[i].join(' ')} -> ${found}, expected ${i}`);
  }
  return { contender: { name: generated ? 'chipweb code' : 'chipweb', pass }, table };
}

function findMyWay(routes: RouteSpec[], requests: Request[]): Contender {
  const router = FindMyWay();
  routes.forEach(([method, path], index) =>
    router.on(method as 'GET', path.replace(/\*[A-Za-z0-9_]+$/, '*'), () => index),
  );
  const count = requests.length;
  const methods = requests.map((r) => r[0]);
  const paths = requests.map((r) => r[1]);
  for (let i = 0; i < count; i++) {
    const found = router.find(methods[i] as 'GET', paths[i]);
    if (!found || (found.handler as () => number)() !== i) throw new Error(`find-my-way: ${requests[i].join(' ')}`);
  }
  return {
    name: 'find-my-way',
    pass: () => {
      let sum = 0;
      for (let i = 0; i < count; i++)
        sum += (router.find(methods[i] as 'GET', paths[i]) as { params: object } | null) ? 1 : 0;
      return sum;
    },
  };
}

function hono(name: string, router: HonoRouter<number>, routes: RouteSpec[], requests: Request[]): Contender | string {
  try {
    routes.forEach(([method, path], index) => router.add(method, path.replace(/\*[A-Za-z0-9_]+$/, '*'), index));
    const count = requests.length;
    const methods = requests.map((r) => r[0]);
    const paths = requests.map((r) => r[1]);
    for (let i = 0; i < count; i++) {
      const [matched] = router.match(methods[i], paths[i]);
      const first = matched[0] as [number, unknown] | undefined;
      if (!first || first[0] !== i) throw new Error(`${name}: ${requests[i].join(' ')} -> ${first?.[0]}`);
    }
    return {
      name,
      pass: () => {
        let sum = 0;
        for (let i = 0; i < count; i++) sum += router.match(methods[i], paths[i])[0].length;
        return sum;
      },
    };
  } catch (error) {
    return `${name}: ${(error as Error).message}`;
  }
}

/** Passes per second of one contender, run for about TIME_MS. */
function measure(contender: Contender): number {
  let passes = 0;
  let sink = 0;
  const started = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 20; i++) sink += contender.pass();
    passes += 20;
    elapsed = performance.now() - started;
  } while (elapsed < TIME_MS);
  if (sink === 0.5) console.log('');
  return passes / (elapsed / 1000);
}

function pad(text: string | number, width: number, left = false): string {
  const s = String(text);
  return left ? s.padEnd(width) : s.padStart(width);
}

function format(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function main(): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `chipweb router benchmark — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} CPUs (${cpu})`,
  );
  console.log(`best of ${ROUNDS} rounds of ~${TIME_MS} ms per router and set\n`);
  const tableSizes: string[] = [];
  const githubAll: string[] = [];
  console.log(
    `${pad('set', 7, true)} ${pad('router', 14, true)} ${pad('lookups/s', 13)} ${pad('vs fastest peer', 16)}`,
  );
  for (const set of SETS) {
    const { routes, requests } = loadSet(set);
    const { contender, table } = chipweb(routes, requests, false);
    const contenders: Contender[] = [contender, chipweb(routes, requests, true).contender];
    const skipped: string[] = [];
    for (const entry of [
      findMyWay(routes, requests),
      hono('hono RegExp', new HONO.RegExp(), routes, requests),
      hono('hono Trie', new HONO.Trie(), routes, requests),
      hono('hono Pattern', new HONO.Pattern(), routes, requests),
      hono('hono Linear', new HONO.Linear(), routes, requests),
    ]) {
      if (typeof entry === 'string') skipped.push(entry);
      else contenders.push(entry);
    }
    const best = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of contenders) best.set(c.name, Math.max(best.get(c.name) ?? 0, measure(c)));
    }
    const perSecond = (name: string) => (best.get(name) as number) * requests.length;
    const fastestPeer = Math.max(
      ...contenders.filter((c) => !c.name.startsWith('chipweb')).map((c) => perSecond(c.name)),
    );
    for (const c of contenders) {
      console.log(
        `${pad(set, 7, true)} ${pad(c.name, 14, true)} ${pad(format(perSecond(c.name)), 13)} ${pad((perSecond(c.name) / fastestPeer).toFixed(2) + 'x', 16)}`,
      );
      if (set === 'github')
        githubAll.push(`  ${pad(c.name, 14, true)} ${pad(format(1e9 / (best.get(c.name) as number)), 8)} ns/op`);
    }
    for (const s of skipped) console.log(`${pad(set, 7, true)} (skipped) ${s}`);
    console.log('');
    tableSizes.push(`  ${pad(set, 7, true)} ${pad(routes.length, 4)} routes  ${pad(format(table.length), 6)} bytes`);
  }
  console.log('route table size (chipweb, bytes of the compiled Uint8Array):');
  console.log(tableSizes.join('\n'));
  console.log("\nGitHub all (203 routes looked up once, as in Gin's BENCHMARKS.md):");
  console.log(githubAll.join('\n'));

  console.log('\nallocation check (bench/router-alloc.ts under node --expose-gc):');
  const check = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', new URL('./router-alloc.ts', import.meta.url).pathname],
    { encoding: 'utf8' },
  );
  process.stdout.write(check.stdout + check.stderr);
  if (check.status !== 0) process.exitCode = 1;
}

main();
