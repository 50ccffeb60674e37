/**
 * npm run soak [-- requests connections]: 100,000 keep-alive requests
 * (default) through the simulator on real sockets, over a few long-lived
 * connections, with the V8 heap measured after a forced GC before and after
 * (node --expose-gc), and the pool's counters checked at the end.
 *
 * The load is a mix of the framework's own paths: a static route, a param
 * route with a query, a POST with a body, 404, and an async handler behind
 * the logger, recovery and rate-limit middleware. The client is a minimal
 * raw-socket pipeline-of-one loop in the same process, so that the heap
 * figures are not dominated by an HTTP client library.
 *
 * Never: measure without a GC first; never pass when a slot, an error or
 * heap growth proportional to the request count is left behind.
 */
import * as net from 'node:net';
import { simulate } from '../host-sim/index.ts';
import { App } from '../src/index.ts';
import { logger, rateLimit, recovery } from '../src/middleware/index.ts';

const total = Number(process.argv[2] ?? 100000);
const connections = Number(process.argv[3] ?? 8);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc (npm run soak does)');
  process.exit(2);
}

const app = new App();
const log = logger({ size: 32 });
app.use(log, recovery(), rateLimit({ rate: 1e9, burst: 1e9 }));
app.get('/', (c) => c.text('hello'));
app.get('/users/:id', (c) => c.text(c.param('id') + (c.query('x') ?? '')));
app.post('/echo', (c) => c.send(c.body(), 'application/octet-stream'));
app.get('/async', async (c) => {
  await Promise.resolve();
  c.text('later');
});

const REQUESTS = [
  'GET / HTTP/1.1\r\nHost: d\r\n\r\n',
  'GET /users/42?x=1 HTTP/1.1\r\nHost: d\r\nAccept: */*\r\n\r\n',
  'POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\nhello',
  'GET /nope HTTP/1.1\r\nHost: d\r\n\r\n',
  'GET /async HTTP/1.1\r\nHost: d\r\n\r\n',
].map((s) => Buffer.from(s, 'latin1'));

const sim = await simulate(app, { port: 0, slots: connections, idleTimeout: 60000, log: () => {} });

/** Sends `count` requests one after another on one connection; resolves with the number of complete responses. */
function client(count: number, offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(sim.port, '127.0.0.1');
    let sent = 0;
    let answered = 0;
    let pending = '';
    const next = () => {
      if (sent === count) {
        socket.end();
        return;
      }
      socket.write(REQUESTS[(sent + offset) % REQUESTS.length]);
      sent++;
    };
    socket.on('connect', next);
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const m = /content-length: (\d+)/i.exec(pending.slice(0, headEnd));
        const length = m ? Number(m[1]) : 0;
        if (pending.length < headEnd + 4 + length) return;
        if (!pending.startsWith('HTTP/1.1 200') && !pending.startsWith('HTTP/1.1 404'))
          return reject(new Error('unexpected response ' + pending.slice(0, 40)));
        pending = pending.slice(headEnd + 4 + length);
        answered++;
        next();
      }
    });
    socket.on('close', () => resolve(answered));
    socket.on('error', reject);
  });
}

async function run(count: number): Promise<number> {
  const per = Math.floor(count / connections);
  const results = await Promise.all(
    Array.from({ length: connections }, (_, i) => client(i === 0 ? count - per * (connections - 1) : per, i)),
  );
  return results.reduce((a, b) => a + b, 0);
}

function heap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

const settle = () => new Promise((r) => setTimeout(r, 200));
await run(5000); // warm-up: JIT, the pool's pages, the logger's ring
await settle();
const before = heap();
const statsBefore = { ...sim.stats(), responses: sim.stats().responses.slice() };
const started = performance.now();
const half = Math.floor(total / 2);
let answered = await run(half);
let seconds = (performance.now() - started) / 1000;
await settle();
const middle = heap();
const resumed = performance.now();
answered += await run(total - half);
seconds += (performance.now() - resumed) / 1000;
await settle();
const after = heap();
const s = sim.stats();
const requests = s.requests - statsBefore.requests;
const delta = after - before;
console.log(
  `soak: ${answered} responses to ${total} keep-alive requests on ${connections} connections in ${seconds.toFixed(1)} s (${Math.round(answered / seconds)} req/s)`,
);
const secondHalf = after - middle;
console.log(
  `heap after GC: before ${(before / 1024).toFixed(0)} KiB, after ${half} requests ${(middle / 1024).toFixed(0)} KiB, after ${total} ${(after / 1024).toFixed(0)} KiB`,
);
console.log(
  `heap delta: whole run ${(delta / 1024).toFixed(1)} KiB (${(delta / total).toFixed(3)} B/request), second half ${(secondHalf / 1024).toFixed(1)} KiB (${(secondHalf / (total - half)).toFixed(3)} B/request)`,
);
console.log(
  `server: requests ${requests}, 2xx ${s.responses[2] - statsBefore.responses[2]}, 4xx ${s.responses[4] - statsBefore.responses[4]}, 5xx ${s.responses[5] - statsBefore.responses[5]}, errors ${s.errors}, timeouts ${s.timeouts}, rejected ${s.rejected}, evicted ${s.evicted}`,
);
console.log(
  `pool: slots ${s.slots}, in use ${s.slotsInUse}, high water ${s.slotsHighWater}; logger holds ${log.count} of ${log.total} requests`,
);
await sim.close(100);
const failures: string[] = [];
if (answered !== total) failures.push(`${total - answered} requests unanswered`);
if (requests !== total) failures.push(`server counted ${requests} requests`);
if (s.slotsInUse !== 0) failures.push(`${s.slotsInUse} slots still in use`);
if (s.errors !== 0 || s.responses[5] !== statsBefore.responses[5]) failures.push('errors or 5xx answers');
// One-off costs (new sockets, JIT code) land in the first half; a leak of even
// 4 bytes per request would add 200 kB in the second half. Allow noise below that.
if (secondHalf > 128 * 1024)
  failures.push(`heap grew by ${(secondHalf / 1024).toFixed(0)} KiB over the second ${total - half} requests`);
if (failures.length > 0) {
  console.log('FAIL: ' + failures.join('; '));
  process.exit(1);
}
console.log('ok: every request answered, no slot or error left behind, heap flat');
