/**
 * Packs an Espruino build's Storage files into its over-the-air image
 * (the format is firmware/espruino/ota-image.ts's, which reads it on the
 * board): the magic line, the file list as JSON, the files' bytes.
 *
 * Never: write an image the board's reader would refuse (checked here with
 * the same rules, so the build fails instead of the upload).
 */
import { fileListProblem, IMAGE_MAGIC, type ImageFile, MAX_HEADER } from '../../firmware/espruino/ota-image.ts';

/** One Storage file of the image. */
export interface ImageEntry {
  name: string;
  bytes: Uint8Array;
}

/** The image holding `entries` in this order; throws an Error when the board would refuse it. */
export function packImage(entries: readonly ImageEntry[]): Uint8Array {
  const list: ImageFile[] = entries.map((e) => [e.name, e.bytes.length]);
  const problem = fileListProblem(list);
  if (problem) throw new Error(`cannot pack the over-the-air image: ${problem}`);
  const header = Buffer.from(`${IMAGE_MAGIC}${JSON.stringify(list)}\n`, 'latin1');
  if (header.length > MAX_HEADER)
    throw new Error(`the over-the-air image lists too many files (header ${header.length} B, at most ${MAX_HEADER})`);
  return Buffer.concat([header, ...entries.map((e) => e.bytes)]);
}
