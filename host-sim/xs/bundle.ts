/**
 * Bundles XS-side code for the host XS engine: runs the shared esbuild step
 * (toolchain/bundle.ts, host 'xs' → one IIFE script) and returns the script's
 * text, ready for `XsWorker.evaluate`.
 *
 * Never: add XS-only transforms here; the board gets the same code through
 * the same esbuild step, only in a different format.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../../toolchain/bundle.ts';

/** The repository root (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where generated entries and bundles go (git-ignored). */
const OUT_DIR = join(REPO_ROOT, 'build', 'xs');

let counter = 0;

/** A bundled script and its size. */
export interface XsBundle {
  /** The IIFE's source text. */
  code: string;
  /** Its size in bytes. */
  bytes: number;
}

/** Bundles `entry` (a TypeScript or JavaScript module path) into one IIFE script for XS. */
export async function bundleForXs(entry: string, options: { minify?: boolean } = {}): Promise<XsBundle> {
  mkdirSync(OUT_DIR, { recursive: true });
  const outfile = join(OUT_DIR, `${basename(entry).replace(/\.[cm]?[jt]s$/, '')}-${process.pid}-${counter++}.js`);
  try {
    const { bytes } = await bundle({ entry, outfile, host: 'xs', minify: options.minify ?? false });
    return { code: readFileSync(outfile, 'utf8'), bytes };
  } finally {
    rmSync(outfile, { force: true });
  }
}

/**
 * Bundles a generated entry: `source` is module text whose imports are
 * absolute paths or paths relative to the repository root (`./src/...`).
 */
export async function bundleSourceForXs(
  name: string,
  source: string,
  options: { minify?: boolean } = {},
): Promise<XsBundle> {
  mkdirSync(OUT_DIR, { recursive: true });
  const entry = join(REPO_ROOT, 'build', 'xs', `${name}-${process.pid}-${counter++}.ts`);
  writeFileSync(entry, source.replace(/from '\.\//g, `from '${REPO_ROOT}/`));
  try {
    return await bundleForXs(entry, options);
  } finally {
    rmSync(entry, { force: true });
  }
}
