/**
 * Heap slots per request on XS: after warm-up and gc(), how many slots one
 * request leaves behind (no collection in between) for each case, stage by
 * stage (parse only, parse + route, full request), the steps of the path
 * one at a time, and the live heap after 10,000 requests against after
 * warm-up. XS side: bench/xs-heap-entry.ts.
 *
 * Used by bench/xs.ts (`npm run bench:xs`). Never: time anything here
 * except inside XS.
 */
import { join } from 'node:path';
import { XsWorker } from '../host-sim/xs/worker.ts';
import { bundleForXs, REPO_ROOT } from '../host-sim/xs/bundle.ts';
import { slotsPerCommand } from '../host-sim/xs/measure.ts';

const HEADERS = 'Host: device.local\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n';
const get = (path: string) => `GET ${path} HTTP/1.1\r\n${HEADERS}\r\n`;

/** One measured case: its requests (several = one pipelined delivery) and the status each must get. */
export interface HeapCase {
  name: string;
  requests: string[];
  status: number;
  /** Part of the framework's own path (target: 0 slots); false when the handler allocates by design. */
  ownPath: boolean;
}

/** The cases of the heap benchmark. */
export const HEAP_CASES: HeapCase[] = [
  { name: 'static text route', requests: [get('/')], status: 200, ownPath: true },
  { name: 'param route', requests: [get('/users/42')], status: 200, ownPath: true },
  { name: '404', requests: [get('/nope')], status: 404, ownPath: true },
  { name: '405', requests: [`POST / HTTP/1.1\r\n${HEADERS}Content-Length: 0\r\n\r\n`], status: 405, ownPath: true },
  {
    name: 'keep-alive batch, 8 pipelined',
    requests: Array.from({ length: 8 }, () => get('/')),
    status: 200,
    ownPath: true,
  },
  { name: 'JSON route', requests: [get('/api/status')], status: 200, ownPath: false },
];

/** Slots per stage for one case (for a batch: the whole batch). */
export interface CaseFigures {
  name: string;
  requests: number;
  ownPath: boolean;
  parse: number;
  parseRoute: number;
  full: number;
  /** The status line(s) the server answered with, checked against the case. */
  statusLine: string;
}

/** Everything the heap benchmark measured. */
export interface HeapFigures {
  cases: CaseFigures[];
  units: { name: string; slots: number }[];
  /** Live slots after warm-up and gc(). */
  warmLive: number;
  /** Live slots after 10,000 more requests and gc(). */
  afterLive: number;
  /** Live slots after yet another 10,000 requests and gc() (shows whether any growth repeats). */
  afterLive2: number;
  requestsRun: number;
  staticPerSecond: number;
  /** Time per request on XS for text bodies of growing length. */
  bodyTimes: { chars: number; ms: number }[];
  handlerErrors: number;
}

const WARM_UP = 50;
const MANY = 10000;

/** Runs the heap benchmark in a fresh XS worker. */
export async function benchHeapOnXs(): Promise<HeapFigures> {
  const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-heap-entry.ts'));
  const worker = await XsWorker.start();
  try {
    await worker.evaluate(code);
    await worker.evaluate(`heapBench.setup(${JSON.stringify(HEAP_CASES.map((c) => c.requests))})`);
    const noop = new Uint8Array([110, 0]);

    // Warm up every path, and check each case gets the answer it should.
    const statusLines: string[] = [];
    for (let i = 0; i < HEAP_CASES.length; i++) {
      for (let k = 0; k < WARM_UP; k++) await worker.command(new Uint8Array([102, i]));
      for (const op of [112, 114]) await worker.command(new Uint8Array([op, i]));
      const text = await worker.evaluateJson<string>('heapBench.response()');
      const lines = text.match(/HTTP\/1\.1 \d{3} [^\r]*/g) ?? [];
      const c = HEAP_CASES[i];
      if (lines.length !== c.requests.length || !lines.every((line) => line.startsWith(`HTTP/1.1 ${c.status} `))) {
        throw new Error(
          `heap bench: case '${c.name}' answered ${JSON.stringify(lines)}, expected ${c.requests.length} x ${c.status}`,
        );
      }
      statusLines.push(lines[0] ?? '');
    }

    const cases: CaseFigures[] = [];
    for (let i = 0; i < HEAP_CASES.length; i++) {
      const stage = async (op: number) => (await slotsPerCommand(worker, new Uint8Array([op, i]), noop)).slots;
      cases.push({
        name: HEAP_CASES[i].name,
        requests: HEAP_CASES[i].requests.length,
        ownPath: HEAP_CASES[i].ownPath,
        parse: await stage(112),
        parseRoute: await stage(114),
        full: await stage(102),
        statusLine: statusLines[i],
      });
    }

    const unitNames = await worker.evaluateJson<string[]>('heapBench.units()');
    const units: { name: string; slots: number }[] = [];
    for (let u = 0; u < unitNames.length; u++) {
      for (let k = 0; k < 3; k++) await worker.command(new Uint8Array([117, u]));
      units.push({ name: unitNames[u], slots: (await slotsPerCommand(worker, new Uint8Array([117, u]), noop)).slots });
    }

    // Live heap after 10,000 more requests (every case in turn) against after warm-up, both after gc().
    const many = (count: number) =>
      worker.command(new Uint8Array([109, 0, count & 255, (count >> 8) & 255, count >> 16]));
    const collect = async () => (await worker.command(new Uint8Array([103, 0]))).heapCount;
    await many(WARM_UP * HEAP_CASES.length);
    const warmLive = await collect();
    await many(MANY);
    const afterLive = await collect();
    await many(MANY);
    const afterLive2 = await collect();
    const stats = await worker.evaluateJson<{ requests: number }>('heapBench.stats()');
    const staticPerSecond = await worker.evaluateJson<number>('heapBench.throughput(0, 5000)');
    const bodyTimes = await worker.evaluateJson<{ chars: number; ms: number }[]>('heapBench.bodyTimes()');
    const handlerErrors = await worker.evaluateJson<number>('heapBench.logged()');
    return {
      cases,
      units,
      warmLive,
      afterLive,
      afterLive2,
      requestsRun: stats.requests,
      staticPerSecond,
      bodyTimes,
      handlerErrors,
    };
  } finally {
    await worker.close();
  }
}
