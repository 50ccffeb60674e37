/**
 * `chipweb build ENTRY --target esp32|pico_w|moddable-sim`: turns a user's
 * app module into build/<target>/ for the Moddable tools:
 *
 *   main.js        the app module and the board entry (its default export
 *                  starts the server); bundled by the shared esbuild step
 *                  (ESM, minified, Moddable modules external). Not preloaded:
 *                  the app's module-level state lives in RAM and stays
 *                  mutable, as in Node and the simulator
 *   chipweb.js, chipweb-*.js  the core, the Moddable platform, the board's
 *                  budget and the route matcher generated from the route
 *                  table (src/router/generate.ts), split from the app by
 *                  esbuild; preloaded, so their code and frozen data stay in
 *                  flash (0 RAM)
 *   resources/     routes.bin (the route table compiled here, read from
 *                  flash by the board) and the gzipped web assets
 *   manifest.json  the target's template (manifests/<target>.json) with
 *                  modules, resources, preload and config filled in
 *   partitions.csv where the board updates over the air (esp32): the
 *                  partition table with two app slots and otadata, named
 *                  by the manifest's build.PARTITIONS_FILE (docs/ota.md)
 *   size-report.json  what the printed size report says
 *
 * Never: put Wi-Fi credentials anywhere but the git-ignored build folder;
 * write outside the output folder; let a bundle reach a Node built-in or
 * global, or import a module the board does not have.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { freshOutputFolder } from './output-folder.ts';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle, minifyExpression, MODDABLE_MODULES } from './bundle.ts';
import { packAssets, type PackedAsset } from './assets.ts';
import { readAdminPassword, readCredentials } from './credentials.ts';
import { buildUi, hasUi } from './ui-build.ts';
import { fmt, sizeReport, type FlashItem, type SizeReport } from './size-report.ts';
import { loadTemplate, PACKAGE_ROOT, type Target, type Template } from './templates.ts';
import { moduleTypeProblem } from './module-type.ts';
import { ROUTE_TABLE_RESOURCE } from '../firmware/moddable/resources.ts';
import { compileRoutes, generateMatcher, RouteError, routesHash } from '../src/router/index.ts';
import type { RouteSpec, RouterMode } from '../src/router/index.ts';

/** Module name of the app bundle in the manifest (the XS `main`). */
const MAIN_MODULE = 'main';
/** Module name of the preloaded core bundle; its chunks are named `chipweb-<hash>`. */
const CORE_MODULE = 'chipweb';

/**
 * Globals a board bundle must not reach: Node's, the browser's, and host
 * conveniences Moddable does not have (no console, no setTimeout: use the
 * Platform). esbuild replaces each free reference with a marker, so a hit is
 * a real global reference, not a local variable of the same name.
 */
export const FORBIDDEN_GLOBALS = [
  'Buffer',
  'process',
  'require',
  'module',
  'exports',
  '__dirname',
  '__filename',
  'global',
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'queueMicrotask',
  'console',
  'TextEncoder',
  'TextDecoder',
  'fetch',
  'performance',
  'URL',
  'URLSearchParams',
  'atob',
  'btoa',
  'crypto',
  'navigator',
  'window',
  'document',
  'self',
  'structuredClone',
];
const MARKER = '__chipweb_forbidden_';

/** What build() was asked to do. */
export interface BuildOptions {
  entry: string;
  target: Target;
  /** Output folder (default build/<target> under cwd). */
  out?: string;
  /** Asset folder; null for none; undefined for the default (ui/dist next to the entry). */
  assets?: string | null;
  /** Template file (default manifests/<target>.json). */
  template?: string;
  /** Device name override. */
  name?: string;
  /** LED pin override. */
  ledPin?: number;
  /**
   * 'code' (default): preload the matcher generated from the route table
   * (router/generate.ts), fastest on XS; 'table': leave it out and walk the
   * table, for the smallest flash use.
   */
  router?: RouterMode;
  /** Environment for credentials (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Folder holding .env (default cwd). */
  projectDir?: string;
  /**
   * Preload the app module too (main.js): its routes, handlers and
   * middleware are made at build time and stay in flash (on 32-bit XS the
   * default app then holds about 22 KB less at idle). The app must then
   * make its typed arrays, Maps and Sets at run time, not at module load:
   * preloaded ones are read-only on the board. Default: what the app
   * module declares (`export const preload = true`), else false.
   */
  preloadApp?: boolean;
}

/** What build() produced. */
export interface BuildResult {
  out: string;
  manifestPath: string;
  manifest: Record<string, unknown>;
  routes: RouteSpec[];
  assets: PackedAsset[];
  report: SizeReport;
  /** Where the Wi-Fi credentials came from ('' when none). */
  credentials: string;
  template: Template;
  /** The web UI build's report, when a UI next to the entry was built. */
  uiReport?: string;
}

/** A build error whose message says what was wrong and what to do. */
export class BuildError extends Error {
  override name = 'BuildError';
}

/** What the build reads from the app module, loaded in Node. */
export interface LoadedApp {
  /** The app's routes. */
  routes: RouteSpec[];
  /** Whether it has WebSocket routes (app.ws). */
  webSockets: boolean;
  /** Whether the module declares itself safe to preload (`export const preload = true`). */
  preload: boolean;
}

/** Loads the app module in Node and returns what the build needs from it. */
export async function loadRoutes(entry: string): Promise<LoadedApp> {
  if (statSync(entry).isDirectory())
    throw new BuildError(`${entry} is a folder: give the app module, the file that default-exports the App`);
  const moduleType = moduleTypeProblem(entry);
  if (moduleType !== null) throw new BuildError(moduleType);
  let mod: { default?: unknown; preload?: unknown };
  // Loaded as chipweb sim loads it: bundled against this chipweb's core, the one the firmware gets, so an app
  // builds wherever it simulates (with chipweb installed beside it or not).
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-routes-'));
  try {
    const outfile = join(dir, 'app.mjs');
    await bundle({ entry, outfile, host: 'node', external: MODDABLE_MODULES });
    mod = (await import(pathToFileURL(outfile).href)) as { default?: unknown; preload?: unknown };
  } catch (error) {
    throw new BuildError(
      `cannot load ${entry} to read its routes: ${(error as Error).message}\n` +
        'The app module must load in Node: register routes at the top level and import board-only modules ' +
        '(embedded:*, timer, …) only from code that runs on the board.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const app = mod.default as
    | { routes?: () => RouteSpec[]; compile?: () => { wsRoutes?: readonly unknown[] } }
    | undefined;
  if (!app || typeof app.routes !== 'function') {
    throw new BuildError(`${entry} must default-export a chipweb App (const app = new App(); … export default app)`);
  }
  const compiled = typeof app.compile === 'function' ? app.compile() : null;
  const webSockets = compiled !== null && (compiled.wsRoutes ?? []).some((route) => route !== undefined);
  if (mod.preload !== undefined && typeof mod.preload !== 'boolean')
    throw new BuildError(
      `${entry} exports preload = ${JSON.stringify(mod.preload)}: it must be true (the module makes no typed array, Map or Set at load) or false`,
    );
  return { routes: app.routes(), webSockets, preload: mod.preload === true };
}

/** Absolute module path as an import specifier. */
function spec(file: string): string {
  return JSON.stringify(file.split('\\').join('/'));
}

/** The board's budget and settings as embedded in the preloaded core module. */
function boardConfig(template: Template, assets: PackedAsset[], options: BuildOptions): Record<string, unknown> {
  const b = template.budget;
  return {
    target: b.target,
    server: b.server,
    staging: b.staging,
    tcp: b.tcp,
    storeValueBytes: b.storeValueBytes,
    ramBudget:
      template.creation.chunk.initial +
      template.creation.heap.initial * b.slotBytes +
      template.creation.stack * b.slotBytes,
    device: {
      name: options.name ?? b.device.name,
      led: b.device.led ? { ...b.device.led, pin: options.ledPin ?? b.device.led.pin } : null,
      mdns: b.device.mdns,
      wifi: b.device.wifi,
    },
    // Size of one app slot, where the board updates over the air (firmware/moddable/ota.ts).
    ota: b.ota ? { appSlot: b.ota.appSlot } : null,
    // Name -> resource only: src/middleware/assets.ts derives type, encoding
    // and ETag from the name and the stored bytes (the gzip trailer).
    assets: assets.map((a) => ({ name: a.name, resource: a.resource })),
  };
}

/**
 * The generated core entry (preloaded): the board helper, the LED driver,
 * the board's budget (deep-frozen: flash, no RAM), and a side-effect import
 * of every core module the app uses, so esbuild puts them with the core and
 * not with the app.
 */
function coreSource(
  template: Template,
  assets: PackedAsset[],
  options: BuildOptions,
  coreModules: string[],
  matcher: string | undefined,
): string {
  const moddable = (file: string) => spec(join(PACKAGE_ROOT, 'firmware', 'moddable', file));
  const lines = [
    '// Generated by chipweb build: the preloaded core module. Do not edit.',
    `import { deepFreeze } from ${moddable('start.ts')};`,
    `export { startBoard } from ${moddable('start.ts')};`,
  ];
  if (template.budget.device.led) {
    lines.push(`import { DigitalLed } from ${moddable('led.ts')};`);
    lines.push('export const makeLed = (pin, activeLow) => new DigitalLed(pin, activeLow);');
  } else {
    lines.push('export const makeLed = undefined;');
  }
  if (template.budget.ota) {
    lines.push(`import { EspOtaTarget } from ${moddable('ota.ts')};`);
    lines.push('export const makeOta = (capacity) => new EspOtaTarget(capacity);');
  } else {
    lines.push('export const makeOta = undefined;');
  }
  for (const file of coreModules) lines.push(`import ${spec(file)};`);
  // The route table's search as code: preloaded, so its bytecode runs from flash.
  // Frozen like BOARD: preloaded objects left mutable would cost RAM.
  lines.push(`export const ROUTE_MATCHER = ${matcher === undefined ? 'undefined' : `deepFreeze(${matcher})`};`);
  lines.push(`export const BOARD = deepFreeze(${JSON.stringify(boardConfig(template, assets, options))});`, '');
  return lines.join('\n');
}

/** The generated main module (run at boot, not preloaded): imports the app, exports main(). */
function mainSource(entry: string, coreFile: string): string {
  return [
    '// Generated by chipweb build: the board entry. Do not edit.',
    `import app from ${spec(resolve(entry))};`,
    "import config from 'mc/config';",
    `import { BOARD, ROUTE_MATCHER, makeLed, makeOta, startBoard } from ${spec(coreFile)};`,
    'export default function main() {',
    '  startBoard(app, BOARD, { config, makeLed, makeOta, matcher: ROUTE_MATCHER });',
    '}',
    '',
  ].join('\n');
}

/** The generated matcher's source for `--router code`, or why the board walks the table instead. */
export function routeMatcher(table: Uint8Array, mode: RouterMode): { source?: string; skipped?: string } {
  if (mode === 'table') return { skipped: '--router table' };
  try {
    return { source: generateMatcher(table) };
  } catch (error) {
    // Too deep for generated code: the walk answers the same, only slower.
    if (error instanceof RouteError) return { skipped: 'the route tree is too deep for generated code' };
    throw error;
  }
}

/** Whether a bundled input is part of chipweb's core or board code (rather than the app's). */
function isCoreInput(file: string): boolean {
  const rel = relative(PACKAGE_ROOT, file).split('\\').join('/');
  return (rel.startsWith('src/') || rel.startsWith('firmware/moddable/')) && /\.[cm]?[jt]s$/.test(rel);
}

/**
 * Rewrites esbuild's relative chunk imports ("./chipweb-AB12.js") to the
 * bare module names the manifest gives them ("chipweb-AB12").
 */
export function bareChunkImports(code: string): string {
  return code.replace(
    /\b(from|import)\s*(["'])\.\/([\w-]+)\.js\2/g,
    (_m, keyword: string, quote: string, name: string) => `${keyword}${quote}${name}${quote}`,
  );
}

/** Whether an import specifier is a module the Moddable runtime provides. */
export function isModdableModule(specifier: string): boolean {
  return MODDABLE_MODULES.some((pattern) =>
    pattern.endsWith('*') ? specifier.startsWith(pattern.slice(0, -1)) : specifier === pattern,
  );
}

/** Problems with a board bundle: forbidden globals it reaches, modules the board lacks. */
export function bundleProblems(code: string, externals: string[]): string[] {
  const problems: string[] = [];
  const found = new Set<string>();
  const re = new RegExp(`${MARKER}(\\w+)`, 'g');
  for (let m = re.exec(code); m; m = re.exec(code)) found.add(m[1]);
  for (const name of found) {
    problems.push(
      `the bundle uses the global "${name}", which the board does not have: use the Platform (timers, log, text helpers) instead`,
    );
  }
  for (const specifier of externals) {
    if (!isModdableModule(specifier))
      problems.push(`the bundle imports "${specifier}", which is not a Moddable module: bundle it or remove it`);
  }
  return problems;
}

/**
 * The web assets of a build: `assets` when given (null: none), else the UI
 * next to the entry (`<dir>/ui/`), built first for `target` when it has
 * sources, so the firmware carries the page its sources describe.
 */
export async function findAssets(
  entry: string,
  assets: string | null | undefined,
  target: string,
): Promise<{ assetDir: string | undefined; uiReport: string | undefined }> {
  let assetDir: string | undefined;
  let uiReport: string | undefined;
  if (assets === null) assetDir = undefined;
  else if (assets !== undefined) {
    assetDir = resolve(assets);
    if (!existsSync(assetDir))
      throw new BuildError(`asset folder ${assets} does not exist: build the web UI first, or pass --no-assets`);
  } else {
    // As `chipweb sim` does: a UI next to the entry is built first, so the
    // firmware carries the page its sources describe (ui/dist is not in git).
    const uiDir = join(dirname(entry), 'ui');
    if (hasUi(uiDir)) {
      try {
        uiReport = (await buildUi({ uiDir, target })).report;
      } catch (error) {
        throw new BuildError(`the web UI in ${uiDir} did not build: ${(error as Error).message}`);
      }
    }
    const fallback = join(uiDir, 'dist');
    assetDir = existsSync(fallback) ? fallback : undefined;
  }
  return { assetDir, uiReport };
}

/** Runs the whole build; throws BuildError when it cannot be done. Does not print. */
export async function build(requested: BuildOptions): Promise<BuildResult> {
  const entry = resolve(requested.entry);
  if (!existsSync(entry))
    throw new BuildError(`${requested.entry} does not exist: give the app module, e.g. firmware/app/main.ts`);
  let template: Template;
  try {
    template = loadTemplate(requested.target, requested.template ? resolve(requested.template) : undefined);
  } catch (error) {
    throw new BuildError((error as Error).message);
  }
  const out = resolve(requested.out ?? join('build', requested.target));
  const loaded = await loadRoutes(entry);
  const routes = loaded.routes;
  // The command line decides; else what the app module declares.
  const options: BuildOptions = { ...requested, preloadApp: requested.preloadApp ?? loaded.preload };
  let table: Uint8Array;
  try {
    table = compileRoutes(routes);
  } catch (error) {
    throw new BuildError(`the app's routes do not compile: ${(error as Error).message}`);
  }

  const matcher = routeMatcher(table, options.router ?? 'code');

  const { assetDir, uiReport } = await findAssets(entry, options.assets, options.target);
  let assets: PackedAsset[];
  try {
    assets = packAssets(assetDir);
  } catch (error) {
    throw new BuildError((error as Error).message);
  }
  if (assets.some((a) => a.resource === ROUTE_TABLE_RESOURCE))
    throw new BuildError(`an asset may not be named ${ROUTE_TABLE_RESOURCE}`);

  let credentials: ReturnType<typeof readCredentials>;
  try {
    credentials = readCredentials(options.projectDir ?? process.cwd(), options.env ?? process.env);
    credentials.adminPassword = readAdminPassword(options.projectDir ?? process.cwd(), options.env ?? process.env);
  } catch (error) {
    throw new BuildError((error as Error).message);
  }

  // Fresh output folder: stale resources would end up in the firmware.
  freshOutputFolder(out, (message) => new BuildError(message));
  mkdirSync(join(out, 'resources'), { recursive: true });
  const coreFile = join(out, `${CORE_MODULE}-entry.ts`);
  const mainEntry = join(out, `${MAIN_MODULE}-entry.ts`);
  const mainFile = join(out, `${MAIN_MODULE}.js`);
  const define: Record<string, string> = {};
  for (const name of FORBIDDEN_GLOBALS) define[name] = MARKER + name;
  let externals: string[];
  let outputs: string[];
  try {
    // Pass 1: which core modules does the app use?
    writeFileSync(coreFile, coreSource(template, assets, options, [], matcher.source));
    writeFileSync(mainEntry, mainSource(entry, coreFile));
    const probe = await bundle({ entry: mainEntry, outfile: join(out, 'probe.js'), host: 'moddable', define });
    rmSync(join(out, 'probe.js'), { force: true });
    const coreModules = probe.inputs.filter(isCoreInput).sort();
    // Pass 2: the app in main.js, the core in chipweb.js and its chunks.
    writeFileSync(coreFile, coreSource(template, assets, options, coreModules, matcher.source));
    ({ externals, outputs } = await bundle({
      entry: mainEntry,
      outfile: mainFile,
      entries: { [CORE_MODULE]: coreFile },
      chunkNames: `${CORE_MODULE}-[hash]`,
      host: 'moddable',
      define,
    }));
  } catch (error) {
    throw new BuildError(`bundling failed: ${(error as Error).message}`);
  } finally {
    rmSync(coreFile, { force: true });
    rmSync(mainEntry, { force: true });
  }
  const modules: string[] = [];
  const code: { name: string; bytes: Uint8Array; preloaded: boolean }[] = [];
  let problems: string[] = [];
  for (const file of outputs.sort()) {
    const name = basename(file).replace(/\.js$/, '');
    const text = bareChunkImports(readFileSync(file, 'utf8'));
    writeFileSync(file, text);
    problems = problems.concat(bundleProblems(text, []));
    modules.push(name);
    code.push({
      name: `${name}.js`,
      bytes: new Uint8Array(Buffer.from(text)),
      preloaded: name !== MAIN_MODULE || options.preloadApp === true,
    });
  }
  problems = [
    ...new Set(
      problems.concat(
        bundleProblems(
          '',
          externals.filter((e) => !e.startsWith(`${CORE_MODULE}`)),
        ),
      ),
    ),
  ];
  if (problems.length) throw new BuildError(`${entry} cannot run on the board:\n  ${problems.join('\n  ')}`);

  writeFileSync(join(out, 'resources', ROUTE_TABLE_RESOURCE), table);
  const flash: FlashItem[] = [
    { name: ROUTE_TABLE_RESOURCE, bytes: table.length, note: `route table, ${routes.length} routes` },
  ];
  for (const asset of assets) {
    writeFileSync(join(out, 'resources', asset.resource), asset.bytes);
    flash.push({
      name: asset.resource,
      bytes: asset.bytes.length,
      note: `${asset.name}, ${fmt(asset.size)} B${asset.encoding ? ' before gzip' : ''}`,
    });
  }

  if (template.budget.ota) copyFileSync(template.budget.ota.partitions, join(out, 'partitions.csv'));
  const manifest = generateManifest(template, options, credentials, modules);
  const manifestPath = join(out, 'manifest.json');
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  const report = sizeReport(
    options.target,
    code,
    flash,
    template.budget,
    template.creation,
    {
      // What ships: the matcher minified with the core.
      bytes: matcher.source === undefined ? 0 : minifyExpression(matcher.source).length,
      skipped: matcher.skipped,
    },
    options.preloadApp === true,
  );
  writeFileSync(
    join(out, 'size-report.json'),
    `${JSON.stringify({ ...report, routesHash: routesHash(routes) }, null, 2)}\n`,
  );
  return { out, manifestPath, manifest, routes, assets, report, credentials: credentials.source, template, uiReport };
}

/** The manifest mcconfig builds from: the template plus this app's modules, resources, preload and config. */
export function generateManifest(
  template: Template,
  options: Pick<BuildOptions, 'name' | 'ledPin' | 'preloadApp'>,
  credentials: { ssid: string; password: string; adminPassword?: string },
  modules: string[] = [MAIN_MODULE, CORE_MODULE],
): Record<string, unknown> {
  const b = template.budget;
  const base = template.manifest;
  const config: Record<string, unknown> = { ...(base.config as Record<string, unknown> | undefined) };
  config.deviceName = options.name ?? b.device.name;
  if (b.device.led) config.ledPin = options.ledPin ?? b.device.led.pin;
  if (credentials.ssid) {
    config.ssid = credentials.ssid;
    config.password = credentials.password;
  }
  // Seeds the device's admin password at first boot (firmware/moddable/start.ts); changed later from the dashboard.
  if (credentials.adminPassword) config.adminPassword = credentials.adminPassword;
  return {
    '//': `Generated by 'chipweb build --target ${b.target}' from ${relative(PACKAGE_ROOT, template.path).split('\\').join('/')}. Do not edit; holds Wi-Fi credentials when set: never commit.`,
    ...base,
    config,
    modules: { '*': modules.map((name) => `./${name}`) },
    resources: { '*': ['./resources/*'] },
    // The core's modules are preloaded: their code and frozen data stay in
    // flash. main (the app) is not, unless asked (preloadApp): its
    // module-level typed arrays, Maps and Sets must stay writable. Either
    // way its default export starts the server at boot.
    preload: options.preloadApp ? modules : modules.filter((name) => name !== MAIN_MODULE),
  };
}
