/**
 * The Espruino lowering's shared literals (toolchain/espruino/shared-literals.ts):
 * a stored null, true, false or '' is read from one variable of the bundle,
 * declared after its hoisted functions, and the program computes exactly
 * what it did; a literal that is not stored stays. Each case is a small
 * bundle-like IIFE run in V8 before and after.
 */
import { transformSync } from '@babel/core';
import { expect } from 'chai';
import { SHARED_LITERALS, shareLiterals } from '../../toolchain/espruino/shared-literals.ts';
import { run } from './run-in-v8.ts';

/** `body` in a bundle-like IIFE after the step, and how many literals it shared. */
function shared(body: string): { code: string; count: number } {
  const report = { shared: 0 };
  const out = transformSync(`(() => {\n${body}\n})();`, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    plugins: [shareLiterals(report)],
  });
  return { code: out?.code ?? '', count: report.shared };
}

/** Expects `body` (which sets `result`) to share `count` literals and compute the same result. */
function same(body: string, count: number): string {
  const before = run(`(() => {\n${body}\n})();`);
  const after = shared(body);
  expect(after.count, after.code).to.equal(count);
  expect(run(after.code), after.code).to.deep.equal(before);
  return after.code;
}

describe('espruino lowering: shared literals', () => {
  it('reads stored null, true, false and empty strings from one variable each, declared after the functions', () => {
    const code = same(
      `function make() { return { a: null, b: true, c: false, d: '', e: 'text', f: 0 }; }
       class K { constructor() { this.x = null; this.y = ''; } }
       var list = [null, false, 'x', ''];
       var flag = false;
       const k = new K();
       k.x = true;
       flag = k.x ? '' : null;
       result = [make(), k.x, k.y, list, flag, typeof k.y, k.y === '', list[0] === null];`,
      // a, b, c, d; this.x, this.y; list's 3; flag's init; k.x = true; both branches of the ?:.
      13,
    );
    const names = Object.values(SHARED_LITERALS);
    for (const name of names) expect(code).to.include(name);
    // The functions stay first; the shared values come before anything else runs.
    const firstStatement = code.split('\n')[1].trim();
    expect(firstStatement).to.match(/^function make/);
    expect(code.indexOf('var __chipweb')).to.be.lessThan(code.indexOf('class K'));
  });

  it('leaves literals that are not stored: compared, passed, returned', () => {
    const code = same(
      `function f(v) { return v === null ? false : v === ''; }
       result = [f(null), f(''), f('a'), [1].indexOf(null), f(true)];`,
      0,
    );
    expect(code).to.not.include('__chipweb');
  });

  it('a change to one holder leaves the others as they were', () => {
    same(
      `const a = { s: '', b: false, n: null };
       const b = { s: '', b: false, n: null };
       a.s += 'x';
       a.b = !a.b;
       a.n = 1;
       result = [a, b];`,
      6,
    );
  });
});
