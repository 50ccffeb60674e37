/**
 * Short property names for the Espruino build: the core's own class members
 * (`contentLength`, `bodyComplete`, `keepAliveNow` …) get one- or two-letter
 * names in the boot code, as esbuild's mangleProps writes them.
 *
 * Why: Espruino keeps every property as a variable holding its name, and a
 * name longer than fits in that variable takes one more; each slot's state,
 * every class's methods and every WebSocket session pay that per property.
 * Shorter names are also less code to keep in flash and to read from it.
 *
 * Which names: a member declared in a class of chipweb's own code (src/ and
 * firmware/espruino/), unless the name is also
 *   - mentioned anywhere in the app's files (every bundled file outside
 *     chipweb's code), as a word or inside a string: what the app can touch
 *     keeps its name;
 *   - a member of an interface or type, or a key of an object literal, in
 *     chipweb's code: those describe data (options, stats, stored
 *     settings, JSON) and the contracts between layers;
 *   - a public member of a class the package exports (App, Server …, as
 *     package.json's exports reach them): its API, which a board's console
 *     (`chipweb.server.stats()`) reaches too;
 *   - written inside a string in chipweb's code (a computed access);
 *   - a member of a JavaScript built-in (as Node lists them, a superset of
 *     Espruino's), of an Espruino API the platform uses (its declarations
 *     in firmware/espruino/types/), or a protocol name the engine looks up
 *     by itself (then, toJSON, next …).
 * A name of 2 characters or fewer stays: it fits its variable already.
 *
 * Never: shorten a name something outside the bundle can see (JSON, stored
 * data, the engine, another Storage module lowered with other names: the
 * OTA module is lowered with the boot code's list and cache).
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

/** Every word in the .ts files under `dir` (Espruino's API as the platform declares it). */
function wordsUnder(dir: string, into: Set<string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) wordsUnder(path, into);
    else if (entry.name.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(WORD)) into.add(m[0]);
  }
}

/** The source file at `path`, parsed. */
function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** Names of the classes the package exports: followed from package.json's exports through `export … from`. */
function exportedClasses(root: string): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const statement of parse(path).statements) {
      if (ts.isClassDeclaration(statement) && statement.name && ts.getModifiers(statement)?.length)
        names.add(statement.name.text); // exported from the entry itself
      if (!ts.isExportDeclaration(statement) || statement.isTypeOnly || !statement.moduleSpecifier) continue;
      const from = resolve(dirname(path), (statement.moduleSpecifier as ts.StringLiteral).text);
      const clause = statement.exportClause;
      if (clause === undefined) visit(from);
      else if (ts.isNamedExports(clause))
        for (const element of clause.elements) if (!element.isTypeOnly) names.add(element.name.text);
    }
  };
  const manifest = join(root, 'package.json');
  if (!existsSync(manifest)) return names;
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, string> }).exports ?? {};
  for (const entry of Object.values(exports)) if (entry.startsWith('./src/')) visit(join(root, entry));
  return names;
}

/** Whether a class member is private (TypeScript's private or protected, or #name). */
function isPrivate(member: ts.ClassElement): boolean {
  if (member.name !== undefined && ts.isPrivateIdentifier(member.name)) return true;
  return (
    ts.canHaveModifiers(member) &&
    (ts.getModifiers(member) ?? []).some(
      (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
    )
  );
}

/**
 * What one of chipweb's files declares: class member names, and the names
 * it keeps (data shapes, strings, the public members of `publicClasses`).
 */
function scanCoreFile(path: string, members: Set<string>, kept: Set<string>, publicClasses: Set<string>): void {
  const source = parse(path);
  const nameOf = (name: ts.PropertyName | ts.BindingName | undefined): string | undefined =>
    name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) ? name.text : undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node)) for (const m of node.text.matchAll(WORD)) kept.add(m[0]);
    const parent = node.parent;
    const inClass = parent !== undefined && ts.isClassLike(parent);
    if (
      inClass &&
      ts.isClassDeclaration(parent) &&
      parent.name !== undefined &&
      publicClasses.has(parent.name.text) &&
      !isPrivate(node as ts.ClassElement)
    ) {
      const name = nameOf((node as ts.ClassElement).name);
      if (name !== undefined) kept.add(name);
    }
    if (
      inClass &&
      (ts.isPropertyDeclaration(node) ||
        ts.isMethodDeclaration(node) ||
        ts.isGetAccessorDeclaration(node) ||
        ts.isSetAccessorDeclaration(node))
    ) {
      const name = nameOf(node.name);
      if (name !== undefined) members.add(name);
    } else if (ts.isParameter(node) && ts.isConstructorDeclaration(parent) && ts.getModifiers(node)?.length) {
      const name = nameOf(node.name);
      const owner = parent.parent;
      if (name === undefined) return;
      members.add(name); // a parameter property
      const hidden = ts
        .getModifiers(node)
        ?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
      if (!hidden && ts.isClassDeclaration(owner) && owner.name !== undefined && publicClasses.has(owner.name.text))
        kept.add(name);
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

/**
 * The property names to shorten in a bundle of `inputs` (absolute paths, as
 * esbuild's metafile lists them, a `?suffix` allowed): see the module comment.
 * `root` is chipweb's package folder.
 */
export function shortenableNames(root: string, inputs: readonly string[]): string[] {
  const core = [join(root, 'src') + sep, join(root, 'firmware', 'espruino') + sep];
  const types = join(root, 'firmware', 'espruino', 'types') + sep;
  const members = new Set<string>();
  const kept = builtinNames();
  const publicClasses = exportedClasses(root);
  wordsUnder(types, kept);
  for (const input of inputs) {
    const path = resolve(input.replace(/\?.*$/, ''));
    if (core.some((dir) => path.startsWith(dir)) && !path.startsWith(types) && path.endsWith('.ts'))
      scanCoreFile(path, members, kept, publicClasses);
    else for (const m of readFileSync(path, 'utf8').matchAll(WORD)) kept.add(m[0]);
  }
  return [...members].filter((name) => name.length > 2 && !kept.has(name)).sort();
}
