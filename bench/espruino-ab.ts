/**
 * `npm run bench:espruino-ab -- REV`: the small JSON route on Espruino, the
 * working tree against the commit REV (default HEAD), rounds in turns in
 * one run, with Espruino's `http` module measured in every round as the
 * common yardstick. For a change whose effect is smaller than the spread
 * between two bench:espruino runs (this machine is shared: the `http`
 * module's rate alone moves by a third between rounds).
 *
 *   ESPRUINO   the fixed 16,383-variable build (toolchain/espruino/build-engine.sh):
 *              both builds run from Storage, in place, as on a board
 *   --rounds N rounds (default 5); --browser: Chromium's header lines with each request
 *   --instructions  instructions per request under valgrind's callgrind instead
 *              of rates: one round (the count repeats to the instruction), with the
 *              http module and bench/espruino-minimal-server.js counted alike
 *
 * REV is checked out into a temporary git worktree (its node_modules the
 * working tree's), and each tree builds bench/espruino-json-app.ts with its
 * own toolchain. Prints each round and the medians. Never: assert (tests do
 * that); leave the worktree behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EspruinoMissing, EspruinoProcess, espruinoBinary, installStorage } from '../host-sim/espruino/engine.ts';
import { freePort } from '../host-sim/espruino/sim.ts';
import { BROWSER_HEADERS } from '../test/espruino/engine/keep-alive.ts';
import { keepAliveGet } from '../test/espruino/engine/keep-alive.ts';
import { closingRate, InstructionCounter, JSON_BODY, keepAliveRate, median, withPeer } from './espruino-peers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const REQUESTS = 600;

/** The value after `name` on the command line, or `fallback`. */
function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

/** A build of the JSON app from one tree, installed in its own flash folder. */
interface Side {
  name: string;
  flash: string;
  port: number;
}

/** Builds bench/espruino-json-app.ts with `tree`'s own toolchain and installs it into a flash folder in `dir` (files named by `key`). */
async function buildSide(binary: string, name: string, tree: string, dir: string, key: string): Promise<Side> {
  const { buildEspruino } = (await import(pathToFileURL(join(tree, 'toolchain/espruino/build.ts')).href)) as {
    buildEspruino: (options: Record<string, unknown>) => Promise<unknown>;
  };
  const port = await freePort();
  const out = join(dir, `${key}-build`);
  await buildEspruino({
    entry: join(tree, 'bench/espruino-json-app.ts'),
    out,
    port,
    minify: true,
    assets: null,
    env: {},
    projectDir: tree,
  });
  const flash = join(dir, `${key}-flash`);
  await installStorage(binary, flash, out);
  return { name, flash, port };
}

/** Keep-alive requests per second of the JSON route on `side`'s board. */
async function sideRate(binary: string, side: Side, headers: string): Promise<number> {
  const board = EspruinoProcess.boot(binary, side.flash);
  try {
    await board.waitFor(/^chipweb: serving/, 30000);
    return await keepAliveRate(side.port, '/json', REQUESTS, 30, (b) => b === JSON_BODY, headers);
  } finally {
    await board.close();
  }
}

/** Requests per second of Espruino's http module (bench/espruino-http-module.js), a new connection each. */
function httpModuleRate(binary: string, headers: string): Promise<number> {
  return withPeer(binary, join(ROOT, 'bench/espruino-http-module.js'), 'http', {}, (port) =>
    closingRate(port, REQUESTS / 2, headers),
  );
}

/** Keep-alive GETs of the JSON route, `count` of them, bodies checked; resolves to the count. */
async function jsonRequests(port: number, count: number, headers: string): Promise<number> {
  const bodies = await keepAliveGet(port, '/json', count, headers);
  if (!bodies.every((b) => b === JSON_BODY)) throw new Error(`unexpected body: ${bodies.find((b) => b !== JSON_BODY)}`);
  return count;
}

/** Instructions per request for each side and the two peers, printed; one round. */
async function countInstructions(binary: string, sides: Side[], dir: string, headers: string): Promise<void> {
  const counter = new InstructionCounter(binary, dir);
  const count = REQUESTS / 3;
  const perRequest: [string, number][] = [];
  // The peers, each warmed by 20 requests of its own kind first.
  const peers: [string, string, string, (port: number, n: number) => Promise<number>][] = [
    [
      'http module (a new connection each)',
      'espruino-http-module.js',
      'http',
      async (port, n) => {
        await closingRate(port, n, headers);
        return n;
      },
    ],
    ['20-statement net server', 'espruino-minimal-server.js', 'minimal', (port, n) => jsonRequests(port, n, headers)],
  ];
  for (const [name, script, ready, requests] of peers) {
    const value = await withPeer(counter.wrapper, join(ROOT, 'bench', script), ready, {}, async (port) => {
      await requests(port, 20);
      return counter.count(() => requests(port, count));
    });
    perRequest.push([name, value]);
  }
  const http = perRequest[0][1];
  for (const side of sides) {
    const board = EspruinoProcess.boot(counter.wrapper, side.flash);
    try {
      await board.waitFor(/^chipweb: serving/, 180000);
      await jsonRequests(side.port, 20, headers);
      perRequest.push([`chipweb, ${side.name}`, await counter.count(() => jsonRequests(side.port, count, headers))]);
    } finally {
      await board.close();
    }
  }
  console.log(
    `instructions per JSON request (${count} requests after 20, user space only${headers ? ", Chromium's head" : ''}):`,
  );
  for (const [name, value] of perRequest)
    console.log(
      `  ${name.padEnd(36)} ${Math.round(value).toLocaleString('en-US').padStart(10)}   ${(value / http).toFixed(2)}x the http module's`,
    );
  const [rev, tree] = perRequest.slice(-2).map(([, value]) => value);
  console.log(`working tree against ${sides[0].name}: ${(tree / rev).toFixed(3)}x the instructions`);
}

async function main(): Promise<void> {
  let binary: string;
  try {
    binary = espruinoBinary(process.env);
  } catch (error) {
    if (!(error instanceof EspruinoMissing)) throw error;
    console.error(`bench:espruino-ab: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--rounds');
  const rev = positional[0] ?? 'HEAD';
  const rounds = Number(option('--rounds', '5'));
  const headers = process.argv.includes('--browser') ? BROWSER_HEADERS : '';
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-ab-'));
  const worktree = join(dir, 'rev');
  execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', worktree, rev], { stdio: 'ignore' });
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(worktree, 'node_modules'));
    const sides = [
      await buildSide(binary, rev, worktree, dir, 'rev'),
      await buildSide(binary, 'working tree', ROOT, dir, 'tree'),
    ];
    if (process.argv.includes('--instructions')) {
      await countInstructions(binary, sides, dir, headers);
      return;
    }
    const rates: number[][] = sides.map(() => []);
    const http: number[] = [];
    console.log(`the JSON route, ${REQUESTS} keep-alive requests a round${headers ? ", Chromium's head" : ''}:`);
    for (let round = 0; round < rounds; round++) {
      http.push(await httpModuleRate(binary, headers));
      for (let i = 0; i < sides.length; i++) rates[i].push(await sideRate(binary, sides[i], headers));
      const row = sides.map((s, i) => `${s.name} ${rates[i][round].toFixed(0)}`).join('   ');
      console.log(`  round ${round + 1}: http module ${http[round].toFixed(0)}   ${row}`);
    }
    const h = median(http);
    console.log(`medians: http module ${h.toFixed(0)} req/s`);
    for (let i = 0; i < sides.length; i++)
      console.log(
        `  ${sides[i].name.padEnd(14)} ${median(rates[i]).toFixed(0)} req/s  ${(median(rates[i]) / h).toFixed(2)}x`,
      );
    console.log(`working tree against ${rev}: ${(median(rates[1]) / median(rates[0])).toFixed(2)}x`);
  } finally {
    execFileSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', worktree], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
