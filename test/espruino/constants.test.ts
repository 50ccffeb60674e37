/**
 * The Espruino lowering's constant inlining (toolchain/espruino/constants.ts):
 * a top-level `const` of the bundle holding a number is written where it is
 * read, and the program computes exactly what it did; a `var`, a `let`, an
 * assigned name or any other value stays. Each case is a small bundle-like
 * IIFE run in V8 before and after; the last case lowers a real entry and
 * checks that esbuild's `var`s are told apart by the source map.
 */
import { transformSync } from '@babel/core';
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inlineConstants } from '../../toolchain/espruino/constants.ts';
import { lowerForEspruino } from '../../toolchain/espruino/lower.ts';
import { constsNamed, outOf, run } from './run-in-v8.ts';

/** `body` with its constants inlined, where `consts` names the declarations that were `const` in their source. */
function inlined(body: string, consts: string[]): { code: string; count: number } {
  const report = { inlined: 0 };
  const wasConst = constsNamed(consts);
  const out = transformSync(`(() => {\n${body}\n})();`, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    plugins: [inlineConstants(wasConst, report)],
  });
  return { code: out?.code ?? '', count: report.inlined };
}

/** Expects `body` (which sets `result`) to inline `count` constants and compute the same result. */
function same(body: string, consts: string[], count: number): string {
  const before = run(`(() => {\n${body}\n})();`);
  const after = inlined(body, consts);
  expect(after.count, after.code).to.equal(count);
  expect(run(after.code), after.code).to.deep.equal(before);
  return after.code;
}

describe('espruino lowering: inlining numeric constants', () => {
  it('writes each read of a numeric const as its number, in functions, objects and other constants', () => {
    const code = same(
      `var HEAD = 1;
       var FAILED = -2;
       var MASK = ~0x0f;
       var LIMIT = 4 * 1024;
       var HALF = LIMIT / 2;
       function state(s) { return s === HEAD ? 'head' : s === FAILED ? 'failed' : 'other'; }
       result = { a: state(1), b: state(-2), c: state(0), HALF, mask: 0xff & MASK, t: typeof HEAD };`,
      ['HEAD', 'FAILED', 'MASK', 'LIMIT', 'HALF'],
      5,
    );
    expect(code).to.not.match(/\b(HEAD|FAILED|MASK|LIMIT|HALF)\b(?!:)/);
    expect(code).to.match(/HALF: 4 \* 1024 \/ 2/);
  });

  it('leaves what its source did not write as const, an assigned name, and what is not a number', () => {
    const body = `var early = function () { return LATE; };
       var seen = early();
       var LATE = 3;
       var NAME = 'x';
       var BIG = 10;
       var NEXT = BIG + NAME.length;
       var LIST = [1];
       BIG++;
       result = { seen, late: LATE, name: NAME, big: BIG, next: NEXT, list: LIST };`;
    const code = same(body, ['NAME', 'BIG', 'NEXT', 'LIST'], 0);
    expect(code).to.match(/var LATE = 3/);
    expect(code).to.match(/var BIG = 10/);
  });

  it('touches only the bundle\u2019s top level, not a function\u2019s own const of the same name', () => {
    const code = same(
      `var N = 2;
       function f() { var N = 5; N += 1; return N; }
       result = [f(), N];`,
      ['N'],
      1,
    );
    expect(code).to.match(/var N = 5/);
  });

  it('tells a const from a var or let through esbuild\u2019s source map when lowering an entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-constants-'));
    try {
      writeFileSync(
        join(dir, 'shared.ts'),
        'export const SHARED_LIMIT = 40 + 2;\nexport var loose = 7;\nexport let counted = 8;\n',
      );
      writeFileSync(
        join(dir, 'entry.ts'),
        [
          "import { SHARED_LIMIT, counted, loose } from './shared.ts';",
          'const LOCAL_STEP = 3;',
          '(globalThis as { out?: number[] }).out = [SHARED_LIMIT + LOCAL_STEP, loose, counted];',
          '',
        ].join('\n'),
      );
      const lowered = await lowerForEspruino({ entry: join(dir, 'entry.ts'), minify: false, shortNames: null });
      expect(lowered.code).to.not.match(/SHARED_LIMIT|LOCAL_STEP/);
      expect(lowered.code).to.match(/\bloose ?= ?7\b/);
      expect(lowered.code).to.match(/\bcounted ?= ?8\b/);
      expect(outOf(lowered.code)).to.deep.equal([45, 7, 8]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads each line of a source as esbuild counts lines (U+2028, a lone CR), so a var read early stays a var', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-constants-lines-'));
    try {
      for (const [name, breakChar] of [
        ['ls.ts', '\u2028'],
        ['cr.ts', '\r'],
      ]) {
        // A comment holding the break, then a var a function reads before the var's line ran.
        writeFileSync(
          join(dir, name),
          `/* a${breakChar}b */\nfunction early() { return LIMIT; }\nexport const seen = early();\nvar LIMIT = 5;\nexport const ONE = 1;\n`,
        );
      }
      writeFileSync(
        join(dir, 'entry.ts'),
        "import * as ls from './ls.ts';\nimport * as cr from './cr.ts';\n(globalThis as { out?: unknown[] }).out = [ls.seen, ls.ONE, cr.seen, cr.ONE];\n",
      );
      const lowered = await lowerForEspruino({ entry: join(dir, 'entry.ts'), minify: false, shortNames: null });
      expect(outOf(lowered.code)).to.deep.equal([undefined, 1, undefined, 1]);
      expect(lowered.code).to.not.match(/\bONE\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("judges a stand-in's declarations from the stand-in's own file, not the module's it replaces", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-constants-stand-in-'));
    try {
      // Line 2 of the module is a const where the stand-in's is a var read early, and the other way round.
      writeFileSync(join(dir, 'module.ts'), 'export const A = 1;\nexport const B = 2;\nexport var C = 3;\n');
      writeFileSync(
        join(dir, 'stand-in.ts'),
        "export { A } from './module.ts';\nexport const seen = (() => B)();\nexport var B = 20;\nexport const C = 30;\n",
      );
      writeFileSync(
        join(dir, 'entry.ts'),
        "import { A, B, C, seen } from './module.ts';\n(globalThis as { out?: unknown[] }).out = [A, B, C, seen];\n",
      );
      const lowered = await lowerForEspruino({
        entry: join(dir, 'entry.ts'),
        minify: false,
        shortNames: null,
        substitutes: [{ module: join(dir, 'module.ts'), file: join(dir, 'stand-in.ts') }],
      });
      expect(outOf(lowered.code)).to.deep.equal([1, 20, 30, undefined]);
      expect(lowered.code).to.match(/\bB ?= ?20\b/);
      expect(lowered.code).to.not.match(/\bC ?= ?30\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
