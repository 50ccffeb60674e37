/**
 * WebSocket frame streams against an Espruino board ($ESPRUINO, the fixed
 * 16,383-variable build) over a real socket: the scenarios of the Node
 * fuzz (test/ws/scenarios.ts: valid traffic with at most one fault, bad
 * opcodes, unmasked frames, reserved bits, lengths past the limit, bad
 * fragmentation, long or fragmented control frames, bad UTF-8, bad Close
 * frames), one of each fault and random ones, for the board's slot of
 * 1,024 bytes, to an echo route (test/espruino/fixtures/ws-echo-entry.ts).
 * Each ends as the model says: the echoes, pongs and Close the board
 * writes, byte for byte; the close code the handler hears; the socket
 * closed by the board exactly when it failed or got a Close; no slot or
 * WebSocket left.
 *
 * Never: time anything.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EspruinoSimulation, serveOnEspruino } from '../../../host-sim/espruino/sim.ts';
import { boardErrors } from './board-errors.ts';
import type { ServerStats } from '../../../src/stats.ts';
import { sleep } from '../../hostile/converse.ts';
import {
  concat,
  expectedEnd,
  expectedFrames,
  serverFrames,
  switchingProtocols,
  upgradeRequest,
} from '../../ws/frames.ts';
import { build, oneOfEach, type Scenario, scenarioArb } from '../../ws/scenarios.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
/** The board's slot (ws-budget.json): the scenarios are made for it. */
const CAPACITY = 1024;
/** Random scenarios after one of each fault. */
const RANDOM = 30;

/** A scenario for the board: its slot, no route parameter, the route's own limit (none). */
const forBoard = (s: Scenario): Scenario => ({ ...s, capacity: CAPACITY, base: 0, limit: 0 });

/**
 * Sends `stream` in `pieces` (cycled) and collects what comes back until the
 * board closes, or 800 ms pass quietly once all is sent (the board reads a
 * stream sent a byte at a time for seconds).
 */
function exchange(port: number, stream: Uint8Array, pieces: number[]): Promise<{ bytes: Buffer; closed: boolean }> {
  return new Promise((done) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | null = null;
    let finished = false;
    let sending = true;
    const finish = (closed: boolean) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      done({ bytes: Buffer.concat(chunks), closed });
    };
    const quiet = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => finish(false), 800);
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (!sending) quiet();
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (let read = 0, piece = 0; read < stream.length && !finished; piece++) {
        const n = Math.min(pieces[piece % pieces.length], stream.length - read);
        socket.write(stream.subarray(read, read + n));
        read += n;
        await sleep(2);
      }
      sending = false;
      quiet();
    });
  });
}

describe('espruino engine: WebSocket frame streams, as the model says', () => {
  let dir: string;
  let sim: EspruinoSimulation;
  const logs: string[] = [];
  const stats = () => sim.process.evaluate<ServerStats>('chipweb.server.stats()');
  const heard = async () =>
    (await (await fetch(`${sim.url}/heard`, { headers: { Connection: 'close' } })).json()) as {
      messages: number;
      closed: number;
      closes: number[];
    };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-ws-'));
    sim = await serveOnEspruino(join(FIXTURES, 'ws-echo-entry.ts'), {
      port: 0,
      dir,
      assets: null,
      budget: join(FIXTURES, 'ws-budget.json'),
      log: (line) => logs.push(line),
    });
  });
  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the WebSocket classes in flash until the first upgrade (toolchain/espruino/cold.ts)', async () => {
    expect(sim.build.cold.classes).to.include.members(['WsSession', 'FrameParser', 'Sha1']);
    expect(await sim.process.evaluate<string[]>('Object.keys($cold)')).to.deep.equal([]);
  });

  const scenarios = [...oneOfEach(), ...fc.sample(scenarioArb, { numRuns: RANDOM, seed: 31 })].map(forBoard);
  for (const [i, s] of scenarios.entries()) {
    const expected = build(s);
    it(`#${i} ${expected.fault}: ${expected.events.length} events, then ${expected.failure || 'no failure'}`, async () => {
      const before = (await heard()).closed;
      const stream = concat([Uint8Array.from(Buffer.from(upgradeRequest('/f'), 'latin1')), expected.stream]);
      const { bytes, closed } = await exchange(sim.port, stream, s.pieces);
      const head = switchingProtocols();
      expect(bytes.subarray(0, head.length).toString('latin1')).to.equal(head);
      expect(serverFrames(bytes.subarray(head.length)), `fault ${expected.fault}`).to.deep.equal(
        expectedFrames(expected.events, expected.failure),
      );
      const { serverCloses, code } = expectedEnd(expected.events, expected.failure);
      expect(closed, 'closed by the board').to.equal(serverCloses);
      let last = await stats();
      for (let k = 0; k < 50 && (last.webSockets > 0 || last.slotsInUse > 0); k++) {
        await sleep(20);
        last = await stats();
      }
      expect([last.slotsInUse, last.webSockets, last.errors]).to.deep.equal([0, 0, 0]);
      const after = await heard();
      expect(after.closed - before, 'closes the handler heard').to.equal(1);
      expect(after.closes[after.closes.length - 1], 'the close code it heard').to.equal(code);
    });
  }

  it('made each of those classes once, at the first upgrade, and kept it', async () => {
    // All but the update's (its session and the platform's forwarder) and the errors' (no update, and no handler failed).
    const made = sim.build.cold.classes.filter(
      (c) => !['OtaSession', 'EspruinoOta', 'HttpError', 'RouteError'].includes(c),
    );
    expect(await sim.process.evaluate<number>('Object.keys($cold).length')).to.equal(made.length);
  });

  it('printed no error of its own through all of it', () => {
    expect(boardErrors(logs)).to.deep.equal([]);
  });
});
