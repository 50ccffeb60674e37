/**
 * The streaming SHA-256 on the real XS engine (xsnap): the digest of a
 * message fed in pieces equals node:crypto's, and neither update() (at any
 * piece size, ragged or whole blocks) nor digest() leaves a heap slot
 * behind after warm-up. The timings are in `npm run bench:sha256`.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { XsWorker } from '../../host-sim/xs/worker.ts';
import { slotsPerCommand } from '../../host-sim/xs/measure.ts';
import {
  DIGEST_COMMAND,
  NOOP_COMMAND,
  PIECE_SIZES,
  benchMessage,
  startShaBench,
  updateCommand,
} from '../../bench/xs-sha256.ts';

describe('crypto: SHA-256 on XS', function () {
  this.timeout(60000);
  let worker: XsWorker;

  before(async () => {
    worker = await startShaBench();
  });
  after(async () => {
    await worker.close();
  });

  it('gives node:crypto’s digest for the message fed in pieces of several sizes', async () => {
    const expected = createHash('sha256').update(benchMessage()).digest('hex');
    for (const size of [1, 63, 64, 1460, 4096]) {
      const digest = Buffer.from(await worker.evaluateJson<number[]>(`shaBench.digestOf(${size})`)).toString('hex');
      expect(digest, `pieces of ${size}`).to.equal(expected);
    }
  });

  it('leaves 0 heap slots per update() and per digest()', async () => {
    for (const size of PIECE_SIZES) {
      const op = updateCommand(size);
      for (let k = 0; k < 5; k++) await worker.command(op);
      const count = await slotsPerCommand(worker, op, NOOP_COMMAND, { times: 10 });
      expect(count.slots, `update of ${size} bytes`).to.equal(0);
    }
    const count = await slotsPerCommand(worker, DIGEST_COMMAND, NOOP_COMMAND, { times: 5 });
    expect(count.slots, 'digest').to.equal(0);
  });
});
