/**
 * The fixed-size buffer pool: one ArrayBuffer made at start, cut into
 * slots. Each slot has an input area (the request is read and parsed in
 * place) and an output area (the response head and small bodies are
 * encoded there). A connection owns one slot from accept to close.
 *
 * Never: grow, or create a buffer or view after construction.
 */

/** Pool dimensions; they come from the target's budget, not from code. */
export interface PoolOptions {
  /** Number of slots = most connections served at once. */
  slots: number;
  /** Bytes per slot for the request (head + body). */
  slotSize: number;
  /** Bytes per slot for encoding the response. */
  outputSize: number;
}

/** Fixed set of slot buffers with a free list. */
export class Pool {
  /** The one allocation behind every slot (it may be longer: the platform's staging follows). */
  readonly memory: ArrayBuffer;
  /** Input (request) view of each slot. */
  readonly inputs: Uint8Array[];
  /** Output (response) view of each slot. */
  readonly outputs: Uint8Array[];
  /** Number of slots. */
  readonly slots: number;
  /** Slots in use right now. */
  inUse = 0;
  /** Most slots ever in use at once. */
  highWater = 0;
  private readonly free: Int32Array;
  private readonly taken: Uint8Array;
  private freeCount: number;

  /**
   * Allocates `slots × (slotSize + outputSize)` bytes once, or uses the
   * first that many bytes of `memory` (from Platform.allocate).
   */
  constructor(options: PoolOptions, memory?: ArrayBuffer) {
    if (!(options.slots >= 1 && options.slots <= 256))
      throw new RangeError(`pool: slots must be 1..256, got ${options.slots}`);
    if (!(options.slotSize >= 256 && options.slotSize <= 65535))
      throw new RangeError(`pool: slotSize must be 256 to 65535 bytes, got ${options.slotSize}`);
    if (!(options.outputSize >= 256))
      throw new RangeError(`pool: outputSize must be at least 256 bytes, got ${options.outputSize}`);
    const stride = options.slotSize + options.outputSize;
    this.slots = options.slots;
    const bytes = stride * options.slots;
    if (memory !== undefined && memory.byteLength < bytes)
      throw new RangeError(`pool: the platform gave ${memory.byteLength} bytes, ${bytes} are needed`);
    this.memory = memory !== undefined ? memory : new ArrayBuffer(bytes);
    this.inputs = [];
    this.outputs = [];
    this.free = new Int32Array(options.slots);
    this.taken = new Uint8Array(options.slots);
    for (let i = 0; i < options.slots; i++) {
      this.inputs.push(new Uint8Array(this.memory, i * stride, options.slotSize));
      this.outputs.push(new Uint8Array(this.memory, i * stride + options.slotSize, options.outputSize));
      // Hand out low slots first: keeps the working set small and tests readable.
      this.free[i] = options.slots - 1 - i;
    }
    this.freeCount = options.slots;
  }

  /** Takes a free slot; returns its index, or -1 when all are in use. */
  acquire(): number {
    if (this.freeCount === 0) return -1;
    const slot = this.free[--this.freeCount];
    this.taken[slot] = 1;
    this.inUse++;
    if (this.inUse > this.highWater) this.highWater = this.inUse;
    return slot;
  }

  /** Returns a slot to the pool. Releasing a free slot is a bug and throws. */
  release(slot: number): void {
    if (this.taken[slot] !== 1) throw new Error(`pool: slot ${slot} released twice`);
    this.taken[slot] = 0;
    this.free[this.freeCount++] = slot;
    this.inUse--;
  }

  /** True when `slot` is currently taken. */
  isTaken(slot: number): boolean {
    return this.taken[slot] === 1;
  }
}
