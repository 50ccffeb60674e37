/**
 * The simulator's OtaTarget: the "firmware" is a file. An upload is written
 * to a staging file beside it; complete() flushes the staging file to disk
 * and renames it over the image in one step (rename is atomic on the same
 * file system), so the image file is, at every moment, either the old image
 * or the whole new one, the way otadata switches the ESP32's boot slot only
 * in complete(). cancel() deletes the staging file. restart() calls
 * `onRestart` (the simulator logs it; a test counts it).
 *
 * Never: write the image file anywhere but complete(); leave a staging file
 * after cancel().
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OtaTarget } from '../src/platform.ts';

/** Options of a FileOtaTarget. */
export interface FileOtaOptions {
  /** The image file: what "boots". */
  image: string;
  /** Largest image, in bytes (default 2,031,616: one app slot of the esp32 partition table). */
  capacity?: number;
  /** Called by restart(). */
  onRestart?: () => void;
}

/** The esp32 partition table's app slot size (manifests/esp32-partitions.csv). */
export const ESP32_APP_SLOT = 0x1f0000;

/** An update target backed by files (see the file comment). */
export class FileOtaTarget implements OtaTarget {
  readonly capacity: number;
  /** The image file. */
  readonly image: string;
  /** The staging file an upload is written to. */
  readonly staging: string;
  private fd = -1;
  private readonly onRestart: (() => void) | undefined;

  constructor(options: FileOtaOptions) {
    this.image = path.resolve(options.image);
    this.staging = `${this.image}.staging`;
    this.capacity = options.capacity ?? ESP32_APP_SLOT;
    this.onRestart = options.onRestart;
  }

  begin(size: number): void {
    if (size > this.capacity) throw new RangeError(`image of ${size} bytes does not fit in ${this.capacity}`);
    this.closeStaging();
    fs.mkdirSync(path.dirname(this.image), { recursive: true });
    this.fd = fs.openSync(this.staging, 'w');
  }

  write(bytes: Uint8Array, start: number, end: number): void {
    if (this.fd < 0) throw new Error('write outside begin()..complete()');
    let p = start;
    while (p < end) p += fs.writeSync(this.fd, bytes, p, end - p);
  }

  complete(): void {
    if (this.fd < 0) throw new Error('bad state');
    fs.fsyncSync(this.fd);
    this.closeStaging();
    fs.renameSync(this.staging, this.image);
  }

  cancel(): void {
    this.closeStaging();
    fs.rmSync(this.staging, { force: true });
  }

  restart(): void {
    if (this.onRestart) this.onRestart();
  }

  private closeStaging(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
