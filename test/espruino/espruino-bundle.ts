/**
 * Imports modules as the Espruino build links them, for tests in Node:
 * esbuild bundles `source` (ES module text whose paths are relative to the
 * project root) with the build's stand-in for the core's engine codec, so
 * the core's text functions ask Espruino's native codec first, as on a
 * board (and, when asked, its response module's). The caller sets up the
 * `E` global first (the codec reads it when the bundle loads).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Bundles and imports `source`; resolves with the module's exports.
 * `response`: the core's response module is the Espruino build's stand-in
 * (firmware/espruino/response.ts) too, as on a board.
 */
export async function importWithEspruinoCodec(source: string, response = false): Promise<Record<string, unknown>> {
  const standIn = join(ROOT, 'firmware', 'espruino', 'response.ts');
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    plugins: [
      {
        name: 'espruino-engine-codec',
        setup(b) {
          b.onResolve({ filter: /engine-codec\.ts$/ }, (args) =>
            args.importer.endsWith(join('src', 'http', 'text.ts'))
              ? { path: join(ROOT, 'firmware', 'espruino', 'engine-codec.ts') }
              : undefined,
          );
          if (response)
            b.onResolve({ filter: /response\.ts$/ }, (args) => {
              const path = resolve(args.resolveDir, args.path);
              return path === join(ROOT, 'src', 'http', 'response.ts') && args.importer !== standIn
                ? { path: standIn }
                : undefined;
            });
        },
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-bundle-'));
  try {
    const file = join(dir, 'bundle.mjs');
    writeFileSync(file, result.outputFiles[0].text);
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Espruino's E.toString of a typed array: its bytes as a byte string. */
export function bytesToString(view: Uint8Array): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('latin1');
}

/** E of an Espruino build without Unicode (an ESP32's): strings are bytes, E.asUTF8 throws. */
export const E_WITHOUT_UNICODE = {
  isUTF8: () => false,
  toString: bytesToString,
  asUTF8: () => {
    throw new Error('no Unicode');
  },
};

/**
 * E of Espruino's Linux build (with Unicode): a V8 string with a char above
 * 127 stands for a UTF-8 string there; E.asUTF8 reads bytes as UTF-8.
 */
export const E_WITH_UNICODE = {
  isUTF8: (s: string) => [...s].some((ch) => ch.charCodeAt(0) > 127),
  toString: bytesToString,
  asUTF8: (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8'),
};

/**
 * Puts Espruino's `E` (as given) on globalThis and makes a typed array's
 * set() of a string copy its char codes, as Espruino's does (V8 writes
 * zeros); returns what puts V8's back.
 */
export function standInEspruino(E: object): () => void {
  const set = Uint8Array.prototype.set;
  const saved = (globalThis as { E?: unknown }).E;
  (globalThis as { E?: unknown }).E = E;
  Uint8Array.prototype.set = function (this: Uint8Array, source: ArrayLike<number> | string, offset?: number) {
    if (typeof source !== 'string') return set.call(this, source, offset);
    return set.call(this, Buffer.from(source, 'latin1'), offset);
  } as typeof set;
  return () => {
    Uint8Array.prototype.set = set;
    (globalThis as { E?: unknown }).E = saved;
  };
}
