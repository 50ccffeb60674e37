/**
 * An OtaTarget in memory, with the ESP32's two-slot semantics made visible
 * to tests: `running` is the image that boots, `staged` the update slot
 * being written. begin() erases the update slot; complete() makes the staged
 * image the boot image; restart() counts restarts and boots it. Nothing
 * before complete() touches `running`.
 *
 * `failWriteAt` and `rejectOnComplete` let a test make the "flash" fail.
 *
 * Never: change `running` anywhere but complete(); accept a write or a
 * complete() outside begin()..complete()/cancel().
 */
import type { OtaTarget } from '../src/platform.ts';

/** Options of a MemoryOtaTarget. */
export interface MemoryOtaOptions {
  /** Size of the update slot in bytes (default 1.5 MiB). */
  capacity?: number;
  /** The image that boots at first (default: 16 bytes "running firmware"). */
  running?: Uint8Array;
}

/** An update target in memory (see the file comment). */
export class MemoryOtaTarget implements OtaTarget {
  readonly capacity: number;
  /** The image that boots. */
  running: Uint8Array;
  /** The image that will boot after restart() (the running one until complete()). */
  bootImage: Uint8Array;
  /** Restarts so far. */
  restarts = 0;
  /** Calls made, in order: "begin 123", "write", "complete", "cancel", "restart" (writes are counted, not listed). */
  readonly calls: string[] = [];
  /** Bytes written to the update slot since begin(). */
  writes = 0;
  /** Make write() throw once this many bytes are staged (-1: never). */
  failWriteAt = -1;
  /** Make complete() throw with this message (as esp_ota_end does for an invalid image). */
  rejectOnComplete = '';
  private slot: Uint8Array;
  private length = 0;
  private open = false;

  constructor(options: MemoryOtaOptions = {}) {
    this.capacity = options.capacity ?? 1536 * 1024;
    this.running = options.running ?? new TextEncoder().encode('running firmware');
    this.bootImage = this.running;
    this.slot = new Uint8Array(0);
  }

  /** Whether an image is being received. */
  get receiving(): boolean {
    return this.open;
  }

  /** What the update slot holds so far. */
  get staged(): Uint8Array {
    return this.slot.subarray(0, this.length);
  }

  begin(size: number): void {
    if (size > this.capacity) throw new RangeError(`image of ${size} bytes does not fit in ${this.capacity}`);
    this.calls.push(`begin ${size}`);
    this.slot = new Uint8Array(this.capacity); // "erased"
    this.length = 0;
    this.writes = 0;
    this.open = true;
  }

  write(bytes: Uint8Array, start: number, end: number): void {
    if (!this.open) throw new Error('write outside begin()..complete()');
    if (this.failWriteAt >= 0 && this.length + (end - start) > this.failWriteAt) throw new Error('flash write failed');
    if (this.length + (end - start) > this.capacity) throw new RangeError('image larger than the update slot');
    this.slot.set(bytes.subarray(start, end), this.length);
    this.length += end - start;
    this.writes++;
  }

  complete(): void {
    if (!this.open) throw new Error('bad state');
    this.calls.push('complete');
    if (this.rejectOnComplete) {
      this.open = false;
      throw new Error(this.rejectOnComplete);
    }
    this.bootImage = this.slot.slice(0, this.length);
    this.open = false;
  }

  cancel(): void {
    this.calls.push('cancel');
    this.open = false;
    this.length = 0;
  }

  restart(): void {
    this.calls.push('restart');
    this.restarts++;
    this.running = this.bootImage;
  }
}
