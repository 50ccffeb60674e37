/**
 * The C stack the default app takes on Espruino, for `npm run
 * bench:espruino`: Espruino's interpreter recurses in C for every call and
 * every nested expression, and an ESP32 gives its task 25,000 bytes
 * (boards/ESP32.py, ESP_STACK_SIZE; past that the board throws "Too much
 * recursion" and drops the socket's handler). The binary must be built with
 * toolchain/espruino/build-engine.sh, which makes it print its deepest
 * stack so far (`@@stack peak N`) when ESPRUINO_STACK_PEAK is set.
 *
 * The figures are the deepest stack so far after each step, in bytes of the
 * x86-64 Linux build: the board's frames are smaller, so they are an upper
 * bound. Never: assert (tests do that).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ota } from '../cli/ota.ts';
import { serveOnEspruino } from '../host-sim/espruino/sim.ts';
import type { EspruinoSimulation } from '../host-sim/espruino/sim.ts';
import { buildEspruino } from '../toolchain/espruino/build.ts';
import { BROWSER_HEADERS, keepAliveGet } from '../test/espruino/engine/keep-alive.ts';
import { middlewareStory } from '../test/support/examples.ts';
import { holdWebSockets } from '../test/moddable/load.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** An ESP32's Espruino task stack (boards/ESP32.py). */
export const ESP32_STACK = 25000;

/** The deepest stack so far after each step; null when the binary does not report it. */
export type StackSteps = { step: string; bytes: number }[] | null;

/** A board booted with stack peak reporting: `peak()` is the deepest stack it has printed so far. */
type Run<T> = (sim: EspruinoSimulation, peak: () => number, dir: string) => Promise<T>;

/** Boots `entry` on `binary` with ESPRUINO_STACK_PEAK set, runs `run`, then stops the board and cleans up. */
async function onBoard<T>(entry: string, binary: string, assets: null | undefined, run: Run<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-bench-stack-'));
  const lines: string[] = [];
  const before = process.env.ESPRUINO_STACK_PEAK;
  process.env.ESPRUINO_STACK_PEAK = '1';
  try {
    const sim = await serveOnEspruino(join(ROOT, entry), {
      port: 0,
      dir,
      assets,
      binary,
      log: (line) => lines.push(line),
    });
    const peak = () =>
      Math.max(0, ...lines.filter((l) => l.startsWith('@@stack peak ')).map((l) => Number(l.slice(13))));
    try {
      return await run(sim, peak, dir);
    } finally {
      await sim.close();
    }
  } finally {
    if (before === undefined) delete process.env.ESPRUINO_STACK_PEAK;
    else process.env.ESPRUINO_STACK_PEAK = before;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Boots the dashboard on `binary` and takes it through boot, its API, SSE,
 * WebSockets and an over-the-air update; then examples/middleware.ts (eight
 * handlers in one chain) through its story, on a board of its own.
 */
export async function stackPeaks(binary: string): Promise<StackSteps> {
  const steps = await onBoard('firmware/app/main.ts', binary, undefined, async (sim, peak, dir) => {
    const steps: { step: string; bytes: number }[] = [];
    await new Promise((r) => setTimeout(r, 300));
    if (peak() === 0) return null;
    steps.push({ step: 'boot and start()', bytes: peak() });
    for (const path of ['/', '/api/status', '/api/led', '/api/wifi', '/api/requests', '/api/about', '/nope'])
      await keepAliveGet(sim.port, path, 2, BROWSER_HEADERS);
    await fetch(`${sim.url}/api/led`, {
      method: 'POST',
      body: '{"on":true}',
      headers: { 'Content-Type': 'application/json', Connection: 'close' },
    });
    steps.push({ step: "the page and every API route, with a browser's head", bytes: peak() });
    await new Promise<void>((done) => {
      const stream = new AbortController();
      fetch(`${sim.url}/api/events`, { signal: stream.signal })
        .then(async (response) => {
          const reader = response.body?.getReader();
          await reader?.read();
          stream.abort();
          done();
        })
        .catch(() => done());
      setTimeout(() => {
        stream.abort();
        done();
      }, 5000);
    });
    steps.push({ step: 'an event stream (SSE) subscribed', bytes: peak() });
    await (await holdWebSockets(sim.port, '/api/ws', 1))();
    steps.push({ step: 'a WebSocket opened and closed', bytes: peak() });
    const password = 'bench-stack-password';
    await fetch(`${sim.url}/api/password`, {
      method: 'POST',
      body: JSON.stringify({ password }),
      headers: { 'Content-Type': 'application/json', Connection: 'close' },
    });
    const next = await buildEspruino({
      entry: join(ROOT, 'test/espruino/fixtures/conformance-entry.ts'),
      out: join(dir, 'next'),
      assets: null,
      port: sim.port,
      env: {},
      projectDir: dir,
    });
    const quiet = { log() {}, error() {}, progress() {} };
    const code = await ota(['--host', `127.0.0.1:${sim.port}`, '--password', password, next.image.path], {}, quiet);
    steps.push({ step: `an over-the-air update (${code === 0 ? 'installed' : 'failed'})`, bytes: peak() });
    return steps;
  });
  if (steps === null) return null;
  // Another app on a new board: the deepest chains (eight handlers) with a promise job every chainNesting of them.
  const example = await onBoard('examples/middleware.ts', binary, null, async (sim, peak) => {
    const told = await middlewareStory(sim.url).then(
      () => 'told',
      () => 'failed',
    );
    return { step: `examples/middleware.ts, its story (${told}), on its own board`, bytes: peak() };
  });
  steps.push(example);
  return steps;
}

/** How deep a handler's own calls nest before the binary stops them; null when it never does within `most`. */
export interface HandlerNesting {
  /** The most levels that answered. */
  fits: number;
  /** The deepest stack with that many (bytes). */
  bytes: number;
  /** Bytes per level, from the last two that answered. */
  perLevel: number;
}

/**
 * Asks bench/espruino-depth-app.ts for 0, 1, 2 … levels on one board until
 * a request gets no answer (the board then has no data handler left).
 */
export async function handlerNesting(binary: string, most = 40): Promise<HandlerNesting | null> {
  return onBoard('bench/espruino-depth-app.ts', binary, null, async (sim, peak) => {
    const peaks: number[] = [];
    for (let levels = 0; levels <= most; levels++) {
      const answer = await fetch(`${sim.url}/nest/${levels}`, {
        headers: { Connection: 'close' },
        signal: AbortSignal.timeout(3000),
      })
        .then((r) => r.text())
        .catch(() => '');
      if (answer !== `{"levels":${levels}}`) {
        const fits = levels - 1;
        return { fits, bytes: peaks[fits], perLevel: fits >= 1 ? peaks[fits] - peaks[fits - 1] : 0 };
      }
      peaks.push(peak());
    }
    return null;
  });
}
