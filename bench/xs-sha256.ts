/**
 * `npm run bench:sha256`: the streaming SHA-256 (src/crypto/sha256.ts) on
 * the real XS engine (xsnap's build of Moddable's XS). Prints, in one run:
 *   - heap slots one update() leaves behind, per piece size (target 0), and
 *     one digest();
 *   - bytes/s hashing a 1 MiB stream in pieces of 1,460 B (one TCP segment)
 *     and 4,096 B, timed inside XS, against @noble/hashes' SHA-256 (pure
 *     JavaScript) fed the same pieces in the same run: the ratio is the
 *     claim; the absolute figure is this machine's XS, not a board's;
 *   - node:crypto (native) on the same bytes, as a reference point only.
 * `--json` prints the figures as JSON instead. The peer comes from
 * bench/package.json (`npm run bench:setup`); without it only chipweb's
 * figures are printed.
 *
 * Never: assert (test/crypto/xs.test.ts holds the assertions).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { XsWorker } from '../host-sim/xs/worker.ts';
import { bundleForXs, REPO_ROOT } from '../host-sim/xs/bundle.ts';
import { slotsPerCommand } from '../host-sim/xs/measure.ts';

/** Piece sizes whose heap slots are counted. */
export const PIECE_SIZES = [1, 63, 64, 65, 512, 1460, 4096];
/** Piece sizes timed. */
const TIMED_SIZES = [1460, 4096];
/** Bytes hashed per timing. */
const TOTAL = 1 << 20;

/** The command that updates with one piece of `size` bytes. */
export const updateCommand = (size: number) => Uint8Array.of(117, size & 255, size >> 8);
/** The command that digests. */
export const DIGEST_COMMAND = Uint8Array.of(100, 0, 0);
/** The baseline command. */
export const NOOP_COMMAND = Uint8Array.of(110, 0, 0);

/** Starts an XS worker with the benchmark entry loaded; the caller closes it. */
export async function startShaBench(): Promise<XsWorker> {
  const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-sha256-entry.ts'));
  const worker = await XsWorker.start();
  try {
    await worker.evaluate(code);
    return worker;
  } catch (error) {
    await worker.close();
    throw error;
  }
}

/** The 64 KiB message the XS entry hashes (the same formula). */
export function benchMessage(): Uint8Array {
  return Uint8Array.from({ length: 65536 }, (_, i) => (i * 31 + (i >> 8)) & 255);
}

/** Best of five timings of `expression` (which returns ms for TOTAL bytes), as bytes/s. */
async function rate(worker: XsWorker, expression: string): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 5; i++) best = Math.min(best, await worker.evaluateJson<number>(expression));
  return TOTAL / (best / 1000);
}

/** What the benchmark measured. */
export interface ShaFigures {
  slots: { size: number; slots: number }[];
  digestSlots: number;
  rates: { size: number; chipweb: number; noble: number | null; node: number }[];
  digestsAgree: boolean;
}

async function measure(): Promise<ShaFigures> {
  const worker = await startShaBench();
  try {
    const slots: ShaFigures['slots'] = [];
    for (const size of PIECE_SIZES) {
      const op = updateCommand(size);
      for (let k = 0; k < 5; k++) await worker.command(op);
      slots.push({ size, slots: (await slotsPerCommand(worker, op, NOOP_COMMAND, { times: 20 })).slots });
    }
    const digestSlots = (await slotsPerCommand(worker, DIGEST_COMMAND, NOOP_COMMAND, { times: 10 })).slots;

    const peer = existsSync(join(REPO_ROOT, 'bench', 'node_modules', '@noble', 'hashes'));
    if (peer) {
      const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-sha256-peer-entry.ts'));
      await worker.evaluate(code);
    }
    const expected = createHash('sha256').update(benchMessage()).digest('hex');
    let digestsAgree =
      Buffer.from(await worker.evaluateJson<number[]>('shaBench.digestOf(1460)')).toString('hex') === expected;
    if (peer)
      digestsAgree &&=
        Buffer.from(await worker.evaluateJson<number[]>('nobleBench.digestOf(1460)')).toString('hex') === expected;

    const rates: ShaFigures['rates'] = [];
    const message = benchMessage();
    for (const size of TIMED_SIZES) {
      const chipweb = await rate(worker, `shaBench.time(${size}, ${TOTAL})`);
      const noble = peer ? await rate(worker, `nobleBench.time(${size}, ${TOTAL})`) : null;
      let nodeBest = Infinity;
      for (let r = 0; r < 5; r++) {
        const t0 = process.hrtime.bigint();
        const h = createHash('sha256');
        let at = 0;
        for (let done = 0; done < TOTAL; done += size) {
          if (at + size > message.length) at = 0;
          h.update(message.subarray(at, at + size));
          at += size;
        }
        h.digest();
        nodeBest = Math.min(nodeBest, Number(process.hrtime.bigint() - t0) / 1e6);
      }
      rates.push({ size, chipweb, noble, node: TOTAL / (nodeBest / 1000) });
    }
    return { slots, digestSlots, rates, digestsAgree };
  } finally {
    await worker.close();
  }
}

const mb = (bytesPerSecond: number) => `${(bytesPerSecond / 1e6).toFixed(2)} MB/s`;

async function main(): Promise<void> {
  const figures = await measure();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(figures, null, 2));
    return;
  }
  console.log('SHA-256 on XS (xsnap), src/crypto/sha256.ts');
  console.log('Heap slots per update(), after warm-up and gc() (target 0):');
  for (const s of figures.slots) console.log(`  ${String(s.size).padStart(5)} B piece   ${s.slots} slots`);
  console.log(`  digest()         ${figures.digestSlots} slots`);
  console.log(`Digests on XS equal node:crypto's: ${figures.digestsAgree ? 'yes' : 'NO'}`);
  console.log(`Hashing ${TOTAL.toLocaleString('en-US')} bytes in pieces, timed inside XS (best of 5):`);
  for (const r of figures.rates) {
    const peer =
      r.noble === null
        ? '@noble/hashes not installed (npm run bench:setup)'
        : `@noble/hashes ${mb(r.noble)}   chipweb/noble ${(r.chipweb / r.noble).toFixed(2)}x`;
    console.log(`  ${String(r.size).padStart(5)} B pieces: chipweb ${mb(r.chipweb)}   ${peer}`);
    console.log(`                     (reference, not a peer: node:crypto native on V8 ${mb(r.node)})`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
