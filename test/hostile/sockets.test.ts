/**
 * Hostile clients over real sockets on 127.0.0.1 (the Node platform):
 * slowloris, connection storms far above the slot count, clients that
 * vanish mid-request, mid-body, mid-response and during a handler, and a
 * brief fuzz run. Counts and times are bounded so the file runs in a few
 * seconds; the assertions are about answers and the pool, never timing.
 *
 * Never: connect anywhere but 127.0.0.1.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import * as net from 'node:net';
import { simulate } from '../../host-sim/index.ts';
import type { Simulation, SimulateOptions } from '../../host-sim/index.ts';
import { App } from '../../src/index.ts';
import { recovery } from '../../src/middleware/index.ts';
import { arbPayload } from './fuzz-harness.ts';
import { parseResponses } from './responses.ts';
import { until } from '../support/until.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hostileApp(): App {
  const app = new App();
  app.use(recovery({ log: false }));
  app.get('/', (c) => c.text('hello'));
  app.get('/big', (c) => c.text('y'.repeat(200000)));
  app.get('/async', async (c) => {
    await sleep(100);
    c.text('later');
  });
  app.post('/echo', (c) => c.send(c.body(), 'application/octet-stream'));
  app.all('/any/*rest', (c) => c.text('any'));
  return app;
}

async function start(options: SimulateOptions): Promise<Simulation> {
  return simulate(hostileApp(), { port: 0, log: () => {}, ...options });
}

/** Waits until every slot is free (or gives up after ~3 s and reports what is left). */
async function drained(sim: Simulation): Promise<number> {
  for (let i = 0; i < 150 && sim.stats().slotsInUse > 0; i++) await sleep(20);
  return sim.stats().slotsInUse;
}

interface Outcome {
  text: string;
  closed: boolean;
  error: string | null;
}

/**
 * Opens a connection, sends `pieces` (pausing `gap` ms between them), and
 * collects what comes back until the server closes or `wait` ms of quiet
 * after the last piece. `dropAfter` destroys the socket after that many pieces.
 */
function converse(
  port: number,
  pieces: Buffer[],
  options: { gap?: number; wait?: number; dropAfter?: number } = {},
): Promise<Outcome> {
  const gap = options.gap ?? 0;
  const wait = options.wait ?? 1500;
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    let timer: NodeJS.Timeout | null = null;
    const finish = (closed: boolean, error: string | null) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, error });
    };
    const quiet = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => finish(false, null), wait);
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      quiet();
    });
    socket.on('close', () => finish(true, null));
    socket.on('error', (e) => finish(true, (e as NodeJS.ErrnoException).code ?? String(e)));
    socket.on('connect', async () => {
      for (let i = 0; i < pieces.length; i++) {
        if (done) return;
        if (options.dropAfter !== undefined && i >= options.dropAfter) return finish(true, 'dropped');
        if (i > 0 && gap > 0) await sleep(gap);
        if (done || socket.destroyed) return;
        socket.write(pieces[i]);
      }
      if (options.dropAfter !== undefined && pieces.length >= options.dropAfter) return finish(true, 'dropped');
      quiet();
    });
  });
}

const GET = (path: string, extra = '') => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: d\r\n${extra}\r\n`, 'latin1');

describe('hostile: real sockets', function () {
  this.timeout(20000);

  it('slowloris: normal requests are answered meanwhile; the slow heads get 408; every slot comes back', async () => {
    const sim = await start({ slots: 8, headerTimeout: 600, idleTimeout: 300, tick: 50 });
    try {
      const head = Buffer.from(
        'GET / HTTP/1.1\r\nHost: d\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n',
        'latin1',
      );
      const bytes = Array.from(head, (b) => Buffer.from([b]));
      const attackers = Array.from({ length: 5 }, () => converse(sim.port, bytes, { gap: 25, wait: 300 }));
      await until(() => sim.stats().slotsInUse >= 5, 'the attackers holding 5 slots');
      const normal: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await fetch(sim.url + '/');
        normal.push(`${r.status} ${await r.text()}`);
      }
      expect(normal).to.deep.equal(Array(20).fill('200 hello'));
      const results = await Promise.all(attackers);
      for (const r of results) {
        expect(r.text.startsWith('HTTP/1.1 408 Request Timeout\r\n'), r.text).to.equal(true);
        expect(r.closed).to.equal(true);
      }
      expect(sim.stats().timeouts).to.be.at.least(5);
      expect(await drained(sim)).to.equal(0);
    } finally {
      await sim.close(100);
    }
  });

  it('slowloris with more attackers than slots: the slowest heads are evicted (408) so normal requests get through', async () => {
    const sim = await start({ slots: 4, headerTimeout: 2000, idleTimeout: 300, tick: 50 });
    try {
      const bytes = Array.from(
        Buffer.from(
          'GET / HTTP/1.1\r\nHost: d\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n',
          'latin1',
        ),
        (b) => Buffer.from([b]),
      );
      // Those that wait in the queue get a slot when an older head is evicted,
      // and their own 408 later: they listen long enough to hear it.
      const attackers = Array.from({ length: 8 }, () => converse(sim.port, bytes, { gap: 30, wait: 2500 }));
      // Once the heads are past the eviction age (half the header timeout, at
      // most 1 s), a newcomer pushes the slowest out: until then it gets 503.
      await until(() => sim.stats().slotsInUse === 4, 'the attackers holding every slot');
      const newcomer = () => converse(sim.port, [GET('/', 'Connection: close\r\n')], { wait: 500 });
      await until(async () => (await newcomer()).text.startsWith('HTTP/1.1 200'), 'a newcomer served', 5000, 100);
      const during: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await newcomer();
        during.push(r.text.slice(0, 12));
      }
      expect(during).to.deep.equal(Array(5).fill('HTTP/1.1 200'));
      const results = await Promise.all(attackers);
      for (const r of results) expect(/^HTTP\/1\.1 (408|503) /.test(r.text), r.text).to.equal(true);
      expect(sim.stats().evicted).to.be.at.least(1);
      expect(await drained(sim)).to.equal(0);
    } finally {
      await sim.close(100);
    }
  });

  it('connection storm of 300 clients on 4 slots: each gets 200 or 503 and a close, nothing hangs, the pool is whole', async () => {
    const sim = await start({ slots: 4 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 300 }, () => converse(sim.port, [GET('/', 'Connection: close\r\n')], { wait: 3000 })),
      );
      const counts: { [k: string]: number } = {};
      for (const o of outcomes) {
        const status = o.error === 'ECONNRESET' && o.text === '' ? 'reset' : o.text.slice(9, 12);
        counts[status] = (counts[status] ?? 0) + 1;
        if (status !== 'reset') {
          const parsed = parseResponses(o.text).responses;
          expect(parsed).to.have.length(1);
          expect([200, 503]).to.include(parsed[0].status);
          if (parsed[0].status === 503) expect(parsed[0].headers['retry-after']).to.equal('1');
        }
        expect(o.closed, JSON.stringify(o)).to.equal(true);
      }
      expect((counts['200'] ?? 0) + (counts['503'] ?? 0) + (counts.reset ?? 0)).to.equal(300);
      expect(counts['200']).to.be.greaterThan(0);
      expect(await drained(sim)).to.equal(0);
      expect((await fetch(sim.url + '/')).status).to.equal(200);
    } finally {
      await sim.close(100);
    }
  });

  it('keep-alive storm: 100 clients holding connections on 8 slots are answered or evicted, never stuck', async () => {
    const sim = await start({ slots: 8 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 100 }, () => converse(sim.port, [GET('/'), GET('/')], { gap: 30, wait: 400 })),
      );
      let answered = 0;
      for (const o of outcomes) {
        const parsed = parseResponses(o.text, true).responses;
        for (const r of parsed) expect([200, 503]).to.include(r.status);
        if (parsed.length > 0) answered++;
      }
      expect(answered).to.be.greaterThan(90);
      expect(sim.stats().evicted + sim.stats().rejected + sim.stats().queued).to.be.greaterThan(0);
      expect(await drained(sim)).to.equal(0);
    } finally {
      await sim.close(100);
    }
  });

  it('clients vanishing mid-request, mid-body, mid-response and during a handler leave no slot behind', async () => {
    const sim = await start({ slots: 6, sendBufferSize: 4096 });
    try {
      const cases: Promise<Outcome>[] = [];
      for (let i = 0; i < 5; i++) {
        cases.push(converse(sim.port, [Buffer.from('GET / HTTP/1.1\r\nHo', 'latin1')], { dropAfter: 1 })); // mid-head
        cases.push(
          converse(
            sim.port,
            [Buffer.from('POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 1000\r\n\r\nabc', 'latin1')],
            { dropAfter: 1 },
          ),
        ); // mid-body
        cases.push(converse(sim.port, [GET('/async')], { dropAfter: 1 })); // during the handler
      }
      await Promise.all(cases);
      // Mid-response: ask for 200 kB, read a little, vanish.
      await new Promise<void>((resolve) => {
        const socket = net.connect(sim.port, '127.0.0.1', () => socket.write(GET('/big')));
        socket.once('data', () => {
          socket.pause();
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
      });
      expect(await drained(sim)).to.equal(0); // once the async handlers finish into closed sockets
      expect((await fetch(sim.url + '/')).status).to.equal(200);
    } finally {
      await sim.close(100);
    }
  });

  it('brief fuzz over real sockets: well-formed answers or a close, and the pool is whole', async () => {
    const sim = await start({
      slots: 4,
      slotSize: 1024,
      outputSize: 512,
      maxRequestLine: 256,
      maxHeaderBytes: 512,
      headerTimeout: 300,
      bodyTimeout: 300,
      idleTimeout: 300,
      tick: 50,
    });
    try {
      const samples = fc.sample(fc.tuple(arbPayload, fc.integer({ min: 1, max: 200 }), fc.boolean()), {
        numRuns: 40,
        seed: 7,
      });
      const outcomes = await Promise.all(
        samples.map(([payload, split, drop]) => {
          const pieces: Buffer[] = [];
          for (let p = 0; p < payload.length; p += split) pieces.push(Buffer.from(payload.subarray(p, p + split)));
          if (pieces.length === 0) pieces.push(Buffer.alloc(0));
          return converse(sim.port, pieces, {
            gap: 5,
            wait: 800,
            dropAfter: drop ? Math.max(1, pieces.length >> 1) : undefined,
          }).then((o) => ({ o, drop }));
        }),
      );
      for (const { o, drop } of outcomes) {
        if (drop) continue;
        parseResponses(o.text, o.error !== null);
        expect(o.closed, o.text).to.equal(true); // every hostile-looking exchange ends in a close (timeouts included)
      }
      expect(await drained(sim)).to.equal(0);
      expect((await fetch(sim.url + '/')).status).to.equal(200);
    } finally {
      await sim.close(100);
    }
  });
});
