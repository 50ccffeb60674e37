/**
 * The fuzz harness shared by `npm test` (a few hundred runs) and
 * `npm run fuzz -- <count>` (as many as asked): fast-check scenarios of
 * several connections sending random bytes, mutated valid requests, at
 * random split points, with random pauses, slow readers and drops, against
 * a small server on the in-memory platform (virtual clock, deterministic).
 *
 * After every scenario it checks: nothing threw out of the server; every
 * connection the client did not drop ended closed by the server, having
 * received only well-formed responses; after the clients leave, every slot
 * and every spare context is free; and the server still answers.
 *
 * Never: use real time or sockets (see real-socket tests for those).
 */
import fc from 'fast-check';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import type { MemoryClient } from '../../host-sim/memory-platform.ts';
import { App, HttpError, Server } from '../../src/index.ts';
import { bodyLimit, cors, logger, recovery, timeout } from '../../src/middleware/index.ts';
import { parseResponses } from './responses.ts';

/** Server options of the fuzz target: tiny pool, short limits, quick timeouts. */
export const FUZZ_SERVER = {
  slots: 3,
  slotSize: 1024,
  outputSize: 256,
  maxRequestLine: 256,
  maxHeaderBytes: 512,
  maxHeaders: 12,
  headerTimeout: 200,
  bodyTimeout: 200,
  idleTimeout: 300,
  writeTimeout: 200,
  tick: 20,
  spareContexts: 2,
};

/** The app under fuzz: every kind of handler the server has a path for. */
export function fuzzApp(): App {
  const app = new App();
  app.use(logger({ size: 8 }), recovery({ log: false }), cors({ origin: ['http://a.test'] }));
  const wait = (c: { env: { platform: { setTimer(cb: () => void, ms: number, r: boolean): unknown } } }, ms: number) =>
    new Promise<void>((resolve) => c.env.platform.setTimer(resolve, ms, false));
  app.get('/', (c) => c.text('hello'));
  app.get('/users/:id', (c) => c.json({ id: c.param('id'), q: c.query('q') ?? null }));
  app.post('/echo', bodyLimit(600), (c) => c.send(c.body(), 'application/octet-stream'));
  app.put('/json', (c) => c.json(c.bodyJson()));
  app.get('/async', async (c) => {
    await wait(c, 10);
    c.text('later');
  });
  app.get('/throw', () => {
    throw new Error('boom');
  });
  app.get('/reject', async (c) => {
    await wait(c, 5);
    throw new HttpError(409, 'conflict');
  });
  app.get('/slow', timeout(50), async (c) => {
    await wait(c, 120);
    c.text('too late');
  });
  app.get('/stream', async (c) => {
    c.stream('text/event-stream');
    for (let i = 0; i < 3; i++) {
      await wait(c, 15);
      c.write('data: ' + i + '\n\n');
    }
    c.end();
  });
  app.get('/big', (c) => c.text('x'.repeat(3000)));
  app.all('/any/*rest', (c) => c.text(c.method + ' ' + c.param('rest')));
  return app;
}

/** Valid requests the mutations start from. */
export const VALID_REQUESTS: string[] = [
  'GET / HTTP/1.1\r\nHost: d\r\n\r\n',
  'GET /users/42?q=a%20b HTTP/1.1\r\nHost: d\r\nAccept: */*\r\nUser-Agent: fuzz\r\n\r\n',
  'POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 11\r\n\r\nhello world',
  'POST /echo HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nT: 1\r\n\r\n',
  'PUT /json HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n{"a":[1]}',
  'GET /async HTTP/1.1\r\nHost: d\r\n\r\n',
  'GET /throw HTTP/1.1\r\nHost: d\r\n\r\n',
  'GET /reject HTTP/1.1\r\nHost: d\r\n\r\n',
  'GET /slow HTTP/1.1\r\nHost: d\r\n\r\n',
  'GET /stream HTTP/1.1\r\nHost: d\r\n\r\n',
  'GET /big HTTP/1.1\r\nHost: d\r\n\r\n',
  'DELETE /any/x/y HTTP/1.1\r\nHost: d\r\n\r\n',
  'OPTIONS /any/z HTTP/1.1\r\nHost: d\r\nOrigin: http://a.test\r\nAccess-Control-Request-Method: PUT\r\n\r\n',
  'GET / HTTP/1.0\r\n\r\n',
  'GET /users/1 HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n',
  'GET /nope HTTP/1.1\r\nHost: d\r\n\r\n',
  'PATCH / HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n',
];

const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0) & 255);
const INTERESTING = latin1('\r\n :;/?%0123456789-+\t\0\x7f\xffGETHOSTContent-LengthTransfer-Encodingchunked');

/** One byte-level mutation. */
type Mutation = { op: number; pos: number; value: number; len: number };

function mutate(source: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = Array.from(source);
  for (const m of mutations) {
    const pos = b.length === 0 ? 0 : m.pos % (b.length + 1);
    const byte = m.value < 256 ? m.value : INTERESTING[m.value % INTERESTING.length];
    switch (m.op) {
      case 0:
        b[pos % Math.max(b.length, 1)] = byte;
        break; // replace
      case 1:
        b.splice(pos, 0, byte);
        break; // insert
      case 2:
        b.splice(pos, m.len);
        break; // delete a range
      case 3:
        b.splice(pos, 0, ...b.slice(pos, pos + m.len));
        break; // duplicate a range
      case 4:
        b.splice(pos, 0, 13, 10);
        break; // insert CRLF
      case 5:
        b.splice(pos, 0, ...Array.from(latin1(String(m.value * 99991))));
        break; // insert a number
      default:
        b = b.slice(0, pos); // truncate
    }
  }
  return Uint8Array.from(b.slice(0, 4096));
}

/** What one connection does. */
export interface ConnPlan {
  /** The bytes it sends, in order. */
  payload: Uint8Array;
  /** Sizes of the pieces it sends them in (cycled). */
  splits: number[];
  /** Virtual milliseconds to wait before each piece (cycled). */
  pauses: number[];
  /** Drop the connection after this many pieces (-1: never). */
  dropAfter: number;
  /** 0: read everything at once; n > 0: read at most n bytes per step (a slow reader). */
  readBytes: number;
  /** Client address (a few, so per-address tables see more than one). */
  address: number;
}

/** A scenario: several connections, and the order their steps interleave in. */
export interface Scenario {
  conns: ConnPlan[];
  order: number[];
  /** ServerOptions.chainNesting: 0 (every handler nested, as on XS) or 1 and 2 (promise jobs, as on Espruino). */
  chainNesting: number;
}

const arbPayloadRandom = fc.uint8Array({ maxLength: 700 });
const arbPayloadValid = fc
  .array(fc.integer({ min: 0, max: VALID_REQUESTS.length - 1 }), { minLength: 1, maxLength: 4 })
  .map((ids) => latin1(ids.map((i) => VALID_REQUESTS[i]).join('')));
const arbMutation = fc.record({
  op: fc.integer({ min: 0, max: 6 }),
  pos: fc.nat(4000),
  value: fc.nat(400),
  len: fc.integer({ min: 1, max: 40 }),
});
const arbPayloadMutated = fc
  .tuple(arbPayloadValid, fc.array(arbMutation, { minLength: 1, maxLength: 5 }))
  .map(([b, m]) => mutate(b, m));

/** Requests at and beyond the limits: long targets, many or long headers, large bodies. */
const arbPayloadLarge = fc
  .record({
    path: fc.integer({ min: 1, max: 400 }),
    headers: fc.integer({ min: 0, max: 20 }),
    headerLength: fc.integer({ min: 1, max: 120 }),
    body: fc.integer({ min: 0, max: 1200 }),
    method: fc.constantFrom('GET', 'POST'),
  })
  .map(({ path, headers, headerLength, body, method }) => {
    let s = `${method} /any/${'p'.repeat(path)} HTTP/1.1\r\nHost: d\r\n`;
    for (let i = 0; i < headers; i++) s += `X-H${i}: ${'v'.repeat(headerLength)}\r\n`;
    s += method === 'POST' ? `Content-Length: ${body}\r\n\r\n${'b'.repeat(body)}` : '\r\n';
    return latin1(s);
  });

/** The kinds of payload: random bytes, valid requests, mutated valid requests, oversized requests. */
export const arbPayload = fc.oneof(
  { arbitrary: arbPayloadRandom, weight: 1 },
  { arbitrary: arbPayloadValid, weight: 2 },
  { arbitrary: arbPayloadMutated, weight: 4 },
  { arbitrary: arbPayloadLarge, weight: 1 },
);

const arbConn = fc.record({
  payload: arbPayload,
  splits: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
  pauses: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 250 })), { minLength: 1, maxLength: 4 }),
  dropAfter: fc.oneof(
    { arbitrary: fc.constant(-1), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 8 }), weight: 1 },
  ),
  readBytes: fc.oneof(
    { arbitrary: fc.constant(0), weight: 4 },
    { arbitrary: fc.integer({ min: 1, max: 400 }), weight: 1 },
  ),
  address: fc.integer({ min: 1, max: 3 }),
});

/** Scenarios of 1 to 6 connections (more than the 3 slots, so overflow is exercised). */
export const arbScenario: fc.Arbitrary<Scenario> = fc.record({
  conns: fc.array(arbConn, { minLength: 1, maxLength: 6 }),
  order: fc.array(fc.nat(5), { minLength: 10, maxLength: 60 }),
  chainNesting: fc.constantFrom(0, 1, 2),
});

async function settle(): Promise<void> {
  for (let i = 0; i < 12; i++) await Promise.resolve();
}

/** Counters across runs, for the fuzz script's summary. */
export interface FuzzTally {
  scenarios: number;
  connections: number;
  bytes: number;
  responses: number;
  byStatus: { [status: number]: number };
  dropped: number;
}

/** A new empty tally. */
export function newTally(): FuzzTally {
  return { scenarios: 0, connections: 0, bytes: 0, responses: 0, byStatus: {}, dropped: 0 };
}

/**
 * Runs one scenario on a fresh server and throws (with a reason) when an
 * invariant fails. Unhandled rejections during the run count as failures.
 */
export async function runScenario(scenario: Scenario, tally?: FuzzTally): Promise<void> {
  const platform = new MemoryPlatform({ sendBufferSize: 1024 });
  const server = new Server(fuzzApp(), platform, { ...FUZZ_SERVER, chainNesting: scenario.chainNesting });
  await server.start();
  const n = scenario.conns.length;
  const clients: (MemoryClient | null)[] = new Array(n).fill(null);
  const sentPieces = new Array(n).fill(0);
  const sentBytes = new Array(n).fill(0);
  const received: string[] = new Array(n).fill('');
  const dropped: boolean[] = new Array(n).fill(false);

  const read = (i: number) => {
    const client = clients[i]!;
    const plan = scenario.conns[i];
    if (plan.readBytes === 0) received[i] += client.takeText();
    else {
      const part = client.takeSome(plan.readBytes);
      for (let k = 0; k < part.length; k++) received[i] += String.fromCharCode(part[k]);
    }
  };

  /** Full readers read whatever arrived (a client that reads promptly must never be cut short). */
  const readPrompt = () => {
    for (let i = 0; i < n; i++) if (clients[i] !== null && !dropped[i] && scenario.conns[i].readBytes === 0) read(i);
  };
  /** Moves the clock in small steps, letting handlers run and prompt readers read. */
  const pass = async (ms: number) => {
    while (ms > 0) {
      const d = ms < 10 ? ms : 10;
      platform.advance(d);
      ms -= d;
      await settle();
      readPrompt();
    }
  };

  const step = async (i: number) => {
    const plan = scenario.conns[i];
    if (dropped[i]) return;
    if (clients[i] === null) {
      clients[i] = platform.connect('10.0.0.' + plan.address, false);
      await settle();
      return;
    }
    const client = clients[i]!;
    if (plan.dropAfter >= 0 && sentPieces[i] >= plan.dropAfter) {
      read(i);
      client.end();
      dropped[i] = true;
      return;
    }
    await pass(plan.pauses[sentPieces[i] % plan.pauses.length]);
    if (sentBytes[i] < plan.payload.length) {
      const size = plan.splits[sentPieces[i] % plan.splits.length];
      const piece = plan.payload.subarray(sentBytes[i], Math.min(plan.payload.length, sentBytes[i] + size));
      client.send(piece);
      sentBytes[i] += piece.length;
      sentPieces[i]++;
      await settle();
    }
    read(i);
    readPrompt();
  };

  for (const k of scenario.order) await step(k % n);
  for (let i = 0; i < n; i++)
    while (clients[i] === null || (!dropped[i] && sentBytes[i] < scenario.conns[i].payload.length)) await step(i);
  // Let every timeout, stream and late handler run out; keep reading so slow readers finish.
  for (let t = 0; t < 40; t++) {
    await pass(50);
    for (let i = 0; i < n; i++) if (!dropped[i]) read(i);
  }
  for (let i = 0; i < n; i++) {
    if (dropped[i]) continue;
    const client = clients[i]!;
    received[i] += client.takeText();
    if (!client.closed)
      throw new Error(`connection ${i} still open after every timeout: ${JSON.stringify(received[i].slice(-200))}`);
    let parsed: ReturnType<typeof parseResponses>;
    try {
      // A write timeout may cut a response short only for a slow reader.
      parsed = parseResponses(received[i], scenario.conns[i].readBytes > 0);
    } catch (error) {
      throw new Error(
        `connection ${i}: ${(error as Error).message}\nsent: ${JSON.stringify(String.fromCharCode(...scenario.conns[i].payload.subarray(0, sentBytes[i])).slice(0, 400))}\ngot: ${JSON.stringify(received[i].slice(0, 600))}`,
      );
    }
    if (tally) {
      tally.responses += parsed.responses.length;
      for (const r of parsed.responses) tally.byStatus[r.status] = (tally.byStatus[r.status] ?? 0) + 1;
    }
  }
  for (let i = 0; i < n; i++) clients[i]?.end();
  platform.advance(1000);
  await settle();
  const stats = server.stats();
  if (stats.slotsInUse !== 0) throw new Error(`${stats.slotsInUse} slots still in use after every client left`);
  // Spares are made at the first abandoned chains: every one made must be back.
  const engine = (server as unknown as { engine: { spareCount: number; sparesMade: number } }).engine;
  if (engine.spareCount !== engine.sparesMade)
    throw new Error(`${engine.sparesMade - engine.spareCount} spare contexts not returned`);
  // Still serving.
  const probe = platform.connect();
  probe.send('GET / HTTP/1.1\r\nHost: d\r\n\r\n');
  await settle();
  const answer = probe.takeText();
  if (!answer.startsWith('HTTP/1.1 200 OK\r\n') || !answer.endsWith('hello'))
    throw new Error(`server no longer answers: ${JSON.stringify(answer)}`);
  probe.end();
  if (server.stats().slotsInUse !== 0) throw new Error('probe slot not freed');
  if (tally) {
    tally.scenarios++;
    tally.connections += n;
    for (let i = 0; i < n; i++) {
      tally.bytes += sentBytes[i];
      if (dropped[i]) tally.dropped++;
    }
  }
}

/** Runs `count` scenarios through fast-check (shrinking on failure). */
export async function fuzz(count: number, seed?: number, tally?: FuzzTally): Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await fc.assert(
      fc.asyncProperty(arbScenario, async (scenario) => {
        await runScenario(scenario, tally);
        if (unhandled.length > 0) throw new Error(`unhandled rejection: ${String(unhandled[0])}`);
      }),
      { numRuns: count, seed, endOnFailure: false },
    );
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}
