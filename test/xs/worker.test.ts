/**
 * The XS harness itself: the worker protocol (evaluate, command, errors,
 * heap counts, commands from XS to the host) and bundling core code for XS.
 *
 * Never: assert timings; heap figures only where XS defines them exactly.
 */
import { expect } from 'chai';
import { XsError, XsWorker } from '../../host-sim/xs/worker.ts';
import { bundleForXs } from '../../host-sim/xs/bundle.ts';

describe('xs: worker', () => {
  let worker: XsWorker;
  before(async () => {
    worker = await XsWorker.start({ onPrint: () => {} });
  });
  after(async () => {
    await worker.close();
  });

  it('evaluates scripts in the global scope and reports the live heap slots', async () => {
    const result = await worker.evaluate('globalThis.answer = 6 * 7');
    expect(result.heapCount).to.be.greaterThan(1000);
    await worker.evaluate('globalThis.handleCommand = () => new Uint8Array([answer]).buffer');
    const reply = await worker.command(new Uint8Array(0));
    expect([...reply.reply]).to.deep.equal([42]);
  });

  it('passes command bytes in and reply bytes out unchanged', async () => {
    await worker.evaluate(
      'globalThis.handleCommand = (ab) => { const u = new Uint8Array(ab); u.reverse(); return ab; }',
    );
    const bytes = new Uint8Array(300).map((_, i) => i & 255);
    const { reply } = await worker.command(bytes);
    expect([...reply]).to.deep.equal([...bytes].reverse());
  });

  it('rejects with XsError when XS throws, and keeps working', async () => {
    let caught: unknown;
    try {
      await worker.evaluate('throw new RangeError("nope")');
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(XsError);
    expect((caught as Error).message).to.equal('RangeError: nope');
    expect((await worker.evaluate('1')).heapCount).to.be.greaterThan(0);
  });

  it('counts the slots an object allocation leaves behind, and gc() frees them', async () => {
    await worker.evaluate(
      'globalThis.handleCommand = (ab) => { globalThis.junk = [{}, {}, {}]; globalThis.junk = undefined; return ab; }',
    );
    await worker.gc();
    const a = await worker.command(new Uint8Array(1));
    const b = await worker.command(new Uint8Array(1));
    await worker.evaluate('globalThis.handleCommand = (ab) => ab');
    const c = await worker.command(new Uint8Array(1));
    const d = await worker.command(new Uint8Array(1));
    expect(b.heapCount - a.heapCount).to.be.greaterThan(d.heapCount - c.heapCount);
    const before = d.heapCount;
    expect(await worker.gc()).to.be.lessThan(before);
  });

  it('answers the worker’s own issueCommand calls through onCommand', async () => {
    const other = await XsWorker.start({ onCommand: (bytes) => bytes.map((b) => b + 1) });
    try {
      await other.evaluate('globalThis.handleCommand = (ab) => issueCommand(issueCommand(ab))');
      const { reply } = await other.command(new Uint8Array([1, 2]));
      expect([...reply]).to.deep.equal([3, 4]);
    } finally {
      await other.close();
    }
  });

  it('runs a module of the core bundled as an IIFE', async () => {
    const { code } = await bundleForXs(new URL('./fixtures/methods-entry.ts', import.meta.url).pathname);
    await worker.evaluate(code);
    const code32 = async (text: string) =>
      new Int32Array((await worker.command(new TextEncoder().encode(text))).reply.slice().buffer)[0];
    expect(await code32('GET')).to.equal(0);
    expect(await code32('DELETE')).to.equal(4);
    expect(await code32('BREW')).to.equal(-1);
  });
});
