/**
 * The board bundle's const step (toolchain/const-bindings.ts): module-level
 * `var`s esbuild made of `const`s become `const` again, and nothing else
 * changes; the preloaded core has no module-level binding that is not
 * `const` (xsl's "no const").
 */
import { expect } from 'chai';
import * as esbuild from 'esbuild';
import { constBindings, moduleVars } from '../../toolchain/const-bindings.ts';
import { boardCode } from '../../toolchain/bundle.ts';

/** esbuild's unminified ESM bundle, as the board build makes it before the const step. */
function bundled(input: { source: string } | { file: string }): string {
  return esbuild.buildSync({
    ...('source' in input
      ? { stdin: { contents: input.source, loader: 'ts' as const } }
      : { entryPoints: [input.file] }),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
  }).outputFiles[0].text;
}

describe('toolchain: const bindings for the board bundle', () => {
  it('gives esbuild’s var back its const, and keeps var where the binding is assigned again', () => {
    const code = bundled({
      source: `
      const TABLE = Object.freeze(['a', 'b']);
      let counter = 0;
      class K { next() { return TABLE[counter++]; } }
      let once = 1;
      export function f() { return new K().next() + once; }
    `,
    });
    expect(code).to.match(/^var TABLE = /m);
    const out = constBindings(code).code;
    expect(out).to.match(/^const TABLE = /m);
    expect(out).to.match(/^const K = class/m);
    expect(out).to.match(/^const once = 1;/m);
    expect(out).to.match(/^var counter = 0;/m);
  });

  it('leaves alone what it cannot read with certainty: destructuring, no initializer, a declarator assigned again', () => {
    const code = [
      'var { a, b } = globalThis.o;',
      'var later;',
      'var x = 1, y = 2;',
      'export function g() { later = a + b; y = x; return later; }',
      '',
    ].join('\n');
    const out = constBindings(code).code;
    expect(out).to.equal(code);
  });

  it('does not touch "var" inside strings, template literals, comments and regular expressions', () => {
    const code = [
      // A template literal with a line that starts with "var", and a nested `${…}` holding a brace.
      'var s = `line\nvar inside = 1;\n$' + '{"}"}\nvar alsoInside = 2;`;',
      '/*\nvar comment = 1;\n*/',
      'var re = /["\'`]var/g;',
      "var q = 'var no';",
      'export { s, re, q };',
      '',
    ].join('\n');
    const found = moduleVars(code).map((v) => v.names.join(','));
    expect(found).to.deep.equal(['s', 're', 'q']);
    const out = constBindings(code).code;
    expect(out).to.equal(
      code
        .replace(/^var s/m, 'const s')
        .replace(/^var re/m, 'const re')
        .replace(/^var q/m, 'const q'),
    );
  });

  it('makes the whole preloaded core const: the board bundle of the server has no module-level var or let', () => {
    const code = bundled({ file: 'src/index.ts' });
    const { kept, code: out } = constBindings(code);
    expect(kept, 'module-level bindings assigned at run time').to.deep.equal([]);
    expect(out.match(/^(var|let) \w+/gm) ?? []).to.deep.equal([]);
    // Minified afterwards, it still runs the same way: esbuild parses it without complaint.
    expect(boardCode(code, true).length).to.be.lessThan(out.length / 2);
  });
});
