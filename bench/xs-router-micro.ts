/**
 * Times single XS operations: `npx tsx bench/xs-router-micro.ts empty read read2 blockLet noLet call11 call3 compare24`
 * (best of 8 rounds, ns per operation).
 */
import { join } from 'node:path';
import { XsWorker } from '../host-sim/xs/worker.ts';
import { bundleForXs, REPO_ROOT } from '../host-sim/xs/bundle.ts';
const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-router-micro-entry.ts'));
const w = await XsWorker.start();
await w.evaluate(code);
const names = process.argv.slice(2);
const best: Record<string, number> = {};
for (let r = 0; r < 8; r++)
  for (const n of names) {
    const v = await w.evaluateJson<number>(`micro(${JSON.stringify(n)}, 300000)`);
    best[n] = Math.min(best[n] ?? Infinity, v);
  }
console.log(
  Object.entries(best)
    .map(([k, v]) => `${k} ${v.toFixed(1)}ns`)
    .join(', '),
);
await w.close();
