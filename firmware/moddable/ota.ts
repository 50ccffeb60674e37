/**
 * The ESP32's OtaTarget (src/platform.ts) over Moddable's `ota` module
 * (build/devices/esp32/modules/ota): esp_ota_begin on the next OTA
 * partition, sequential writes, esp_ota_end + esp_ota_set_boot_partition in
 * complete(), and System.restart() (modules/io/system) to boot the new image.
 * The partition table with two app slots and otadata is what `chipweb build
 * --target esp32` writes (manifests/esp32-partitions.csv); docs/ota.md says
 * why a power loss leaves a bootable device.
 *
 * Writes are gathered into one 4 KiB block (a flash sector) and handed to
 * the module whole, so no view is made per write; the last, partial block
 * goes out in power-of-two views of it made once.
 *
 * Never: make a view or buffer per write; allocate at module load (this is
 * preloaded into flash); let complete() run after a failed write.
 */
import OTA from 'ota';
import 'system';
import type { OtaTarget } from '../../src/platform.ts';

declare const System: { restart(): void };

/** Bytes handed to the ota module at once: one flash sector. */
const BLOCK = 4096;

/** The ESP32's next OTA partition as an update target. */
export class EspOtaTarget implements OtaTarget {
  readonly capacity: number;
  private ota: OTA | undefined;
  private block: Uint8Array | undefined;
  /** Views of `block` at offset 0 of lengths BLOCK/2, BLOCK/4 … 1, for the last partial block. */
  private ladder: Uint8Array[] = [];
  private used = 0;

  /** `capacity`: the app slot size of the partition table, in bytes. */
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  begin(size: number): void {
    if (size > this.capacity) throw new RangeError(`the image (${size} bytes) does not fit the OTA partition`);
    this.cancel();
    if (this.block === undefined) {
      const block = new Uint8Array(BLOCK);
      this.block = block;
      for (let length = BLOCK >> 1; length >= 1; length >>= 1) this.ladder.push(block.subarray(0, length));
    }
    this.used = 0;
    this.ota = new OTA(); // erases nothing yet: sequential writes erase sector by sector
  }

  write(bytes: Uint8Array, start: number, end: number): void {
    const ota = this.ota;
    const block = this.block;
    if (ota === undefined || block === undefined) throw new Error('no update in progress');
    let used = this.used;
    let p = start;
    while (p < end) {
      let n = BLOCK - used;
      if (n > end - p) n = end - p;
      for (let i = 0; i < n; i++) block[used + i] = bytes[p + i];
      used += n;
      p += n;
      if (used === BLOCK) {
        ota.write(block);
        used = 0;
      }
    }
    this.used = used;
  }

  complete(): void {
    const ota = this.ota;
    const block = this.block;
    if (ota === undefined || block === undefined) throw new Error('no update in progress');
    // The last partial block, in power-of-two pieces: each piece moves to the block's start.
    let used = this.used;
    let from = 0;
    for (let k = 0; k < this.ladder.length && used > 0; k++) {
      const view = this.ladder[k];
      const length = view.length;
      if (used >= length) {
        if (from > 0) block.copyWithin(0, from, from + length);
        ota.write(view);
        from += length;
        used -= length;
      }
    }
    this.used = 0;
    this.ota = undefined;
    ota.complete(); // throws when the image is invalid: the boot partition is then unchanged
  }

  cancel(): void {
    const ota = this.ota;
    this.ota = undefined;
    this.used = 0;
    if (ota !== undefined) ota.cancel();
  }

  restart(): void {
    System.restart();
  }
}
