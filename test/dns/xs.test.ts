/**
 * The DNS answerer on the real XS engine (xsnap): the same reply bytes as
 * on Node, and 0 heap slots per answered query after warm-up.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { XsWorker } from '../../host-sim/xs/worker.ts';
import { bundleForXs, REPO_ROOT } from '../../host-sim/xs/bundle.ts';
import { slotsPerCommand } from '../../host-sim/xs/measure.ts';

describe('DNS answerer on XS', function () {
  this.timeout(60000);
  let worker: XsWorker;
  before(async () => {
    const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-dns-entry.ts'));
    worker = await XsWorker.start();
    await worker.evaluate(code);
  });
  after(async () => {
    await worker.close();
  });

  it('answers an A query with the address, and AAAA with no record', async () => {
    const a = (await worker.command(Uint8Array.of(97))).reply;
    const n = new DataView(a.buffer, a.byteOffset).getInt32(0, true);
    expect(n).to.equal(12 + 23 + 16);
    expect(Buffer.from(a.subarray(4 + n - 16, 4 + n)).toString('hex')).to.equal('c00c000100010000003c0004c0a80401');
    const q = (await worker.command(Uint8Array.of(113))).reply;
    expect(new DataView(q.buffer, q.byteOffset).getInt32(0, true)).to.equal(12 + 23);
  });

  it('leaves 0 heap slots per answered query', async () => {
    for (const op of [97, 113]) {
      const command = Uint8Array.of(op);
      for (let k = 0; k < 5; k++) await worker.command(command);
      const count = await slotsPerCommand(worker, command, Uint8Array.of(110), { times: 20 });
      expect(count.slots, String.fromCharCode(op)).to.equal(0);
    }
  });
});
