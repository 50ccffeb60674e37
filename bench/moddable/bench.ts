/**
 * `npm run bench:moddable`: chipweb in Moddable's own simulator (mcsim)
 * beside Moddable's ECMA-419 HTTP server example
 * ($MODDABLE/examples/io/listener/httpserver), built from the same SDK in
 * the same run, under the same load (wrk), plus the Node simulator:
 *
 * - req/s and client errors at 4, 32 and 64 clients, keep-alive and
 *   Connection: close, for chipweb with each overflow policy ('queue', the
 *   default: the pool-pressure veto; 'evict-idle') and for the example;
 * - every 503 chipweb counted against the 503s wrk received;
 * - sockets, timers and live heaps (after a collection) once the clients
 *   are gone, after every round, against the idle reading before the first;
 * - the client error rate at 32 and 64 clients in the Node simulator, for
 *   both policies;
 * - the idle heap on 32-bit XS of the default app as built (preloaded) and
 *   kept in RAM (manifests/measured/, from npm run measure:xs32).
 *
 * On lin the SDK polls each socket every 20 ms and lets it write at most
 * 1,536 bytes per poll, so these req/s are bound by that polling: they
 * compare the two servers on the same runtime, they are not a board's.
 *
 * Every server runs with the same test wrapper (a garbage collection every
 * 500 ms, test/moddable/builds.ts). The example listens on port 8080 (its
 * source fixes it), which must be free.
 *
 * Never: copy the example's code (it is built from $MODDABLE as it is);
 * fake or carry over a figure; leave a process running.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { simulate } from '../../host-sim/index.ts';
import type { ServerStats } from '../../src/stats.ts';
import { chipwebBuild, linBuild, ROOT } from '../../test/moddable/builds.ts';
import { checkModdable } from '../../test/moddable/environment.ts';
import { freePort, getJson, type WrkResult, wrk } from '../../test/moddable/load.ts';
import { Mcsim } from '../../test/moddable/mcsim.ts';
import { loadMeasured } from '../../toolchain/measured.ts';
import { fmt } from '../../toolchain/size-report.ts';
import app from './hello-app.ts';

/** The example's port, fixed in its main.js. */
const EXAMPLE_PORT = 8080;

/** One load round: clients, and whether every request says Connection: close. */
interface Round {
  connections: number;
  close: boolean;
}

const ROUNDS: Round[] = [
  { connections: 4, close: false },
  { connections: 4, close: true },
  { connections: 32, close: false },
  { connections: 32, close: true },
  { connections: 64, close: false },
  { connections: 64, close: true },
];

/** What one server did in one round. */
interface RoundResult {
  round: Round;
  wrk: WrkResult;
  /** 503s the server counted in the round (chipweb only). */
  counted503?: number;
  /** After the clients left: sockets, timers, live heaps. */
  sockets: number;
  timers: number;
  chunk: number;
  slotBytes: number;
}

/** A server's whole run. */
interface ServerRun {
  name: string;
  idle: { sockets: number; timers: number; chunk: number; slotBytes: number };
  rounds: RoundResult[];
  /** Why the run stopped early, if it did (the rounds before it are kept). */
  error?: string;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** Reads sockets, timers and the live heaps (the GC wrapper's readings) once no more than `sockets` are open. */
async function quiet(sim: Mcsim, sockets: number): Promise<ServerRun['idle']> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const [s] = await sim.nextLive(1);
    if (s.sockets <= sockets || Date.now() > deadline) break;
  }
  const readings = await sim.nextLive(2);
  const last = readings[readings.length - 1];
  return { sockets: last.sockets, timers: last.timers, chunk: last.chunk, slotBytes: last.slotBytes };
}

/** Runs every round against one mcsim build. */
async function runMcsim(
  name: string,
  so: string,
  port: number,
  env: NodeJS.ProcessEnv,
  seconds: number,
  hasStats: boolean,
): Promise<ServerRun> {
  const sim = Mcsim.start(so, env);
  try {
    if (hasStats) await sim.waitForLine(/chipweb: serving/, 20000);
    else await until(() => portOpen(port), 20000);
    await sim.nextLive(2);
    const idle = await quiet(sim, 0);
    const rounds: RoundResult[] = [];
    const run: ServerRun = { name, idle, rounds };
    for (const round of ROUNDS) {
      if (sim.exited) {
        run.error = `mcsim exited during the rounds:\n${sim.tail(15)}`;
        break;
      }
      const before = hasStats ? await getJson<ServerStats>(port, '/stats') : null;
      const result = await wrk(`http://127.0.0.1:${port}/`, { ...round, seconds });
      const after = await quiet(sim, idle.sockets);
      const stats = hasStats ? await getJson<ServerStats>(port, '/stats') : null;
      rounds.push({
        round,
        wrk: result,
        counted503: before && stats ? stats.rejected - before.rejected : undefined,
        ...after,
      });
      console.log(`  ${name.padEnd(26)} ${describeRound(rounds[rounds.length - 1])}`);
    }
    return run;
  } catch (error) {
    const message = `${(error as Error).message}\n--- its log ---\n${sim.tail(30)}`;
    console.log(`  ${name}: stopped: ${message}`);
    return { name, idle: { sockets: 0, timers: 0, chunk: 0, slotBytes: 0 }, rounds: [], error: message };
  } finally {
    await sim.stop();
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(condition: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Client errors per request, in percent: socket errors over answers plus errors. */
function errorRate(r: WrkResult): number {
  const total = r.requests + r.errorCount;
  return total === 0 ? 0 : (100 * r.errorCount) / total;
}

function label(round: Round): string {
  return `-c${round.connections} ${round.close ? 'close' : 'keep-alive'}`;
}

function describeRound(r: RoundResult): string {
  const e = r.wrk.errors;
  const got503 = r.wrk.statuses['503'] ?? 0;
  const counted = r.counted503 === undefined ? '' : `, 503 ${got503}/${r.counted503} counted`;
  return `${label(r.round).padEnd(16)} ${r.wrk.rps.toFixed(0).padStart(5)} req/s  errors ${r.wrk.errorCount} (${errorRate(r.wrk).toFixed(2)}%: connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout})${counted}; after: ${r.sockets} sockets, ${r.timers} timers, live chunk ${r.chunk} B, slots ${r.slotBytes} B`;
}

/** The Node simulator under the same rounds (32 and 64 clients), with a policy. */
async function runNode(policy: 'queue' | 'evict-idle', seconds: number): Promise<RoundResult[]> {
  const sim = await simulate(app, {
    port: 0,
    slots: 6,
    slotSize: 2048,
    outputSize: 1024,
    overflow: policy,
    log: () => {},
  });
  try {
    const rounds: RoundResult[] = [];
    for (const round of ROUNDS.filter((r) => r.connections >= 32)) {
      const before = sim.stats().rejected;
      const result = await wrk(`http://127.0.0.1:${sim.port}/`, { ...round, seconds });
      await new Promise((r) => setTimeout(r, 300));
      rounds.push({
        round,
        wrk: result,
        counted503: sim.stats().rejected - before,
        sockets: sim.stats().slotsInUse,
        timers: 0,
        chunk: 0,
        slotBytes: 0,
      });
      const r = rounds[rounds.length - 1];
      console.log(
        `  ${`node sim, ${policy}`.padEnd(26)} ${label(round).padEnd(16)} ${result.rps.toFixed(0).padStart(6)} req/s  errors ${result.errorCount} (${errorRate(result).toFixed(2)}%), 503 ${result.statuses['503'] ?? 0}/${r.counted503} counted, evicted ${sim.stats().evicted}`,
      );
    }
    return rounds;
  } finally {
    await sim.close(100);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: npm run bench:moddable [-- --seconds N]   (N seconds per wrk round, default 5)');
    return 0;
  }
  const seconds = Number(values.seconds ?? 5);
  const checked = checkModdable();
  if ('problems' in checked) {
    console.error('bench:moddable cannot run; missing:');
    for (const problem of checked.problems) console.error(`  - ${problem}`);
    return 1;
  }
  if (!(await portFree(EXAMPLE_PORT))) {
    console.error(
      `bench:moddable: port ${EXAMPLE_PORT} is in use; Moddable's example listens there (its source fixes the port): stop what uses it`,
    );
    return 1;
  }
  const { env, version, moddable } = checked.ok;
  const work = join(tmpdir(), `chipweb-bench-moddable-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    console.log(`bench:moddable: Moddable SDK ${version}; wrk rounds of ${seconds} s; building …`);
    const entry = join(ROOT, 'bench', 'moddable', 'hello-app.ts');
    const builds: { name: string; so: string; port: number; stats: boolean }[] = [];
    for (const policy of ['queue', 'evict-idle'] as const) {
      const template = JSON.parse(readFileSync(join(ROOT, 'manifests', 'moddable-sim.json'), 'utf8'));
      template.chipweb.server.overflow = policy;
      const file = join(work, `template-${policy}.json`);
      writeFileSync(file, JSON.stringify(template));
      const out = join(work, policy);
      await chipwebBuild(entry, 'moddable-sim', out, env, ['--template', file, '--no-assets', '--quiet']);
      const port = await freePort();
      const build = await linBuild(join(out, 'manifest.json'), out, env, { wrapper: 'gc', config: { port } });
      builds.push({ name: `chipweb, ${policy}`, so: build.so, port, stats: true });
    }
    const example = await linBuild(
      join(moddable, 'examples', 'io', 'listener', 'httpserver', 'manifest.json'),
      join(work, 'example'),
      env,
      { wrapper: 'gc' },
    );
    builds.push({ name: "Moddable's httpserver", so: example.so, port: EXAMPLE_PORT, stats: false });

    console.log('\nmcsim (64-bit lin build, sockets polled every 20 ms): GET / answered with a 16-byte body');
    const runs: ServerRun[] = [];
    for (const b of builds) runs.push(await runMcsim(b.name, b.so, b.port, env, seconds, b.stats));

    console.log('\nNode simulator (same app, 6 slots), 32 and 64 clients');
    const node = { queue: await runNode('queue', seconds), 'evict-idle': await runNode('evict-idle', seconds) };

    summarize(runs, node);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The side-by-side table and the targets. */
function summarize(runs: ServerRun[], node: Record<string, RoundResult[]>): void {
  const [queue, evict, example] = runs;
  console.log('\nsummary (mcsim; the same wrk rounds, one after the other)');
  console.log(
    `  ${'round'.padEnd(16)} ${'chipweb queue'.padStart(22)} ${'chipweb evict-idle'.padStart(22)} ${"Moddable's example".padStart(22)}   queue / example`,
  );
  for (let i = 0; i < ROUNDS.length; i++) {
    const cell = (r: RoundResult | undefined) =>
      (r ? `${r.wrk.rps.toFixed(0)} req/s ${errorRate(r.wrk).toFixed(2)}%` : 'failed').padStart(22);
    const q = queue.rounds[i];
    const e = example.rounds[i];
    const ratio = q && e && e.wrk.rps > 0 ? q.wrk.rps / e.wrk.rps : 0;
    console.log(
      `  ${label(ROUNDS[i]).padEnd(16)} ${cell(q)} ${cell(evict.rounds[i])} ${cell(e)}   ${ratio ? `${ratio.toFixed(2)}x` : '-'}`,
    );
  }
  for (const run of runs) {
    if (run.error) console.log(`  ${run.name}: stopped early: ${run.error.split('\n')[0]}`);
    if (run.rounds.length === 0) continue;
    const requests = run.rounds.reduce((n, r) => n + r.wrk.requests, 0);
    const last = run.rounds[run.rounds.length - 1];
    const leftSockets = Math.max(...run.rounds.map((r) => r.sockets)) - run.idle.sockets;
    const extraTimers = Math.max(...run.rounds.map((r) => r.timers)) - run.idle.timers;
    const growth = Math.max(...run.rounds.map((r) => r.chunk)) - run.idle.chunk;
    const slotGrowth = Math.max(...run.rounds.map((r) => r.slotBytes)) - run.idle.slotBytes;
    console.log(
      `  ${run.name}: ${fmt(requests)} requests in ${run.rounds.length} rounds; after them at most ${leftSockets} sockets and ${extraTimers} timers more than at idle; live heaps at most ${growth} B chunk and ${slotGrowth} B slots above idle (last round: ${last.sockets} sockets, ${last.timers} timers)`,
    );
  }
  const accounted = [queue, evict].every((run) =>
    run.rounds.every((r) => {
      const got = r.wrk.statuses['503'] ?? 0;
      return r.counted503 !== undefined && got <= r.counted503 && r.counted503 - got <= r.round.connections;
    }),
  );
  console.log(
    `  every 503 chipweb counted reached a client (but those in flight when wrk stops, at most one per connection): ${accounted ? 'yes' : 'NO'}`,
  );
  const rate = (rounds: RoundResult[], c: number) =>
    rounds
      .filter((r) => r.round.connections === c)
      .map((r) => `${label(r.round)} ${errorRate(r.wrk).toFixed(2)}%`)
      .join(', ');
  console.log('\nclient error rate (socket errors per request; a 503 is an answer, not an error)');
  for (const c of [32, 64]) {
    console.log(
      `  -c${c}: mcsim queue ${rate(queue.rounds, c)}; mcsim evict-idle ${rate(evict.rounds, c)}; node queue ${rate(node.queue, c)}; node evict-idle ${rate(node['evict-idle'], c)}`,
    );
  }
  const c4 = queue.rounds[0]?.wrk.rps ?? 0;
  console.log(
    `\n-c4 keep-alive: chipweb ${c4.toFixed(0)} req/s, the example ${(example.rounds[0]?.wrk.rps ?? 0).toFixed(0)} req/s (it closes every connection). Bound: lin polls each socket every 20 ms, so a keep-alive connection gets at most one request per poll, ${(4 * 50).toFixed(0)} req/s for 4; on a board lwIP calls back at once.`,
  );
  for (const target of ['esp32', 'pico_w']) {
    try {
      const m = loadMeasured(target);
      const line = (what: string, reading: { chunk: number; slots: number }, command: string) => {
        const total = reading.chunk + reading.slots * m.slotBytes;
        console.log(
          `idle heap, ${target} pool (${m.server.slots} slots), default app ${what}, ${m.engine}: ${fmt(reading.chunk)} B chunk + ${fmt(reading.slots)} slots (${fmt(reading.slots * m.slotBytes)} B) = ${fmt(total)} B (target 65,536 B: ${total <= 65536 ? 'met' : 'not met'}) [${command}]`,
        );
      };
      // The default app exports preload = true, so chipweb build preloads it: that is the board's figure.
      if (m.idlePreloadedApp) line('as built (preloaded)', m.idlePreloadedApp, `${m.command} --preload-app`);
      else
        console.log(
          `idle heap, ${target}: not measured preloaded yet (npm run measure:xs32 -- --target ${target} --write --preload-app)`,
        );
      line('kept in RAM (--no-preload-app)', m.idle, m.command);
    } catch (error) {
      console.log(`idle heap, ${target}: ${(error as Error).message}`);
    }
  }
  console.log('\nreproduce: npm run bench:moddable   (needs $MODDABLE with its lin tools built, xvfb, wrk)');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`bench:moddable: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
