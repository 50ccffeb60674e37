/**
 * `npm run profile:espruino`: where chipweb's statements go on Espruino for
 * one keep-alive request of the small JSON route. The route's app
 * (bench/espruino-profile-app.ts) is built for Espruino without minifying,
 * every statement of every function in the boot code gets a counter, and
 * the BOARD=LINUX binary ($ESPRUINO_LINUX, resizable variables: the
 * counters and the unminified code take more than a board has) runs it
 * from RAM. After warm-up requests the counters are cleared, COUNT
 * requests are sent on one connection, and the counts per request are
 * printed by function, most first. `--browser` sends Chromium's header
 * lines with each request (`npm run profile:espruino -- --browser`).
 *
 * Statements are what Espruino's interpreter pays for (about 1 to 2.5 µs
 * each with the calls and native work they do); this counts them, it does
 * not time them. It also estimates, from the same counters, the tokens a
 * request skips (Espruino reads code it does not run token by token, about
 * 0.02 µs a token), by function. Never: assert (tests do that).
 */
import { parseSync, transformFromAstSync, traverse, types as t } from '@babel/core';
import type { NodePath } from '@babel/core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EspruinoMissing, EspruinoProcess, espruinoBinary, installStorage } from '../host-sim/espruino/engine.ts';
import { freePort } from '../host-sim/espruino/sim.ts';
import { BROWSER_HEADERS, keepAliveGet } from '../test/espruino/engine/keep-alive.ts';
import { buildEspruino } from '../toolchain/espruino/build.ts';

const ROOT = resolve(import.meta.dirname, '..');
const COUNT = 200;
/** `--browser`: each request carries Chromium's header lines (BROWSER_HEADERS), not only Host. */
const headers = process.argv.includes('--browser') ? BROWSER_HEADERS : '';
/** `--statements`: also list each statement a request runs, in boot-code order, with its count per request. */
const listStatements = process.argv.includes('--statements');

/** A readable name for the function at `path`. */
function nameOf(path: NodePath<t.Function>, code: string): string {
  const node = path.node;
  if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') && node.id) return node.id.name;
  if (node.type === 'ClassMethod' || node.type === 'ObjectMethod') {
    const owner = path.findParent((p) => p.isClass());
    const ownerName =
      owner?.node.type === 'ClassDeclaration' || owner?.node.type === 'ClassExpression'
        ? (owner.node.id?.name ??
          (owner.parentPath?.node.type === 'VariableDeclarator' && owner.parentPath.node.id.type === 'Identifier'
            ? owner.parentPath.node.id.name
            : '?'))
        : '{}';
    return `${ownerName}.${node.key.type === 'Identifier' ? node.key.name : '?'}`;
  }
  const parent = path.parentPath.node;
  if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if (parent.type === 'AssignmentExpression') return code.slice(parent.left.start ?? 0, parent.left.end ?? 0);
  if (parent.type === 'ObjectProperty' && parent.key.type === 'Identifier') return parent.key.name;
  return `(anonymous, line ${node.loc?.start.line ?? '?'})`;
}

/** A counted statement: its function, and what skipping it or its parts costs. */
interface Counted {
  /** Index of its function in the names. */
  fn: number;
  /** The counter of the statement that starts its list (its block, case or loop body), when not itself. */
  listFirst: number;
  /** For an if: the counters that start its branches (-1 when a branch has none), and their tokens. */
  branches: { first: number; tokens: number }[];
  /** For a loop with a test: the tokens of its body, skipped once each time the test ends the loop. */
  loopBody: number;
  /** Its own tokens. */
  tokens: number;
  /** Its text, cut to one line (for `--statements`). */
  text: string;
}

/**
 * The boot code with a counter before every statement inside a function,
 * the counters' hooks, and what each counter stands for. Espruino has no
 * syntax tree: it reads the code it does not run token by token to skip
 * it, so besides the statements a request runs, the profile estimates the
 * tokens it skips: a branch not taken, a loop body when its test ends the
 * loop, and the rest of a list after a return, break or continue left it.
 */
function instrument(code: string): { code: string; names: string[]; counted: Counted[] } {
  const ast = parseSync(code, {
    babelrc: false,
    configFile: false,
    sourceType: 'script',
    parserOpts: { tokens: true },
  });
  if (!ast) throw new Error('the boot code does not parse');
  const starts = ((ast as unknown as { tokens?: { start: number }[] }).tokens ?? []).map((tk) => tk.start);
  const tokensIn = (node: t.Node) => {
    const lower = (at: number) => {
      let lo = 0;
      let hi = starts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid] < at) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return node.start === null || node.start === undefined || node.end === null || node.end === undefined
      ? 0
      : lower(node.end) - lower(node.start);
  };
  const names: string[] = [];
  const fnIds = new WeakMap<t.Node, number>();
  const ids = new WeakMap<t.Node, number>();
  const counted: Counted[] = [];
  // First: number every statement inside a function, before any is moved.
  traverse(ast, {
    Function(path) {
      fnIds.set(path.node, names.length);
      names.push(nameOf(path, code));
    },
    Statement(path) {
      if (path.isBlockStatement() || path.isFunctionDeclaration() || path.isClassDeclaration()) return;
      const fn = path.getFunctionParent();
      if (!fn) return;
      ids.set(path.node, counted.length);
      counted.push({
        fn: fnIds.get(fn.node) ?? 0,
        listFirst: -1,
        branches: [],
        loopBody: 0,
        tokens: tokensIn(path.node),
        text: code
          .slice(path.node.start ?? 0, path.node.end ?? 0)
          .replace(/\s+/g, ' ')
          .slice(0, 110),
      });
    },
  });
  /** The counter of the first counted statement a branch or body runs (-1: none). */
  const firstOf = (node: t.Statement | null | undefined): number => {
    if (!node) return -1;
    if (node.type === 'BlockStatement') return node.body.length ? firstOf(node.body[0]) : -1;
    return ids.get(node) ?? -1;
  };
  traverse(ast, {
    Statement(path) {
      const id = ids.get(path.node);
      if (id === undefined) return;
      const entry = counted[id];
      const list = path.container;
      if (Array.isArray(list) && list[0] !== path.node) entry.listFirst = firstOf(list[0] as t.Statement);
      const node = path.node;
      if (node.type === 'IfStatement')
        entry.branches = [node.consequent, node.alternate].map((b) => ({
          first: firstOf(b),
          tokens: b ? tokensIn(b) : 0,
        }));
      if (
        (node.type === 'ForStatement' && node.test) ||
        node.type === 'WhileStatement' ||
        node.type === 'ForInStatement' ||
        node.type === 'ForOfStatement'
      )
        entry.loopBody = tokensIn(node.body);
    },
  });
  const done = new WeakSet<t.Node>();
  traverse(ast, {
    Statement: {
      exit(path) {
        const id = ids.get(path.node);
        if (id === undefined || done.has(path.node)) return;
        done.add(path.node);
        const count = t.expressionStatement(
          t.updateExpression('++', t.memberExpression(t.identifier('__S'), t.numericLiteral(id), true)),
        );
        done.add(count);
        if (path.parentPath.isBlockStatement() || path.parentPath.isSwitchCase()) path.insertBefore(count);
        else if (path.listKey === undefined) path.replaceWith(t.blockStatement([count, path.node]));
      },
    },
  });
  const out = transformFromAstSync(ast, code, { babelrc: false, configFile: false, compact: false });
  if (!out?.code) throw new Error('instrumenting produced no code');
  return {
    names,
    counted,
    code: [
      `var __S = new Int32Array(${counted.length});`,
      'globalThis.__profileZero = function () { __S.fill(0); };',
      "globalThis.__profileDump = function () { var a = []; for (var i = 0; i < __S.length; i++) if (__S[i]) a.push(i, __S[i]); print('@@profile ' + JSON.stringify(a)); };",
      out.code,
    ].join('\n'),
  };
}

/** Statements run and tokens skipped, per function, from the counters (`runs[i]`: times statement i ran). */
function perFunction(names: string[], counted: Counted[], runs: number[]): { ran: number[]; skipped: number[] } {
  const ran = names.map(() => 0);
  const skipped = names.map(() => 0);
  counted.forEach((entry, i) => {
    const n = runs[i];
    ran[entry.fn] += n;
    // Entered its list but did not run: a return, break or continue before it left the list.
    if (entry.listFirst >= 0) skipped[entry.fn] += Math.max(0, runs[entry.listFirst] - n) * entry.tokens;
    for (const branch of entry.branches)
      if (branch.tokens > 0)
        skipped[entry.fn] += Math.max(0, n - (branch.first >= 0 ? runs[branch.first] : 0)) * branch.tokens;
    skipped[entry.fn] += n * entry.loopBody;
  });
  return { ran, skipped };
}

async function main(): Promise<void> {
  let binary: string;
  try {
    binary = espruinoBinary(process.env, 'ESPRUINO_LINUX');
  } catch (error) {
    if (!(error instanceof EspruinoMissing)) throw error;
    console.error(`profile:espruino: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-profile-'));
  try {
    const port = await freePort();
    const out = join(dir, 'build');
    await buildEspruino({
      entry: join(ROOT, 'bench/espruino-profile-app.ts'),
      out,
      port,
      minify: false,
      assets: null,
      env: {},
    });
    const boot = join(dir, 'boot-profiled.js');
    const profiled = instrument(readFileSync(join(out, 'storage', '.bootcde'), 'utf8'));
    writeFileSync(boot, profiled.code);
    const flash = join(dir, 'flash');
    await installStorage(binary, flash, out);
    const lines: string[] = [];
    const board = EspruinoProcess.bootFromRam(binary, flash, boot, (line) => lines.push(line));
    try {
      await board.waitFor(/^chipweb: serving/, 30000);
      await keepAliveGet(port, '/json', 20, headers);
      await keepAliveGet(port, '/__profile/zero', 1);
      await keepAliveGet(port, '/json', COUNT, headers);
      await keepAliveGet(port, '/__profile/dump', 1);
      const line = await board.waitFor(/^@@profile /, 10000);
      const pairs = JSON.parse(line.slice('@@profile '.length)) as number[];
      const runs = profiled.counted.map(() => 0);
      for (let i = 0; i < pairs.length; i += 2) runs[pairs[i]] = pairs[i + 1];
      const { ran, skipped } = perFunction(profiled.names, profiled.counted, runs);
      const rows = (values: number[]) =>
        values
          .map((count, i) => [count / COUNT, profiled.names[i]] as const)
          .filter(([count]) => count >= 0.5)
          .sort((a, b) => b[0] - a[0]);
      const total = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / COUNT;
      console.log(
        `chipweb on Espruino: about ${Math.round(total(ran))} statements per keep-alive request of /json${headers ? " with Chromium's header lines" : ''}`,
      );
      console.log(
        `(${COUNT} requests on one connection; the dump request's own statements included once, spread over them)\n`,
      );
      for (const [count, name] of rows(ran)) console.log(`${count.toFixed(1).padStart(7)}  ${name}`);
      console.log(
        `\nand about ${Math.round(total(skipped))} tokens skipped per request (branches not taken, loop bodies at their end, the rest of a list after a return, break or continue), by function:\n`,
      );
      for (const [count, name] of rows(skipped).slice(0, 25)) console.log(`${count.toFixed(0).padStart(7)}  ${name}`);
      if (listStatements) {
        console.log('\nstatements run per request, in boot-code order:\n');
        profiled.counted.forEach((entry, i) => {
          const count = runs[i] / COUNT;
          if (count >= 0.5)
            console.log(`${count.toFixed(1).padStart(7)}  ${profiled.names[entry.fn].padEnd(26)} ${entry.text}`);
        });
      }
    } finally {
      await board.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`profile:espruino: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
