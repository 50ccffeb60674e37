/**
 * The pretokeniser (toolchain/espruino/pretokenise.ts): the bytes Espruino
 * 2v29 reads for each kind of token, the places a word must stay text, and
 * a round trip over the whole lowered default app. The engine tests run
 * every pretokenised build on the real binary.
 */
import { transformSync, types as t } from '@babel/core';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildEspruino } from '../../toolchain/espruino/build.ts';
import { lowerForEspruino } from '../../toolchain/espruino/lower.ts';
import { detokenise, pretokenise } from '../../toolchain/espruino/pretokenise.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const bytes = (...values: number[]) => Array.from(values);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const stored = (code: string) => Array.from(pretokenise(code));

/** Code in one canonical form: minified, templates without substitutions as strings, numbers as written by Babel. */
function canonical(code: string): string {
  const plugin = () => ({
    visitor: {
      TemplateLiteral(path: { node: t.TemplateLiteral; replaceWith(node: t.Node): void }) {
        const cooked = path.node.quasis[0].value.cooked;
        if (path.node.expressions.length === 0 && cooked !== undefined && cooked !== null)
          path.replaceWith(t.stringLiteral(cooked));
      },
      NumericLiteral(path: { node: t.NumericLiteral }) {
        path.node.extra = undefined;
      },
    },
  });
  const out = transformSync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    minified: true,
    comments: false,
    plugins: [plugin],
  });
  return out?.code ?? '';
}

describe('espruino pretokenise', () => {
  it("writes reserved words and operators as Espruino 2v29's token bytes (src/jslex.h)", () => {
    // if 163, return 171, var 172, === 139, !== 141, && 158, || 160, typeof 191, function 170, this 175.
    const tokens = bytes(163, ...ascii('(a'), 139, ...ascii('b)x=a'), 141, ...ascii('c'), 158, ...ascii('d'), 160, 191);
    expect(stored('if(a===b)x=a!==c&&d||typeof e')).to.deep.equal([...tokens, ...ascii('e')]);
    expect(stored('var f=function(){return this}')).to.deep.equal(
      bytes(172, ...ascii('f='), 170, ...ascii('(){'), 171, 175, ...ascii('}')),
    );
  });

  it('leaves words that are names to the parser as text: a property, a key, catch', () => {
    expect(stored('x.default=y.delete;z={in:1}')).to.deep.equal(
      bytes(...ascii('x.default=y.delete;z={in:'), 0xd4, 1, ...ascii('}')),
    );
    // Espruino 2v29 mis-parses the token for catch (espruino/Espruino#1868).
    expect(stored('try{a()}catch(e){}')).to.deep.equal(bytes(177, ...ascii('{a()}catch(e){}')));
    expect(stored('p.catch(f)')).to.deep.equal(bytes(...ascii('p.catch(f)')));
  });

  it('stores an ASCII string as a raw string (8- or 16-bit length), a non-ASCII one quoted, as UTF-8', () => {
    expect(stored('a="x\\r\\n"')).to.deep.equal(bytes(...ascii('a='), 0xd1, 3, 0x78, 13, 10));
    expect(stored('a=`q"\'`')).to.deep.equal(bytes(...ascii('a='), 0xd1, 3, ...ascii('q"\'')));
    const long = 'y'.repeat(300);
    expect(stored(`a="${long}"`)).to.deep.equal(bytes(...ascii('a='), 0xd2, 300 & 255, 300 >> 8, ...ascii(long)));
    expect(stored('a=""')).to.deep.equal(bytes(...ascii('a=""')));
    expect(stored('a="€"')).to.deep.equal(bytes(...ascii('a="'), 0xe2, 0x82, 0xac, ...ascii('"')));
    // A template with a substitution is code Espruino reads itself.
    const substituted = 'a=`$' + '{b}c`';
    expect(stored(substituted)).to.deep.equal(bytes(...ascii(substituted)));
  });

  it('stores integers up to 32767 as raw integers, and leaves the rest as written', () => {
    expect(stored('a=[0,127,128,32767,32768,1.5,0x10,-1]')).to.deep.equal(
      bytes(
        ...ascii('a=['),
        0xd3,
        44,
        0xd4,
        127,
        44,
        0xd5,
        128,
        0,
        44,
        0xd5,
        255,
        127,
        ...ascii(',32768,1.5,0x10,-'),
        0xd4,
        1,
        ...ascii(']'),
      ),
    );
  });

  it('keeps what separates two pieces of text, and a line break that may end a statement', () => {
    expect(stored('a+ +b')).to.deep.equal(bytes(...ascii('a+ +b')));
    expect(stored('a- -b')).to.deep.equal(bytes(...ascii('a- -b')));
    expect(stored('a\nb()')).to.deep.equal(bytes(...ascii('a\nb()')));
    expect(stored('x=a in b')).to.deep.equal(bytes(...ascii('x=a'), 185, ...ascii('b')));
  });

  it('keeps a template with substitutions as text whole: Espruino lexes it as one string', () => {
    const source = 'a=`$' + '{x+123}|$' + '{"s"}|$' + '{n/1024} KB`';
    expect(stored(source)).to.deep.equal(bytes(...ascii(source)));
  });

  it('keeps a comment between two pieces of text as a space', () => {
    expect(stored('a+/**/+b')).to.deep.equal(bytes(...ascii('a+ +b')));
    expect(stored('x=typeof/**/y')).to.deep.equal(bytes(...ascii('x='), 191, ...ascii('y')));
  });

  it('reads back what the lexer would otherwise join or misread', () => {
    const sources = [
      'x=a- --b',
      'x=a+ ++b',
      'x=a-- -b',
      'x=1 .toFixed(1)',
      'x=i++/2;if(y)z=w/3',
      'x=/re/g.test(y)?1:2',
      'x=`$' + '{a+123}|`',
      'for(var k in o)if(k instanceof C)delete o[k]',
    ];
    for (const source of sources)
      expect(canonical(detokenise(pretokenise(source))), source).to.equal(canonical(source));
  });

  /** Builds `entry` for Espruino into a folder of its own (removed after the test); resolves to the build. */
  async function build(entry: string, minify?: boolean) {
    const tmp = mkdtempSync(join(tmpdir(), 'chipweb-pretokenise-'));
    made.push(tmp);
    return buildEspruino({
      entry: join(ROOT, entry),
      out: join(tmp, 'out'),
      env: {},
      projectDir: tmp,
      assets: null,
      minify,
    });
  }
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('round trip: the lowered default app, as the build stores it, and the OTA module read back as the same code', async function () {
    this.timeout(60000); // two whole lowerings
    const built = await build('firmware/app/main.ts');
    const boot = readFileSync(join(built.out, 'storage/.bootcde'));
    expect(Buffer.compare(boot, pretokenise(built.bootCode))).to.equal(0);
    expect(boot.length).to.be.lessThan(Buffer.byteLength(built.bootCode) * 0.9);
    expect(canonical(detokenise(boot))).to.equal(canonical(built.bootCode));
    const ota = await lowerForEspruino({ entry: join(ROOT, 'firmware/espruino/ota-module.ts') });
    expect(canonical(detokenise(pretokenise(ota.code)))).to.equal(canonical(ota.code));
  });

  it('a build that is not minified stores its code as readable text', async () => {
    const built = await build('examples/app.ts', false);
    expect(readFileSync(join(built.out, 'storage/.bootcde'), 'utf8')).to.equal(built.bootCode);
  });
});
