/**
 * Counting what XS code leaves on the heap: the live slot count the worker
 * reports after each command, compared between a command that does the work
 * and a baseline command that differs from it only by the work.
 *
 * XS only lowers its count when it collects garbage, so after a `gc()` the
 * growth from one command to the next is exactly the slots the command
 * allocated (live or garbage). The worker itself allocates a few slots per
 * command (the ArrayBuffer that carries its bytes); the baseline cancels them.
 *
 * Never: collect between the two commands being compared.
 */
import type { XsWorker } from './worker.ts';

/** Slots one run of `op` allocates beyond `baseline`, as measured by {@link slotsPerCommand}. */
export interface SlotCount {
  /** Slots per run (the same in every repetition when XS is deterministic, which it is). */
  slots: number;
  /** Each repetition's figure, to show that they agree. */
  runs: number[];
}

/**
 * Heap slots `op` allocates beyond `baseline`, per run, after a `gc()`:
 * gc; baseline; baseline; op x `times`; the op's growth divided by `times`
 * minus the baseline's growth. Repeated `repeat` times.
 */
export async function slotsPerCommand(
  worker: XsWorker,
  op: Uint8Array,
  baseline: Uint8Array,
  options: { times?: number; repeat?: number } = {},
): Promise<SlotCount> {
  const times = options.times ?? 1;
  const runs: number[] = [];
  for (let r = 0; r < (options.repeat ?? 3); r++) {
    await worker.gc();
    const a = await worker.command(baseline);
    const b = await worker.command(baseline);
    let last = b.heapCount;
    for (let t = 0; t < times; t++) last = (await worker.command(op)).heapCount;
    const perBaseline = b.heapCount - a.heapCount;
    runs.push((last - b.heapCount - perBaseline * times) / times);
  }
  const sorted = [...runs].sort((x, y) => x - y);
  return { slots: sorted[Math.floor(sorted.length / 2)], runs };
}
