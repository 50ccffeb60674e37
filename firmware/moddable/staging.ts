/**
 * The staging area the Moddable socket adapter moves bytes through, with its
 * ladder of views.
 *
 * ECMA-419 `read(view)` and `write(view)` transfer exactly `view.byteLength`
 * bytes, so a naive adapter would make a new view for every transfer. Instead
 * the staging area keeps one view of every power-of-two length (1, 2, 4 …
 * size) starting at its first byte; a transfer is split into power-of-two
 * pieces, each moved through the view of its length. Bytes are copied with
 * `copyWithin` within the same ArrayBuffer (the pool's, when the platform
 * allocated it: Platform.allocate) and with `set` across buffers; neither
 * allocates (`set` within one buffer would: it clones its source first).
 *
 * Never: allocate after construction or attach(), except in load() for a
 * source outside the staging's ArrayBuffer longer than BYTE_LOOP_LIMIT (one
 * view per piece, counted in `foreignViews`).
 */

/** Pieces from a foreign buffer up to this many bytes are copied byte by byte (no view needed). */
export const BYTE_LOOP_LIMIT = 64;

/** A power-of-two staging area and its ladder of views. */
export class Staging {
  /** Largest piece moved at once (a power of two). */
  readonly size: number;
  /** log2(size): the top rung of the ladder. */
  readonly top: number;
  /** The ArrayBuffer the staging area lives in (possibly shared with the pool). */
  buffer: ArrayBuffer;
  /** A view of the whole ArrayBuffer, for copyWithin from any offset in it. */
  whole: Uint8Array;
  /** Byte offset of the staging area inside `buffer`. */
  offset: number;
  /** ladder[k] is the view of length 2**k at the staging area's start. */
  ladder: Uint8Array[];
  /** How many times load() had to make a view (source outside `buffer`). */
  foreignViews = 0;

  /** Makes a standalone staging area of `size` bytes (a power of two, at least 16). */
  constructor(size: number) {
    if (!(size >= 16 && size <= 65536) || (size & (size - 1)) !== 0) {
      throw new RangeError(`staging size must be a power of two from 16 to 65536, got ${size}`);
    }
    this.size = size;
    this.top = 31 - Math.clz32(size);
    this.buffer = new ArrayBuffer(size);
    this.whole = new Uint8Array(this.buffer);
    this.offset = 0;
    this.ladder = [];
    this.build();
  }

  /**
   * Moves the staging area into `buffer` at `offset` (which must leave `size`
   * bytes), so sources in that buffer copy with copyWithin. Called once, when
   * the pool is allocated; rebuilds the ladder.
   */
  attach(buffer: ArrayBuffer, offset: number): void {
    if (offset < 0 || offset + this.size > buffer.byteLength) {
      throw new RangeError(`staging: ${this.size} bytes do not fit at ${offset} in a buffer of ${buffer.byteLength}`);
    }
    this.buffer = buffer;
    this.whole = new Uint8Array(buffer);
    this.offset = offset;
    this.ladder = [];
    this.build();
  }

  /** The rung for a piece: log2 of the largest power of two <= min(n, size). */
  rung(n: number): number {
    const k = 31 - Math.clz32(n);
    return k < this.top ? k : this.top;
  }

  /** Copies `length` (a rung's length) bytes from `from` at `at` to the staging area. */
  load(from: Uint8Array, at: number, length: number): void {
    if (from.buffer === this.buffer) {
      const start = from.byteOffset + at;
      this.whole.copyWithin(this.offset, start, start + length);
      return;
    }
    const to = this.whole;
    const base = this.offset;
    if (length <= BYTE_LOOP_LIMIT) {
      for (let i = 0; i < length; i++) to[base + i] = from[at + i];
      return;
    }
    // A source outside the staging's buffer (e.g. a flash resource): one
    // short-lived view per piece. Counted so tests and stats can see it.
    this.foreignViews++;
    to.set(from.subarray(at, at + length), base);
  }

  /**
   * Copies `length` bytes from the staging area to `to` at `at`. Within the
   * same ArrayBuffer this must be copyWithin: TypedArray set() clones its
   * source first when both share a buffer (an allocation per transfer).
   */
  unload(to: Uint8Array, at: number, length: number): void {
    if (to.buffer === this.buffer) {
      this.whole.copyWithin(to.byteOffset + at, this.offset, this.offset + length);
      return;
    }
    to.set(this.ladder[this.rung(length)], at);
  }

  private build(): void {
    for (let k = 0; k <= this.top; k++) this.ladder.push(new Uint8Array(this.buffer, this.offset, 1 << k));
  }
}
