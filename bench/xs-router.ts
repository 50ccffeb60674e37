/**
 * Router lookups per second on XS: chipweb's router (the generated matcher a
 * built board runs, and the plain table walk) against a plain linear RegExp
 * router (what people write on Moddable today), on the GitHub route set, in
 * the same XS machine and the same run. Also the heap slots one pass over
 * the set allocates with each, and what the generated matcher takes in XS.
 *
 * Used by bench/xs.ts (`npm run bench:xs`); runnable alone with
 * `npx tsx bench/xs-router.ts`. Never: time anything on the Node side; the
 * clocks run inside XS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XsWorker } from '../host-sim/xs/worker.ts';
import { bundleForXs, REPO_ROOT } from '../host-sim/xs/bundle.ts';
import { slotsPerCommand } from '../host-sim/xs/measure.ts';
import { minifyExpression } from '../toolchain/bundle.ts';
import { compileRoutes, generateMatcher } from '../src/router/index.ts';

/** Directory of the route sets (bench/routes in the repo, or $CHIPWEB_ROUTES). */
export function routesDir(): string {
  return process.env.CHIPWEB_ROUTES ?? join(REPO_ROOT, 'bench', 'routes');
}

/** A route set's routes, and one request per route (each `:param` filled with its name). */
export function loadRouteSet(name: string): { routes: [string, string][]; requests: [string, string][] } {
  const routes = JSON.parse(readFileSync(join(routesDir(), `${name}.json`), 'utf8')) as [string, string][];
  const requests = routes.map(([method, path]): [string, string] => [
    method,
    path.replace(/[:*]([A-Za-z0-9_]+)/g, (_, param: string) => param),
  ]);
  return { routes, requests };
}

/** What the router benchmark measured. */
export interface RouterFigures {
  set: string;
  routes: number;
  tableBytes: number;
  /** Bytes of the generated matcher's source, as generateMatcher() writes it. */
  matcherSourceBytes: number;
  /** Bytes of it minified by esbuild, as `chipweb build` ships it in the core (and as timed here). */
  matcherMinifiedBytes: number;
  /** What the minified matcher takes in XS: the growth of a machine snapshot when it is defined. */
  matcherXsBytes: number;
  /** methodCode + matchRoute with the generated matcher: what a built board runs. */
  chipwebPerSecond: number;
  /** methodCode + matchRoute walking the table (no generated code). */
  walkPerSecond: number;
  regexpPerSecond: number;
  /** chipweb / RegExp. */
  ratio: number;
  /** Table walk / RegExp. */
  walkRatio: number;
  /** Heap slots one pass over the set leaves behind, per router. */
  chipwebSlotsPerPass: number;
  walkSlotsPerPass: number;
  regexpSlotsPerPass: number;
  /** Requests the routers did not resolve to the route they were made from. */
  mismatches: { chipweb: number; walk: number; regexp: number };
}

/** How much defining `expression` (kept alive) grows a snapshot of the XS machine. */
async function xsBytesOf(worker: XsWorker, expression: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-snapshot-'));
  try {
    await worker.evaluate('globalThis.sizeProbe = []; 0');
    await worker.evaluate('globalThis.sizeProbe.push(0); 0');
    await worker.gc();
    const before = await worker.snapshot(join(dir, 'before.xss'));
    await worker.evaluate(`globalThis.sizeProbe.push(${expression}); 0`);
    await worker.gc();
    const after = await worker.snapshot(join(dir, 'after.xss'));
    await worker.evaluate('delete globalThis.sizeProbe; 0');
    return after - before;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the router comparison on XS for one route set. `budgetMs` is spent per router, in XS. */
export async function benchRouterOnXs(set = 'github', budgetMs = 1500): Promise<RouterFigures> {
  const { routes, requests } = loadRouteSet(set);
  const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-router-entry.ts'));
  const generated = generateMatcher(compileRoutes(routes));
  // As the board gets it: minified with the core by the build's esbuild step.
  const matcherSource = minifyExpression(generated);
  const worker = await XsWorker.start();
  try {
    const matcherXsBytes = await xsBytesOf(worker, matcherSource);
    await worker.evaluate(code);
    const tableBytes = await worker.evaluateJson<number>(
      `routerBench.setup(${JSON.stringify(routes)}, ${JSON.stringify(requests)})`,
    );
    await worker.evaluate(`routerBench.useMatcher(${matcherSource}); 0`);
    const found = await worker.evaluateJson<{ chipweb: number[]; walk: number[]; regexp: number[] }>(
      'routerBench.check()',
    );
    const mismatches = {
      chipweb: found.chipweb.filter((index, i) => index !== i).length,
      walk: found.walk.filter((index, i) => index !== i).length,
      regexp: found.regexp.filter((index, i) => index !== i).length,
    };

    const time = async (fn: string, rounds: number) => {
      const { reply } = await worker.evaluate(`routerBench.${fn}(${rounds})`);
      return new Float64Array(reply.slice().buffer)[0];
    };
    // Calibrate each router to ~100 ms per batch, then alternate batches so
    // both see the same machine load; keep the best batch of each.
    const calibrate = async (fn: string) => {
      let rounds = 1;
      for (;;) {
        const ms = await time(fn, rounds);
        if (ms > 20) return Math.max(1, Math.round((rounds * 100) / ms));
        rounds *= 4;
      }
    };
    const chipwebRounds = await calibrate('runChipweb');
    const walkRounds = await calibrate('runChipwebWalk');
    const regexpRounds = await calibrate('runRegExp');
    let chipwebBest = Infinity;
    let walkBest = Infinity;
    let regexpBest = Infinity;
    const batches = Math.max(3, Math.round(budgetMs / 100));
    for (let b = 0; b < batches; b++) {
      chipwebBest = Math.min(chipwebBest, (await time('runChipweb', chipwebRounds)) / chipwebRounds);
      walkBest = Math.min(walkBest, (await time('runChipwebWalk', walkRounds)) / walkRounds);
      regexpBest = Math.min(regexpBest, (await time('runRegExp', regexpRounds)) / regexpRounds);
    }
    const chipwebPerSecond = (requests.length * 1000) / chipwebBest;
    const walkPerSecond = (requests.length * 1000) / walkBest;
    const regexpPerSecond = (requests.length * 1000) / regexpBest;

    const noop = new Uint8Array([110]);
    const chipwebSlots = await slotsPerCommand(worker, new Uint8Array([99]), noop);
    const walkSlots = await slotsPerCommand(worker, new Uint8Array([119]), noop);
    const regexpSlots = await slotsPerCommand(worker, new Uint8Array([114]), noop);
    return {
      set,
      routes: routes.length,
      tableBytes,
      matcherSourceBytes: generated.length,
      matcherMinifiedBytes: matcherSource.length,
      matcherXsBytes,
      chipwebPerSecond,
      walkPerSecond,
      regexpPerSecond,
      ratio: chipwebPerSecond / regexpPerSecond,
      walkRatio: walkPerSecond / regexpPerSecond,
      chipwebSlotsPerPass: chipwebSlots.slots,
      walkSlotsPerPass: walkSlots.slots,
      regexpSlotsPerPass: regexpSlots.slots,
      mismatches,
    };
  } finally {
    await worker.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchRouterOnXs(process.argv[2] ?? 'github');
  console.log(figures);
}
