/**
 * `chipweb build ENTRY --target espruino`: turns a user's app module into
 * build/espruino/ for an Espruino board (ESP32, Espruino 2v29):
 *
 *   storage/.bootcde   the app, the core and the Espruino platform lowered
 *                      into one script (lower.ts); Espruino runs it from
 *                      flash at boot, so function bodies stay in flash;
 *                      pretokenised as Espruino's tools save code
 *                      (pretokenise.ts) unless the build is not minified
 *   storage/routes.bin the route table, compiled here in Node
 *   storage/answers.bin the server's own answers (400, 503, ...), encoded here
 *   storage/*.gz       the gzipped web assets, one Storage file each
 *   storage/chipweb.ota, chipweb.otainst, .boot0
 *                      for an app that takes over-the-air updates (it uses
 *                      OtaSession): the OTA module, lowered on its own and
 *                      loaded only while an upload runs, the installer and
 *                      the boot hook that runs it (firmware/espruino/ota-boot.ts
 *                      and ota-install.ts)
 *   storage.json       the Storage files to upload, in order
 *   update.bin         every Storage file above in one over-the-air image
 *                      (firmware/espruino/ota-image.ts), for chipweb ota
 *   size-report.json   the size report in Espruino variables (size.ts)
 *
 * The route table's generated matcher (src/router/generate.ts) is part of
 * the script. Wi-Fi credentials, when set, are embedded in the script, which
 * lives only in the git-ignored build folder and on the board.
 *
 * Never: write outside the output folder; let the script reach a Node or
 * browser global; emit a Storage name Espruino cannot hold.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packAssets, type PackedAsset } from '../assets.ts';
import { BuildError, FORBIDDEN_GLOBALS, findAssets, loadRoutes, routeMatcher } from '../build.ts';
import { readCredentials } from '../credentials.ts';
import { freshOutputFolder } from '../output-folder.ts';
import { PACKAGE_ROOT } from '../templates.ts';
import { knownStatusCodes, reasonPhrase } from '../../src/http/status.ts';
import { compileRoutes, routesHash } from '../../src/router/index.ts';
import type { RouteSpec, RouterMode } from '../../src/router/index.ts';
import { COLD_FILE, functionTexts, memberNamesIn } from './cold.ts';
import { type LowerOptions, LoweringError, lowerForEspruino, memberNamesOf, parseScript } from './lower.ts';
import type { ShortNames } from './short-names.ts';
import { BOOT0_FILE, INSTALLER_FILE, OTA_MODULE_FILE } from '../../firmware/espruino/ota-boot.ts';
import { BOOT0_SOURCE, INSTALLER_SOURCE } from '../../firmware/espruino/ota-install.ts';
import { STAGING_PREFIX } from '../../firmware/espruino/ota-image.ts';
import { ANSWERS_FILE } from '../../firmware/espruino/start.ts';
import { answerBlockSize, writeAnswerBlock } from '../../src/http/response.ts';
import { packImage } from './ota-image.ts';
import { pretokenise } from './pretokenise.ts';
import { BUDGET_FILE, loadBudget, type StorageFile } from './budget.ts';
import { type EspruinoSizeReport, sizeReportEspruino } from './size.ts';

/** Storage file Espruino runs at boot. */
export const BOOT_FILE = '.bootcde';
/** Storage file of the route table (firmware/espruino/start.ts reads it). */
export const ROUTES_FILE = 'routes.bin';
/** Longest Storage file name on Espruino 2v29. */
export const MAX_STORAGE_NAME = 28;
/** The over-the-air image in the output folder. */
export const IMAGE_FILE = 'update.bin';
/** Storage names the build itself writes: no asset may take one. */
const RESERVED = [ROUTES_FILE, ANSWERS_FILE, BOOT_FILE, BOOT0_FILE, INSTALLER_FILE, OTA_MODULE_FILE, COLD_FILE];

/** What buildEspruino() was asked to do. */
export interface EspruinoBuildOptions {
  entry: string;
  /** Output folder (default build/espruino under cwd). */
  out?: string;
  /** Asset folder; null for none; undefined for the default (ui/dist next to the entry, built first). */
  assets?: string | null;
  /** Budget file (default firmware/espruino/budget.json). */
  budget?: string;
  /** Device name override. */
  name?: string;
  /** LED pin override. */
  ledPin?: number;
  /** HTTP port override (the simulator and tests; default the budget's). */
  port?: number;
  /** Minify and pretokenise the script (default true; false keeps it readable, for debugging on the board). */
  minify?: boolean;
  /** 'code' (default): the generated matcher; 'table': the table walk only. */
  router?: RouterMode;
  /** Environment for credentials (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Folder holding .env (default cwd). */
  projectDir?: string;
}

/** What buildEspruino() produced. */
export interface EspruinoBuildResult {
  out: string;
  routes: RouteSpec[];
  assets: PackedAsset[];
  files: StorageFile[];
  report: EspruinoSizeReport;
  /** Built-ins the prelude provides. */
  prelude: string[];
  /** Where the Wi-Fi credentials came from ('' when none). */
  credentials: string;
  uiReport?: string;
  /** The over-the-air image (update.bin): path, bytes, SHA-256 in hex. */
  image: { path: string; bytes: number; sha256: string };
  /** Whether the app takes over-the-air updates (the OTA module is among the Storage files). */
  ota: boolean;
  /** The property names the boot code and the OTA module shortened (short-names.ts), or null. */
  shortNames: ShortNames | null;
  /** The boot code as text, before it was pretokenised for Storage. */
  bootCode: string;
  /** The functions kept out of the boot code (toolchain/espruino/cold.ts): how many, how many of them nothing called, and those marked that stayed, with why. */
  cold: { moved: number; dropped: number; left: string[]; classes: string[] };
  /** The members stored as 1 and 0 (toolchain/espruino/flags.ts), by their long names. */
  flags: string[];
}

/** Absolute module path as an import specifier. */
function spec(file: string): string {
  return JSON.stringify(file.split('\\').join('/'));
}

/** The generated board entry: the app, the board's settings and matcher, and startBoard(). */
function entrySource(entry: string, board: Record<string, unknown>, matcher: string | undefined): string {
  const start = join(PACKAGE_ROOT, 'firmware', 'espruino', 'start.ts');
  return [
    '// Generated by chipweb build --target espruino: the board entry. Do not edit.',
    `import app from ${spec(resolve(entry))};`,
    `import { startBoard } from ${spec(start)};`,
    // Reachable from Espruino's console as `chipweb` (server.stats(), platform, device).
    `(globalThis as { chipweb?: unknown }).chipweb = startBoard(app, ${JSON.stringify(board)}, ${matcher ?? 'undefined'});`,
    '',
  ].join('\n');
}

/** The core's reason phrases as "\nCODE Reason\n…\nCODE Reason", for firmware/espruino/status.ts (CHIPWEB_REASONS). */
export function reasonTable(): string {
  return `\n${knownStatusCodes()
    .map((code) => `${code} ${reasonPhrase(code)}`)
    .join('\n')}`;
}

/** A core module and the Espruino file served in its place (toolchain/espruino/lower.ts). */
export interface StandIn {
  readonly module: string;
  readonly file: string;
}

/**
 * The modules an Espruino build serves from firmware/espruino/ instead of
 * src/ (each file says why); `withOtaSession` false for the OTA module,
 * which holds the core's session itself.
 */
export function standIns(webSockets: boolean, withOtaSession = true): StandIn[] {
  const pairs: [string, string][] = [
    // Espruino's native text codec, asked first by the core's text functions.
    ['src/http/engine-codec.ts', 'engine-codec.ts'],
    // The request head checked with Espruino's native string code (the core's parser where it must).
    ['src/http/parser.ts', 'parser.ts'],
    // The header lines' spans, recorded by that parser's rules when a header is first read.
    ['src/http/engine-headers.ts', 'engine-headers.ts'],
    // The reason phrases kept in flash (CHIPWEB_REASONS), not as an object in RAM.
    ['src/http/status.ts', 'status.ts'],
    // The response head written as one string (the core's encodeHead for redirects and Allow lists).
    ['src/http/response.ts', 'response.ts'],
  ];
  // The session that loads the core's from the OTA module while an upload runs (no SHA-256 or multipart code at boot).
  if (withOtaSession) pairs.push(['src/ota/session.ts', 'ota-session.ts']);
  // An app without WebSocket routes: no session code on the board.
  if (!webSockets) pairs.push(['src/ws/session.ts', 'no-websocket.ts'], ['src/ws/accept.ts', 'no-websocket.ts']);
  return pairs.map(([module, file]) => ({
    module: join(PACKAGE_ROOT, module),
    file: join(PACKAGE_ROOT, 'firmware', 'espruino', file),
  }));
}

/** The size report's note for COLD_FILE: `kept` functions and classes, `classes` of them classes. */
function coldNote(kept: number, classes: number): string {
  const functions = `${kept - classes} cold functions (read from flash at each call)`;
  return classes === 0 ? functions : `${functions} and ${classes} cold classes (made at their first use, then kept)`;
}

/** Runs the whole Espruino build; throws BuildError when it cannot be done. Does not print. */
export async function buildEspruino(options: EspruinoBuildOptions): Promise<EspruinoBuildResult> {
  const entry = resolve(options.entry);
  if (!existsSync(entry))
    throw new BuildError(`${options.entry} does not exist: give the app module, e.g. firmware/app/main.ts`);
  const budget = loadBudget(options.budget ? resolve(options.budget) : BUDGET_FILE);
  const out = resolve(options.out ?? join('build', 'espruino'));
  const { routes, webSockets } = await loadRoutes(entry);
  let table: Uint8Array;
  try {
    table = compileRoutes(routes);
  } catch (error) {
    throw new BuildError(`the app's routes do not compile: ${(error as Error).message}`);
  }
  const generated = routeMatcher(table, options.router ?? 'code');
  const matcher = generated.source;
  const matcherSkipped = generated.skipped ?? '';
  const { assetDir, uiReport } = await findAssets(entry, options.assets, 'espruino');
  let assets: PackedAsset[];
  try {
    assets = packAssets(assetDir);
  } catch (error) {
    throw new BuildError((error as Error).message);
  }
  for (const asset of assets) {
    if (RESERVED.indexOf(asset.resource) >= 0 || asset.resource.startsWith(STAGING_PREFIX))
      throw new BuildError(`an asset may not be named ${asset.resource}`);
    if (asset.resource.length > MAX_STORAGE_NAME)
      throw new BuildError(
        `asset ${asset.name} would be the Storage file "${asset.resource}", longer than Espruino's ${MAX_STORAGE_NAME} characters: rename it`,
      );
  }

  let credentials: ReturnType<typeof readCredentials>;
  try {
    credentials = readCredentials(options.projectDir ?? process.cwd(), options.env ?? process.env);
  } catch (error) {
    throw new BuildError((error as Error).message);
  }
  const led = budget.device.led;
  const board = {
    server: options.port === undefined ? budget.server : { ...budget.server, port: options.port },
    inFlight: budget.inFlight,
    device: {
      name: options.name ?? budget.device.name,
      ledPin: options.ledPin ?? (led ? led.pin : -1),
      ledActiveLow: led ? led.activeLow : false,
      wifi: { ...budget.device.wifi, ssid: credentials.ssid, password: credentials.password },
    },
    assets: assets.map((a) => ({ name: a.name, file: a.resource })),
  };

  freshOutputFolder(out, (message) => new BuildError(message));
  mkdirSync(join(out, 'storage'), { recursive: true });
  const entryFile = join(out, 'entry.ts');
  writeFileSync(entryFile, entrySource(entry, board, matcher));
  // The generated entry's own settings, so no tsconfig above --out decides them (its strictness: "use strict").
  const entryConfig = join(out, 'tsconfig.json');
  writeFileSync(entryConfig, '{ "compilerOptions": { "alwaysStrict": true } }\n');
  // The app and core must not reach host globals; the platform reaches Espruino's through globalThis.
  const define: Record<string, string> = { CHIPWEB_REASONS: JSON.stringify(reasonTable()) };
  for (const name of FORBIDDEN_GLOBALS) define[name] = `__chipweb_forbidden_${name}`;
  let lowered: Awaited<ReturnType<typeof lowerForEspruino>>;
  try {
    lowered = await lowerForEspruino({
      entry: entryFile,
      define,
      minify: options.minify,
      // The OTA module (when the app takes updates) is handed the boot code's objects: what it names stays.
      keepMethods: await memberNamesOf(otaModuleOptions(webSockets)),
      // The board gets the table compiled here (routes.bin): no compiler on the board.
      withoutRouteCompiler: true,
      cold: true,
      substitutes: standIns(webSockets),
      alias: {
        chipweb: join(PACKAGE_ROOT, 'src/index.ts'),
        'chipweb/router': join(PACKAGE_ROOT, 'src/router/index.ts'),
        'chipweb/device': join(PACKAGE_ROOT, 'src/device.ts'),
      },
    });
  } catch (error) {
    if (error instanceof LoweringError) throw new BuildError(`${entry} ${error.message}`);
    throw new BuildError(`bundling failed: ${(error as Error).message}`);
  } finally {
    rmSync(entryFile, { force: true });
    rmSync(entryConfig, { force: true });
  }
  const forbidden = [...new Set([...lowered.code.matchAll(/__chipweb_forbidden_(\w+)/g)].map((m) => m[1]))];
  if (forbidden.length)
    throw new BuildError(
      `${entry} cannot run on the board: it uses ${forbidden.map((f) => `the global "${f}"`).join(', ')}, which Espruino boards do not have as the app sees them: use the Platform (timers, log, text helpers) instead`,
    );

  const files: StorageFile[] = [];
  const put = (name: string, bytes: Uint8Array | string, note: string) => {
    const path = join('storage', name);
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    writeFileSync(join(out, path), data);
    files.push({ name, path, bytes: data.length, note });
  };
  put(ROUTES_FILE, table, `route table, ${routes.length} routes`);
  put(ANSWERS_FILE, writeAnswerBlock(new Uint8Array(answerBlockSize())), "the server's own answers (400, 503, ...)");
  for (const asset of assets)
    put(asset.resource, asset.bytes, `${asset.name}, ${asset.size} B${asset.encoding ? ' before gzip' : ''}`);
  // The app uses OtaSession (the boot code has its stand-in): the OTA module, the installer and its boot hook.
  const ota = lowered.used.includes(join(PACKAGE_ROOT, 'src', 'ota', 'session.ts'));
  if (ota) {
    // The boot code calls methods of the module's objects too: what it names stays on the module's classes.
    const bootNames = new Set<string>();
    for (const code of [lowered.code, ...lowered.cold.texts])
      for (const name of memberNamesIn(code, parseScript)) bootNames.add(name);
    const module = await lowerOtaModule(webSockets, options.minify, lowered.shortNames, new Set(lowered.flags.flags), [
      ...bootNames,
    ]);
    // The module is handed the boot code's objects: a method of theirs it names must still be on them.
    const named = memberNamesIn(module, parseScript);
    const reached = lowered.cold.methods.filter((name) => named.has(name));
    if (reached.length)
      throw new BuildError(
        `the OTA module calls methods the boot code keeps cold (${reached.join(', ')}): take 'cold' off them`,
      );
    // The same for a method the inlining wrote into its callers (inline.ts): it is no longer on its class.
    const inlined = lowered.inlining.methods.filter((name) => named.has(name));
    if (inlined.length)
      throw new BuildError(
        `the OTA module calls methods the boot code's lowering wrote into their callers (${inlined.join(', ')}): mark them 'noinline'`,
      );
    put(OTA_MODULE_FILE, stored(module, options.minify), 'OTA module (loaded while an upload runs)');
    put(INSTALLER_FILE, INSTALLER_SOURCE, 'OTA installer (run by .boot0 when an update is committed)');
    put(BOOT0_FILE, BOOT0_SOURCE, 'runs the OTA installer at boot when needed');
  }
  if (lowered.cold.bytes)
    put(
      COLD_FILE,
      lowered.cold.bytes,
      coldNote(lowered.cold.moved - lowered.cold.dropped, lowered.cold.classes.length),
    );
  // Last: the boot code, so a partial upload never boots code without its files.
  put(BOOT_FILE, stored(lowered.code, options.minify), 'app + core, lowered for Espruino (runs at boot)');
  writeFileSync(join(out, 'storage.json'), `${JSON.stringify(files, null, 2)}\n`);
  const packed = packImage(files.map((f) => ({ name: f.name, bytes: readFileSync(join(out, f.path)) })));
  writeFileSync(join(out, IMAGE_FILE), packed);
  const image = {
    path: join(out, IMAGE_FILE),
    bytes: packed.length,
    sha256: createHash('sha256').update(packed).digest('hex'),
  };

  const report = sizeReportEspruino(
    lowered.code,
    files,
    budget,
    matcherSkipped,
    functionTexts(lowered.cold.texts, lowered.cold),
  );
  writeFileSync(
    join(out, 'size-report.json'),
    `${JSON.stringify({ ...report, prelude: lowered.prelude, routesHash: routesHash(routes) }, null, 2)}\n`,
  );
  return {
    out,
    routes,
    assets,
    files,
    report,
    prelude: lowered.prelude,
    credentials: credentials.source,
    uiReport,
    image,
    ota,
    shortNames: lowered.shortNames,
    bootCode: lowered.code,
    cold: {
      moved: lowered.cold.moved,
      dropped: lowered.cold.dropped,
      left: lowered.cold.left,
      classes: lowered.cold.classes,
    },
    flags: longNames(lowered.flags.flags, lowered.shortNames),
  };
}

/** The long names of `short` names, as `shortNames` maps them. */
function longNames(short: readonly string[], shortNames: ShortNames | null): string[] {
  if (shortNames === null) return [...short];
  const long = new Map(Object.entries(shortNames.cache).map(([name, shortName]) => [shortName, name]));
  return short.map((name) => long.get(name) ?? name).sort();
}

/** Code as it is stored: pretokenised, unless the build keeps it readable (not minified). */
function stored(code: string, minify: boolean | undefined): Uint8Array | string {
  return minify === false ? code : pretokenise(code);
}

/** How the OTA module (firmware/espruino/ota-module.ts) is bundled, for an app with or without WebSocket routes. */
function otaModuleOptions(webSockets: boolean): LowerOptions {
  const define: Record<string, string> = { CHIPWEB_REASONS: JSON.stringify(reasonTable()), CHIPWEB_MODULE: 'module' };
  for (const name of FORBIDDEN_GLOBALS) define[name] = `__chipweb_forbidden_${name}`;
  return {
    entry: join(PACKAGE_ROOT, 'firmware', 'espruino', 'ota-module.ts'),
    define,
    substitutes: standIns(webSockets, false),
  };
}

/** The OTA module (firmware/espruino/ota-module.ts) lowered on its own, for `require` from Storage. */
async function lowerOtaModule(
  webSockets: boolean,
  minify: boolean | undefined,
  shortNames: ShortNames | null,
  flags: ReadonlySet<string>,
  bootNames: readonly string[],
): Promise<string> {
  try {
    const lowered = await lowerForEspruino({
      ...otaModuleOptions(webSockets),
      minify,
      // The module and the boot code hand each other objects: the same names, shortened the same way.
      shortNames,
      flags,
      keepMethods: bootNames,
    });
    return lowered.code;
  } catch (error) {
    throw new BuildError(`lowering the OTA module failed: ${(error as Error).message}`);
  }
}
