/**
 * Every exported name in the project's code has a doc comment, as Gin's
 * has: the comment is where a reader learns what a name is for.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..');
const FOLDERS = ['src', 'host-sim', 'firmware', 'toolchain', 'cli'];

/** The .ts files under `dir`, not tests, declarations or generated output. */
function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist' && name !== 'init-template') sources(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** `file:line name` for each exported declaration in `file` without a doc comment. */
function undocumented(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const missing: string[] = [];
  for (const statement of source.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (ts.getJSDocCommentsAndTags(statement).length > 0) continue;
    const names = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map((d) => d.name.getText(source))
      : [((statement as { name?: ts.Node }).name?.getText(source) ?? 'default') as string];
    const line = source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1;
    for (const name of names) missing.push(`${relative(ROOT, file)}:${line} ${name}`);
  }
  return missing;
}

describe('doc comments', () => {
  it('every exported name in src/, host-sim/, firmware/, toolchain/ and cli/ has one', () => {
    const files = FOLDERS.flatMap((folder) => sources(join(ROOT, folder)));
    assert.ok(files.length > 100, `expected the project's sources, found ${files.length} files`);
    assert.deepEqual(
      files.flatMap((file) => undocumented(file)),
      [],
    );
  });

  it('finds an export without one', () => {
    const text = '/** Documented. */\nexport const a = 1;\nexport const b = 2;\nexport function c() {}\n';
    assert.deepEqual(undocumented(join(ROOT, 'probe.ts'), text), ['probe.ts:3 b', 'probe.ts:4 c']);
  });
});
