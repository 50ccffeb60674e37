/**
 * `chipweb sim ENTRY`: bundle the app with the same esbuild step the board
 * build uses, then serve it on 127.0.0.1 with the board's pool sizes.
 *
 * Never: serve code other than the bundle (the simulator must not hide a
 * difference the board would show).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { bundle } from '../toolchain/bundle.ts';
import { flashAssets } from '../toolchain/ui-build.ts';
import type { App } from '../src/app.ts';
import { SimDevice } from '../host-sim/device.ts';
import { simulate } from '../host-sim/simulate.ts';
import type { SimulateOptions } from '../host-sim/simulate.ts';

const HELP = `usage: chipweb sim ENTRY [options]

Bundles ENTRY (a module whose default export is a chipweb App) and serves it
in the host simulator.

options:
  --port N         TCP port (default 8080; 0 picks a free port)
  --host H         interface (default 127.0.0.1)
  --target T       board whose budget to simulate: esp32 (default) or pico_w
                   (pool sizes and send buffer from manifests/<target>.json)
  --slots N        connection slots (default: the target's)
  --slot-size N    request bytes per slot (default: the target's)
  --engine E       node (default), xs (the app runs inside the XS engine) or
                   espruino (built as for an Espruino board and run by the
                   Espruino Linux binary $ESPRUINO; --port and --assets apply)
  --router R       code (default: the generated matcher, as 'chipweb build'
                   ships it) or table (the table walk, as --router table)
  --store FILE     key-value store file (default .chipweb/store.json)
  --assets DIR     folder of web assets served from "flash", gzipped as
                   'chipweb build' packs them (default: ui/dist next to
                   ENTRY, built first from ui/ when it has an index.html)`;

/** The pool sizes of a board, from the `chipweb` section of its manifest template. */
function targetBudget(target: string): { slots: number; slotSize: number; outputSize: number; sendBuffer: number } {
  const file = new URL(`../manifests/${target}.json`, import.meta.url);
  if (!/^[a-z0-9_-]+$/.test(target) || !fs.existsSync(file)) {
    throw new Error(`unknown --target '${target}': use esp32 or pico_w (a template in manifests/)`);
  }
  const budget = JSON.parse(fs.readFileSync(file, 'utf8')).chipweb;
  return {
    slots: budget.server.slots,
    slotSize: budget.server.slotSize,
    outputSize: budget.server.outputSize,
    sendBuffer: budget.sendBuffer,
  };
}

function integer(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

/** Runs the command; resolves to the exit code once the server is stopped (Ctrl-C). */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      slots: { type: 'string' },
      'slot-size': { type: 'string' },
      target: { type: 'string' },
      engine: { type: 'string' },
      router: { type: 'string' },
      store: { type: 'string' },
      assets: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const entry = positionals[0];
  if (!entry) {
    console.error(`chipweb sim: no app given.\n\n${HELP}`);
    return 2;
  }
  if (!fs.existsSync(entry)) {
    console.error(`chipweb sim: ${entry} does not exist. Give the path of your app module (e.g. src/app.ts).`);
    return 2;
  }
  const engine = values.engine ?? 'node';
  if (engine !== 'node' && engine !== 'xs' && engine !== 'espruino') {
    console.error(`chipweb sim: --engine must be 'node', 'xs' or 'espruino', got '${engine}'`);
    return 2;
  }
  if (engine === 'espruino') {
    const { runOnEspruino } = await import('./espruino.ts');
    return runOnEspruino(entry, { port: integer('port', values.port, 8080, 0), assets: values.assets }, waitForSignal);
  }
  const router = values.router ?? 'code';
  if (router !== 'code' && router !== 'table') {
    console.error(`chipweb sim: --router must be 'code' or 'table', got '${router}'`);
    return 2;
  }
  const budget = targetBudget(values.target ?? 'esp32');
  const flash = await flashAssets(entry, values.assets);
  if (flash.report) console.log(flash.report);
  const options: SimulateOptions = {
    port: integer('port', values.port, 8080, 0),
    host: values.host ?? '127.0.0.1',
    slots: integer('slots', values.slots, budget.slots, 1),
    slotSize: integer('slot-size', values['slot-size'], budget.slotSize, 256),
    outputSize: budget.outputSize,
    sendBufferSize: budget.sendBuffer,
    storeFile: values.store ?? path.join('.chipweb', 'store.json'),
    assets: flash.assets,
    router,
    device: new SimDevice({ onLed: (on) => console.log(`chipweb sim: LED ${on ? 'on' : 'off'}`) }),
  };

  if (engine === 'xs') {
    const bridge = '../host-sim/xs/bridge.ts';
    const { serveOnXs } = (await import(bridge)) as {
      serveOnXs(entry: string, options: SimulateOptions): Promise<{ url: string; close(): Promise<void> }>;
    };
    const running = await serveOnXs(entry, options);
    console.log(`chipweb sim (XS engine): serving ${entry} at ${running.url}`);
    return waitForSignal(() => running.close());
  }

  const outfile = path.join('.chipweb', 'sim', path.basename(entry).replace(/\.[^.]+$/, '') + '.mjs');
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  await bundle({ entry, outfile, host: 'node' });
  const module = await import(pathToFileURL(path.resolve(outfile)).href + `?t=${Date.now()}`);
  const app = module.default as App | undefined;
  if (!app || typeof (app as App).compile !== 'function') {
    console.error(`chipweb sim: ${entry} must export a chipweb App as its default export (export default app).`);
    return 2;
  }
  const sim = await simulate(app, options);
  const stats = sim.stats();
  console.log(`chipweb sim: serving ${entry} at ${sim.url} (${values.target ?? 'esp32'} budget)`);
  console.log(
    `  pool: ${stats.slots} slots x ${stats.slotBytes} bytes = ${stats.slots * stats.slotBytes} bytes, fixed at start`,
  );
  console.log(
    `  router: ${sim.server.router === 'code' ? 'code (the generated matcher, as chipweb build ships it)' : 'table (the table walk)'}`,
  );
  return waitForSignal(() => sim.close());
}

function waitForSignal(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      console.log('chipweb sim: stopping');
      stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
