/**
 * A/B timing of matcher variants on XS: `npx tsx bench/xs-router-ab.ts [set] [batches]`
 * prints the working matcher's speed relative to bench/xs-router-baseline.ts
 * (a frozen copy of match.ts; refresh it with `git show REV:src/router/match.ts`
 * and its imports pointed at the baseline copies), best of interleaved ~100 ms
 * batches, and what the benchmark loop and methodCode cost alone.
 */
import { join } from 'node:path';
import { XsWorker } from '../host-sim/xs/worker.ts';
import { bundleForXs, REPO_ROOT } from '../host-sim/xs/bundle.ts';
import { loadRouteSet } from './xs-router.ts';

const set = process.argv[2] ?? 'github';
const batches = Number(process.argv[3] ?? 20);
const { routes, requests } = loadRouteSet(set);
const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-router-ab-entry.ts'));
const worker = await XsWorker.start();
try {
  await worker.evaluate(code);
  const bytes = await worker.evaluateJson<number>(`abBench.setup(${JSON.stringify(routes)}, ${JSON.stringify(requests)})`);
  const bad = await worker.evaluateJson<number>('abBench.check()');
  const time = async (fn: string, rounds: number) => {
    const { reply } = await worker.evaluate(`abBench.${fn}(${rounds})`);
    return new Float64Array(reply.slice().buffer)[0];
  };
  const rounds = 30;
  let bestNew = Infinity;
  let bestBase = Infinity;
  let bestStub = Infinity;
  let bestCode = Infinity;
  for (let b = 0; b < batches; b++) {
    if (b % 4 === 0) bestStub = Math.min(bestStub, (await time('runStub', rounds)) / rounds);
    if (b % 4 === 2) bestCode = Math.min(bestCode, (await time('runCode', rounds)) / rounds);
    bestBase = Math.min(bestBase, (await time('runBase', rounds)) / rounds);
    bestNew = Math.min(bestNew, (await time('runNew', rounds)) / rounds);
  }
  const perSec = (ms: number) => Math.round((requests.length * 1000) / ms);
  console.log(`table ${bytes} B, mismatches ${bad}; base ${perSec(bestBase)}/s, new ${perSec(bestNew)}/s, new/base ${(bestBase / bestNew).toFixed(3)}; ` +
    `per lookup: base ${((bestBase * 1e6) / requests.length).toFixed(0)} ns, new ${((bestNew * 1e6) / requests.length).toFixed(0)} ns, ` +
    `harness+calls ${((bestStub * 1e6) / requests.length).toFixed(0)} ns, ` +
    `with methodCode ${((bestCode * 1e6) / requests.length).toFixed(0)} ns`);
} finally {
  await worker.close();
}
