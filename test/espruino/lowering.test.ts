/**
 * The Espruino lowering without an Espruino binary: every core, firmware
 * and app file lowers to what Espruino parses (ES2015 at most, checked with
 * acorn, with none of the syntax Espruino lacks, function declarations
 * first in every block); what cannot
 * be lowered fails naming file:line and the feature; and the lowered code
 * means what the source means: it runs in V8 with the built-ins Espruino
 * lacks removed (so the prelude stands in) and gives the same results,
 * the shared conformance cases byte for byte included.
 */
import * as acorn from 'acorn';
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import * as vm from 'node:vm';
import {
  breakLines,
  espruinoSyntaxProblems,
  LoweringError,
  lowerForEspruino,
  unhoistedFunctions,
  unwrapBundle,
} from '../../toolchain/espruino/lower.ts';
import { METHODS, PRELUDE, PRELUDE_GLOBALS, preludeFor } from '../../toolchain/espruino/prelude.ts';
import { CASES } from '../conformance/cases.ts';
import { run as runAsWritten } from './fixtures/lowerable.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ALIAS = { chipweb: join(ROOT, 'src/index.ts'), 'chipweb/device': join(ROOT, 'src/device.ts') };

/** Every .ts file under `dir` (declaration files left out). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/** Built-ins Espruino 2v29 does not have: removed from a V8 context before lowered code runs there. */
const MISSING = `
  delete globalThis.Map; delete globalThis.Set; delete globalThis.WeakMap; delete globalThis.RangeError;
  Math.imul = undefined; Math.clz32 = undefined; Number.isInteger = undefined; Array.from = undefined;
  Object.freeze = undefined; Uint8Array.prototype.copyWithin = undefined;
  Promise.race = undefined; Promise.prototype.finally = undefined;
  Array.prototype.at = undefined; String.prototype.at = undefined; Uint8Array.prototype.at = undefined;
  Array.prototype.lastIndexOf = undefined; Array.prototype.findLast = undefined;
  Array.prototype.findLastIndex = undefined; Array.prototype.flat = undefined; Array.prototype.flatMap = undefined;
  Array.prototype.reduceRight = undefined; String.prototype.trimStart = undefined; String.prototype.trimEnd = undefined;
  String.prototype.codePointAt = undefined; Object.is = undefined; Number.parseInt = undefined;
  Number.parseFloat = undefined; Number.isSafeInteger = undefined; Math.log2 = undefined; Math.log10 = undefined;
  Math.hypot = undefined; Math.cbrt = undefined; Array.of = undefined; String.fromCodePoint = undefined;
  Promise.any = undefined; String.raw = undefined; Date.UTC = undefined;
  delete globalThis.encodeURI; delete globalThis.decodeURI;
  Array.prototype.entries = undefined; Array.prototype.keys = undefined; Array.prototype.values = undefined;
  (function () { // Espruino's rounding of negative halves, and its split that ignores a limit
    var floor = Math.floor, split = ''.split;
    Math.round = function (x) { return x < 0 ? -floor(-x + 0.5) : floor(x + 0.5); };
    String.prototype.split = function (separator) { return split.call(this, separator); };
    var sort = [].sort; // an unstable sort, as Espruino's: equal items come out reversed
    Array.prototype.sort = function (cmp) {
      var self = this;
      var order = self.map(function (v, i) { return i; });
      sort.call(order, function (x, y) { var d = cmp ? cmp(self[x], self[y]) : String(self[x]) < String(self[y]) ? -1 : String(self[x]) > String(self[y]) ? 1 : 0; return d || y - x; });
      var copy = self.slice();
      for (var i = 0; i < order.length; i++) self[i] = copy[order[i]];
      return self;
    };
    var toFixed = (0).toFixed; // Espruino's rounding: the scaled double's, half to even
    Number.prototype.toFixed = function (d) {
      var p = Math.pow(10, d || 0), s = this * p, r = Math.floor(s);
      if (s - r > 0.5 || (s - r === 0.5 && r % 2 === 1)) r++;
      return toFixed.call(r / p, d);
    };
  })();
`;

/** A fresh V8 context without Espruino's missing built-ins. */
function espruinoLikeContext(): vm.Context {
  const context = vm.createContext({});
  vm.runInContext(MISSING, context);
  expect(vm.runInContext('typeof Map', context)).to.equal('undefined');
  return context;
}

describe('espruino: lowering', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-lower-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lowers every core, Espruino firmware and app file to what Espruino parses, functions hoisted', async () => {
    const files = [
      ...tsFiles(join(ROOT, 'src')),
      ...tsFiles(join(ROOT, 'firmware/espruino')),
      ...tsFiles(join(ROOT, 'firmware/app')).filter((f) => !f.includes('/ui/')),
    ];
    expect(files.length).to.be.greaterThan(40);
    // One entry keeps every module whole: each is imported as a namespace and kept alive.
    const entry = join(dir, 'every-file.ts');
    writeFileSync(
      entry,
      `${files.map((f, i) => `import * as m${i} from ${JSON.stringify(f)};`).join('\n')}\n` +
        `(globalThis as any).modules = [${files.map((_f, i) => `m${i}`).join(', ')}];\n`,
    );
    const lowered = await lowerForEspruino({ entry, alias: ALIAS });
    const inputs = lowered.inputs.map((f) => relative(ROOT, f));
    for (const f of files) expect(inputs, 'bundled').to.include(relative(ROOT, f));
    // ES2015 at most (Espruino has classes, arrows, getters), and none of the syntax it lacks.
    expect(() => acorn.parse(lowered.code, { ecmaVersion: 2015 })).not.to.throw();
    expect(espruinoSyntaxProblems(lowered.code)).to.deep.equal([]);
    expect(unhoistedFunctions(lowered.code)).to.equal(0);
    // Short lines: Espruino copies a frame's source line into every exception's stack.
    expect(Math.max(...lowered.code.split('\n').map((l) => l.length))).to.be.lessThan(2000);
    expect(lowered.prelude).to.include.members(['Map', 'Math.imul', 'copyWithin', '__chipwebError']);
    // Functions copied for each of their calls were all written in place (inline.ts).
    expect(lowered.inlining.inlined).to.be.greaterThan(100);
    expect(lowered.inlining.copiesLeft).to.equal(0);
  });

  it('puts in the prelude only the built-ins the code uses, not names inside its strings', () => {
    const helper = 'function f(x){var n=Object.prototype.toString.call(x).slice(8,-1);return n==="Map"||n==="Set"?1:0}';
    expect(preludeFor(helper).names).to.deep.equal([]);
    expect(preludeFor(`${helper}\nvar t=\`a Map\${1} and a Set\`;`).names).to.deep.equal([]);
    expect(preludeFor(`${helper}\nvar m=new Map();`).names).to.deep.equal(['__chipwebIterator', 'Map']);
    expect(preludeFor('var s="RangeError";var e=new RangeError("Map");').names).to.deep.equal([
      '__chipwebError',
      'RangeError',
    ]);
  });

  it("knows every global the prelude declares (the bundle's own names are kept off them)", () => {
    const declared = new Set<string>();
    for (const piece of PRELUDE.concat(METHODS)) {
      const program = acorn.parse(piece.source, { ecmaVersion: 5 }) as unknown as { body: acorn.Node[] };
      const visit = (node: {
        type: string;
        declarations?: { id: { name: string } }[];
        consequent?: unknown;
        body?: unknown;
      }) => {
        if (node.type === 'VariableDeclaration') for (const d of node.declarations ?? []) declared.add(d.id.name);
        else if (node.type === 'IfStatement') visit(node.consequent as typeof node);
        else if (node.type === 'BlockStatement') for (const s of node.body as (typeof node)[]) visit(s);
      };
      for (const statement of program.body) visit(statement as unknown as Parameters<typeof visit>[0]);
    }
    expect([...declared].sort()).to.deep.equal([...PRELUDE_GLOBALS].sort());
  });

  it('refuses what cannot be lowered, naming file:line and the feature', async () => {
    const fixture = join(ROOT, 'test/espruino/fixtures/unlowerable.ts');
    const entry = join(dir, 'unlowerable-entry.ts');
    writeFileSync(entry, `import * as m from ${JSON.stringify(fixture)};\n(globalThis as any).m = m;\n`);
    let error: unknown;
    try {
      await lowerForEspruino({ entry });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(LoweringError);
    const problems = (error as LoweringError).problems;
    const file = relative(process.cwd(), fixture);
    const lines = (await import('node:fs')).readFileSync(fixture, 'utf8').split('\n');
    const lineOf = (marker: string) => lines.findIndex((l) => l.includes(`feature: ${marker}`)) + 1;
    const expectProblem = (line: number, feature: RegExp) =>
      expect(
        problems.some((p) => p.file === file && p.line === line && feature.test(p.feature)),
        `${file}:${line} ${feature} in ${JSON.stringify(problems)}`,
      ).to.equal(true);
    expectProblem(lineOf('generator') - 1, /generator function/);
    expectProblem(lineOf('label') + 1, /label "rows:"/);
    expectProblem(lineOf('prototype method'), /String\.prototype\.charCodeAt read as a value/);
    expectProblem(lineOf('length'), /assigning to \.length/);
    expectProblem(lineOf('missing global'), /the global WeakMap/);
    expectProblem(lineOf('keyword method with super') - 1, /class method that uses super named "delete"/);
    expectProblem(lineOf('number method') - 1, /class method named with the number 7/);
    expectProblem(
      lineOf('computed super in an async method') + 1,
      /super\[…\] or an assignment to super\.x in an async method/,
    );
    expect((error as Error).message).to.include(`${file}:${lineOf('length')}: assigning to .length`);
  });

  it('means what the source means: V8 without Espruino’s missing built-ins gives the same results', async () => {
    const entry = join(ROOT, 'test/espruino/fixtures/lowerable.ts');
    const lowered = await lowerForEspruino({ entry });
    expect(espruinoSyntaxProblems(lowered.code)).to.deep.equal([]);
    const context = espruinoLikeContext();
    vm.runInContext(lowered.code, context);
    const results = await (vm.runInContext('lowerable()', context) as Promise<unknown[]>);
    const expected = await runAsWritten();
    // Compare as JSON: the values come from another realm.
    expect(JSON.stringify(results)).to.equal(JSON.stringify(expected));
    expect(expected[11]).to.equal('caught 7 no'); // an awaited rejection is caught, not resumed with undefined
    expect(expected[5]).to.deep.equal([true, 1, true, false, false]); // methods named delete, in, 'size-of', new
    expect((expected[0] as unknown[]).slice(0, 12)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // await order
    expect(expected[3]).to.deep.equal(['base:2', 'base:2']); // super after an await
    expect(lowered.prelude).to.include.members([
      'Array.prototype.at',
      'String.prototype.trimStart',
      'Promise.any',
      'encodeURI',
    ]);
  });

  it('runs the shared conformance cases byte for byte when lowered', async () => {
    const lowered = await lowerForEspruino({
      entry: join(ROOT, 'test/espruino/fixtures/conformance-v8.ts'),
      alias: ALIAS,
    });
    // Text stays UTF-8, not \u escapes: an ESP32 build has no Unicode and keeps a literal's bytes.
    expect(lowered.code).to.include('grüße ✓ 😀');
    const context = espruinoLikeContext();
    vm.runInContext(lowered.code, context);
    const results = await (vm.runInContext('conformanceResults()', context) as Promise<
      { response: string; closed: boolean; slotsInUse: number }[]
    >);
    expect(results.length).to.equal(CASES.length);
    for (let i = 0; i < CASES.length; i++) {
      expect(results[i].response, CASES[i].name).to.equal(CASES[i].expect);
      expect(results[i].closed, CASES[i].name).to.equal(CASES[i].closes);
      expect(results[i].slotsInUse, CASES[i].name).to.equal(0);
    }
  });

  it('serves a stand-in imported by its own path as the same module as the one it stands in for', async () => {
    // test:espruino's conformance app imports the Espruino parser by its path to read its `known`: the one the server uses.
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-lowering-stand-in-'));
    try {
      writeFileSync(join(dir, 'module.ts'), 'export function bump(): number {\n  return 0;\n}\n');
      writeFileSync(
        join(dir, 'stand-in.ts'),
        'let count = 0;\nexport function bump(): number {\n  count++;\n  return count;\n}\n',
      );
      writeFileSync(join(dir, 'other.ts'), "export { bump as direct } from './stand-in.ts';\n");
      writeFileSync(
        join(dir, 'entry.ts'),
        "import { bump } from './module.ts';\nimport { direct } from './other.ts';\n" +
          'bump();\n(globalThis as { out?: unknown }).out = direct();\n',
      );
      const lowered = await lowerForEspruino({
        entry: join(dir, 'entry.ts'),
        minify: false,
        shortNames: null,
        substitutes: [{ module: join(dir, 'module.ts'), file: join(dir, 'stand-in.ts') }],
      });
      const context: { out?: unknown } = {};
      vm.runInNewContext(lowered.code, context);
      expect(context.out, 'both imports reach one counter').to.equal(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("renames a top-level name that would replace one of Espruino's globals (net's Server, Socket, Storage …)", () => {
    // Unwrapped, the bundle's names are globals: a core class named Server would replace the class of
    // what require('net').createServer() returns (an unminified build could not listen).
    const bundle =
      '(function(){var Server=class{listen(){return 1}};function Socket(){return new Server().listen()}' +
      'var Storage=2;var mine=3;g(Socket()+Storage+mine)})();';
    const out = unwrapBundle(bundle);
    const top = (acorn.parse(out, { ecmaVersion: 2015 }) as unknown as { body: acorn.Node[] }).body;
    const declared = top.flatMap((s) => {
      const node = s as unknown as { type: string; id?: { name: string }; declarations?: { id: { name: string } }[] };
      if (node.type === 'FunctionDeclaration') return [node.id?.name ?? ''];
      if (node.type === 'VariableDeclaration') return (node.declarations ?? []).map((d) => d.id.name);
      return [];
    });
    expect(declared).to.include('mine');
    for (const name of ['Server', 'Socket', 'Storage']) expect(declared).to.not.include(name);
    let seen = 0;
    vm.runInNewContext(out, { g: (n: number) => (seen = n) });
    expect(seen).to.equal(6);
  });

  it('breaks lines only where no semicolon can be inserted', () => {
    const code = 'var s="' + 'x'.repeat(300) + '";function f(a,b){return a+b}var o={a:1,b:[1,2,3]};g(s,o)';
    const broken = breakLines(code, 40);
    expect(broken.split('\n').length).to.be.greaterThan(1);
    for (const line of broken.split('\n')) expect(line).to.not.match(/^\s*$/);
    let seen: unknown[] = [];
    vm.runInNewContext(broken, { g: (...args: unknown[]) => (seen = args) });
    expect((seen[0] as string).length).to.equal(300);
    expect(seen[1]).to.deep.include({ a: 1 });
  });
});
