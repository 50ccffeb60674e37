/**
 * The Espruino lowering's cold functions (toolchain/espruino/cold.ts): a
 * function or method marked `'cold'` leaves the boot code for the cold
 * file and is made from its text at each call, and the program computes
 * exactly what it did; what a check refuses stays, with the reason. Each
 * case is a small program inside a bundle-like IIFE, run in V8 before and
 * after, with a stand-in for Espruino's Storage that reads the cold file.
 */
import { parseSync, transformSync, type types } from '@babel/core';
import { expect } from 'chai';
import * as vm from 'node:vm';
import {
  type ColdReport,
  functionTexts,
  memberNamesIn,
  moveColdFunctions,
  refuseColdAsync,
  takeColdFunctions,
} from '../../toolchain/espruino/cold.ts';
import { espruinoSyntaxProblems } from '../../toolchain/espruino/lower.ts';
import { countColdCode } from '../../toolchain/espruino/size.ts';
import { run } from './run-in-v8.ts';

/** Parses a script, as the lowering does. */
function parse(code: string): types.File {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  if (!ast) throw new Error('no parse');
  return ast;
}

/** `body` (inside an IIFE) with its cold functions taken out: the boot code, the file's text, the report. */
function moved(body: string): { code: string; file: string; report: ColdReport; texts: string[] } {
  const report: ColdReport = { moved: 0, dropped: 0, left: [], methods: [], classes: [] };
  const out = transformSync(`(function () {\n${body}\n})();`, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    plugins: [moveColdFunctions(report, true)],
  });
  // Unwrapped, as lower.ts unwraps the bundle before taking the cold functions out: its names are globals.
  const code = (out?.code ?? '').replace(/^\(function \(\) \{\n/, '').replace(/\n\}\)\(\);$/, '');
  const cold = takeColdFunctions(code, parse, (text) => new TextEncoder().encode(text));
  if (!cold) return { code, file: '', report, texts: [] };
  return { code: cold.code, file: new TextDecoder().decode(cold.bytes), report, texts: cold.texts };
}

/** What `code` leaves in `result`, with Storage standing in for the cold file `file` (bytes as Espruino reads them). */
function runWithFile(code: string, file: string): unknown {
  const bytes = new TextEncoder().encode(file);
  const storage = {
    read: (_name: string, at: number, length: number) => new TextDecoder().decode(bytes.subarray(at, at + length)),
  };
  const context: { result?: unknown; require: (name: string) => unknown } = {
    require: (name) => {
      if (name !== 'Storage') throw new Error(`no module ${name}`);
      return storage;
    },
  };
  vm.runInNewContext(code, context);
  return JSON.parse(JSON.stringify(context.result ?? null));
}

/** Expects `body` (which sets `result`) to move `count` functions and compute the same result. */
function same(body: string, count: number): ReturnType<typeof moved> {
  const before = run(`(function () {\n${body}\n})();`);
  const after = moved(body);
  expect(after.report.left, after.code).to.deep.equal([]);
  expect(after.report.moved, after.code).to.equal(count);
  expect(runWithFile(after.code, after.file), after.code).to.deep.equal(before);
  return after;
}

describe('espruino lowering: cold functions wait in flash', () => {
  it('moves a function and a method into the file and makes them from it at each call', () => {
    const { code, file } = same(
      `function describe(kind, n) { 'cold'; return kind + ':' + n + ':' + arguments.length; }
       var Box = class {
         constructor(v) { this.v = v; }
         grow(by) { 'cold'; this.v += by; return this.v; }
         twice() { return this.grow(this.v); }
       };
       var b = new Box(2);
       var parts = [describe('a', 1), describe.call(null, 'b', 2), describe.apply(null, ['c', 3, 4])];
       parts.push(b.grow(3), b.twice(), b.grow.call(b, 1), b.grow.apply(b, [1]));
       result = parts;`,
      2,
    );
    expect(code).to.not.match(/function describe|grow\(by\)/);
    expect(code).to.match(/function \$cold\(/);
    expect(file).to.include("kind + ':' + n");
    expect(file).to.include('this.v += by');
  });

  it('calls an inherited cold method on a subclass, a static one on its class, a cold one from another', () => {
    same(
      `var Base = class {
         constructor() { this.n = 1; }
         bump(k) { 'cold'; this.n = this.n * 10 + k; return this; }
         static make(k) { 'cold'; return new Derived().bump(k).bump(label(k).length); }
       };
       var Derived = class extends Base {
         constructor() { super(); this.kind = 'derived'; }
       };
       function label(k) { 'cold'; return 'label' + pad(k); }
       function pad(k) { 'cold'; return k < 10 ? '0' + k : '' + k; }
       var d = Base.make(7);
       result = [d.n, d.kind, label(3), label(42)];`,
      4,
    );
  });

  it('evaluates the receiver once and before the arguments', () => {
    same(
      `var log = [];
       var Item = class { constructor(id) { this.id = id; } use(x) { 'cold'; log.push('u' + this.id + x); return x; } };
       var items = [new Item(1), new Item(2)];
       function pick(i) { log.push('pick' + i); return items[i]; }
       function arg(x) { log.push('arg' + x); return x; }
       pick(0).use(arg('a'));
       pick(1).use(arg('b'));
       result = log;`,
      1,
    );
  });

  it('gives a cold function the global scope: the maker\u2019s own names hide nothing, a closure it makes works', () => {
    const { code } = same(
      `var o = 'global o', l = 'global l', c = 'global c', p0 = 'global p0';
       function read(x) { 'cold'; return [o, l, c, p0, x]; }
       function counter(start) { 'cold'; var n = start; return function () { n += 1; return n; }; }
       var next = counter(10);
       next();
       result = [read('x'), next(), counter(0)()];`,
      2,
    );
    expect(code).to.match(/function \$cold\(o,l,p0\)/);
  });

  it('moves a class whose constructor is marked whole, and makes it once, at the first read of its name', () => {
    const { code, file, report, texts } = same(
      `var Base = class { constructor() { this.base = 'hot base'; } describe() { return this.base + '/' + this.kind(); } };
       var Lazy = class extends Base {
         constructor(n) { 'cold'; super(); this.n = n; }
         kind() { return 'lazy ' + this.n + (this instanceof Lazy ? ' own' : ''); }
         static make(n) { return new Lazy(n); }
         static build(n) { 'cold'; return new Lazy(n * 10); }
         spare(x) { 'cold'; return 'spare ' + x + ' of ' + this.n; }
       };
       class Leaf extends Lazy { constructor() { 'cold'; super(9); } kind() { return 'leaf ' + this.n; } }
       var Never = class { constructor() { 'cold'; } };
       // As esbuild writes TypeScript's parameter properties and fields: their assignments come before the mark.
       var Param = class { constructor(v) { this.v = v; this.w = 2; 'cold'; } sum() { return this.v + this.w; } };
       function use() {
         var a = new Lazy(1), b = Lazy.make(2), leaf = new Leaf();
         return [new Param(5).sum(), Lazy.build(3).n, a.describe(), b.describe(), leaf.describe(), a instanceof Lazy, b instanceof Lazy,
           leaf instanceof Lazy, leaf instanceof Base, Object.getPrototypeOf(a) === Object.getPrototypeOf(b), a.spare(3)];
       }
       result = use();`,
      6,
    );
    expect(report.classes.sort()).to.deep.equal(['Lazy', 'Leaf', 'Param']);
    expect(report.dropped).to.equal(1); // Never: nothing reads it, so it is not in the file
    expect(code).to.not.match(/class extends Base|class Leaf|kind\(\) \{/);
    expect(code).to.include('class {'); // Base stays
    expect(file).to.include("'lazy ' + this.n");
    expect(file).to.include('leaf');
    // The classes' texts come last: the size report counts only the functions' (a class is made after start).
    const functions = functionTexts(texts, report);
    expect(functions).to.have.length(texts.length - 3);
    expect(functions.some((f) => /return class/.test(f))).to.equal(false);
    expect(texts.slice(functions.length).every((f) => /return class/.test(f))).to.equal(true);
    // Espruino parses what it is made from: no class expression's name, only a name after extends.
    expect(texts.flatMap(espruinoSyntaxProblems)).to.deep.equal([]);
    expect(espruinoSyntaxProblems('var A = class extends (B || C) {};')[0]).to.match(/^extends with an expression/);
    // Nothing is made at boot; the first use makes the three classes it reads, once.
    expect(runWithFile(code.replace('result = use();', 'result = Object.keys($cold);'), file)).to.deep.equal([]);
    expect(
      runWithFile(code.replace('result = use();', 'use(); use(); result = Object.keys($cold).length;'), file),
    ).to.equal(3);
  });

  it('keeps a class in the boot code when its name is read at boot or assigned, saying why', () => {
    const body = `var Early = class { constructor() { 'cold'; this.e = 1; } };
       var early = new Early();
       var Static = class { constructor() { 'cold'; } };
       Static.shared = 5;
       var Moved = class { constructor() { 'cold'; } };
       function swap() { Moved = null; }
       var Base = class { constructor() { 'cold'; this.b = 1; } };
       function made() { return class extends Base { constructor() { super(); this.c = 2; } }; }
       var Late = class { constructor(v) { var q = v * 2; 'cold'; this.q = q; } };
       result = [early.e, Static.shared, new Moved() instanceof Moved, new (made())().c, new Late(4).q];`;
    const before = run(`(function () {\n${body}\n})();`);
    const after = moved(body);
    expect(after.report.left.map((l) => l.replace(/\(line \d+\)/, '(line n)')).sort()).to.deep.equal([
      'class Base: a class that stays in the boot code extends it (line n)',
      'class Early: its name is read at boot (line n)',
      'class Moved: its name is assigned',
      'class Static: its name is read at boot (line n)',
      "constructor (line n): 'cold' must come first (after only this.x = … and super(…))",
    ]);
    expect(after.code).to.not.include("'cold'");
    expect(after.report.classes).to.deep.equal([]);
    expect(runWithFile(after.code, after.file)).to.deep.equal(before);
  });

  it('leaves what it cannot move, saying why, and the program works as before', () => {
    const body = `var Pet = class {
         get name() { 'cold'; return 'rex'; }
         speak() { 'cold'; return 'pet'; }
         rest() { 'cold'; return 'zz'; }
         walk() { 'cold'; return 'walk'; }
       };
       var Cat = class extends Pet { speak() { return 'meow' + super.walk(); } };
       var Dog = class { rest() { return 'dog rest'; } };
       function later() { 'cold'; return function () { return 'closure'; }; }
       function handed() { 'cold'; return 'handed'; }
       function byName() { 'cold'; return 'byName'; }
       var lookup = ['byName'];
       var Named = class { byName() { 'cold'; return 'n'; } };
       function outer() { function inner() { 'cold'; return 1; } return inner(); }
       var f = handed;
       result = [new Pet().name, new Cat().speak(), new Dog().rest(), new Pet().rest(), later()(), f(), byName(), new Named().byName(), outer(), lookup];`;
    const before = run(`(function () {\n${body}\n})();`);
    const after = moved(body);
    expect(after.report.left.sort()).to.deep.equal(
      [
        'byName: a string is its name',
        'handed: its name is read as a value',
        'inner: not declared at the top level',
        'name: a get cannot be cold',
        'rest: its name is defined again or read as a value',
        'speak: its name is defined again or read as a value',
        'walk: its name is defined again or read as a value',
      ].sort(),
    );
    // later (which makes a closure) moves, and so does byName the function (a string naming it reaches no
    // function); byName the method stays.
    expect(after.report.moved).to.equal(2);
    expect(after.code).to.not.include("'cold'");
    expect(runWithFile(after.code, after.file), after.code).to.deep.equal(before);
  });

  it('drops a cold function nothing calls: no text in the file', () => {
    const after = same(
      `function used(x) { 'cold'; return x + 1; }
       function unused(x) { 'cold'; return 'never ' + x; }
       var Thing = class { spare() { 'cold'; return 'extra'; } };
       result = [used(1), new Thing() instanceof Thing];`,
      3,
    );
    expect(after.report.dropped).to.equal(2);
    expect(after.file).to.include('x + 1');
    expect(after.file).to.not.include('never');
    expect(after.file).to.not.include('extra');
  });

  it('leaves a method whose name an engine object also has: a call cannot tell which it reaches', () => {
    const body = `var Platform = class {
         listen(port) { 'cold'; var server = { listen: function (p) { return 'engine ' + p; } }; return server.listen(port); }
       };
       result = new Platform().listen(80);`;
    const report: ColdReport = { moved: 0, dropped: 0, left: [], methods: [], classes: [] };
    const out = transformSync(`(function () {\n${body}\n})();`, {
      babelrc: false,
      configFile: false,
      plugins: [moveColdFunctions(report, true, new Set(['listen']))],
    });
    expect(report.left).to.deep.equal(['listen: objects chipweb did not make have a member of that name']);
    expect(run(out?.code ?? '')).to.equal('engine 80');
  });

  it('keeps what only its surroundings see: a class expression\u2019s own name', () => {
    const body = `var Plain = class _Plain {
         static make() { 'cold'; return new _Plain(); }
         kind() { 'cold'; return this instanceof _Plain ? 'plain' : 'other'; }
       };
       result = Plain.make().kind();`;
    const before = run(`(function () {\n${body}\n})();`);
    const after = moved(body);
    expect(after.report.left).to.deep.equal([
      'make: it reads _Plain, which only its surroundings see',
      'kind: it reads _Plain, which only its surroundings see',
    ]);
    expect(runWithFile(after.code, after.file)).to.deep.equal(before);
  });

  it('stores an empty body as one that does nothing (a length of 0 would read to the end of the file)', () => {
    const { file } = same(
      `var seen = [];
       var Quiet = class { stop() { 'cold'; } other(n) { 'cold'; seen.push(n); } };
       var q = new Quiet();
       q.stop(); q.other(1); q.stop();
       result = seen;`,
      2,
    );
    expect(file.startsWith(';')).to.equal(true);
  });

  it('still evaluates the receiver of x.m.call(y, \u2026) and f.apply(y, \u2026)', () => {
    same(
      `var log = [];
       var Box = class { constructor() { this.v = 1; } grow(by) { 'cold'; this.v += by; return this.v; } };
       var b = new Box();
       function getBox() { log.push('get'); return b; }
       function twice(x) { 'cold'; return x * 2; }
       log.push(getBox().grow.call(b, 2), getBox().grow.apply(b, [3]), twice.call(null, 4), twice.apply(null, [5]));
       result = log;`,
      2,
    );
  });

  it('refuses an async function, which the async lowering would take its mark from', () => {
    const report: ColdReport = { moved: 0, dropped: 0, left: [], methods: [], classes: [] };
    const out = transformSync('async function load() { "cold"; return 1; }\nvar A = class { async m() { "cold"; } };', {
      babelrc: false,
      configFile: false,
      plugins: [refuseColdAsync(report)],
    });
    expect(report.left).to.deep.equal([
      'load: an async function cannot be cold',
      'm: an async function cannot be cold',
    ]);
    expect(out?.code).to.not.include('cold');
  });

  it('writes no file when every marked function is dropped', () => {
    const after = moved(`function unused() { 'cold'; return 1; }\nresult = 2;`);
    expect(after.report.moved).to.equal(1);
    expect(after.report.dropped).to.equal(1);
    expect(after.file).to.equal('');
    expect(after.code).to.not.include('$cold');
    expect(runWithFile(after.code, after.file)).to.equal(2);
  });

  it('changes nothing when no function is marked, and only takes the marks out when it is off', () => {
    expect(moved('function f() { return 1; }\nresult = f();').file).to.equal('');
    const report: ColdReport = { moved: 0, dropped: 0, left: [], methods: [], classes: [] };
    const out = transformSync(`(function () { function f() { 'cold'; return 1; } result = f(); })();`, {
      babelrc: false,
      configFile: false,
      plugins: [moveColdFunctions(report, false)],
    });
    expect(out?.code).to.not.include('cold');
    expect(report.moved).to.equal(0);
    expect(run(out?.code ?? '')).to.equal(1);
  });
});

describe('espruino lowering: what a script lowered apart could call on the boot code\u2019s objects', () => {
  it('is every member it reads and every string it holds, not the words of its messages', () => {
    const names = memberNamesIn(
      `function f(t) { t.begin(1); t['commit'](); throw new Error('use the restart button'); }`,
      parse,
    );
    expect([...names].sort()).to.deep.equal(['begin', 'commit', 'use the restart button']);
  });
});

describe('espruino size report: what cold functions make', () => {
  it('counts the functions and objects made inside cold functions, not the cold functions themselves', () => {
    const counts = countColdCode([
      '(function(a,b){var o={x:1,y:2};return function(c){return o.x+a+b+c}})',
      '(function(){this.n=1})',
    ]);
    expect(counts).to.deep.equal({ functions: 1, parameters: 1, properties: 3 });
    expect(countColdCode([])).to.deep.equal({ functions: 0, parameters: 0, properties: 0 });
  });
});
