/**
 * The one esbuild step that `chipweb build` and `chipweb sim` share, so the
 * simulator runs the very bundle shape the board runs.
 *
 * For the board, the bundle is made unminified, given its module-level
 * `const`s back (const-bindings.ts: esbuild turns them into `var`, which
 * XS's preload keeps in RAM), then minified on its own.
 *
 * Never: add host-specific code paths here; targets differ only in format,
 * externals and minification (and the board's const step).
 */
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { constBindings } from './const-bindings.ts';

/** The package root, so apps importing 'chipweb' get this copy of the core. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What to bundle and for which host. */
export interface BundleOptions {
  /** The app's entry module (exports the App as default). */
  entry: string;
  /** Output file. */
  outfile: string;
  /**
   * More entries, by output name, bundled with `entry` into the folder of
   * `outfile`; code they share goes into chunks named by `chunkNames`
   * (ESM only). chipweb build uses it to keep the core apart from the app.
   */
  entries?: Record<string, string>;
  /** esbuild chunk name pattern for `entries` (default "chunk-[hash]"). */
  chunkNames?: string;
  /** 'node' for the simulator, 'moddable' for the board, 'xs' for the host XS engine. */
  host: 'node' | 'moddable' | 'xs';
  /** Minify (default: true for moddable, false otherwise). */
  minify?: boolean;
  /** Extra module names left external (Moddable module specifiers, for example). */
  external?: string[];
  /** Global identifiers to replace (esbuild `define`); chipweb build uses it to find forbidden globals. */
  define?: Record<string, string>;
  /** Extra esbuild plugins (tests map Moddable modules to fakes with one). */
  plugins?: esbuild.Plugin[];
}

/** Module specifiers that exist only on the board and are never bundled. */
export const MODDABLE_MODULES = [
  'embedded:*',
  'timer',
  'Resource',
  'preference',
  'instrumentation',
  'wifi',
  'net',
  'mdns',
  'flash',
  'ota',
  'system',
  'time',
  'mc/*',
];

/** The package's public entry points, by import specifier. */
export const CORE_ENTRIES: Record<string, string> = {
  chipweb: path.join(ROOT, 'src/index.ts'),
  'chipweb/router': path.join(ROOT, 'src/router/index.ts'),
  'chipweb/device': path.join(ROOT, 'src/device.ts'),
  'chipweb/sha256': path.join(ROOT, 'src/crypto/sha256.ts'),
};

/** Leaves the core external as the file URL of the module the host itself runs. */
const hostCore: esbuild.Plugin = {
  name: 'chipweb-host-core',
  setup(build) {
    build.onResolve({ filter: /^chipweb(\/(router|device|sha256))?$/ }, (args) => ({
      path: pathToFileURL(CORE_ENTRIES[args.path]).href,
      external: true,
    }));
  },
};

/** `expression` (JavaScript source) minified by esbuild as the board bundle minifies it. */
export function minifyExpression(expression: string): string {
  // An assignment, so that the minifier keeps the expression.
  return esbuild.transformSync(`m=${expression}`, { minify: true }).code.replace(/^m=/, '').replace(/;\s*$/, '');
}

/** A board module: module-level bindings `const` where they can be (see const-bindings.ts), then minified. */
export function boardCode(code: string, minify: boolean): string {
  const constant = constBindings(code).code;
  if (!minify) return constant;
  return esbuild.transformSync(constant, { format: 'esm', target: 'es2022', minify: true }).code;
}

/** Bundles `entry` with esbuild and returns the output's size in bytes. */
export async function bundle(
  options: BundleOptions,
): Promise<{ bytes: number; warnings: string[]; externals: string[]; inputs: string[]; outputs: string[] }> {
  const moddable = options.host === 'moddable';
  const split = options.entries !== undefined;
  const result = await esbuild.build({
    entryPoints: split
      ? { [path.basename(options.outfile).replace(/\.[cm]?js$/, '')]: options.entry, ...options.entries }
      : [options.entry],
    ...(split
      ? { outdir: path.dirname(options.outfile), splitting: true, chunkNames: options.chunkNames ?? 'chunk-[hash]' }
      : { outfile: options.outfile }),
    bundle: true,
    format: options.host === 'xs' ? 'iife' : 'esm',
    platform: options.host === 'node' ? 'node' : 'neutral',
    target: 'es2022',
    // The board's bundle is minified after the const step, below.
    minify: moddable ? false : (options.minify ?? false),
    sourcemap: options.host === 'node' ? 'inline' : false,
    external: [...(moddable ? MODDABLE_MODULES : []), ...(options.external ?? [])],
    // On the board and in XS the core is bundled with the app (one copy per
    // machine). In Node the simulator's host already runs the core, so the
    // app bundle imports that very module instead of carrying a second copy:
    // with two, `instanceof HttpError` would fail across them.
    alias: options.host === 'node' ? undefined : CORE_ENTRIES,
    define: options.define,
    plugins: options.host === 'node' ? [hostCore, ...(options.plugins ?? [])] : options.plugins,
    logLevel: 'silent',
    metafile: true,
  });
  let bytes = 0;
  const externals = new Set<string>();
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    for (const imported of output.imports) if (imported.external) externals.add(imported.path);
    if (!moddable) {
      bytes += output.bytes;
      continue;
    }
    const code = boardCode(readFileSync(file, 'utf8'), options.minify ?? true);
    writeFileSync(file, code);
    bytes += Buffer.byteLength(code);
  }
  return {
    bytes,
    warnings: result.warnings.map((w) => w.text),
    externals: [...externals].sort(),
    inputs: Object.keys(result.metafile.inputs).map((input) => path.resolve(input)),
    outputs: Object.keys(result.metafile.outputs).map((output) => path.resolve(output)),
  };
}
