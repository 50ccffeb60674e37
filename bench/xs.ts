/**
 * `npm run bench:xs`: chipweb on the real XS engine (xsnap's build of
 * Moddable's XS). Prints, in one run:
 *   - heap slots one request leaves behind after warm-up and gc(), per case,
 *     stage by stage (parse only, parse + route, full request), and the
 *     steps of the path one at a time, so a missed target shows its source;
 *   - live heap after 10,000 (and 20,000) requests against after warm-up;
 *   - router lookups per second on XS for the GitHub set, chipweb (generated
 *     matcher and table walk) against a linear RegExp router, in the same run;
 *   - the WebSocket protocol layer (bench/xs-ws.ts): heap slots per
 *     handshake and per echoed frame, live heap after 10,000 frames, and
 *     time per handshake and per frame on XS; then the echo through the
 *     real server (app.ws): slots per frame and per connection, live heap
 *     after 10,000 frames;
 *   - the size of the core's bundle (minified ESM, as the board gets it).
 * `--json` prints the figures as JSON instead.
 *
 * Never: assert; this is a measurement, not a test (test/xs/ holds those).
 */
import { cpus } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundle } from '../toolchain/bundle.ts';
import { REPO_ROOT } from '../host-sim/xs/bundle.ts';
import { xsnapWorkerPath } from '../host-sim/xs/worker.ts';
import { execFileSync } from 'node:child_process';
import { benchHeapOnXs } from './xs-heap.ts';
import type { HeapFigures } from './xs-heap.ts';
import { benchRouterOnXs } from './xs-router.ts';
import type { RouterFigures } from './xs-router.ts';
import { benchWsOnXs, printWs } from './xs-ws.ts';

/** Bytes of the core (src/index.ts) bundled and minified as for the board, and gzipped. */
async function coreBundleSize(): Promise<{ minified: number; gzip: number }> {
  const outfile = join(REPO_ROOT, 'build', 'xs', `core-size-${process.pid}.js`);
  try {
    await bundle({ entry: join(REPO_ROOT, 'src', 'index.ts'), outfile, host: 'moddable', minify: true });
    const code = readFileSync(outfile);
    return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
  } finally {
    rmSync(outfile, { force: true });
  }
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const pad = (text: string | number, width: number) => String(text).padStart(width);

function printHeap(heap: HeapFigures): void {
  console.log('Heap slots one request leaves behind (after warm-up and gc(), no gc in between)');
  console.log('case                               parse  parse+route   full   target');
  for (const c of heap.cases) {
    const per = c.requests > 1 ? ` (${n(c.full / c.requests)}/request)` : '';
    const target = c.ownPath ? (c.full === 0 ? '0  met' : '0  MISSED') : 'handler allocates';
    console.log(`${c.name.padEnd(33)} ${pad(c.parse, 6)} ${pad(c.parseRoute, 12)} ${pad(c.full, 6)}   ${target}${per}`);
  }
  console.log('\nWhere the slots come from: each step alone, same inputs');
  for (const u of heap.units) console.log(`  ${pad(u.slots, 4)}  ${u.name}`);
  const growth1 = heap.afterLive - heap.warmLive;
  const growth2 = heap.afterLive2 - heap.afterLive;
  console.log(
    `\nLive heap (slots, after gc()): warm ${n(heap.warmLive)}, +10,000 requests ${n(heap.afterLive)} (${growth1 >= 0 ? '+' : ''}${growth1}), ` +
      `+10,000 more ${n(heap.afterLive2)} (${growth2 >= 0 ? '+' : ''}${growth2})   target: no growth  ${growth1 <= 0 && growth2 <= 0 ? 'met' : growth2 <= 0 ? 'met after a one-time +' + growth1 : 'MISSED'}`,
  );
  console.log(
    `Server counted ${n(heap.requestsRun)} requests, ${heap.handlerErrors} logged errors; static route on XS: ${n(heap.staticPerSecond)} requests/s (one core, no I/O)`,
  );
  const [first] = heap.bodyTimes;
  console.log(
    'Text body (c.text) time per request on XS: ' +
      heap.bodyTimes
        .map(
          (t) =>
            `${n(t.chars)} chars ${t.ms.toFixed(2)} ms (${(t.ms / t.chars / (first.ms / first.chars)).toFixed(1)}x per char)`,
        )
        .join(', '),
  );
}

function printRouter(router: RouterFigures): void {
  console.log(
    `\nRouter on XS, ${router.set} set (${router.routes} routes, table ${n(router.tableBytes)} bytes), every route looked up in turn:`,
  );
  console.log(
    `  chipweb, generated matcher (board)  ${pad(n(router.chipwebPerSecond), 10)} lookups/s   ${router.chipwebSlotsPerPass} slots per pass`,
  );
  console.log(
    `  chipweb, table walk                 ${pad(n(router.walkPerSecond), 10)} lookups/s   ${router.walkSlotsPerPass} slots per pass`,
  );
  console.log(
    `  linear RegExp router                ${pad(n(router.regexpPerSecond), 10)} lookups/s   ${router.regexpSlotsPerPass} slots per pass`,
  );
  console.log(
    `  ratio ${router.ratio.toFixed(2)}x (table walk ${router.walkRatio.toFixed(2)}x)   target: 5x  ${router.ratio >= 5 ? 'met' : 'MISSED'}` +
      (router.mismatches.chipweb + router.mismatches.walk + router.mismatches.regexp > 0
        ? `   WRONG ROUTES: ${JSON.stringify(router.mismatches)}`
        : ''),
  );
  console.log(
    `  generated matcher: ${n(router.matcherSourceBytes)} bytes of source, ${n(router.matcherMinifiedBytes)} minified (as built and timed here), ${n(router.matcherXsBytes)} bytes in XS (snapshot growth)`,
  );
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const version = execFileSync(xsnapWorkerPath(), ['-v'], { encoding: 'utf8' }).trim();
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs, Node ${process.version}`;
  const heap = await benchHeapOnXs();
  const router = await benchRouterOnXs('github');
  const ws = await benchWsOnXs();
  const size = await coreBundleSize();
  if (json) {
    console.log(
      JSON.stringify(
        { date: new Date().toISOString(), engine: version, machine, heap, router, ws, coreBundle: size },
        null,
        2,
      ),
    );
    return;
  }
  console.log(`chipweb on XS: ${version}; ${machine}; ${new Date().toISOString().slice(0, 10)}\n`);
  printHeap(heap);
  printRouter(router);
  printWs(ws);
  console.log(
    `\nCore bundle (src/index.ts, minified ESM as for the board): ${n(size.minified)} bytes, ${n(size.gzip)} gzipped`,
  );
}

main().catch((error: unknown) => {
  console.error(`bench:xs: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
