/**
 * npm run fuzz -- [count] [seed]: the hostile-input fuzz harness of
 * test/hostile, run for `count` scenarios (default 10,000), with a summary
 * of what was sent and answered. Exits non-zero with the shrunk
 * counterexample when an invariant fails.
 *
 * Never: share state between scenarios (each gets a fresh server).
 */
import { fuzz, newTally } from '../test/hostile/fuzz-harness.ts';

const count = Number(process.argv[2] ?? 10000);
const seed = process.argv[3] !== undefined ? Number(process.argv[3]) : Date.now() % 2147483647;
if (!(count > 0)) {
  console.error('usage: npm run fuzz -- [count] [seed]');
  process.exit(2);
}
const tally = newTally();
const started = performance.now();
console.log(`fuzz: ${count} scenarios, seed ${seed}`);
try {
  await fuzz(count, seed, tally);
} catch (error) {
  console.error(String((error as Error).message ?? error));
  process.exit(1);
}
const seconds = (performance.now() - started) / 1000;
const statuses = Object.keys(tally.byStatus)
  .sort()
  .map((k) => `${k}:${tally.byStatus[Number(k)]}`)
  .join(' ');
console.log(
  `ok: ${tally.scenarios} scenarios, ${tally.connections} connections (${tally.dropped} dropped by the client), ${tally.bytes} bytes sent, ${tally.responses} complete responses in ${seconds.toFixed(1)} s`,
);
console.log(`statuses: ${statuses}`);
console.log(
  'every connection ended closed with well-formed responses; every slot and spare context came back; the server answered afterwards',
);
