/**
 * The board's OTA target (firmware/moddable/ota.ts) on the real XS engine
 * with the fake ESP32 `ota` module (test/support/ecma419-fake.ts): an image
 * streamed through the core's OtaSession reaches the module in whole 4 KiB
 * blocks plus a power-of-two tail, byte for byte; a wrong hash cancels and
 * never completes; a restart follows success; and writing a piece leaves
 * 0 heap slots behind (no view per write).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { bundle } from '../../toolchain/bundle.ts';
import { XsWorker } from '../../host-sim/xs/worker.ts';
import { REPO_ROOT } from '../../host-sim/xs/bundle.ts';
import { slotsPerCommand } from '../../host-sim/xs/measure.ts';
import { fakeModdable } from './xs-board.ts';

const pattern = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 131 + (i >> 10)) & 255);

interface FakeOta {
  writes: number[];
  staged: number;
  bootMatches: boolean;
  begins: number;
  cancels: number;
  completes: number;
  restarts: number;
}

describe('firmware: the ESP32 OTA target on XS', function () {
  this.timeout(60000);
  let worker: XsWorker;

  before(async () => {
    const dir = join(REPO_ROOT, 'build', 'xs');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `ota-xs-${process.pid}.js`);
    try {
      await bundle({
        entry: join(REPO_ROOT, 'test', 'firmware', 'fixtures', 'ota-xs.ts'),
        outfile,
        host: 'xs',
        plugins: [fakeModdable],
      });
      worker = await XsWorker.start();
      await worker.evaluate(readFileSync(outfile, 'utf8'));
    } finally {
      rmSync(outfile, { force: true });
    }
  });
  after(async () => {
    await worker?.close();
  });

  it('hands the image to the ota module in 4 KiB blocks and a power-of-two tail, then completes and restarts', async () => {
    const size = 300001;
    const hash = createHash('sha256').update(pattern(size)).digest('hex');
    await worker.evaluate(`otaTest.upload(${size}, 1460, ${JSON.stringify(hash)})`);
    expect(await worker.evaluateJson<string>('otaTest.outcome()')).to.equal(`ok ${size} ${hash}`);
    const fake = await worker.evaluateJson<FakeOta>('otaTest.fake()');
    expect(fake.staged).to.equal(size);
    expect(fake.bootMatches).to.equal(true);
    const blocks = Math.floor(size / 4096);
    expect(fake.writes.slice(0, blocks).every((n) => n === 4096)).to.equal(true);
    const tail = fake.writes.slice(blocks);
    expect(tail.reduce((a, b) => a + b, 0)).to.equal(size % 4096);
    expect(tail.every((n, i) => (n & (n - 1)) === 0 && (i === 0 || n < tail[i - 1]))).to.equal(true);
    expect([fake.begins, fake.completes, fake.cancels, fake.restarts]).to.deep.equal([1, 1, 0, 1]);
  });

  it('cancels on a wrong hash and never completes', async () => {
    await worker.evaluate(`otaTest.upload(10000, 999, ${JSON.stringify('0'.repeat(64))})`);
    expect(await worker.evaluateJson<string>('otaTest.outcome()')).to.match(/^error 422 /);
    const fake = await worker.evaluateJson<FakeOta>('otaTest.fake()');
    expect([fake.begins, fake.completes, fake.cancels, fake.restarts]).to.deep.equal([2, 1, 1, 1]);
  });

  it('leaves 0 heap slots per write, whole blocks or ragged pieces', async () => {
    await worker.command(Uint8Array.of(98, 0, 0));
    for (const size of [1, 1460, 4096]) {
      const op = Uint8Array.of(119, size & 255, size >> 8);
      for (let k = 0; k < 5; k++) await worker.command(op);
      const count = await slotsPerCommand(worker, op, Uint8Array.of(110, 0, 0), { times: 20 });
      expect(count.slots, `writes of ${size} bytes`).to.equal(0);
    }
  });
});
