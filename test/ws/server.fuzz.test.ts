/**
 * fast-check fuzz of client frame streams through the real server (memory
 * platform): the scenarios of test/ws/scenarios.ts (valid traffic with at
 * most one fault: bad opcodes, unmasked frames, reserved bits, lengths past
 * the limit, bad fragmentation, long or fragmented control frames, bad
 * UTF-8, bad Close frames), sent after the upgrade request in random
 * pieces, to an echo route on a slot of the scenario's size, with random
 * output areas and send buffers (so long echoes wait for the socket).
 *
 * Every run must end as the model says: the echoes, pongs and Close the
 * server writes, byte for byte; the close code the handler hears (the
 * fault's, the peer's, or 1006 when the client leaves with the socket
 * open); the socket closed by the server exactly when it failed or got a
 * Close; and the slot free afterwards.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { App } from '../../src/index.ts';
import { Server } from '../../src/server.ts';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import { concat, expectedEnd, expectedFrames, serverFrames, switchingProtocols, upgradeRequest } from './frames.ts';
import { build, FAULTS, oneOfEach, scenarioArb } from './scenarios.ts';

const RUNS = Number(process.env.CHIPWEB_WS_FUZZ_RUNS ?? 250);
/** One stream of each fault, run before the random ones. */
const EACH = oneOfEach();

/** What the handlers saw. */
interface Heard {
  messages: number;
  closes: number[];
}

/** A server with the echo route at /f (and /f/:p, whose param keeps `base` bytes of the slot). */
async function echoServer(
  slotSize: number,
  outputSize: number,
  sendBufferSize: number,
  limit: number,
): Promise<{ platform: MemoryPlatform; server: Server; heard: Heard }> {
  const heard: Heard = { messages: 0, closes: [] };
  const handlers = {
    maxMessage: limit,
    message: (ws: { send(m: unknown): boolean }, msg: unknown) => {
      heard.messages++;
      if (!ws.send(msg)) throw new Error('the echo was not queued');
    },
    close: (_ws: unknown, code: number) => void heard.closes.push(code),
  };
  const app = new App();
  app.ws('/f', handlers as never);
  app.ws('/f/:p', handlers as never);
  const platform = new MemoryPlatform({ sendBufferSize });
  const server = new Server(app, platform, { slots: 1, slotSize, outputSize });
  await server.start();
  return { platform, server, heard };
}

describe('ws: frame stream fuzz through the server (fast-check)', () => {
  it('every stream ends in the model’s frames and close code, and the slot is freed', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        fc.constantFrom(256, 300, 1024),
        fc.constantFrom(64, 700, 8192),
        async (s, outputSize, sendBufferSize) => {
          const expected = build(s);
          seen.set(expected.fault, (seen.get(expected.fault) ?? 0) + 1);
          const { platform, server, heard } = await echoServer(s.capacity, outputSize, sendBufferSize, s.limit);
          const path = s.base > 0 ? '/f/' + 'p'.repeat(s.base) : '/f';
          const client = platform.connect();
          const stream = concat([Uint8Array.from(Buffer.from(upgradeRequest(path), 'latin1')), expected.stream]);
          let read = 0;
          for (let piece = 0; read < stream.length && !client.closed; piece++) {
            const n = Math.min(s.pieces[piece % s.pieces.length], stream.length - read);
            client.send(stream.subarray(read, read + n));
            read += n;
          }
          const bytes = client.take();
          const head = switchingProtocols();
          expect(Buffer.from(bytes.subarray(0, head.length)).toString('latin1')).to.equal(head);
          const frames = serverFrames(bytes.subarray(head.length));
          const want = expectedFrames(expected.events, expected.failure);
          expect(frames, `fault ${expected.fault}`).to.deep.equal(want);
          const { serverCloses, code } = expectedEnd(expected.events, expected.failure);
          expect(client.closed, 'closed by the server').to.equal(serverCloses);
          client.end();
          expect(heard.closes, `fault ${expected.fault}`).to.deep.equal([code]);
          const stats = server.stats();
          expect([stats.slotsInUse, stats.webSockets, stats.errors]).to.deep.equal([0, 0, 0]);
        },
      ),
      {
        // Every fault at least once (oneOfEach), each with one of the output and send buffer sizes; the
        // examples count among the runs, so RUNS random streams come after them.
        numRuns: RUNS + EACH.length,
        examples: EACH.map(
          (s, i) => [s, [256, 300, 1024][i % 3], [64, 700, 8192][i % 3]] as [typeof s, number, number],
        ),
      },
    );
    for (const kind of [...FAULTS, 'none']) expect(seen.get(kind) ?? 0, kind).to.be.greaterThan(0);
  });

  it('never throws or stalls on random bytes after the upgrade; fails only with 1002, 1007 or 1009; the slot comes back', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (garbage, pieces, masked) => {
          if (masked && garbage.length > 1) garbage[1] |= 0x80;
          const { platform, server, heard } = await echoServer(300, 256, 512, 0);
          const client = platform.connect();
          client.send(upgradeRequest('/f'));
          for (let read = 0, piece = 0; read < garbage.length && !client.closed; piece++) {
            const n = Math.min(pieces[piece % pieces.length], garbage.length - read);
            client.send(garbage.subarray(read, read + n));
            read += n;
          }
          client.end();
          expect(heard.closes).to.have.length(1);
          expect([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009]).to.include(
            heard.closes[0] >= 3000 ? 1000 : heard.closes[0],
          );
          const stats = server.stats();
          expect([stats.slotsInUse, stats.webSockets, stats.errors]).to.deep.equal([0, 0, 0]);
          expect(platform.logs).to.deep.equal([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
