/**
 * fast-check fuzz of client frame streams through the frame parser, fed as
 * the server will (random read sizes, a fixed slot, reads only into its free
 * end). Each stream is valid traffic (text and binary messages of random
 * sizes up to the limit, random fragmentation, pings and pongs between
 * fragments, an optional Close) with at most one fault injected: a reserved
 * opcode, an unmasked frame, reserved bits, a length past the limit, a
 * continuation without a start, a data frame inside a fragmented message,
 * a long or fragmented control frame, bad UTF-8 (a byte that is never
 * valid, or a message ending inside a character), or a bad Close.
 *
 * Every run must end exactly as the model says: the events of the frames
 * before the fault, payloads equal to the input, then the fault's close
 * code (or no failure). The `ws` package's Receiver reads the same stream
 * in the same pieces as an oracle and must agree on the code and the
 * messages (it checks UTF-8 only at a message's end, so after a UTF-8 fault
 * it may report control frames this parser never reached).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { largestMessage } from '../../src/ws/frame-parser.ts';
import { runParser, runWsReceiver } from './frames.ts';
import type { WsEvent } from './frames.ts';
import { build, FAULTS, oneOfEach, scenarioArb } from './scenarios.ts';

const RUNS = Number(process.env.CHIPWEB_WS_FUZZ_RUNS ?? 250);
/** One stream of each fault, run before the random ones. */
const EACH = oneOfEach();

describe('ws: frame stream fuzz (fast-check, `ws` as the oracle)', () => {
  it('every stream ends in the model’s events and close code, and `ws` agrees', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const expected = build(s);
        seen.set(expected.fault, (seen.get(expected.fault) ?? 0) + 1);
        const most = largestMessage(s.capacity - s.base);
        const limit = s.limit > 0 && s.limit < most ? s.limit : most;
        const run = runParser(expected.stream, s.pieces, s.capacity, s.limit, s.base, s.base);
        expect(run.failure, `fault ${expected.fault}`).to.equal(expected.failure);
        expect(run.events, `fault ${expected.fault}`).to.deep.equal(expected.events);

        const oracle = await runWsReceiver(expected.stream, s.pieces, limit);
        expect(oracle.failure, `ws, fault ${expected.fault}`).to.equal(expected.failure);
        const data = (events: WsEvent[]) => events.filter((e) => e.kind === 'text' || e.kind === 'binary');
        if (expected.failure === 1007) expect(data(oracle.events)).to.deep.equal(data(run.events));
        else expect(oracle.events).to.deep.equal(run.events);
      }),
      // The examples count among the runs: RUNS random streams come after them.
      { numRuns: RUNS + EACH.length, examples: EACH.map((s) => [s] as [typeof s]) },
    );
    if (process.env.CHIPWEB_WS_FUZZ_STATS) console.log(seen);
    // The generator reaches every fault (and clean streams).
    for (const kind of [...FAULTS, 'none']) expect(seen.get(kind) ?? 0, kind).to.be.greaterThan(0);
  });

  it('never throws or stalls on random bytes, and fails only with 1002, 1007 or 1009', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (garbage, pieces, masked) => {
          // Half the time, make every frame head look masked so parsing gets further.
          if (masked && garbage.length > 1) garbage[1] |= 0x80;
          const run = runParser(garbage, pieces, 300);
          expect([0, 1002, 1007, 1009]).to.include(run.failure);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});
