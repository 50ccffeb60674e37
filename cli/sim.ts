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
import { bundle } from '../toolchain/bundle.ts';
import { flashAssets } from '../toolchain/ui-build.ts';
import { moduleTypeProblem } from '../toolchain/module-type.ts';
import { readAdminPassword } from '../toolchain/credentials.ts';
import { ADMIN_PASSWORD_KEY } from '../src/device.ts';
import type { App } from '../src/app.ts';
import type { RouterMode } from '../src/router/index.ts';
import type { ServerStats } from '../src/stats.ts';
import { SimDevice } from '../host-sim/device.ts';
import { FileOtaTarget } from '../host-sim/ota-file.ts';
import { startDnsServer, type DnsServer } from '../host-sim/dns.ts';
import { simulate } from '../host-sim/simulate.ts';
import type { SimulateOptions } from '../host-sim/simulate.ts';
import { parseCommand } from './arguments.ts';

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
                   ENTRY, built first from ui/ when it has an index.html)
  --first-boot     start as a new board does: an empty store (no Wi-Fi
                   credentials; .chipweb/first-boot-store.json, emptied at
                   start, unless --store names one, which is emptied too),
                   so the device serves its access point with
                   the captive portal, and a DNS server that answers every
                   name with the simulator's address
  --dns-port N     UDP port of that DNS server (default 8053; 53 needs root;
                   0 picks a free port)`;

/** The simulated firmware image that over-the-air updates replace. */
const OTA_IMAGE = path.join('.chipweb', 'ota', 'firmware.bin');

/** The pool sizes of a board, from the `chipweb` section of its manifest template. */
function targetBudget(target: string): {
  slots: number;
  slotSize: number;
  outputSize: number;
  sendBuffer: number;
  appSlot: number | null;
} {
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
    appSlot: budget.ota ? budget.ota.appSlot : null,
  };
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(
      `--${name} must be an integer ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`}, got '${value}'`,
    );
  return n;
}

/** Runs the command; resolves to the exit code once the server is stopped (Ctrl-C). */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(
    'sim',
    args,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      slots: { type: 'string' },
      'slot-size': { type: 'string' },
      target: { type: 'string' },
      engine: { type: 'string' },
      router: { type: 'string' },
      store: { type: 'string' },
      assets: { type: 'string' },
      'first-boot': { type: 'boolean' },
      'dns-port': { type: 'string' },
    },
    HELP,
  );
  if (typeof parsed === 'number') return parsed;
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | undefined> & { 'first-boot'?: boolean };
  const entry = positionals[0];
  if (!entry) {
    console.error(`chipweb sim: no app given.\n\n${HELP}`);
    return 2;
  }
  if (positionals.length > 1) {
    console.error(`chipweb sim: give one app, not ${positionals.length} (${positionals.join(' ')}).\n\n${HELP}`);
    return 2;
  }
  if (!fs.existsSync(entry)) {
    console.error(`chipweb sim: ${entry} does not exist. Give the path of your app module (e.g. src/app.ts).`);
    return 2;
  }
  const moduleType = moduleTypeProblem(entry);
  if (moduleType !== null) {
    console.error(`chipweb sim: ${moduleType}`);
    return 2;
  }
  const engine = values.engine ?? 'node';
  if (engine !== 'node' && engine !== 'xs' && engine !== 'espruino') {
    console.error(`chipweb sim: --engine must be 'node', 'xs' or 'espruino', got '${engine}'`);
    return 2;
  }
  if (engine === 'espruino') {
    const { runOnEspruino } = await import('./espruino.ts');
    return runOnEspruino(
      entry,
      { port: integer('port', values.port, 8080, 0, 65535), assets: values.assets },
      waitForSignal,
    );
  }
  const router = values.router ?? 'code';
  if (router !== 'code' && router !== 'table') {
    console.error(`chipweb sim: --router must be 'code' or 'table', got '${router}'`);
    return 2;
  }
  const firstBoot = values['first-boot'] === true;
  if (values['dns-port'] !== undefined && !firstBoot) {
    console.error('chipweb sim: --dns-port goes with --first-boot');
    return 2;
  }
  if (firstBoot && engine === 'xs') {
    console.error('chipweb sim: --first-boot runs on the node engine for now; leave out --engine xs');
    return 2;
  }
  const dnsPort = integer('dns-port', values['dns-port'], 8053, 0);
  const host = values.host ?? '127.0.0.1';
  let storeFile = values.store ?? path.join('.chipweb', 'store.json');
  if (firstBoot) {
    // A new board: nothing stored. Its own store file, emptied, so the user's settings are kept.
    storeFile = values.store ?? path.join('.chipweb', 'first-boot-store.json');
    fs.mkdirSync(path.dirname(storeFile), { recursive: true });
    fs.rmSync(storeFile, { force: true });
  }
  const budget = targetBudget(values.target ?? 'esp32');
  const flash = await flashAssets(entry, values.assets);
  if (flash.report) console.log(flash.report);
  const options: SimulateOptions = {
    port: integer('port', values.port, 8080, 0, 65535),
    host,
    slots: integer('slots', values.slots, budget.slots, 1),
    slotSize: integer('slot-size', values['slot-size'], budget.slotSize, 256),
    outputSize: budget.outputSize,
    sendBufferSize: budget.sendBuffer,
    storeFile,
    assets: flash.assets,
    router,
    device: new SimDevice({
      onLed: (on) => console.log(`chipweb sim: LED ${on ? 'on' : 'off'}`),
      // On first boot the access point is where the simulator listens, so the portal's redirects reach it.
      apIp: firstBoot ? host : undefined,
    }),
    // Over-the-air updates go to a file, checked as on the board; none where the board has none (pico_w).
    ota:
      budget.appSlot === null
        ? undefined
        : new FileOtaTarget({
            image: OTA_IMAGE,
            capacity: budget.appSlot,
            onRestart: () => console.log(`chipweb sim: restart into the new image (simulated): ${OTA_IMAGE}`),
          }),
  };

  const budgetName = `${values.target ?? 'esp32'} budget`;
  if (engine === 'xs') {
    // Loaded only here: the XS engine is a native worker most runs never start.
    const { serveOnXs } = await import('../host-sim/xs/bridge.ts');
    const running = await serveOnXs(entry, options);
    const stats = (await running.engine.stats()) as unknown as ServerStats & { router: RouterMode };
    console.log(`chipweb sim (XS engine): serving ${entry} at ${running.url} (${budgetName})`);
    printSetup(stats, stats.router);
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
  // As a board's first boot: the build-time admin password, unless one is stored already.
  const adminPassword = readAdminPassword(process.cwd(), process.env);
  if (adminPassword && !sim.platform.storeGet(ADMIN_PASSWORD_KEY))
    sim.platform.storeSet(ADMIN_PASSWORD_KEY, adminPassword);
  let dns: DnsServer | undefined;
  if (firstBoot) {
    try {
      dns = await startDnsServer({ port: dnsPort, host, address: host });
    } catch (error) {
      await sim.close();
      console.error(
        `chipweb sim: the first-boot DNS server cannot use UDP port ${dnsPort} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): pick another with --dns-port`,
      );
      return 1;
    }
  }
  console.log(`chipweb sim: serving ${entry} at ${sim.url} (${budgetName})`);
  printSetup(sim.stats(), sim.server.router);
  if (dns) printFirstBoot(options.device as SimDevice, host, dns.port);
  return waitForSignal(async () => {
    await dns?.close();
    await sim.close();
  });
}

/** What --first-boot set up, and how to try it. */
function printFirstBoot(device: SimDevice, host: string, dnsPort: number): void {
  console.log(
    `  first boot: no Wi-Fi credentials, so "${device.name}" serves its access point with the captive portal`,
  );
  console.log(
    `  DNS: udp://${host}:${dnsPort} answers every name with ${host} (try: dig @${host} -p ${dnsPort} captive.apple.com)`,
  );
  console.log(
    '  connectivity checks (e.g. /generate_204, /hotspot-detect.html) and other hosts are sent to the setup page',
  );
}

/** The pool and router lines, the same for both engines. */
function printSetup(stats: ServerStats, router: RouterMode): void {
  console.log(
    `  pool: ${stats.slots} slots x ${stats.slotBytes} bytes = ${stats.slots * stats.slotBytes} bytes, fixed at start`,
  );
  console.log(
    `  router: ${router === 'code' ? 'code (the generated matcher, as chipweb build ships it)' : 'table (the table walk)'}`,
  );
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
