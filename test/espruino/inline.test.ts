/**
 * The Espruino lowering's inlining (toolchain/espruino/inline.ts): a
 * function or method called from one place is written there and dropped,
 * and the program computes exactly what it did; what any check refuses is
 * left as it was. Each case is a small program inside a bundle-like IIFE,
 * run in V8 before and after.
 */
import { transformSync } from '@babel/core';
import { expect } from 'chai';
import { inlineSingleCalls } from '../../toolchain/espruino/inline.ts';
import { run } from './run-in-v8.ts';

/**
 * `body` inlined: the code, how many calls were written in place, and the
 * methods among them. `engineNames`: the member names of objects the
 * program did not make (lower.ts gives Espruino's and JavaScript's).
 */
function inlined(
  body: string,
  engineNames: ReadonlySet<string> | null = null,
  keep: ReadonlySet<string> = new Set(),
): { code: string; count: number; copiesLeft: number; methods: string[] } {
  const report = { inlined: 0, copiesLeft: 0, methods: [] as string[] };
  const out = transformSync(`(function () {\n${body}\n})();`, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    plugins: [inlineSingleCalls(report, engineNames, keep)],
  });
  return { code: out?.code ?? '', count: report.inlined, copiesLeft: report.copiesLeft, methods: report.methods };
}

/** Expects `body` (which sets `result`) to inline `count` functions and compute the same result. */
function same(body: string, count: number, engineNames: ReadonlySet<string> | null = null): string {
  const before = run(`(function () {\n${body}\n})();`);
  const after = inlined(body, engineNames);
  expect(after.count, after.code).to.equal(count);
  expect(after.copiesLeft, after.code).to.equal(0);
  expect(run(after.code), after.code).to.deep.equal(before);
  return after.code;
}

describe('espruino lowering: inlining functions called from one place', () => {
  it('writes a statement call, a declaration, an assignment and a return in place, and drops the function', () => {
    const code = same(
      `function twice(x) { var y = x * 2; return y; }
       function log(list, v) { list.push(v); }
       function sum(a, b) { return a + b; }
       function scale(v) { return v * 10; }
       function main() {
         var list = [];
         log(list, 1);
         var t = twice(3);
         var s;
         s = sum(t, 4);
         list.push(s);
         return scale(s);
       }
       result = main();`,
      4,
    );
    expect(code).to.not.match(/function (twice|log|sum|scale)\b/);
  });

  it('turns early returns into if/else, for each shape of call', () => {
    same(
      `function kind(n) {
         if (n < 0) return 'negative';
         if (n === 0) { return 'zero'; } else if (n > 100) return 'big';
         var small = n < 10;
         if (small) return 'small';
         return 'medium';
       }
       function mark(list, n) { if (n % 2) return; list.push(n); }
       function main() {
         var out = [];
         for (var i = -1; i < 120; i += 7) {
           var k = kind(i);
           out.push(k);
           mark(out, i);
         }
         return out;
       }
       result = main();`,
      2,
    );
  });

  it('starts the callee\u2019s locals undefined again on every pass of a loop', () => {
    same(
      `function first(list) {
         var found;
         for (var j = 0; j < list.length; j++) if (list[j] > 2 && found === undefined) found = list[j];
         return found;
       }
       function main() {
         var out = [];
         var lists = [[1, 3], [1, 1], [5]];
         for (var i = 0; i < lists.length; i++) {
           var v = first(lists[i]);
           out.push(String(v));
         }
         return out;
       }
       result = main();`,
      1,
    );
  });

  it('starts no local again that the callee sets before any use, and every other one', () => {
    const code = same(
      `function scan(list, flag) {
         var total = 0;
         var copy = copy;
         for (var j = 0; j < list.length; j++) total += list[j];
         var maybe;
         if (flag) { maybe = total; copy = j; }
         var last = total > 3 ? 'big' : 'small';
         return [total, j, maybe, copy, last];
       }
       function main() {
         var out = [];
         for (var i = 0; i < 4; i++) {
           var v = scan([i, i + 1], i % 2 === 0);
           out.push(v);
         }
         return out;
       }
       result = main();`,
      1,
    );
    // total, j and last are set first; maybe, copy (read by its own declaration) are set again to undefined.
    const reset = /var ([^;]*) = void 0[^;]*;/.exec(code)?.[0] ?? '';
    expect(reset)
      .to.match(/_maybe = void 0/)
      .and.match(/_copy = void 0/);
    expect(reset).to.not.match(/_total|_j\b|_last/);
  });

  it('takes a call out in front of the statement where it is evaluated first, and keeps the order of effects', () => {
    same(
      `var seen = [];
       function check(v) { seen.push('check ' + v); return v > 1; }
       function size(v) { seen.push('size'); return { length: v * 3 }; }
       function main() {
         var n = 2;
         if (!check(n)) return 'no';
         var total = size(n).length + 1;
         return [total, seen.join(',')];
       }
       result = main();`,
      2,
    );
  });

  it('inlines a call in the part of &&, || or ?: that may not run, only where it runs', () => {
    same(
      `var seen = [];
       function both(v) { seen.push('and ' + v); return v > 1; }
       function either(v) { seen.push('or ' + v); return v; }
       function pick(v) { seen.push('pick ' + v); return v * 2; }
       function main(x) {
         var r = x > 0 && both(x);
         var s = x > 5 || either(x);
         return [r, s, x > 2 ? pick(x) : -1];
       }
       result = [main(0), main(3), main(9), seen];`,
      3,
    );
  });

  it('leaves returns where they are in `return f()`, in loops included', () => {
    same(
      `function find(list, v) {
         for (var i = 0; i < list.length; i++) if (list[i] === v) return i;
       }
       function main() { return find([4, 5, 6], 6); }
       result = [main()];`,
      1,
    );
  });

  it('inlines a method called once as this.m() in its own class, with this kept', () => {
    const code = same(
      `class Counter {
         constructor() { this.n = 0; }
         bumpBy(k) { this.n += k; return this.n; }
         run() { var last = this.bumpBy(3); return [last, this.n]; }
       }
       result = new Counter().run();`,
      1,
    );
    expect(code).to.not.include('bumpBy');
  });

  it('inlines a method called on another object, given the engine\u2019s names: its this is that object, evaluated first', () => {
    const engine = new Set(['push', 'length']);
    const body = `class Box {
         constructor(v) { this.v = v; this.seen = 0; }
         take(n) { this.seen++; return this.v + n; }
         grow(n) { this.v += n; }
       }
       class Host {
         constructor(log) { this.box = new Box(10); this.log = log; }
         boxed() { this.log.push('box'); return this.box; }
         run(b) {
           var r = b.take(1);
           this.boxed().grow(this.note(5));
           return [r, b.seen, this.box.v];
         }
         note(n) { this.log.push('argument'); return n; }
       }
       var log = [];
       result = [new Host(log).run(new Box(1)), log];`;
    // The log in the result says the receiver (a call here) was made once, before the argument.
    const code = same(body, 4, engine);
    expect(code).to.not.match(/take\(|grow\(/);
    expect(inlined(body, engine).methods).to.include.members(['take', 'grow', 'boxed', 'note']);
  });

  it('leaves a method another script calls on the program\u2019s objects (the OTA module) on its class', () => {
    // The boot code hands its objects to the OTA module and calls the module's: a method either names stays.
    const body = `class Target { complete() { this.done = 1; return 2; } other() { return 3; } }
      function main(t) { var a = t.complete(); var b = t.other(); return [a, b, t.done]; }
      var made = new Target();
      result = [main(made), made['comp' + 'lete']()];`; // the other script's call: named nowhere in this one
    const both = inlined(body, new Set(), new Set(['complete']));
    // Without the name kept, the method goes, and the other script's call finds nothing.
    expect(() => run(inlined(body, new Set()).code)).to.throw(/not a function/);
    expect(run(both.code)).to.deep.equal(run(`(function () {\n${body}\n})();`));
    expect(both.methods).to.deep.equal(['other']);
    expect(both.code).to.match(/complete\(\) \{/);
  });

  it('leaves a method called on another object where an object the program did not make may have that member', () => {
    same(
      `class Stack { constructor() { this.items = []; } push(v) { this.items.push(v); return 1; } }
       function main(s) { var n = s.push(2); return [n, s.items.length]; }
       result = main(new Stack());`,
      0,
      new Set(['push', 'length']),
    );
    // Without the engine's names nothing tells a method of the program from one of the engine's: only this.m() is inlined.
    same('class A { m() { return 1; } run(o) { var v = o.m(); return v; } } result = new A().run(new A());', 0);
  });

  it("passes the caller's own names and literals in place of parameters the callee never assigns", () => {
    const code = same(
      `function addTo(list, v) { list.push(v); return list.length; }
       function bump(n) { n = n + 1; return n; }
       function label(prefix, n) { return prefix + n; }
       function main() {
         var list = [];
         var k = 3;
         var a = addTo(list, k);
         k = 10;
         var b = bump(k);
         var c = label('n=', b);
         return [a, b, c, k, list];
       }
       result = main();`,
      3,
    );
    // list, v, prefix and n (of label) take the caller's names or literals; bump assigns its n, so it is a var.
    expect(code).to.not.match(/var _list|var _v\b|var _prefix/);
    expect(code).to.match(/var _n\d* = k/);
  });

  it('fills parameters without arguments with undefined', () => {
    same(
      `function pick(a, b) { return b === undefined ? a : b; }
       function main() { return pick(7); }
       result = main();`,
      1,
    );
  });

  it('leaves loops and switches that return with a flag and a break, and runs the rest only if none did', () => {
    const code = same(
      `function find(l, x) { for (var i = 0; i < l.length; i++) if (l[i] === x) return i; return -1; }
       function pair(grid, x) {
         for (var r = 0; r < grid.length; r++) {
           var row = grid[r];
           for (var c = 0; c < row.length; c++) {
             if (row[c] < 0) continue;
             if (row[c] === x) return r * 10 + c;
             if (row[c] > 100) break;
           }
         }
         var k = 0;
         do { k++; if (k * x > 50) return -k; } while (k < 3);
         return -100;
       }
       function name(code) {
         switch (code) {
           case 1: return 'one';
           case 2: for (var key in { a: 1, b: 2 }) if (key === 'b') return 'two:' + key; break;
           default: if (code > 9) return 'big';
         }
         var rest = 'other';
         return rest;
       }
       function count(list, seen) { for (var i = 0; i < list.length; i++) { if (list[i] === 0) return; seen.push(list[i]); } seen.push('all'); }
       function main() {
         var out = [];
         for (var n = 0; n < 12; n++) {
           var at = find([3, 5, 7, 5], n);
           var p;
           p = pair([[1, -1, n], [4, 200, n], [n]], n);
           var label = name(n);
           count([n, n - 1, 0, 2], out);
           out.push([at, p, label]);
         }
         return out;
       }
       result = main();`,
      4,
    );
    expect(code).to.not.match(/function (find|pair|name|count)\b/);
  });

  it('copies a small function or method called from a few places into each of them', () => {
    const code = same(
      `function clamp(v, most) { if (v > most) return most; return v; }
       class Meter {
         constructor() { this.total = 0; }
         add(n) { this.total += n; return this.total; }
         run(list) {
           var first = this.add(list[0]);
           var second = this.add(clamp(list[1], 5));
           return [first, second, clamp(this.total, 8)];
         }
       }
       function main() {
         var a = clamp(3, 2);
         var b = new Meter().run([4, 9]);
         return [a, b];
       }
       result = main();`,
      5,
    );
    expect(code).to.not.match(/function clamp|\badd\b|\$2/);
  });

  it('copies no function called from inside another one being copied in the same pass, whichever comes first', () => {
    // f first: copying h would copy f's call too, and f's call in m1 (`var p = f(1)`) is one it cannot take.
    const program = (first: string, second: string) =>
      `${first} ${second}
       function m1() { var p = h(1); var q = h(2); return [p, q]; }
       function m2() { return f(5); }
       result = [m1(), m2()];`;
    const f = 'function f(x) { try { if (x > 1) return x * 2; } catch (e) {} return -x; }';
    const h = 'function h(y) { return f(y); }';
    same(program(f, h), 2);
    same(program(h, f), 2);
  });

  it('keeps the order of arguments when a later one changes a name an earlier one passes', () => {
    same(
      `function pair(a, b) { return [a, b]; }
       function main() { var x = 1; var p = pair(x, x++); var q = pair(x, (x = 7)); return [p, q, x]; }
       result = main();`,
      2,
    );
  });

  it('writes a large function where it always runs, and into a branch only a small one', () => {
    const big = `function big(v) { ${Array.from({ length: 16 }, (_, i) => `v = v * 3 + ${i};`).join(' ')} return v; }`;
    const small = 'function small(v) { return v + 1; }';
    // In a branch: a large body would be skipped token by token whenever the branch is not taken.
    same(
      `${big} ${small} function main(f) { var a = 0; if (f) { a = big(2); a = small(a); } return a; } result = [main(0), main(1)];`,
      1,
    );
    same(`${big} function main(f) { var a = big(2); return f ? a : -a; } result = [main(0), main(1)];`, 1);
  });

  it('copies nothing larger than a few lines', () => {
    const lines = Array.from({ length: 80 }, (_, i) => `v = v * 3 + ${i};`).join(' ');
    same(
      `function big(v) { ${lines} return v; } function main() { var a = big(1); var b = big(2); return a - b; } result = main();`,
      0,
    );
  });

  it("copies a function marked 'inline' into every call whatever its size, branches too, and takes the directive out", () => {
    const lines = Array.from({ length: 80 }, (_, i) => `v = v * 3 + ${i};`).join(' ');
    const code = same(
      `function big(v) { 'inline'; ${lines} return v; }
       class A { step(n) { 'inline'; ${lines.replace(/v/g, 'n')} this.count++; return n; } run(flag) { this.count = 0; var a = this.step(1); if (flag) { var b = this.step(2); a = a - b; } return [a, this.count]; } }
       function main(flag) { var a = big(1); if (flag) { var b = big(2); a = a - b; } return a + new A().run(flag)[0]; }
       result = [main(true), main(false)];`,
      4,
    );
    expect(code).to.not.match(/function big|step\(/);
    expect(code).to.not.include("'inline'");
  });

  it('refuses what would change the meaning or the memory', () => {
    const cases = [
      // called from more places than it is copied into
      `function f(x) { return x + 1; } function main() { var l = []; ${Array.from({ length: 9 }, (_, i) => `var v${i} = f(${i}); l.push(v${i});`).join(' ')} return l; } result = main();`,
      // called from two places, one of which it cannot be inlined into (a closure): no copy of it is made
      'function f(x) { return x + 1; } function main() { var a = f(1); return [a].map(function (v) { return f(v); }); } result = main();',
      // recursion
      'function f(n) { return n ? f(n - 1) : 0; } function main() { return f(3); } result = main();',
      // the caller makes a closure: the callee's locals would live as long as it
      'function f(x) { var big = [x]; return big.length; } function main() { var n = f(1); return [n].map(function (v) { return v; }); } result = main();',
      // the callee makes a closure
      'function f(x) { return function () { return x; }; } function main() { var g = f(1); return g(); } result = main();',
      // the callee reads arguments
      'function f() { return arguments.length; } function main() { var n = f(); return n; } result = main();',
      // a name the callee reads is shadowed at the call
      'var k = 1; function f() { return k; } function main() { var k = 2; var v = f(); return [v, k]; } result = main();',
      // more arguments than parameters
      'function f(a) { return a; } function main() { var v = f(1, 2); return v; } result = main();',
      // a return inside a try
      'function f(l) { try { if (l) return 1; } catch (e) {} return 2; } function main() { var v = f(0); return v; } result = main();',
      // called at the bundle top: its locals would become the board's globals
      'function f(x) { var y = x; return y; } result = f(1);',
      // a method whose name a string also holds (it may be called by name)
      "class A { m() { return 1; } run() { var v = this.m(); return [v, 'm']; } } result = new A().run();",
      // a property read before the call, which the callee changes without assigning it (push and length)
      'function grow(list) { list.push(1); return 5; } function main() { var list = []; return [list.length, grow(list)]; } result = main();',
      // a getter read before the call, whose value the callee changes
      'class A { constructor() { this.k = 0; } get n() { return this.k; } bump() { this.k++; return 1; } run() { var v = this.n + this.bump(); return v; } } result = new A().run();',
      // a function (not a method) that reads `this`, called from methods: its `this` is not theirs
      'function f(v) { this.hits = (this.hits || 0) + 1; return v; } class A { constructor() { this.hits = 0; } run() { var x = f(1); var y = f(2); return [x, y, this.hits]; } } function main() { return new A().run(); } result = main();',
      // a method called on another object
      'class A { m() { return 1; } run(o) { var v = o.m(); return v; } } result = new A().run(new A());',
      // marked 'cold' (cold.ts): it waits in flash, not in its caller
      "function f(x) { 'cold'; var y = x * 2; return y; } function main() { var v = f(2); return v; } result = main();",
    ];
    for (const body of cases) same(body, 0);
  });

  it("leaves a function marked 'noinline' where it is, called, and takes the directive out", () => {
    const code = same(
      `function rare(x) { 'noinline'; var y = x * 2; return y; }
       class A { other(v) { 'noinline'; return v + 1; } run(v) { var w = this.other(v); return w; } }
       function main() { var v = rare(2); return new A().run(v); }
       result = main();`,
      0,
    );
    expect(code).to.match(/function rare\(x\)/);
    expect(code).to.match(/other\(v\) \{/);
    expect(code).to.match(/this\.other\(/);
    expect(code).to.not.include('noinline');
  });
});
