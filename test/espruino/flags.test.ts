/**
 * The Espruino lowering's flags step (toolchain/espruino/flags.ts): a
 * shortened member that only holds booleans is stored as 1 and 0, each read
 * whose value is used is a boolean again, and the program computes exactly
 * what it did. A name with any other use stays. Each case is a small
 * program run in V8 before and after; the last lowers the dashboard and
 * checks the slot's flags are among those chosen.
 */
import { transformSync } from '@babel/core';
import { expect } from 'chai';
import { type FlagsReport, flagsAsNumbers } from '../../toolchain/espruino/flags.ts';
import { buildEspruino } from '../../toolchain/espruino/build.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run-in-v8.ts';

/** `body` after the step, with `candidates` as the shortened names (and `given`, as for the OTA module). */
function flagged(body: string, candidates: string[], given?: string[]): { code: string; report: FlagsReport } {
  const report: FlagsReport = { flags: [], wrapped: 0, numbered: 0 };
  const out = transformSync(`(() => {\n${body}\n})();`, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    plugins: [flagsAsNumbers(new Set(candidates), report, given === undefined ? undefined : new Set(given))],
  });
  return { code: out?.code ?? '', report };
}

/** Expects `body` (which sets `result`) to store `flags` as numbers and compute the same result. */
function same(body: string, candidates: string[], flags: string[]): { code: string; report: FlagsReport } {
  const before = run(`(() => {\n${body}\n})();`);
  const after = flagged(body, candidates);
  expect(after.report.flags, after.code).to.deep.equal(flags);
  expect(run(after.code), after.code).to.deep.equal(before);
  return after;
}

describe('espruino lowering: flags as numbers', () => {
  it('stores a member that only holds booleans as 1 and 0, and a read that is only tested stays', () => {
    const { code, report } = same(
      `class C { constructor() { this.$a = false; } }
       const c = new C();
       const seen = [];
       if (!c.$a) seen.push('off');
       c.$a = true;
       if (c.$a) seen.push('on');
       seen.push(c.$a && 'and', c.$a ? 'yes' : 'no');
       result = seen;`,
      ['$a'],
      ['$a'],
    );
    expect(code).to.include('this.$a = 0').and.include('c.$a = 1');
    // `c.$a && 'and'` gives its left operand's value when false: that read is a boolean again.
    expect(report.wrapped).to.equal(1);
    expect(run(code)).to.deep.equal(['off', 'on', 'and', 'yes']);
    // What is stored is a number (a name read by a string is no candidate: this only looks).
    expect(run(flagged(`const o = { $a: false }; o.$a = true; result = typeof o['$a'];`, ['$a']).code)).to.equal(
      'number',
    );
  });

  it('gives every read whose value is used a boolean: returned, passed on, compared with ===, typeof', () => {
    const { code, report } = same(
      `const o = { $b: false };
       function get() { return o.$b; }
       const list = [o.$b, get(), o.$b === false, typeof o.$b, JSON.stringify({ v: o.$b })];
       o.$b = true;
       list.push(o.$b, get(), o.$b === true, String(o.$b));
       result = list;`,
      ['$b'],
      ['$b'],
    );
    expect(code).to.include('$b: 0');
    expect(report.wrapped).to.equal(8);
  });

  it('stores a computed boolean as a number, and a flag copied from another flag as it is', () => {
    const { code, report } = same(
      `const o = { $a: false, $b: false, n: 3 };
       o.$a = o.n > 2;
       o.$b = o.$a;
       o.$a = !o.$b || o.n === 4;
       result = [o.$a, o.$b, typeof o.$a];`,
      ['$a', '$b'],
      ['$a', '$b'],
    );
    expect(code).to.include('o.$a = +(o.n > 2)').and.include('o.$b = o.$a;');
    expect(report.numbered).to.equal(2);
  });

  it('leaves a name that holds anything but booleans, for every object that has it', () => {
    const { code } = same(
      `const a = { $c: false };
       const b = { $c: null };
       a.$c = true;
       b.$c = 'text';
       result = [a.$c, b.$c];`,
      ['$c'],
      [],
    );
    expect(code).to.include('$c: false');
  });

  it('leaves a name written from a call, updated, deleted, called or assigned where its value is used', () => {
    same(
      `const o = { $d: false, $e: false, $f: false, $g: false, $h: false };
       const yes = () => true;
       o.$d = yes();
       o.$e++;
       delete o.$f;
       o.$g = function () { return 1; };
       const v = (o.$h = true);
       result = [o.$d, o.$e, o.$f, o.$g(), o.$h, v];`,
      ['$d', '$e', '$f', '$g', '$h'],
      [],
    );
  });

  it('leaves names that are not shortened: what the app or a string can reach', () => {
    const { code } = same(
      `const o = { open: false };
       o.open = true;
       result = o.open;`,
      ['$z'],
      [],
    );
    expect(code).to.include('open: false');
  });

  it('leaves a name that is a method of a class or an object', () => {
    same(
      `class K { $m() { return false; } }
       const o = { $n() { return true; } };
       const k = new K();
       k.$x = false;
       result = [k.$m(), o.$n(), k.$x];`,
      ['$m', '$n', '$x'],
      ['$x'],
    );
  });

  it("a script lowered apart follows the boot code's flags, and fails on a value that may not be a boolean", () => {
    const apart = flagged(`const o = { $a: true }; o.$a = false; result = [o.$a, typeof o.$a];`, ['$a', '$b'], ['$a']);
    expect(apart.report.flags).to.deep.equal(['$a']);
    expect(apart.code).to.include('$a: 1');
    expect(run(apart.code)).to.deep.equal([false, 'boolean']);
    expect(() => flagged(`const o = {}; o.$a = 'on'; result = o.$a;`, ['$a'], ['$a'])).to.throw(
      /'\$a' is a flag \(1 or 0\) in the boot code, but this script gives it a value that may not be a boolean/,
    );
  });

  it("the dashboard's build stores its slots' flags as numbers", async function () {
    this.timeout(120000);
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-flags-'));
    try {
      const build = await buildEspruino({
        entry: 'firmware/app/main.ts',
        out: dir,
        port: 80,
        env: {},
        projectDir: process.cwd(),
      });
      // A connection's, a request head's, a context's and a response's (src/connection.ts, http/parser.ts,
      // context.ts, http/response.ts).
      expect(build.flags).to.include.members([
        'closeAfterWrite',
        'orphaned',
        'expectContinue',
        'detached',
        'committed',
      ]);
      // Public API keeps its name and is no candidate.
      expect(build.flags).to.not.include('streaming');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
