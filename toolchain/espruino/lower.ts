/**
 * Lowering for Espruino: turns an entry module (the generated board entry,
 * the core, the app) into one script Espruino 2v29 runs.
 *
 *   1. esbuild bundles it: one IIFE, es2022, UTF-8 kept as UTF-8 (an
 *      ESP32 build has no Unicode: a literal's bytes are its string).
 *   2. Babel checks it for what cannot be lowered (babel-espruino.ts) and
 *      reports each with the original file:line, through esbuild's map.
 *   3. Babel lowers it: preset-env for IE 11, loose (Espruino's parser
 *      lacks rest, spread, defaults, destructuring, `?.`, class fields),
 *      async functions as promise chains (babel-plugin-transform-async-to-
 *      promises: Babel's regenerator resumes an awaited rejection with
 *      undefined there), function declarations hoisted, native error
 *      bases replaced.
 *   4. esbuild minifies it for ES5; the hoisting runs once more on the
 *      minified code; the prelude (prelude.ts) for the built-ins the code
 *      uses goes in front.
 *
 * Never: emit syntax Espruino does not parse; drop a problem silently; let
 * a reported position point into generated code when a source has it.
 */
import { parseSync, transformAsync, transformSync, traverse, type types as BabelTypes } from '@babel/core';
import presetEnv from '@babel/preset-env';
import asyncToPromises from 'babel-plugin-transform-async-to-promises';
import * as esbuild from 'esbuild';
import { SourceMap } from 'node:module';
import { relative, resolve } from 'node:path';
import { espruinoCheck, espruinoShape, type FoundProblem } from './babel-espruino.ts';
import { preludeFor } from './prelude.ts';

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
        'Rewrite these places without the feature (see docs/espruino.md, "What differs").',
    );
    this.name = 'LoweringError';
    this.problems = problems;
  }
}

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
}

/** The lowered script. */
export interface LoweredScript {
  /** The script: prelude, then the bundle. */
  code: string;
  /** Built-ins the prelude provides. */
  prelude: string[];
  /** Bundled input files (absolute). */
  inputs: string[];
}

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
    exclude: ['transform-regenerator', 'transform-async-to-generator', 'transform-typeof-symbol'],
  },
];

/** Bundles, checks, lowers and minifies `options.entry`; throws LoweringError listing what cannot run. */
export async function lowerForEspruino(options: LowerOptions): Promise<LoweredScript> {
  const bundled = await esbuild.build({
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
    logLevel: 'silent',
    metafile: true,
  });
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
    const source = resolve(mapDir, entry.originalSource.replace(/^file:\/\//, ''));
    const rel = relative(process.cwd(), source);
    return { file: rel.startsWith('..') ? source : rel, line: entry.originalLine + 1, feature: p.feature };
  });
  if (problems.length) {
    const unique = new Map<string, LoweringProblem>();
    for (const p of problems) unique.set(`${p.file}:${p.line}:${p.feature}`, p);
    throw new LoweringError([...unique.values()]);
  }

  const lowered = await transformAsync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    compact: false,
    comments: false,
    presets: [PRESET_ENV],
    plugins: [[asyncToPromises, { inlineHelpers: true }], espruinoShape],
  });
  if (!lowered || typeof lowered.code !== 'string') throw new Error('lowering for Espruino: Babel produced no code');
  let out = lowered.code;
  if (options.minify !== false) {
    // Short lines: Espruino copies the source line of every frame into an exception's stack,
    // so one line of 70 KB makes any throw, even a caught one, run out of memory.
    // (esbuild's lineLimit would split string literals with a line continuation, which Espruino keeps as "\n".)
    const minified = await esbuild.transform(out, { minify: true, target: 'es5', charset: 'utf8', logLevel: 'silent' });
    out = breakLines(minified.code, LINE_LIMIT);
  }
  const unhoisted = unhoistedFunctions(out);
  if (unhoisted > 0)
    throw new Error(
      `lowering for Espruino: ${unhoisted} function declarations follow other statements after minifying`,
    );
  const prelude = preludeFor(out);
  const inputs = Object.keys(bundled.metafile.inputs).map((input) => resolve(input));
  return { code: withPrelude(out, prelude.source), prelude: prelude.names, inputs };
}

/** `code` with `prelude` after its leading function declarations (Babel's helpers) and before the rest. */
function withPrelude(code: string, prelude: string): string {
  if (!prelude) return code;
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  const first = ast ? ast.program.body.find((s) => s.type !== 'FunctionDeclaration') : undefined;
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
    parserOpts: { tokens: true },
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
  scan(ast.program.body);
  traverse(ast, {
    BlockStatement(path) {
      scan(path.node.body);
    },
  });
  return late;
}
