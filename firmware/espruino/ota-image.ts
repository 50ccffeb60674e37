/**
 * The over-the-air image of an Espruino build, and its streaming reader.
 * `chipweb build --target espruino` writes `update.bin` (toolchain/espruino/
 * ota-image.ts packs it): the Storage files the build wrote, in one body:
 *
 *   chipweb-espruino 1\n                     the magic line
 *   [["routes.bin",187],…,[".bootcde",N]]\n  the files: Storage name, bytes
 *   the files' bytes, one after the other, in that order
 *
 * The reader takes the body in pieces of any size (as they arrive from the
 * socket) and hands each file's bytes to a sink with where they sit in the
 * file, so the board writes them straight into Storage files of the size the
 * header declared, without holding the image.
 *
 * Never: accept a file name Storage cannot hold or one the update itself
 * uses (STAGING_PREFIX); accept an image without boot code; hand the sink a
 * byte past a file's declared size; hold more than the header in memory.
 */

/** First line of every image. */
export const IMAGE_MAGIC = 'chipweb-espruino 1\n';
/** Longest header (magic and file list) accepted, in bytes. */
export const MAX_HEADER = 4096;
/** Longest Storage file name on Espruino 2v29. */
export const MAX_NAME = 28;
/** Storage names the update uses while it runs (staged files, the commit record); no image file may start so. */
export const STAGING_PREFIX = '.cwota.';
/** The Storage file Espruino runs at boot: every image has one. */
export const BOOT_CODE = '.bootcde';

/** One file of an image: its Storage name and size in bytes. */
export type ImageFile = [name: string, bytes: number];

/** What the reader hands the image to. */
export interface ImageSink {
  /** The header was read: these files follow, in this order. Throws to refuse the image. */
  files(list: ImageFile[]): void;
  /** bytes[start..end) of file `index`, at `offset` in it. Throws to stop. */
  data(index: number, offset: number, bytes: Uint8Array, start: number, end: number): void;
}

/**
 * Why `list` is not a valid file list ('' when it is): every name a
 * Storage name (1 to 28 characters, not a staging name, no repeats), every
 * size a whole number above 0, and a boot code file among them.
 */
export function fileListProblem(list: unknown): string {
  if (!Array.isArray(list) || list.length === 0) return 'the image lists no files';
  const seen: string[] = [];
  let boot = false;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i] as unknown;
    if (!Array.isArray(entry) || entry.length !== 2) return `file ${i} of the image is not [name, bytes]`;
    const name = entry[0] as unknown;
    const bytes = entry[1] as unknown;
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME)
      return `file ${i} of the image has no Storage name of 1 to ${MAX_NAME} characters`;
    if (name.indexOf(STAGING_PREFIX) === 0) return `the image may not hold a file named ${name}`;
    if (seen.indexOf(name) >= 0) return `the image holds ${name} twice`;
    if (typeof bytes !== 'number' || bytes < 1 || bytes !== Math.floor(bytes))
      return `${name} in the image has no size above 0`;
    seen.push(name);
    if (name === BOOT_CODE) boot = true;
  }
  return boot ? '' : `the image has no ${BOOT_CODE} (not an Espruino build)`;
}

/** Reads an image as it arrives; throws an Error saying what is wrong with it. */
export class ImageReader {
  /** The files, once the header was read. */
  list: ImageFile[] | null = null;
  private header: Uint8Array | null = new Uint8Array(MAX_HEADER);
  private headerLength = 0;
  /** The file being received and how much of it arrived. */
  private index = 0;
  private offset = 0;

  /** Whether every file arrived whole (and nothing more). */
  get done(): boolean {
    const list = this.list;
    return list !== null && this.index === list.length;
  }

  /** Takes bytes[start..end) of the image. */
  push(bytes: Uint8Array, start: number, end: number, sink: ImageSink): void {
    let p = start;
    if (this.list === null) p = this.readHeader(bytes, p, end, sink);
    const list = this.list as ImageFile[] | null;
    if (list === null) return;
    while (p < end) {
      if (this.index >= list.length) throw new Error('the image goes on after its last file');
      const size = list[this.index][1];
      const n = size - this.offset < end - p ? size - this.offset : end - p;
      sink.data(this.index, this.offset, bytes, p, p + n);
      p += n;
      this.offset += n;
      if (this.offset === size) {
        this.index++;
        this.offset = 0;
      }
    }
  }

  /** Collects the header; returns where the files' bytes begin in `bytes` (end when not yet). */
  private readHeader(bytes: Uint8Array, start: number, end: number, sink: ImageSink): number {
    const header = this.header as Uint8Array;
    let p = start;
    while (p < end) {
      const byte = bytes[p++];
      if (this.headerLength >= MAX_HEADER)
        throw new Error(`the image's header is longer than ${MAX_HEADER} bytes (not a chipweb Espruino image?)`);
      header[this.headerLength++] = byte;
      if (this.headerLength <= IMAGE_MAGIC.length) {
        if (byte !== IMAGE_MAGIC.charCodeAt(this.headerLength - 1))
          throw new Error('not a chipweb Espruino image (build it with chipweb build --target espruino: update.bin)');
      } else if (byte === 10) {
        this.parseList(header, sink);
        return p;
      }
    }
    return p;
  }

  private parseList(header: Uint8Array, sink: ImageSink): void {
    let text = '';
    for (let i = IMAGE_MAGIC.length; i < this.headerLength - 1; i++) text += String.fromCharCode(header[i]);
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      throw new Error("the image's file list is not JSON");
    }
    const problem = fileListProblem(list);
    if (problem !== '') throw new Error(problem);
    this.header = null;
    this.list = list as ImageFile[];
    sink.files(this.list);
  }
}
