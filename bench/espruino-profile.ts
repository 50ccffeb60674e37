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
 * not time them. Never: assert (tests do that).
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

/** The boot code with a counter before every statement inside a function, and the counters' hooks. */
function instrument(code: string): string {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  if (!ast) throw new Error('the boot code does not parse');
  const names: string[] = [];
  const ids = new WeakMap<t.Node, number>();
  const done = new WeakSet<t.Node>();
  traverse(ast, {
    Function(path) {
      ids.set(path.node, names.length);
      names.push(nameOf(path, code));
    },
    Statement: {
      exit(path) {
        if (path.isBlockStatement() || path.isFunctionDeclaration() || path.isClassDeclaration() || done.has(path.node))
          return;
        const fn = path.getFunctionParent();
        if (!fn) return;
        done.add(path.node);
        const count = t.expressionStatement(
          t.updateExpression(
            '++',
            t.memberExpression(t.identifier('__S'), t.numericLiteral(ids.get(fn.node) ?? 0), true),
          ),
        );
        done.add(count);
        if (path.parentPath.isBlockStatement() || path.parentPath.isSwitchCase()) path.insertBefore(count);
        else if (path.listKey === undefined) path.replaceWith(t.blockStatement([count, path.node]));
      },
    },
  });
  const out = transformFromAstSync(ast, code, { babelrc: false, configFile: false, compact: false });
  if (!out?.code) throw new Error('instrumenting produced no code');
  return [
    `var __S = new Int32Array(${names.length}), __N = ${JSON.stringify(names)};`,
    'globalThis.__profileZero = function () { __S.fill(0); };',
    "globalThis.__profileDump = function () { var a = []; for (var i = 0; i < __S.length; i++) if (__S[i]) a.push([__S[i], __N[i]]); print('@@profile ' + JSON.stringify(a)); };",
    out.code,
  ].join('\n');
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
    writeFileSync(boot, instrument(readFileSync(join(out, 'storage', '.bootcde'), 'utf8')));
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
      const rows = (JSON.parse(line.slice('@@profile '.length)) as [number, string][])
        .map(([count, name]) => [count / COUNT, name] as const)
        .sort((a, b) => b[0] - a[0]);
      const total = rows.reduce((sum, [count]) => sum + count, 0);
      console.log(
        `chipweb on Espruino: about ${Math.round(total)} statements per keep-alive request of /json${headers ? " with Chromium's header lines" : ''}`,
      );
      console.log(
        `(${COUNT} requests on one connection; the dump request's own statements included once, spread over them)\n`,
      );
      for (const [count, name] of rows) if (count >= 0.5) console.log(`${count.toFixed(1).padStart(7)}  ${name}`);
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
