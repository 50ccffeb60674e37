/**
 * The README and docs/ cannot show code the build rejects: every TypeScript
 * block in them is type-checked as a module of its own, against the real
 * package; every `npm run` script they name exists; every local link
 * points at a file that exists. And the README stays short.
 */
import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The fenced blocks of one page, with their language and first line number. */
function blocks(page: string): { lang: string; code: string; line: number }[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const found: { lang: string; code: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].slice(indent));
    found.push({ lang: open[2], code: body.join('\n'), line: i + 1 });
    i = j;
  }
  return found;
}

describe('the README and docs/', () => {
  it('the README fits on a few screens (at most 250 lines)', () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length;
    expect(lines).to.be.at.most(250);
  });

  it('every TypeScript block type-checks against the package', function () {
    this.timeout(60000);
    const out = join(ROOT, 'build', 'doc-blocks');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const files: string[] = [];
    const origin = new Map<string, string>();
    for (const page of PAGES) {
      for (const block of blocks(page)) {
        if (block.lang !== 'ts' && block.lang !== 'typescript') continue;
        const file = join(out, `${page.replace(/[/.]/g, '_')}_${block.line}.ts`);
        const isModule = /^\s*(import|export)\s/m.test(block.code);
        writeFileSync(file, block.code + (isModule ? '\n' : '\nexport {};\n'));
        files.push(file);
        origin.set(file, `${page}:${block.line}`);
      }
    }
    expect(files.length).to.be.greaterThan(4);
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const program = ts.createProgram(files, { ...parsed.options, noUnusedLocals: false, noEmit: true });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && origin.has(resolve(d.file.fileName)))
      .map((d) => {
        const file = resolve((d.file as ts.SourceFile).fileName);
        const { line } = (d.file as ts.SourceFile).getLineAndCharacterOfPosition(d.start ?? 0);
        return `${origin.get(file)} (+${line}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).to.deep.equal([]);
    rmSync(out, { recursive: true, force: true });
  });

  it('every npm script they name exists', () => {
    const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts);
    for (const page of PAGES) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const m of text.matchAll(/npm run ([\w:-]+)/g)) expect(scripts, `${page}: npm run ${m[1]}`).to.include(m[1]);
    }
  });

  it('every local link points at a file that exists', () => {
    for (const page of PAGES) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(m[1])) continue;
        const target = resolve(dirname(join(ROOT, page)), m[1]);
        expect(existsSync(target), `${page} links ${m[1]} (${relative(ROOT, target)})`).to.equal(true);
      }
    }
  });
});
