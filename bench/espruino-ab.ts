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
import { closingRate, JSON_BODY, keepAliveRate, median, withPeer } from './espruino-peers.ts';

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
