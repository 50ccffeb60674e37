/**
 * The OtaTarget that does the work on Espruino: an image (ota-image.ts)
 * streamed into staging Storage files, made the next boot's files by one
 * small commit record, installed at the next boot (ota-boot.ts). Part of
 * the OTA module (ota-module.ts), loaded only while an upload runs.
 *
 *   begin()     refuses while an installed image waits for its restart;
 *               erases what an earlier, unfinished upload left staged
 *   write()     file i of the image goes to `.cwota.i`, each piece written
 *               where it sits (Storage.write with the declared size)
 *   complete()  every file arrived whole: writes `.cwota.commit`, the list
 *               of staged -> live names; nothing live has changed yet
 *   cancel()    erases the staged files
 *   restart()   load(): Espruino restarts its JavaScript; .boot0 installs
 *
 * Uploads never make Espruino compact Storage (it moves files, and the
 * running app's code is read from them): an image needs as much free
 * Storage as it is large, else it is refused (capacity, and again when the
 * header tells the files' sizes). The boot installer compacts, when no
 * code from Storage is running.
 *
 * Never: write a live file (only `.cwota.*`); write the commit record before
 * every file arrived whole and the session checked the hash; let a failed
 * upload leave the commit record.
 */
import type { OtaTarget } from '../../src/platform.ts';
import { COMMIT_FILE, stagedName } from './ota-boot.ts';
import { type ImageFile, ImageReader, STAGING_PREFIX } from './ota-image.ts';
import { espruino, type EspruinoStorage } from './types/espruino.ts';

/** Storage kept free beyond the image: each file's header, the commit record, the key-value store's next write. */
const MARGIN = 4096;
/** Bytes of Storage a file takes besides its data (header, alignment). */
const PER_FILE = 40;

/** Writes an image into staging Storage files; see the file comment. */
export class StorageOtaTarget implements OtaTarget {
  private readonly storage: EspruinoStorage = espruino.require('Storage');
  private reader: ImageReader | null = null;
  /** What is wrong with the image (not a chipweb image, does not fit): complete() refuses it, so the answer is 422. */
  private problem = '';
  /** Storage failed: that throws at once (the session answers 500). */
  private storing = false;

  /**
   * The largest image accepted: Storage free (without compacting) when this
   * target was made, for one upload, less a margin. Fixed while the upload
   * runs: the staged files take their room as soon as their first piece is
   * written.
   */
  readonly capacity: number;

  constructor() {
    const free = this.storage.getStats().freeBytes - MARGIN;
    this.capacity = free > 0 ? free : 0;
  }

  begin(_size: number): void {
    const storage = this.storage;
    if (storage.read(COMMIT_FILE) !== undefined)
      throw new Error('an update is installed and waits for the restart; it restarts in a moment');
    this.eraseStaged();
    this.problem = '';
    this.storing = false;
    this.reader = new ImageReader();
  }

  write(bytes: Uint8Array, start: number, end: number): void {
    const reader = this.reader;
    if (reader === null) throw new Error('no update was begun');
    if (this.problem !== '') return; // the rest of a refused image is read and dropped
    try {
      reader.push(bytes, start, end, this);
    } catch (error) {
      if (this.storing) throw error;
      this.problem = error instanceof Error ? error.message : String(error);
      this.eraseStaged();
    }
  }

  /** ImageSink: checks the files fit in free Storage. */
  files(list: ImageFile[]): void {
    let need = MARGIN;
    for (let i = 0; i < list.length; i++) need += list[i][1] + PER_FILE;
    const free = this.storage.getStats().freeBytes;
    if (need > free)
      this.problem = `the image needs ${need} bytes of free Storage and ${free} are free: restart the board (it compacts Storage at boot) or flash it by cable`;
  }

  /** ImageSink: writes a piece of file `index` into its staged file. */
  data(index: number, offset: number, bytes: Uint8Array, start: number, end: number): void {
    if (this.problem !== '') return;
    const list = (this.reader as ImageReader).list as ImageFile[];
    this.storing = true;
    if (!this.storage.write(stagedName(index), bytes.subarray(start, end), offset, list[index][1]))
      throw new Error(`Storage did not take ${list[index][0]}`);
    this.storing = false;
  }

  complete(): void {
    const reader = this.reader;
    if (this.problem !== '') throw new Error(this.problem);
    if (reader === null || !reader.done) throw new Error('the image ended before its last file');
    const list = reader.list as ImageFile[];
    const files: [string, string, number][] = [];
    for (let i = 0; i < list.length; i++) {
      const staged = this.storage.read(stagedName(i));
      if (staged === undefined || staged.length !== list[i][1]) throw new Error(`${list[i][0]} was not stored whole`);
      files.push([stagedName(i), list[i][0], list[i][1]]);
    }
    // The one write that makes the image the next boot's: until it is whole, the installer ignores it.
    this.storage.writeJSON(COMMIT_FILE, { files, ok: 1 });
    this.reader = null;
  }

  cancel(): void {
    this.reader = null;
    this.eraseStaged();
  }

  restart(): void {
    espruino.load();
  }

  /** Erases staged files (never the commit record: begin() refuses while it exists). */
  private eraseStaged(): void {
    const storage = this.storage;
    const names = storage.list(/^\.cwota\.\d/);
    for (let i = 0; i < names.length; i++) if (names[i].indexOf(STAGING_PREFIX) === 0) storage.erase(names[i]);
  }
}
