/**
 * The default firmware (firmware/app) on Espruino ($ESPRUINO, the fixed
 * 16,383-variable build) under the load that breaks the servers people use
 * on boards today: more browser-like clients than slots, keep-alive and
 * not, and clients that reset or vanish mid-request. As the Moddable run
 * shows on mcsim (test/moddable/run.ts, "the default app under load"):
 * every request ends in an answer (200, or a 503 the server counted and
 * sent), a live subscriber keeps hearing its events, every slot is free
 * again once the clients are gone, and the memory comes back to where it
 * was.
 *
 * Never: time anything (benchmarks do that); read the board's state
 * through anything but HTTP.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EspruinoSimulation, serveOnEspruino } from '../../../host-sim/espruino/sim.ts';
import { boardErrors } from './board-errors.ts';
import { coldCallsDuring } from './cold-calls.ts';
import { BROWSER_HEADERS, keepAliveGet } from './keep-alive.ts';
import { counted, leavingClients } from '../../moddable/load.ts';

const ENTRY = resolve(import.meta.dirname, '../../../firmware/app/main.ts');

/** The default app's /api/status, as far as this reads it. */
interface Status {
  rejected: number;
  pool: { slots: number; inUse: number };
  memory: { used: number };
}

/** Variables the board may gain between two idle readings: the request reading them, timers' bookkeeping. */
const SLACK = 40;

describe('espruino engine: the dashboard under load', () => {
  let dir: string;
  let sim: EspruinoSimulation;
  const logs: string[] = [];
  const status = async (): Promise<Status> => {
    const response = await fetch(`${sim.url}/api/status`, { headers: { Connection: 'close' } });
    return (await response.json()) as Status;
  };
  /** Waits until only the request reading the status holds a slot; returns the last status. */
  const idle = async (): Promise<Status> => {
    let last = await status();
    for (let i = 0; i < 100 && last.pool.inUse > 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      last = await status();
    }
    return last;
  };
  /** Process memory in blocks, once two readings agree (closed sockets take a moment to go). */
  const settledMemory = async (): Promise<number> => {
    let last = -1;
    let now = (await idle()).memory.used;
    for (let i = 0; i < 20 && now !== last; i++) {
      last = now;
      await new Promise((r) => setTimeout(r, 150));
      now = (await idle()).memory.used;
    }
    return now;
  };
  let baseline: number;
  let blockBytes: number;
  /** The cold classes made by then (each made once and kept: not a leak, but it would read as one). */
  let madeAtBaseline: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-load-'));
    sim = await serveOnEspruino(ENTRY, { port: 0, dir, log: (line) => logs.push(line) });
    // Warm-up: every route the load uses, the request log's ring full, and one client leaving each way, so
    // that the classes those paths make at their first use (toolchain/espruino/cold.ts) are made.
    await counted(sim.port, { clients: 4, total: 40, path: '/api/status' });
    for (const how of ['reset', 'vanish', 'reset-answer'] as const) await leavingClients(sim.port, 1, how);
    await idle();
    blockBytes = (await sim.process.evaluate<number>('process.memory().blocksize')) || 1;
    baseline = await settledMemory();
    madeAtBaseline = await sim.process.evaluate<string[]>('Object.keys($cold)');
  });
  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("makes no cold function on the dashboard's keep-alive requests: its API, with a browser's head, and the page", async () => {
    // Its API answers set Cache-Control: the next request's reset clears them (ResponseState.truncateHeaders).
    for (const [path, headers] of [
      ['/api/status', ''],
      ['/api/led', BROWSER_HEADERS],
      ['/', BROWSER_HEADERS],
    ] as const) {
      await keepAliveGet(sim.port, path, 3, headers);
      const calls = await coldCallsDuring(sim.process, async () => {
        await keepAliveGet(sim.port, path, 10, headers);
      });
      expect(calls, `cold functions made during 10 requests of ${path}`).to.equal(0);
    }
  });

  it('answers 32 keep-alive clients on 4 slots: every request gets 200 or a 503 the server counted', async () => {
    const before = await idle();
    expect(before.pool.slots).to.equal(4);
    const run = await counted(sim.port, { clients: 32, total: 640, path: '/api/status' });
    const after = await idle();
    expect(run.errors, 'requests with no answer').to.deep.equal({});
    expect((run.statuses['200'] ?? 0) + (run.statuses['503'] ?? 0)).to.equal(640);
    expect(run.statuses['200'] ?? 0, 'some were served').to.be.greaterThan(0);
    expect(run.statuses['503'] ?? 0, '503s received, as the server counted them').to.equal(
      after.rejected - before.rejected,
    );
    expect(after.pool.inUse).to.equal(1);
  });

  it('answers 32 clients that close after each request the same way', async () => {
    const before = await idle();
    const run = await counted(sim.port, { clients: 32, total: 320, path: '/api/status', close: true });
    const after = await idle();
    expect(run.errors, 'requests with no answer').to.deep.equal({});
    expect((run.statuses['200'] ?? 0) + (run.statuses['503'] ?? 0)).to.equal(320);
    expect(run.statuses['503'] ?? 0).to.equal(after.rejected - before.rejected);
    expect(after.pool.inUse).to.equal(1);
  });

  it('keeps a live subscriber (an event stream) served while 32 other clients hammer the other slots', async () => {
    const socket = net.connect(sim.port, '127.0.0.1');
    let text = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.on('close', () => {
      closed = true;
    });
    const events = () => text.split('event: status\n').length - 1;
    const heard = async (more: number) => {
      const want = events() + more;
      for (let i = 0; i < 100 && events() < want; i++) await new Promise((r) => setTimeout(r, 50));
      return events() >= want;
    };
    try {
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write('GET /api/events HTTP/1.1\r\nHost: chipweb\r\nAccept: text/event-stream\r\n\r\n');
      expect(await heard(1), 'the first status event').to.equal(true);
      const run = await counted(sim.port, { clients: 32, total: 320, path: '/api/status' });
      expect(run.errors, 'requests with no answer').to.deep.equal({});
      expect(await heard(1), 'a status event after the load').to.equal(true);
      expect(text.startsWith('HTTP/1.1 200 OK\r\n')).to.equal(true);
      expect(closed, 'the stream is still open').to.equal(false);
    } finally {
      socket.destroy();
    }
  });

  for (const how of ['reset', 'vanish', 'reset-answer'] as const) {
    it(`frees every slot of 6 clients that ${how === 'reset-answer' ? 'reset while their answer is written' : `${how} mid-request`}`, async () => {
      await leavingClients(sim.port, 6, how);
      expect((await idle()).pool.inUse).to.equal(1);
    });
  }

  it('comes back to its memory, with nothing caught or thrown on the board', async () => {
    expect(await sim.process.evaluate<string[]>('Object.keys($cold)'), 'classes made after the warm-up').to.deep.equal(
      madeAtBaseline,
    );
    const now = await settledMemory();
    expect((now - baseline) / blockBytes, `variables ${baseline / blockBytes} -> ${now / blockBytes}`).to.be.at.most(
      SLACK,
    );
    expect(boardErrors(logs)).to.deep.equal([]);
  });
});
