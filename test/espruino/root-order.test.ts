/**
 * The order of the boot code's top-level names (toolchain/espruino/
 * root-order.ts): the built-in classes are named first, pure constants move
 * in front of the functions, and nothing that runs code moves. Each case
 * runs in V8 before and after and must compute the same.
 */
import { type NodePath, transformSync, types as t } from '@babel/core';
import { expect } from 'chai';
import { ROOT_PROBE, frontLength, pureConstantsFirst, rootOrder } from '../../toolchain/espruino/root-order.ts';
import { constsNamed, run } from './run-in-v8.ts';

/** `code` with its top-level statements put in root order. */
function ordered(code: string): string {
  const out = transformSync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    plugins: [
      () => ({
        visitor: {
          Program: {
            exit(path: NodePath<t.Program>) {
              rootOrder(path.node.body, t);
            },
          },
        },
      }),
    ],
  });
  return out?.code ?? '';
}

/**
 * The bundle-like `body` with its pure constants moved first, where `consts`
 * names the declarations that were `const` and `lets` those that were `let`.
 */
function constantsFirst(body: string, consts: string[], lets: string[] = []): string {
  const out = transformSync(`(() => {\n${body}\n})();`, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    plugins: [pureConstantsFirst(constsNamed(consts), constsNamed(lets))],
  });
  return out?.code ?? '';
}

/** The top-level statements of `code`, each as its first 40 characters. */
function statements(code: string): string[] {
  const out = transformSync(code, { babelrc: false, configFile: false, sourceType: 'script', ast: true, code: false });
  return (out?.ast?.program.body ?? []).map((s) => code.slice(s.start ?? 0, s.end ?? 0).slice(0, 40));
}

describe('espruino lowering: the order of the root scope', () => {
  it('names the built-ins first, then the pure variables met before anything runs, then the functions', () => {
    const code = `function area(r) { return PI_ISH * r * r; }
      function label(s) { return s.replace(SPACES, '_') + SUFFIX; }
      var PI_ISH = 3, SPACES = / +/g, SUFFIX = '!', PAIR = [PI_ISH, SUFFIX], ROOT = globalThis, TABLE = new Uint8Array(4), made = area(2), LATE = 'x';
      var AFTER = /y/;
      result = [made, label('a b  c'), TABLE.length, typeof ROOT, LATE, String(AFTER), PAIR];`;
    const before = run(code);
    const after = ordered(code);
    expect(run(after)).to.deep.equal(before);
    const top = statements(after);
    expect(top[0]).to.match(new RegExp(`^'' *\\.${ROOT_PROBE},`));
    expect(top[1]).to.match(/^var PI_ISH = 3,\s*SPACES = \/ \+\/g,/);
    expect(top[1]).to.not.match(/made|LATE/);
    expect(top[2]).to.match(/^function area/);
    // A declarator reads the ones before it in the front: the functions still follow only the front.
    expect(after).to.match(/var PI_ISH = 3,[^;]*PAIR = \[PI_ISH, SUFFIX\][^;]*;\s*function area/);
    // `made` runs area(): it and everything after it keep their places.
    expect(after).to.match(/var made = area\(2\),\s*LATE = 'x';\s*var AFTER = \/y\/;/);
    expect(frontLength(transformSync(after, { ast: true, code: false })?.ast?.program.body ?? [])).to.equal(2);
    // The first statement is harmless where Espruino's E is absent (V8): run() above ran it.
  });

  it('moves nothing past a statement that runs code', () => {
    const code = `function f() { return seen; }
      var seen = 'first';
      var f2 = f();
      var seen2 = 'second';
      result = [f2, seen2];`;
    const after = ordered(code);
    expect(run(after)).to.deep.equal(run(code));
    expect(statements(after)[1]).to.equal("var seen = 'first';");
    expect(after).to.match(/var f2 = f\(\);\s*var seen2 = 'second';/);
  });

  it('leaves a name a function also takes, a built-in\u2019s member and a template with a value where they are', () => {
    // Espruino does not hoist: the functions are defined first, so the var, defined after them, wins; moved
    // in front of them, the function would. Math.imul may be the prelude's; the template runs code.
    const code = `function twice() {}
      var PLAIN = 2, twice = 1, LATER = 3, imul = Math.imul, DEV = \`\${typeof twice}\` === 'x';
      result = [typeof twice, typeof imul, DEV, PLAIN, LATER];`;
    const after = ordered(code);
    expect(run(after)).to.deep.equal(run(code));
    expect(after).to.match(
      /var PLAIN = 2,\s*LATER = 3;\s*function twice\(\) {}\s*var twice = 1,\s*imul = Math\.imul,\s*DEV = /,
    );
  });

  it("moves a pure const to the bundle's start, and leaves a var and an impure const", () => {
    const body = `var early = function () { return typeof LATER_VAR; };
      var seenEarly = early();
      var NAME = 'chip';
      var LIST = [1, NAME];
      var LATER_VAR = 'v';
      var MADE = String(5);
      result = [seenEarly, NAME, LIST, LATER_VAR, MADE];`;
    const after = constantsFirst(body, ['NAME', 'LIST', 'MADE']);
    expect(run(after)).to.deep.equal(run(`(() => {\n${body}\n})();`));
    expect(after).to.match(/\(\) => {\s*var NAME = 'chip';\s*var LIST = \[1, NAME\];\s*var early/);
    expect(after).to.match(/var LATER_VAR = 'v';\s*var MADE = String\(5\);/);
  });

  it('moves a module variable of a literal value in front of the constants, one reading a constant after it', () => {
    // The request path reads and sets module state (the parser's known section): made first, found first.
    const body = `var early = function () { count++; return typeof LINE; };
      var NAME = 'chip';
      var count = 0;
      var LINE = NAME + '!';
      var line = NAME;
      var made = early();
      var flag = false;
      result = [made, count, LINE, line, flag, NAME];`;
    const after = constantsFirst(body, ['NAME', 'LINE'], ['count', 'line', 'flag']);
    expect(run(after)).to.deep.equal(run(`(() => {\n${body}\n})();`));
    expect(after).to.match(
      /\(\) => {\s*var count = 0;\s*var flag = false;\s*var NAME = 'chip';\s*var line = NAME;\s*var early/,
    );
    // A value that runs code (NAME + '!': an operand could run its valueOf) stays where it was.
    expect(after).to.match(/var LINE = NAME \+ '!';\s*var made = early\(\);/);
  });
});
