/**
 * Short property names for the Espruino build: the core's own class members
 * (`contentLength`, `bodyComplete`, `keepAliveNow` …) get names of two or
 * three characters in the boot code, through esbuild's mangleProps with a
 * mapping chosen here.
 *
 * Why: Espruino keeps every property as a variable holding its name, and a
 * name longer than fits in that variable takes one more; each slot's state,
 * every class's methods and every WebSocket session pay that per property.
 * Shorter names are also less code to keep in flash and to read from it.
 *
 * Which names: a member declared in a class of chipweb's own code (src/ and
 * firmware/espruino/) that the bundle holds, unless the name is also
 *   - an identifier in the app's files (every bundled file outside
 *     chipweb's code), or a string there that is that one word (a computed
 *     access reads a whole string): what the app can touch keeps its name.
 *     Its comments and the words of its messages do not count;
 *   - anywhere in chipweb's code (every file, bundled or not: a module only
 *     imported for its types, a stand-in, the OTA module's files) a member
 *     of an interface or type, or a key of an object literal: those describe
 *     data (options, stats, stored settings, JSON, the OTA commit record)
 *     and the contracts between layers; or a string that is that one word
 *     (a computed access);
 *   - a public member of a class the package exports (App, Server …, as
 *     package.json's exports reach them, with the classes they extend): its
 *     API, which a board's console (`chipweb.server.stats()`) reaches too;
 *   - a constructor's parameter property (esbuild would declare its field
 *     under the long name and assign it under the short one);
 *   - a member of a JavaScript built-in (as Node lists them, a superset of
 *     Espruino's), of an Espruino API the platform uses (its declarations
 *     in firmware/espruino/types/), or a protocol name the engine looks up
 *     by itself (then, toJSON, next …).
 * A name of 2 characters or fewer stays: it fits its variable already.
 *
 * The short names are `$` and one or two letters or digits, none of them a
 * word anywhere in chipweb's code or the app's: no short name can meet a
 * property esbuild leaves alone, in the boot code or in a script lowered
 * apart with the same mapping (the OTA module, which the boot code hands
 * objects to and takes objects from).
 *
 * Never: shorten a name something outside the bundle can see (JSON, stored
 * data, the engine, another Storage module lowered with other names).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import ts from 'typescript';

/** What the engine reads by name on objects it is given. */
const PROTOCOL_NAMES = [
  'then',
  'catch',
  'finally',
  'next',
  'done',
  'value',
  'return',
  'throw',
  'get',
  'set',
  'enumerable',
  'configurable',
  'writable',
  'toJSON',
  'toString',
  'valueOf',
  'constructor',
  'prototype',
  'length',
  'name',
  'message',
  'stack',
  'code',
  'default',
  'callee',
  'caller',
  'arguments',
  '__proto__',
  'exports',
  'module',
];

/**
 * Member names an object chipweb did not make may have: JavaScript's
 * built-ins (as Node lists them) and the Espruino APIs the platform declares
 * (firmware/espruino/types/), every word of those declarations. A call of
 * such a name cannot be told to reach chipweb's own method (cold.ts).
 */
export function engineMemberNames(root: string): Set<string> {
  const names = builtinNames();
  for (const path of tsFilesUnder(join(root, 'firmware', 'espruino', 'types')))
    addWords(readFileSync(path, 'utf8'), names);
  return names;
}

/** Words and identifier-like string contents of a source file. */
const WORD = /[A-Za-z_$][\w$]*/g;

/** Member names of JavaScript's built-ins as this Node has them (Espruino's are a subset, bar its own APIs). */
function builtinNames(): Set<string> {
  const names = new Set<string>(PROTOCOL_NAMES);
  const global = globalThis as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(globalThis)) {
    names.add(key);
    const value = global[key];
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) continue;
    for (const member of Object.getOwnPropertyNames(value)) names.add(member);
    const proto = (value as { prototype?: unknown }).prototype;
    if (proto !== null && typeof proto === 'object')
      for (const member of Object.getOwnPropertyNames(proto)) names.add(member);
  }
  return names;
}

/** The .ts files under `dir`, all folders down. */
function tsFilesUnder(dir: string, into: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tsFilesUnder(path, into);
    else if (entry.name.endsWith('.ts')) into.push(path);
  }
  return into;
}

/** Every word of `text` into `into`. */
function addWords(text: string, into: Set<string>): void {
  for (const m of text.matchAll(WORD)) into.add(m[0]);
}

/** A string that could name a member in a computed access (`x[text]`): one word, nothing else. */
const KEY = /^[A-Za-z_$][\w$]*$/;

/** Script files whose syntax tree is read (others are read word by word). */
const SCRIPT = /\.[cm]?[jt]sx?$/;

/**
 * The names an app's file can reach a member by, into `into`: every
 * identifier (a member access, a key, a variable: all alike) and every
 * string that is one word. Not its comments, nor the words of its
 * messages: a computed access reads a whole string.
 */
function addReachableNames(path: string, text: string, into: Set<string>): void {
  if (!SCRIPT.test(path)) {
    addWords(text, into);
    return;
  }
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) into.add(node.text);
    else if (ts.isStringLiteralLike(node) && KEY.test(node.text)) into.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true));
}

/** Names of the classes the package exports: followed from package.json's exports through `export … from`. */
function exportedClasses(root: string, sources: Map<string, ts.SourceFile>): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const source = sources.get(path);
    if (source === undefined || seen.has(path)) return;
    seen.add(path);
    for (const statement of source.statements) {
      if (
        ts.isClassDeclaration(statement) &&
        statement.name &&
        ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      )
        names.add(statement.name.text); // exported from the entry itself
      if (!ts.isExportDeclaration(statement) || statement.isTypeOnly || !statement.moduleSpecifier) continue;
      const from = resolve(dirname(path), (statement.moduleSpecifier as ts.StringLiteral).text);
      const clause = statement.exportClause;
      if (clause === undefined) visit(from);
      else if (ts.isNamedExports(clause))
        for (const element of clause.elements)
          if (!element.isTypeOnly) names.add((element.propertyName ?? element.name).text);
    }
  };
  const manifest = join(root, 'package.json');
  if (existsSync(manifest)) {
    const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, string> }).exports ?? {};
    for (const entry of Object.values(exports)) if (entry.startsWith('./src/')) visit(join(root, entry));
  }
  // The classes they extend: their public members are the exported class's too.
  const bases = new Map<string, string>();
  for (const source of sources.values())
    for (const statement of source.statements)
      if (ts.isClassDeclaration(statement) && statement.name)
        for (const clause of statement.heritageClauses ?? [])
          if (clause.token === ts.SyntaxKind.ExtendsKeyword && ts.isIdentifier(clause.types[0].expression))
            bases.set(statement.name.text, clause.types[0].expression.text);
  for (const name of [...names])
    for (let base = bases.get(name); base !== undefined; base = bases.get(base)) names.add(base);
  return names;
}

/** Whether a class member is private (TypeScript's private or protected, or #name). */
function isPrivate(member: ts.Node): boolean {
  const name = (member as { name?: ts.Node }).name;
  if (name !== undefined && ts.isPrivateIdentifier(name)) return true;
  return (
    ts.canHaveModifiers(member) &&
    (ts.getModifiers(member) ?? []).some(
      (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
    )
  );
}

/**
 * What one of chipweb's files holds: the names it keeps (data shapes,
 * strings, the public members of `publicClasses`) into `kept`, and, for a
 * file in the bundle (`members` not null), its class members into `members`.
 */
function scanCoreFile(
  source: ts.SourceFile,
  members: Set<string> | null,
  kept: Set<string>,
  publicClasses: Set<string>,
): void {
  const nameOf = (name: ts.PropertyName | ts.BindingName | undefined): string | undefined =>
    name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) ? name.text : undefined;
  const isPublicClass = (node: ts.Node): boolean =>
    ts.isClassDeclaration(node) && node.name !== undefined && publicClasses.has(node.name.text);
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) && KEY.test(node.text)) kept.add(node.text); // a possible computed key
    const parent = node.parent;
    const inClass = parent !== undefined && ts.isClassLike(parent);
    if (
      inClass &&
      (ts.isPropertyDeclaration(node) ||
        ts.isMethodDeclaration(node) ||
        ts.isGetAccessorDeclaration(node) ||
        ts.isSetAccessorDeclaration(node))
    ) {
      const name = nameOf(node.name);
      if (name !== undefined) {
        members?.add(name);
        if (isPublicClass(parent) && !isPrivate(node)) kept.add(name);
      }
    } else if (ts.isParameter(node) && ts.isConstructorDeclaration(parent) && ts.getModifiers(node)?.length) {
      // A parameter property keeps its name: esbuild declares its field under the long name even when it
      // shortens the assignment, and every object would carry both.
      const name = nameOf(node.name);
      if (name !== undefined) kept.add(name);
    } else if (
      ts.isPropertySignature(node) ||
      ts.isMethodSignature(node) ||
      ts.isPropertyAssignment(node) ||
      ts.isShorthandPropertyAssignment(node) ||
      ((ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) &&
        !inClass)
    ) {
      const name = nameOf(node.name);
      if (name !== undefined) kept.add(name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

/** Property names shortened in a script, and what each became. */
export interface ShortNames {
  /** The names shortened. */
  names: readonly string[];
  /** Each name's short name (esbuild's mangle cache). */
  cache: Record<string, string>;
}

/** Characters of the short names after their `$`. */
const SHORT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * The property names to shorten in a bundle of `inputs` (paths as esbuild's
 * metafile lists them, a `?suffix` allowed), and their short names, the
 * shortest for the names `code` (the bundle) uses most: see the module
 * comment. `root` is chipweb's package folder.
 */
export function shortNamesFor(root: string, inputs: readonly string[], code: string): ShortNames {
  const coreDirs = [join(root, 'src') + sep, join(root, 'firmware', 'espruino') + sep];
  const types = join(root, 'firmware', 'espruino', 'types') + sep;
  const isCore = (path: string) => coreDirs.some((dir) => path.startsWith(dir)) && !path.startsWith(types);
  const kept = builtinNames();
  const words = new Set<string>();
  const sources = new Map<string, ts.SourceFile>();
  for (const path of [...tsFilesUnder(join(root, 'src')), ...tsFilesUnder(join(root, 'firmware', 'espruino'))]) {
    const text = readFileSync(path, 'utf8');
    addWords(text, words);
    if (path.startsWith(types)) addWords(text, kept);
    else sources.set(path, ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true));
  }
  const publicClasses = exportedClasses(root, sources);
  const bundled = new Set<string>();
  for (const input of inputs) {
    const path = resolve(input.replace(/\?.*$/, ''));
    if (isCore(path)) bundled.add(path);
    else {
      const text = readFileSync(path, 'utf8');
      addReachableNames(path, text, kept);
      addWords(text, words);
    }
  }
  const members = new Set<string>();
  for (const [path, source] of sources) scanCoreFile(source, bundled.has(path) ? members : null, kept, publicClasses);

  // Most used first, so that they get the two-character names.
  const uses = new Map<string, number>();
  for (const m of code.matchAll(/\.([A-Za-z_$][\w$]*)/g)) uses.set(m[1], (uses.get(m[1]) ?? 0) + 1);
  const names = [...members]
    .filter((name) => name.length > 2 && !kept.has(name))
    .sort((a, b) => (uses.get(b) ?? 0) - (uses.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const cache: Record<string, string> = {};
  let next = 0;
  const shortName = (): string => {
    for (;;) {
      const n = next++;
      const short =
        n < SHORT_CHARS.length
          ? `$${SHORT_CHARS[n]}`
          : `$${SHORT_CHARS[Math.floor(n / SHORT_CHARS.length) - 1]}${SHORT_CHARS[n % SHORT_CHARS.length]}`;
      if (!words.has(short) && !kept.has(short)) return short;
    }
  };
  for (const name of names) cache[name] = shortName();
  return { names, cache };
}
