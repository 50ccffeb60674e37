/**
 * The multipart parser on the real XS engine (xsnap): a browser-style upload
 * parses the same there, and feeding a piece (copy into the slot, then
 * step() to MP_MORE, through boundaries, part headers and data) leaves 0 heap
 * slots behind after warm-up, at several piece sizes.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { XsWorker } from '../../host-sim/xs/worker.ts';
import { bundleForXs, REPO_ROOT } from '../../host-sim/xs/bundle.ts';
import { slotsPerCommand } from '../../host-sim/xs/measure.ts';

describe('multipart/form-data parser on XS', function () {
  this.timeout(60000);
  let worker: XsWorker;

  before(async () => {
    const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-multipart-entry.ts'));
    worker = await XsWorker.start();
    await worker.evaluate(code);
  });
  after(async () => {
    await worker.close();
  });

  it('parses the upload in pieces of several sizes', async () => {
    for (const size of [1, 16, 100, 1460, 4096]) {
      expect(await worker.evaluateJson<number[]>(`mpBench.run(${size})`), `pieces of ${size}`).to.deep.equal([
        2,
        64 + 8192,
        0,
      ]);
    }
  });

  it('leaves 0 heap slots per piece', async () => {
    await worker.command(Uint8Array.of(98, 0));
    for (const sixteenths of [1, 4, 91, 255]) {
      const op = Uint8Array.of(112, sixteenths);
      for (let k = 0; k < 20; k++) await worker.command(op);
      const count = await slotsPerCommand(worker, op, Uint8Array.of(110, 0), { times: 30 });
      expect(count.slots, `pieces of ${sixteenths * 16} bytes`).to.equal(0);
    }
  });
});
