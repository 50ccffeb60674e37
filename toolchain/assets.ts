/**
 * Packs a folder of web assets for the board: each file is gzipped (kept raw
 * when gzip does not make it smaller, e.g. PNG), given a strong ETag over the
 * bytes served, a content type, and a flat resource name Moddable can link
 * from flash. `chipweb build` writes the packed files as resources; the board
 * serves them without decompressing or hashing anything at run time.
 *
 * Output is deterministic (no timestamps), so a rebuild with the same files
 * gives the same firmware and the same ETags.
 *
 * Never: read anything outside the given folder, or follow symlinks out of it.
 */
import { assetType } from '../src/middleware/assets.ts';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gzipSync, constants as zlib } from 'node:zlib';

/** One packed asset. */
export interface PackedAsset {
  /** Path inside the asset folder with '/' separators, e.g. "index.html", "css/app.css". */
  name: string;
  /** Flat resource name in the firmware, e.g. "index.html.gz", "css~app.css.gz", "logo.png.raw". */
  resource: string;
  /** Content-Type to serve it with. */
  type: string;
  /** "gzip" when the stored bytes are gzipped, "" when stored as is. */
  encoding: 'gzip' | '';
  /** Strong ETag of the stored bytes, with its quotes. */
  etag: string;
  /** Size of the original file. */
  size: number;
  /** The bytes stored in flash. */
  bytes: Uint8Array;
}

/** File names the board can carry: letters, digits, '.', '_', '-' (and '/' between folders). */
const SAFE_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** The Content-Type for an asset name (one table, shared with the board's asset middleware). */
export function contentType(name: string): string {
  return assetType(name);
}

/** Gzip with the header fixed (no mtime, OS byte "Unix"), so output depends only on the input. */
export function gzipDeterministic(bytes: Uint8Array): Uint8Array {
  const out = gzipSync(bytes, { level: zlib.Z_BEST_COMPRESSION, memLevel: 9 });
  out.writeUInt32LE(0, 4);
  out[9] = 3;
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Strong ETag over the bytes served: 16 base64url characters of their SHA-256. */
export function strongEtag(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 16)}"`;
}

/**
 * The flat resource name for an asset path (Moddable resources have no
 * folders). It always gets a suffix of its own: mcconfig converts resources
 * ending in .png, .jpg, .gif, .wav, .ttf … and silently skips .js and .c, so
 * no asset may keep its own extension last.
 */
export function resourceName(name: string, gzipped: boolean): string {
  return name.split('/').join('~') + (gzipped ? '.gz' : '.raw');
}

/**
 * Packs every file under `folder` (recursively, in sorted order). Returns []
 * when `folder` is undefined. Throws, naming the file, when a name cannot be
 * carried or two names collide.
 */
export function packAssets(folder: string | undefined): PackedAsset[] {
  if (folder === undefined) return [];
  const root = realpathSync(folder);
  const files: string[] = [];
  walk(root, root, files);
  files.sort();
  const packed: PackedAsset[] = [];
  const seen = new Map<string, string>();
  for (const name of files) {
    if (!SAFE_NAME.test(name)) {
      throw new Error(
        `asset "${name}" in ${folder}: rename it to letters, digits, '.', '_' and '-' (the board's resource names allow nothing else)`,
      );
    }
    const raw = new Uint8Array(readFileSync(join(root, ...name.split('/'))));
    const gz = gzipDeterministic(raw);
    const gzipped = gz.length < raw.length;
    const bytes = gzipped ? gz : raw;
    const resource = resourceName(name, gzipped);
    const other = seen.get(resource.toLowerCase());
    if (other)
      throw new Error(
        `assets "${other}" and "${name}" in ${folder} map to the same resource "${resource}": rename one`,
      );
    seen.set(resource.toLowerCase(), name);
    packed.push({
      name,
      resource,
      type: contentType(name),
      encoding: gzipped ? 'gzip' : '',
      etag: strongEtag(bytes),
      size: raw.length,
      bytes,
    });
  }
  return packed;
}

function walk(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue; // .DS_Store, editor files
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink())
      throw new Error(`asset ${path} is a symbolic link: copy the file into the asset folder instead`);
    if (stat.isDirectory()) walk(root, path, out);
    else if (stat.isFile()) out.push(relative(root, path).split(sep).join('/'));
  }
}
