export {};
/**
 * XS side of bench/xs-router-micro.ts: timings of single XS operations (loop
 * step, typed-array read, block-scoped const, calls by argument count, label
 * compare), in ns per operation, to guide matcher micro-optimisations.
 */
declare const performance: { now(): number };
declare const globalThis: Record<string, unknown>;
function emptyLoop(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += i;
  return s;
}
function readLoop(t: Uint8Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += t[i & 1023];
  return s;
}
function readLoop2(t: Uint8Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = t[i & 1023];
    s += x;
  }
  return s;
}
function blockLet(_t: Uint8Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = i & 3;
    const b = a + 1;
    if (b > 2) {
      const c = b * 2;
      s += c;
    }
  }
  return s;
}
function noLet(_t: Uint8Array, n: number): number {
  let s = 0,
    a = 0,
    b = 0,
    c = 0;
  for (let i = 0; i < n; i++) {
    a = i & 3;
    b = a + 1;
    if (b > 2) {
      c = b * 2;
      s += c;
    }
  }
  return s;
}
function callee(
  a: number,
  _b: number,
  _c: number,
  _d: number,
  _e: number,
  _f: number,
  _g: number,
  _h: number,
  _i: number,
  _j: number,
  _k: number,
): number {
  return a;
}
function callLoop(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += callee(i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
  return s;
}
function callee3(a: number, _b: number, _c: number): number {
  return a;
}
function callLoop3(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += callee3(i, 1, 2);
  return s;
}
const t = new Uint8Array(1024);
const u = new Uint8Array(1024);
/** n bytes compared in runs of 24, as the label loop does. */
function compare24(n: number): number {
  let s = 0;
  let q = 0;
  let stop = 0;
  const label = 100;
  for (let r = 0; r < n; r += 24) {
    q = 0;
    stop = 24;
    while (q < stop && t[label + q] === u[q]) q++;
    s += q;
  }
  return s;
}
function compare24b(n: number): number {
  let s = 0;
  let q = 0;
  let stop = 0;
  const label = 100;
  for (let r = 0; r < n; r += 24) {
    q = 0;
    stop = 24;
    while (t[label + q] === u[q] && ++q < stop);
    s += q;
  }
  return s;
}

const fns: Record<string, (n: number) => number> = {
  empty: (n) => emptyLoop(n),
  read: (n) => readLoop(t, n),
  read2: (n) => readLoop2(t, n),
  blockLet: (n) => blockLet(t, n),
  noLet: (n) => noLet(t, n),
  call11: (n) => callLoop(n),
  call3: (n) => callLoop3(n),
  compare24: (n) => compare24(n),
  compare24b: (n) => compare24b(n),
};
globalThis.micro = (name: string, n: number) => {
  const t0 = performance.now();
  fns[name](n);
  return ((performance.now() - t0) * 1e6) / n;
};
