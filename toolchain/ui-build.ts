/**
 * Builds a device web UI: `<ui>/index.html` with its `style.css` and
 * `main.ts` bundled and minified by esbuild and inlined into one page (one
 * request, one gzip stream: the smallest and the kindest to a board with a
 * few connection slots), written raw to `<ui>/dist/` next to `build.json`
 * (firmware version, build time, asset sizes) for the About panel.
 *
 * Gzip and ETags are not done here: `packAssets()` (toolchain/assets.ts) does
 * them for `chipweb build` (into flash) and for `chipweb sim` (into the
 * simulated flash) alike; this step measures with it and prints the size
 * report, and fails when the gzipped UI is over its budget.
 *
 * Run it alone with `npm run build:ui` (or `tsx toolchain/ui-build.ts [UI_DIR]`).
 *
 * Never: write outside `<ui>/dist/`; embed anything but the build time that
 * changes between two builds of the same sources (set SOURCE_DATE_EPOCH for
 * a reproducible build.json).
 */
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipDeterministic, packAssets } from './assets.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The default firmware's UI folder. */
export const DEFAULT_UI_DIR = join(ROOT, 'firmware', 'app', 'ui');

/** Most bytes the gzipped UI (HTML + JS + CSS) may take in flash. */
export const UI_BUDGET = 8192;

/** Browsers the UI's JavaScript and CSS are lowered for. */
const BROWSERS = ['chrome80', 'firefox78', 'safari13', 'edge80'];

/** One line of the UI size report. */
export interface UiPart {
  /** What it is: "HTML", "CSS", "JS", or a file name. */
  name: string;
  /** Minified bytes. */
  raw: number;
  /** Gzipped bytes (alone). */
  gzip: number;
}

/** What buildUi() produced. */
export interface UiBuildResult {
  /** The folder written (`<ui>/dist`). */
  outDir: string;
  /** The parts inlined into the page, measured alone. */
  parts: UiPart[];
  /** The page as served: minified bytes and stored (gzipped) bytes. */
  page: UiPart;
  /** Stored bytes of every asset in dist (what goes to flash). */
  assets: { [name: string]: number };
  /** Gzipped UI budget in bytes. */
  budget: number;
  /** The report, as printed. */
  report: string;
}

/** Options of buildUi(). */
export interface UiBuildOptions {
  /** UI source folder (index.html, style.css, main.ts); default firmware/app/ui. */
  uiDir?: string;
  /** Budget for the gzipped page (default UI_BUDGET). */
  budget?: number;
  /** Build time to record (default: SOURCE_DATE_EPOCH, else now). */
  built?: Date;
  /** The firmware target (esp32, pico_w …), recorded for the About panel. */
  target?: string;
}

/** True when `dir` holds a UI this builder can build. */
export function hasUi(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

/** Gzipped size with the flash packer's own gzip, so the figures are what the board stores. */
function gzipSize(bytes: Uint8Array): number {
  return gzipDeterministic(bytes).length;
}

async function bundleText(entry: string, loader: 'ts' | 'css'): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    format: loader === 'ts' ? 'iife' : undefined,
    target: BROWSERS,
    // Class fields as plain assignments: the browsers above need them lowered, and defineProperty's helper
    // and a call per field cost the page's flash budget (about 150 bytes gzipped).
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    legalComments: 'none',
    logLevel: 'silent',
    outdir: 'out',
  });
  return result.outputFiles.map((f) => f.text).join('');
}

/** Collapses the template's whitespace between tags and drops its comments. */
function minifyHtml(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/>\s+</g, '><')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** Builds the UI in `uiDir` into `uiDir/dist`; throws when it is over budget. */
export async function buildUi(options: UiBuildOptions = {}): Promise<UiBuildResult> {
  const uiDir = resolve(options.uiDir ?? DEFAULT_UI_DIR);
  const budget = options.budget ?? UI_BUDGET;
  const templateFile = join(uiDir, 'index.html');
  if (!existsSync(templateFile)) throw new Error(`no web UI in ${uiDir}: it needs an index.html`);
  const encoder = new TextEncoder();
  let html = minifyHtml(readFileSync(templateFile, 'utf8'));
  const parts: UiPart[] = [];
  const cssFile = join(uiDir, 'style.css');
  if (existsSync(cssFile)) {
    const css = (await bundleText(cssFile, 'css')).trim();
    parts.push({ name: 'CSS', raw: encoder.encode(css).length, gzip: gzipSize(encoder.encode(css)) });
    html = html.replace('<link rel="stylesheet" href="style.css">', () => `<style>${css}</style>`);
  }
  const jsFile = join(uiDir, 'main.ts');
  if (existsSync(jsFile)) {
    const js = (await bundleText(jsFile, 'ts')).trim();
    parts.push({ name: 'JS', raw: encoder.encode(js).length, gzip: gzipSize(encoder.encode(js)) });
    html = html.replace('<script src="main.js"></script>', () => `<script>${js}</script>`);
  }
  const pageBytes = encoder.encode(html);
  const outDir = join(uiDir, 'dist');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'index.html'), pageBytes);

  // Measure with the flash packer itself: these are the bytes the board stores.
  const packed = packAssets(outDir);
  const assets: { [name: string]: number } = {};
  for (const a of packed) assets[a.name] = a.bytes.length;
  const page: UiPart = { name: 'index.html', raw: pageBytes.length, gzip: assets['index.html'] };
  const htmlOnly = pageBytes.length - parts.reduce((n, p) => n + p.raw, 0);
  parts.unshift({ name: 'HTML', raw: htmlOnly, gzip: 0 });

  const epoch = process.env.SOURCE_DATE_EPOCH;
  const built = options.built ?? (epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date());
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const info = {
    version: pkg.version,
    built: built.toISOString(),
    assets,
    uiBudget: budget,
    ...(options.target ? { target: options.target } : {}),
  };
  writeFileSync(join(outDir, 'build.json'), JSON.stringify(info));
  const buildJson = packAssets(outDir).find((a) => a.name === 'build.json');
  if (buildJson && buildJson.encoding !== '') {
    throw new Error('build.json would be stored gzipped, and the board cannot read it back: keep it small');
  }

  const fmt = (n: number) => n.toLocaleString('en-US');
  const lines = [
    `web UI ${uiDir.slice(ROOT.length + 1) || uiDir} -> ${outDir.slice(ROOT.length + 1) || outDir}`,
    ...parts.map(
      (p) =>
        `  ${p.name.padEnd(5)} ${fmt(p.raw).padStart(7)} B minified${p.gzip ? `, ${fmt(p.gzip).padStart(6)} B gzipped alone` : ''}`,
    ),
    `  page  ${fmt(page.raw).padStart(7)} B (HTML + CSS + JS inlined) -> ${fmt(page.gzip)} B gzipped in flash, budget ${fmt(budget)} B (${Math.round((page.gzip * 100) / budget)}%)`,
  ];
  const report = lines.join('\n');
  if (page.gzip > budget) {
    throw new Error(
      `${report}\nthe gzipped web UI is ${fmt(page.gzip)} B, over its budget of ${fmt(budget)} B: make it smaller`,
    );
  }
  return { outDir, parts, page, assets, budget, report };
}

// `tsx toolchain/ui-build.ts [UI_DIR]`
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildUi({ uiDir: process.argv[2] }).then(
    (result) => console.log(result.report),
    (error: unknown) => {
      console.error(`ui-build: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}

/** What the simulator puts in its "flash": the packed assets by name, and how they were found. */
export interface FlashAssets {
  /** Stored bytes by asset name (gzipped as on the board). */
  assets: { [name: string]: Uint8Array };
  /** The folder packed, or undefined when there are none. */
  folder: string | undefined;
  /** The UI build report when the UI was built for this run. */
  report: string | undefined;
}

/**
 * The assets `chipweb sim ENTRY` serves, packed by the same packAssets() as
 * `chipweb build` (gzip, as on the board): `assetDir` when given; else the
 * UI next to ENTRY (`<dir>/ui/`), built first when it has sources, as
 * `chipweb build` finds it (`<dir>/ui/dist`).
 */
export async function flashAssets(entry: string, assetDir?: string): Promise<FlashAssets> {
  let folder = assetDir;
  let report: string | undefined;
  if (folder === undefined) {
    const uiDir = join(dirname(resolve(entry)), 'ui');
    if (hasUi(uiDir)) report = (await buildUi({ uiDir })).report;
    if (existsSync(join(uiDir, 'dist'))) folder = join(uiDir, 'dist');
  } else if (!existsSync(folder)) {
    throw new Error(`asset folder ${folder} does not exist`);
  }
  const assets: { [name: string]: Uint8Array } = {};
  for (const a of packAssets(folder)) assets[a.name] = a.bytes;
  return { assets, folder, report };
}
