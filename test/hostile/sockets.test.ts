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
import { simulate } from '../../host-sim/index.ts';
import type { Simulation, SimulateOptions } from '../../host-sim/index.ts';
import { hostileApp } from './app.ts';
import { briefFuzz, connectionStorm, keepAliveStorm, slowHeadBytes, vanishingClients } from './attacks.ts';
import { converse, GET, sleep } from './converse.ts';
import { until } from '../support/until.ts';

async function start(options: SimulateOptions): Promise<Simulation> {
  return simulate(hostileApp(), { port: 0, log: () => {}, ...options });
}

/** Waits until every slot is free (or gives up after ~3 s and reports what is left). */
async function drained(sim: Simulation): Promise<number> {
  for (let i = 0; i < 150 && sim.stats().slotsInUse > 0; i++) await sleep(20);
  return sim.stats().slotsInUse;
}

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
      const bytes = slowHeadBytes();
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
      await connectionStorm(sim.port, 300, 300, 3000);
      expect(await drained(sim)).to.equal(0);
      expect((await fetch(sim.url + '/')).status).to.equal(200);
    } finally {
      await sim.close(100);
    }
  });

  it('keep-alive storm: 100 clients holding connections on 8 slots are answered or evicted, never stuck', async () => {
    const sim = await start({ slots: 8 });
    try {
      const answered = await keepAliveStorm(sim.port, 100, 100, 400);
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
      await vanishingClients(sim.port, 5); // /big: 200 kB
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
      await briefFuzz(sim.port, 40, 800);
      expect(await drained(sim)).to.equal(0);
      expect((await fetch(sim.url + '/')).status).to.equal(200);
    } finally {
      await sim.close(100);
    }
  });
});
