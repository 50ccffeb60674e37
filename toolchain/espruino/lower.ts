/**
 * Lowering for Espruino: turns an entry module (the generated board entry,
 * the core, the app) into one script Espruino 2v29 runs.
 *
 *   1. esbuild bundles it: one IIFE, es2022, UTF-8 kept as UTF-8 (an
 *      ESP32 build has no Unicode: a literal's bytes are its string).
 *   2. Babel checks it for what cannot be lowered (babel-espruino.ts) and
 *      reports each with the original file:line, through esbuild's map;
 *      a top-level const holding a number is written where it is read
 *      (constants.ts), told from a var by the same map, and the other pure
 *      ones move to the bundle's start (root-order.ts).
 *   3. Babel lowers it: preset-env for IE 11, loose (Espruino's parser
 *      lacks rest, spread, defaults, destructuring, `?.`, class fields),
 *      async functions as promise chains (babel-plugin-transform-async-to-
 *      promises: Babel's regenerator resumes an awaited rejection with
 *      undefined there), function declarations hoisted, native error
 *      bases replaced.
 *   4. Functions and methods called from one place are written into it
 *      (inline.ts): fewer functions, fewer of the board's variables.
 *   5. esbuild minifies it for ES5; the hoisting runs once more on the
 *      minified code; the built-in classes are put first and the pure
 *      constants ahead of the functions (root-order.ts: Espruino walks
 *      its root scope's names in order); the prelude (prelude.ts) for the
 *      built-ins the code uses goes after the functions.
 *
 * Never: emit syntax Espruino does not parse; drop a problem silently; let
 * a reported position point into generated code when a source has it.
 */
import {
  type NodePath,
  parseSync,
  transformAsync,
  transformFromAstSync,
  transformSync,
  traverse,
  type types as BabelTypes,
  types as babelTypes,
} from '@babel/core';
import blockScoping from '@babel/plugin-transform-block-scoping';
import presetEnv from '@babel/preset-env';
import asyncToPromises from 'babel-plugin-transform-async-to-promises';
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import {
  asyncSuper,
  awaitOrder,
  iterableSpread,
  espruinoCheck,
  espruinoShape,
  type FoundProblem,
  hoistFunctions,
  unparsedMethodName,
} from './babel-espruino.ts';
import { inlineConstants } from './constants.ts';
import { ESPRUINO_GLOBAL_NAMES } from './globals.ts';
import { type FlagsReport, flagsAsNumbers } from './flags.ts';
import { shareLiterals } from './shared-literals.ts';
import { inlineSingleCalls } from './inline.ts';
import { PRELUDE_GLOBALS, preludeFor } from './prelude.ts';
import { pretokenise } from './pretokenise.ts';
import { type ColdReport, memberNamesIn, moveColdFunctions, refuseColdAsync, takeColdFunctions } from './cold.ts';
import { frontLength, pureConstantsFirst, rootOrder } from './root-order.ts';
import { engineMemberNames, type ShortNames, shortNamesFor } from './short-names.ts';
import { PACKAGE_ROOT } from '../templates.ts';

/** A place in the sources the lowering cannot handle. */
export interface LoweringProblem {
  /** Source file, relative to the working directory when inside it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** What cannot be lowered. */
  feature: string;
}

/** Thrown when the sources use what Espruino cannot run; the message lists every place. */
export class LoweringError extends Error {
  /** Each place, in source order. */
  readonly problems: LoweringProblem[];
  constructor(problems: LoweringProblem[]) {
    super(
      `cannot run on Espruino:\n  ${problems.map((p) => `${p.file}:${p.line}: ${p.feature}`).join('\n  ')}\n` +
        'Rewrite these places without the feature (see docs/espruino.md, "What runs, and how it is lowered").',
    );
    this.name = 'LoweringError';
    this.problems = problems;
  }
}

/**
 * Babel's loose for-of helper as Espruino can run it: arrays, typed arrays
 * and strings by index first, since Espruino throws when a typed array or a
 * string is asked for a field it lacks (Babel's own asks each for
 * '@@iterator'); other objects through Symbol.iterator where there is one
 * (not on Espruino), else '@@iterator' (the prelude's Map and Set).
 */
const FOR_OF_HELPER = `function _createForOfIteratorHelperLoose(r) {
  if (typeof r === 'string' || (r != null && typeof r.length === 'number')) {
    var i = 0;
    return function () { return i >= r.length ? { done: true, value: undefined } : { done: false, value: r[i++] }; };
  }
  var it = r != null ? (typeof Symbol !== 'undefined' && r[Symbol.iterator]) || r['@@iterator'] : undefined;
  if (typeof it === 'function') { it = it.call(r); return it.next.bind(it); }
  throw new TypeError('Invalid attempt to iterate non-iterable instance.');
}`;

/**
 * Babel's `new C(...args)` helper as Espruino can run it: Espruino has no
 * Reflect, and `new` of a bound function (Babel's fallback) gives an object
 * without the constructor's fields. Up to 8 arguments are passed directly.
 */
const CONSTRUCT_HELPER = `function _construct(C, a) {
  switch (a.length) {
    case 0: return new C();
    case 1: return new C(a[0]);
    case 2: return new C(a[0], a[1]);
    case 3: return new C(a[0], a[1], a[2]);
    case 4: return new C(a[0], a[1], a[2], a[3]);
    case 5: return new C(a[0], a[1], a[2], a[3], a[4]);
    case 6: return new C(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7: return new C(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    case 8: return new C(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  }
  throw new Error('new with more than 8 spread arguments cannot run on Espruino');
}`;

/** Babel helpers replaced by versions Espruino runs (by name). */
const ESPRUINO_HELPERS: Record<string, string> = {
  _createForOfIteratorHelperLoose: FOR_OF_HELPER,
  _construct: CONSTRUCT_HELPER,
};

/**
 * Babel helpers that only other helpers call: once the helpers above replace
 * theirs, one nothing calls is dropped (each function costs the board
 * variables).
 */
const INNER_HELPERS = new Set([
  '_unsupportedIterableToArray',
  '_arrayLikeToArray',
  '_setPrototypeOf',
  '_isNativeReflectConstruct',
]);

/** A Babel plugin that puts ESPRUINO_HELPERS in place of Babel's helpers of those names, and drops unused inner ones. */
const espruinoHelpers = {
  name: 'chipweb-espruino-helpers',
  visitor: {
    Program: {
      exit(path: NodePath<BabelTypes.Program>) {
        for (let dropped = true; dropped; ) {
          dropped = false;
          path.scope.crawl();
          for (const statement of path.get('body')) {
            if (!statement.isFunctionDeclaration() || !statement.node.id) continue;
            const name = statement.node.id.name;
            if (!INNER_HELPERS.has(name) || path.scope.getBinding(name)?.referenced) continue;
            statement.remove();
            dropped = true;
          }
        }
      },
    },
    FunctionDeclaration(path: NodePath<BabelTypes.FunctionDeclaration>) {
      const name = path.node.id?.name;
      if (name === undefined || !Object.hasOwn(ESPRUINO_HELPERS, name)) return;
      const replacement = parseSync(ESPRUINO_HELPERS[name], {
        babelrc: false,
        configFile: false,
        sourceType: 'script',
      });
      if (!replacement) throw new Error(`lowering for Espruino: the ${name} helper does not parse`);
      path.replaceWith(replacement.program.body[0]);
      path.skip();
    },
  },
};

/** What to lower. */
export interface LowerOptions {
  /** Entry module (TypeScript or JavaScript). */
  entry: string;
  /** Module aliases (e.g. 'chipweb' -> src/index.ts). */
  alias?: Record<string, string>;
  /** esbuild `define`. */
  define?: Record<string, string>;
  /** Minify the result (default true). */
  minify?: boolean;
  /**
   * Leave the route compiler out (default false): for a board that gets its
   * route table from the build, where compileRoutes would only cost
   * variables. Calling it then throws, saying so.
   */
  withoutRouteCompiler?: boolean;
  /**
   * Modules served from another file (absolute paths): what a board cannot
   * run, replaced by a stand-in with the same exports that says so (e.g.
   * the OTA session on Espruino, firmware/espruino/ota-session.ts).
   */
  substitutes?: ReadonlyArray<{ readonly module: string; readonly file: string }>;
  /**
   * Property names to shorten (short-names.ts): undefined chooses them from
   * what is bundled; a script loaded beside another (the OTA module) takes
   * that one's, so both use the same short names; null shortens none. An
   * unminified build shortens none either.
   */
  shortNames?: ShortNames | null;
  /**
   * Member names a script lowered apart (the OTA module, or the boot code
   * for it) uses on this one's objects, unshortened (memberNamesOf) or as
   * `shortNames` shortened them: methods of those names stay on their
   * classes, never written into their callers (inline.ts).
   */
  keepMethods?: readonly string[];
  /**
   * Keep the functions marked `'cold'` in a Storage file of their own
   * (cold.ts): for the boot code. Otherwise the mark is dropped and they
   * stay where they are (a script loaded beside it, such as the OTA module).
   */
  cold?: boolean;
  /**
   * The boot code's flags (flags.ts), for a script lowered beside it with its
   * short names (the OTA module): it stores them as the boot code does.
   * Undefined: the step chooses them.
   */
  flags?: ReadonlySet<string>;
}

/**
 * An esbuild plugin that serves src/router/compile.ts with compileRoutes
 * replaced by a stub that throws; everything else it exports is the real
 * thing, and what only compileRoutes used is shaken out.
 */
const withoutRouteCompiler: esbuild.Plugin = {
  name: 'chipweb-espruino-without-route-compiler',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]router[\\/]compile\.ts$/ }, (args) => {
      if (args.suffix === '?real') return undefined;
      return {
        loader: 'ts',
        resolveDir: dirname(args.path),
        contents: [
          `export * from ${JSON.stringify(`${args.path}?real`)};`,
          'export function compileRoutes(): Uint8Array {',
          "  throw new Error('this board has no route compiler: the route table comes from chipweb build');",
          '}',
        ].join('\n'),
      };
    });
  },
};

/** esbuild's namespace of the stand-ins: the source map names each by its own file, not the module's. */
const STAND_IN = 'chipweb-stand-in';

/**
 * An esbuild plugin that serves each substituted module's stand-in in its
 * place. The core imports them by relative paths. A stand-in keeps its own
 * path (in the STAND_IN namespace), so that the source map, and what reads
 * it (problems' file:line, sourceConsts), sees the stand-in's lines as its own.
 */
function substitute(list: ReadonlyArray<{ readonly module: string; readonly file: string }>): esbuild.Plugin {
  const byPath = new Map(list.map((s) => [resolve(s.module), resolve(s.file)]));
  const standIns = new Set(byPath.values());
  return {
    name: 'chipweb-espruino-substitutes',
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        // A stand-in imported by its own path (another stand-in's import) is the same module, not a second copy.
        const file = byPath.get(target) ?? (standIns.has(target) ? target : undefined);
        // A stand-in that imports the module it stands in for gets the real one.
        if (file === undefined || (args.namespace === STAND_IN && args.importer === file)) return undefined;
        return { path: file, namespace: STAND_IN };
      });
      build.onLoad({ filter: /.*/, namespace: STAND_IN }, (args) => ({
        loader: 'ts',
        resolveDir: dirname(args.path),
        contents: readFileSync(args.path, 'utf8'),
      }));
    },
  };
}

/**
 * The files an input of esbuild's metafile stands for: a stand-in is its
 * own file and the module it serves for (what the app imported).
 */
function inputFiles(input: string, options: LowerOptions): string[] {
  if (!input.startsWith(`${STAND_IN}:`)) return [resolve(input)];
  const file = resolve(input.slice(STAND_IN.length + 1));
  const modules = (options.substitutes ?? []).filter((s) => resolve(s.file) === file).map((s) => resolve(s.module));
  return [file, ...modules];
}

/** The file a source of esbuild's map names (a stand-in's namespace and a file URL's scheme taken off). */
function sourceFile(mapDir: string, source: string): string {
  return resolve(mapDir, source.replace(/^file:\/\//, '').replace(`${STAND_IN}:`, ''));
}

/** The lowered script. */
export interface LoweredScript {
  /** The script: prelude, then the bundle. */
  code: string;
  /** Built-ins the prelude provides. */
  prelude: string[];
  /** Bundled input files (absolute). */
  inputs: string[];
  /** The input files of which some code is in the script (absolute; a stand-in under its module's path). */
  used: string[];
  /** The property names shortened, and what each became (null: none were). */
  shortNames: ShortNames | null;
  /**
   * Calls written in place of their functions (inline.ts), copies made for it still there (0 unless a check
   * erred), and the methods written into their callers (gone from their classes), by name.
   */
  inlining: { inlined: number; copiesLeft: number; methods: string[] };
  /**
   * The functions kept in COLD_FILE (cold.ts): the file's bytes (null: none), each function as text, what
   * moved, what was marked and stayed.
   */
  cold: ColdReport & { bytes: Uint8Array | null; texts: string[] };
  /** The members stored as 1 and 0 (flags.ts). */
  flags: FlagsReport;
}

export type { ShortNames } from './short-names.ts';

/**
 * Babel writes non-ASCII text as it is, not as \u escapes: an ESP32 build of
 * Espruino has no Unicode and keeps a literal's UTF-8 bytes as its string,
 * while it cuts a \u escape to its low byte.
 */
const RAW_UTF8 = { jsescOption: { minimal: true } };

/** Longest line of the minified script (see lowerForEspruino). */
const LINE_LIMIT = 160;

/** Babel's preset-env, set up for Espruino. */
const PRESET_ENV = [
  presetEnv,
  {
    targets: { ie: '11' },
    loose: true,
    modules: false,
    // Async functions go through transform-async-to-promises instead; typeof needs no Symbol helper.
    // Classes stay classes: Espruino has them (methods, getters, static, extends, super), and a
    // lowered class wraps its methods in a closure that costs each one a variable.
    exclude: ['transform-regenerator', 'transform-async-to-generator', 'transform-typeof-symbol', 'transform-classes'],
  },
];

/** esbuild's bundle of `options.entry` (ES2022, one IIFE, with its source map and metafile). */
function bundle(options: LowerOptions, mangle?: ShortNames) {
  return esbuild.build({
    entryPoints: [options.entry],
    bundle: true,
    write: false,
    outfile: 'bundle.js',
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    charset: 'utf8',
    sourcemap: 'external',
    sourcesContent: false,
    alias: options.alias,
    define: options.define,
    plugins: [
      ...(options.withoutRouteCompiler ? [withoutRouteCompiler] : []),
      ...(options.substitutes?.length ? [substitute(options.substitutes)] : []),
    ],
    logLevel: 'silent',
    metafile: true,
    // The core freezes its constant tables (XS keeps frozen objects in flash); freezing has no other
    // effect, so a table nothing uses is dropped instead of costing Espruino variables.
    pure: ['Object.freeze'],
    // Every name gets the short name the mapping gives it (esbuild's cache), none of its own choosing.
    ...(mangle?.names.length
      ? {
          mangleProps: new RegExp(`^(?:${mangle.names.map((n) => n.replace(/\$/g, '\\$')).join('|')})$`),
          mangleCache: { ...mangle.cache },
        }
      : {}),
  });
}

/**
 * Whether a declaration of esbuild's bundle was declared with `keyword`
 * (`const`, `let`) in its source (esbuild writes every top-level one as a
 * `var`): its line's mapping, read in the source it came from.
 */
function sourceDeclared(
  sourceMap: SourceMap,
  mapDir: string,
  keyword: 'const' | 'let',
): (declaration: BabelTypes.VariableDeclaration) => boolean {
  const sources = new Map<string, string[]>();
  const declared = new RegExp(`^(?:export\\s+)?${keyword}\\s`);
  return (declaration) => {
    const start = declaration.loc?.start;
    if (!start) return false;
    const entry = sourceMap.findEntry(start.line - 1, start.column) as {
      generatedLine?: number;
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    // esbuild maps a line at its start; a mapping from another line says nothing of this one.
    if (entry?.originalSource === undefined || entry.generatedLine !== start.line - 1) return false;
    const file = sourceFile(mapDir, entry.originalSource);
    let lines = sources.get(file);
    if (!lines) {
      try {
        // A source map's lines end where JavaScript's do: CR LF, CR, LF, U+2028, U+2029.
        lines = readFileSync(file, 'utf8').split(/\r\n|[\r\n\u2028\u2029]/);
      } catch {
        return false;
      }
      sources.set(file, lines);
    }
    const text = lines[entry.originalLine ?? -1]?.slice(entry.originalColumn ?? 0) ?? '';
    return declared.test(text);
  };
}

/**
 * The member names the code bundled from `options.entry` uses (`x.name`,
 * and strings, which a computed access may read), before any is
 * shortened: what it may reach on objects another script hands it.
 */
export async function memberNamesOf(options: LowerOptions): Promise<string[]> {
  const bundled = await bundle(options);
  const code = bundled.outputFiles.find((f) => !f.path.endsWith('.map'))?.text ?? '';
  return [...memberNamesIn(code, parseScript)];
}

/** Bundles, checks, lowers and minifies `options.entry`; throws LoweringError listing what cannot run. */
export async function lowerForEspruino(options: LowerOptions): Promise<LoweredScript> {
  let bundled = await bundle(options);
  let shortNames: ShortNames | null = null;
  if (options.shortNames !== null && options.minify !== false) {
    // Shortened names (short-names.ts): chosen from what was bundled, then bundled again with them.
    shortNames =
      options.shortNames ??
      shortNamesFor(
        PACKAGE_ROOT,
        Object.keys(bundled.metafile.inputs).flatMap((input) => inputFiles(input, options)),
        bundled.outputFiles.find((f) => !f.path.endsWith('.map'))?.text ?? '',
      );
    bundled = await bundle(options, shortNames);
  }
  let code = '';
  let map = '';
  for (const file of bundled.outputFiles) {
    if (file.path.endsWith('.map')) map = file.text;
    else code = file.text;
  }
  const sourceMap = new SourceMap(JSON.parse(map));
  const mapDir = process.cwd();
  const problems = checkSource(code).map((p): LoweringProblem => {
    const entry = sourceMap.findEntry(p.line - 1, p.column) as {
      originalSource?: string;
      originalLine?: number;
    };
    if (!entry || entry.originalSource === undefined || entry.originalLine === undefined)
      return { file: '(generated code)', line: p.line, feature: p.feature };
    const source = sourceFile(mapDir, entry.originalSource);
    const rel = relative(process.cwd(), source);
    return { file: rel.startsWith('..') ? source : rel, line: entry.originalLine + 1, feature: p.feature };
  });
  if (problems.length) {
    const unique = new Map<string, LoweringProblem>();
    for (const p of problems) unique.set(`${p.file}:${p.line}:${p.feature}`, p);
    throw new LoweringError([...unique.values()]);
  }

  // A top-level const holding a number is written where it is read (constants.ts): fewer root names.
  const wasConst = sourceDeclared(sourceMap, mapDir, 'const');
  const wasLet = sourceDeclared(sourceMap, mapDir, 'let');
  // What the cold step (cold.ts) moves, and what it was asked to and could not.
  const coldReport: ColdReport = { moved: 0, dropped: 0, left: [], methods: [], classes: [] };
  // First, for the async transform: what an expression evaluates before an await is named in order (it would
  // reorder it), an async method's super.x is read at its start (it would move super into plain callbacks), and
  // what is spread or array-destructured is made an array (loose mode would take any value for one).
  const ordered = transformSync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    compact: false,
    comments: false,
    plugins: [
      inlineConstants(wasConst, { inlined: 0 }),
      pureConstantsFirst(wasConst, wasLet),
      refuseColdAsync(coldReport),
      awaitOrder,
      asyncSuper,
      iterableSpread,
    ],
    generatorOpts: RAW_UTF8,
  });
  if (!ordered || typeof ordered.code !== 'string') throw new Error('lowering for Espruino: Babel produced no code');
  const lowered = await transformAsync(ordered.code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    compact: false,
    comments: false,
    presets: [PRESET_ENV],
    plugins: [[asyncToPromises, { inlineHelpers: true }], espruinoShape],
    generatorOpts: RAW_UTF8,
  });
  if (!lowered || typeof lowered.code !== 'string') throw new Error('lowering for Espruino: Babel produced no code');
  // The async transform writes `let` after preset-env's block scoping ran; Espruino's `let` in a loop
  // shares one binding, so block scoping runs once more over everything. The shortened members that
  // only hold booleans are stored as 1 and 0 (flags.ts), and the null, true, false and '' that are stored
  // are read from one variable each (shared-literals.ts).
  const flags: FlagsReport = { flags: [], wrapped: 0, numbered: 0 };
  const literals = { shared: 0 };
  const candidates = new Set(shortNames ? shortNames.names.map((name) => shortNames.cache[name]) : []);
  const scoped = transformSync(lowered.code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    compact: false,
    comments: false,
    plugins: [flagsAsNumbers(candidates, flags, options.flags), shareLiterals(literals), blockScoping, espruinoHelpers],
    generatorOpts: RAW_UTF8,
  });
  if (!scoped || typeof scoped.code !== 'string')
    throw new Error('lowering for Espruino: block scoping produced no code');
  // Functions called from one place are written into it (inline.ts): fewer functions cost fewer variables.
  const inlining = { inlined: 0, copiesLeft: 0, methods: [] as string[] };
  // What objects chipweb did not make may have as members: a method of such a name is called only as this.m(…).
  const engineNames = engineMemberNames(PACKAGE_ROOT);
  // What another script calls on this one's objects, under the names it gets here: those methods stay.
  const keep = new Set((options.keepMethods ?? []).map((name) => shortNames?.cache[name] ?? name));
  const inlined = transformSync(scoped.code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    compact: false,
    comments: false,
    // Then what runs only at boot or when something fails waits in flash until called (cold.ts): both
    // work as the program is left, the inlining first.
    plugins: [
      inlineSingleCalls(inlining, engineNames, keep),
      moveColdFunctions(coldReport, options.cold === true, engineNames),
    ],
    generatorOpts: RAW_UTF8,
  });
  if (!inlined || typeof inlined.code !== 'string') throw new Error('lowering for Espruino: inlining produced no code');
  let out = inlined.code;
  if (options.minify !== false) {
    const minified = await esbuild.transform(out, {
      minify: true,
      target: 'es2015',
      charset: 'utf8',
      logLevel: 'silent',
    });
    out = unwrapBundle(minified.code);
  } else out = unwrapBundle(out);
  const cold = takeColdFunctions(out, parseScript, (text) =>
    options.minify !== false ? pretokenise(breakLines(text, LINE_LIMIT)) : Buffer.from(text, 'utf8'),
  );
  if (cold) out = cold.code;
  // Short lines: Espruino copies the source line of every frame into an exception's stack,
  // so one line of 70 KB makes any throw, even a caught one, run out of memory.
  // (esbuild's lineLimit would split string literals with a line continuation, which Espruino keeps as "\n".)
  if (options.minify !== false) out = breakLines(out, LINE_LIMIT);
  const coldTexts = cold ? cold.texts : [];
  const left = [out, ...coldTexts].flatMap(espruinoSyntaxProblems);
  if (left.length) throw new Error(`lowering for Espruino left syntax Espruino cannot parse: ${left.join('; ')}`);
  const unhoisted = unhoistedFunctions(out);
  if (unhoisted > 0)
    throw new Error(
      `lowering for Espruino: ${unhoisted} function declarations follow other statements after minifying`,
    );
  const prelude = preludeFor([out, ...coldTexts].join('\n'));
  const inputs = Object.keys(bundled.metafile.inputs).flatMap((input) => inputFiles(input, options));
  const used: string[] = [];
  for (const output of Object.values(bundled.metafile.outputs))
    for (const [input, info] of Object.entries(output.inputs))
      if (info.bytesInOutput > 0) used.push(...inputFiles(input, options));
  return {
    code: withPrelude(out, prelude.source),
    prelude: prelude.names,
    inputs,
    used,
    shortNames,
    inlining,
    cold: { bytes: cold && cold.bytes.length > 0 ? cold.bytes : null, texts: coldTexts, ...coldReport },
    flags,
  };
}

/**
 * Names a top-level name of the boot code must not take: Espruino's globals
 * (globals.ts) and the names the prelude defines.
 */
const ESPRUINO_GLOBALS = new Set([...ESPRUINO_GLOBAL_NAMES, ...PRELUDE_GLOBALS]);

/**
 * Takes the bundle's body out of esbuild's IIFE, so its functions sit in
 * Espruino's root scope: a function made inside a closure keeps one more
 * variable (its scope link), and the bundle has hundreds. Names the body
 * binds that Espruino's globals use are renamed first.
 */
export function unwrapBundle(code: string): string {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  if (!ast) throw new Error('lowering for Espruino: the minified bundle does not parse');
  const body = ast.program.body;
  const at = body.findIndex(
    (s) =>
      s.type === 'ExpressionStatement' &&
      s.expression.type === 'CallExpression' &&
      s.expression.arguments.length === 0 &&
      (s.expression.callee.type === 'FunctionExpression' || s.expression.callee.type === 'ArrowFunctionExpression') &&
      // The minifier may give the IIFE parameters it calls without arguments: locals, declared with var below.
      s.expression.callee.params.every((p) => p.type === 'Identifier') &&
      s.expression.callee.body.type === 'BlockStatement',
  );
  if (at < 0) throw new Error("lowering for Espruino: no bundle IIFE in esbuild's output");
  const callee = ((body[at] as BabelTypes.ExpressionStatement).expression as BabelTypes.CallExpression)
    .callee as BabelTypes.FunctionExpression;
  if (callee.params.length > 0) {
    const locals = callee.params.map((p) => babelTypes.variableDeclarator(p as BabelTypes.Identifier));
    (callee.body as BabelTypes.BlockStatement).body.unshift(babelTypes.variableDeclaration('var', locals));
    callee.params = [];
  }
  traverse(ast, {
    Function(path) {
      const statement = path.parentPath.parentPath;
      if (!statement || statement.node !== body[at]) return;
      for (const name of Object.keys(path.scope.bindings)) if (ESPRUINO_GLOBALS.has(name)) path.scope.rename(name);
    },
    ClassExpression(path) {
      // Espruino does not bind a class expression's own name inside it: `var A = class B { m() { return B } }`
      // fails. Such a class refers to itself through the variable it is assigned to instead.
      const id = path.node.id;
      if (!id) return;
      const declarator = path.parentPath;
      const inner = path.scope.getBinding(id.name);
      if (!inner?.referenced) {
        path.node.id = null;
        return;
      }
      // `var X = class Y {…}`, or `X = class Y {…}` as X's only assignment (the minifier writes that too).
      let outer = '';
      if (declarator.isVariableDeclarator() && declarator.node.id.type === 'Identifier')
        outer = declarator.node.id.name;
      else if (
        declarator.isAssignmentExpression({ operator: '=' }) &&
        declarator.node.left.type === 'Identifier' &&
        declarator.node.right === path.node
      )
        outer = declarator.node.left.name;
      if (outer === '')
        throw new Error(`lowering for Espruino: the class ${id.name} refers to itself by a name Espruino cannot see`);
      const binding = declarator.scope.getBinding(outer);
      const assignedOnce =
        binding !== undefined &&
        (binding.constant ||
          (binding.constantViolations.length === 1 &&
            binding.constantViolations[0] === declarator &&
            binding.path.isVariableDeclarator() &&
            !binding.path.node.init));
      if (!assignedOnce)
        throw new Error(`lowering for Espruino: the class ${id.name} refers to itself through ${outer}, which changes`);
      path.scope.rename(id.name, outer);
      path.node.id = null;
    },
  });
  const iife = (body[at] as BabelTypes.ExpressionStatement).expression as BabelTypes.CallExpression;
  const fn = iife.callee as BabelTypes.FunctionExpression;
  body.splice(at, 1, ...fn.body.body);
  // Its functions join Babel's helpers at the top; the helpers' own statements move below them.
  hoistFunctions(body, babelTypes);
  // What requests read most is made first in Espruino's root scope (root-order.ts).
  rootOrder(body, babelTypes);
  // esbuild's minifier may write `let` again; Espruino's `let` in a loop shares one binding.
  const result = transformFromAstSync(ast, code, {
    babelrc: false,
    configFile: false,
    compact: true,
    minified: true,
    comments: false,
    plugins: [blockScoping],
    generatorOpts: RAW_UTF8,
  });
  if (!result || typeof result.code !== 'string') throw new Error('lowering for Espruino: unwrapping produced no code');
  return result.code;
}

/** `code` parsed as a script (Babel's AST). */
export function parseScript(code: string): BabelTypes.File {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  if (!ast) throw new Error('lowering for Espruino: the code does not parse');
  return ast;
}

/**
 * `code` with `prelude` after its leading function declarations (Babel's
 * helpers and the bundle's) and before the rest; what root-order.ts put in
 * front of them stays in front.
 */
function withPrelude(code: string, prelude: string): string {
  if (!prelude) return code;
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  const body = ast ? ast.program.body : [];
  const functions = body.findIndex((s) => s.type === 'FunctionDeclaration');
  const first = body.find((s, i) => i > functions && s.type !== 'FunctionDeclaration');
  const at = first && typeof first.start === 'number' ? first.start : code.length;
  return `${code.slice(0, at)}\n${prelude}\n${code.slice(at)}`;
}

/** The problems Espruino would have with `code` (positions in `code`). */
export function checkSource(code: string): FoundProblem[] {
  const found: FoundProblem[] = [];
  transformSync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    code: false,
    plugins: [espruinoCheck(found)],
  });
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Breaks `code` into lines of about `limit` characters, after a `;`, `,`,
 * `{` or `}` token only: a line break there never changes what the code
 * means (no automatic semicolon follows those), and never falls inside a
 * string or a regular expression.
 */
export function breakLines(code: string, limit: number): string {
  const ast = parseSync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    // A cold function's body is stored alone (cold.ts): its returns are outside any function.
    parserOpts: { tokens: true, allowReturnOutsideFunction: true },
  });
  const tokens = (ast as unknown as { tokens?: { start: number; end: number; type: { label: string } | string }[] })
    .tokens;
  if (!tokens) throw new Error('lowering for Espruino: the parser gave no tokens');
  const parts: string[] = [];
  let from = 0;
  let lineStart = 0;
  for (const token of tokens) {
    const label = typeof token.type === 'string' ? token.type : token.type.label;
    if (token.end - lineStart < limit) continue;
    if (label !== ';' && label !== ',' && label !== '{' && label !== '}') continue;
    parts.push(code.slice(from, token.end), '\n');
    from = token.end;
    lineStart = token.end;
  }
  parts.push(code.slice(from));
  return parts.join('');
}

/** Syntax kinds Espruino 2v29 does not parse, by Babel node type. */
const UNPARSED: Record<string, string> = {
  SpreadElement: 'spread',
  RestElement: 'rest parameter or element',
  AssignmentPattern: 'default value',
  ObjectPattern: 'destructuring',
  ArrayPattern: 'destructuring',
  OptionalMemberExpression: '?.',
  OptionalCallExpression: '?.',
  AwaitExpression: 'await',
  YieldExpression: 'yield',
  ClassProperty: 'class field',
  ClassPrivateProperty: 'class field',
  ClassPrivateMethod: '#private method',
  StaticBlock: 'static block',
  LabeledStatement: 'label',
  MetaProperty: 'new.target or import.meta',
  TaggedTemplateExpression: 'tagged template',
};

/** What in `code` Espruino would not parse (empty when it all parses), as short descriptions. */
export function espruinoSyntaxProblems(code: string): string[] {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  const found: string[] = [];
  if (!ast) return ['no code'];
  const at = (node: BabelTypes.Node, what: string) => {
    const start = typeof node.start === 'number' ? node.start : 0;
    found.push(
      `${what} at ${node.loc ? `${node.loc.start.line}:${node.loc.start.column}` : '?'} (${code.slice(start, start + 60)})`,
    );
  };
  traverse(ast, {
    enter(path) {
      const node = path.node;
      const kind = UNPARSED[node.type];
      if (kind) at(node, kind);
      else if (
        (node.type === 'ObjectProperty' || node.type === 'ObjectMethod' || node.type === 'ClassMethod') &&
        node.computed
      )
        at(node, 'computed key');
      else if (node.type === 'BinaryExpression' && node.operator === '**') at(node, '**');
      else if (node.type === 'AssignmentExpression' && /^(\*\*|\?\?|\|\||&&)=$/.test(node.operator))
        at(node, node.operator);
      else if (
        (node.type === 'FunctionDeclaration' ||
          node.type === 'FunctionExpression' ||
          node.type === 'ArrowFunctionExpression' ||
          node.type === 'ClassMethod' ||
          node.type === 'ObjectMethod') &&
        (node.async || node.generator)
      )
        at(node, node.async ? 'async function' : 'generator');
      else if (node.type === 'VariableDeclaration' && node.kind !== 'var') at(node, node.kind);
      else if (node.type === 'ClassExpression' && node.id) at(node, 'named class expression');
      else if (
        (node.type === 'ClassExpression' || node.type === 'ClassDeclaration') &&
        node.superClass?.type !== undefined &&
        node.superClass.type !== 'Identifier'
      )
        at(node, 'extends with an expression, not a name');
      else if (
        unparsedMethodName(node) !== '' ||
        (node.type === 'ClassMethod' && !node.computed && node.key.type === 'NumericLiteral')
      )
        at(node, 'class method named with a keyword, string or number');
    },
  });
  return found;
}

/** Function declarations that follow another statement of their block (Espruino would not see them early). */
export function unhoistedFunctions(code: string): number {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  let late = 0;
  const scan = (body: BabelTypes.Statement[]) => {
    let other = false;
    for (const statement of body) {
      if (statement.type === 'FunctionDeclaration') {
        if (other) late++;
      } else other = true;
    }
  };
  if (!ast) return 0;
  // The front root-order.ts writes runs none of the bundle's code.
  scan(ast.program.body.slice(frontLength(ast.program.body)));
  traverse(ast, {
    BlockStatement(path) {
      scan(path.node.body);
    },
  });
  return late;
}
