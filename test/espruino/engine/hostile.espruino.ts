/**
 * The hostile clients of test/hostile/sockets.test.ts (test/hostile/attacks.ts)
 * against an Espruino board ($ESPRUINO, the fixed 16,383-variable build)
 * serving the same app (test/espruino/fixtures/hostile-entry.ts): slowloris
 * with more attackers than slots, a connection storm, a keep-alive storm,
 * clients that vanish mid-request, mid-body, mid-response and during a
 * handler, and a brief fuzz. Every exchange ends in a well-formed answer or
 * a close, every slot comes back, the board still answers, and it prints no
 * error of its own.
 *
 * Never: time anything; read the board's state but at its console.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EspruinoSimulation, serveOnEspruino } from '../../../host-sim/espruino/sim.ts';
import { boardErrors } from './board-errors.ts';
import type { ServerStats } from '../../../src/stats.ts';
import { briefFuzz, connectionStorm, keepAliveStorm, slowHeadBytes, vanishingClients } from '../../hostile/attacks.ts';
import { converse, GET, sleep } from '../../hostile/converse.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');

/**
 * Clients that connect at the same time. Espruino's Linux network layer
 * listens with a backlog of 10 (libs/network/linux/network_linux.c): past
 * it the host's kernel holds a connection back for seconds, which says
 * nothing about the board (its lwIP has its own limit; a browser opens 6).
 */
const AT_ONCE = 10;

describe('espruino engine: hostile clients', () => {
  let dir: string;
  let sim: EspruinoSimulation;
  const logs: string[] = [];
  /** The server's counters, read at the board's console (no slot taken). */
  const stats = () => sim.process.evaluate<ServerStats>('chipweb.server.stats()');
  /** Waits until every slot is free (or gives up after about 5 s); the slots still taken. */
  const drained = async (): Promise<number> => {
    let inUse = (await stats()).slotsInUse;
    for (let i = 0; i < 100 && inUse > 0; i++) {
      await sleep(50);
      inUse = (await stats()).slotsInUse;
    }
    return inUse;
  };
  const hello = async () => (await converse(sim.port, [GET('/', 'Connection: close\r\n')], { wait: 2000 })).text;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-hostile-'));
    sim = await serveOnEspruino(join(FIXTURES, 'hostile-entry.ts'), {
      port: 0,
      dir,
      assets: null,
      budget: join(FIXTURES, 'hostile-budget.json'),
      log: (line) => logs.push(line),
    });
  });
  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    expect(await drained(), 'slots still taken').to.equal(0);
    expect(await hello()).to.match(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello$/);
  });

  it('slowloris with more attackers than slots: the slowest heads are evicted (408) so normal requests get through', async () => {
    const before = await stats();
    // Those that wait in the queue get a slot when an older head is evicted, and their own 408 later.
    const attackers = Array.from({ length: 8 }, () => converse(sim.port, slowHeadBytes(), { gap: 30, wait: 2500 }));
    let served = '';
    for (let i = 0; i < 50 && !served.startsWith('HTTP/1.1 200'); i++) {
      served = await hello();
      if (!served.startsWith('HTTP/1.1 200')) await sleep(100);
    }
    expect(served.slice(0, 12), 'a newcomer served while the attack goes on').to.equal('HTTP/1.1 200');
    for (const r of await Promise.all(attackers)) expect(r.text, r.text).to.match(/^HTTP\/1\.1 (408|503) /);
    expect((await stats()).evicted - before.evicted).to.be.at.least(1);
  });

  it('connection storm of 100 clients on 4 slots, 10 at once: each gets 200 or 503 and a close, nothing hangs', async () => {
    await connectionStorm(sim.port, 100, AT_ONCE, 5000);
  });

  it('keep-alive storm: 40 clients holding connections on 4 slots, 10 at once, are answered or evicted, never stuck', async () => {
    const before = await stats();
    expect(await keepAliveStorm(sim.port, 40, AT_ONCE, 1500)).to.equal(40);
    const after = await stats();
    const turnedAway = (s: ServerStats) => s.evicted + s.rejected + s.queued;
    expect(turnedAway(after) - turnedAway(before), 'some waited, were evicted or refused').to.be.above(0);
  });

  it('clients vanishing mid-request, mid-body, mid-response and during a handler leave no slot behind', async () => {
    await vanishingClients(sim.port, 3); // /big: 20,000 bytes
  });

  it('brief fuzz: well-formed answers or a close', async () => {
    await briefFuzz(sim.port, AT_ONCE, 3000);
  });

  it('printed no error of its own through all of it', () => {
    expect(boardErrors(logs)).to.deep.equal([]);
  });
});
