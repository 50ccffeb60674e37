/**
 * `npm run measure:xs32`: the default app's memory on 32-bit XS, the word
 * size of the ESP32 and the Pico W (16-byte slots; mcsim and xsnap are
 * 64-bit). It builds the app with `chipweb build --target moddable-sim`
 * and the SDK's `mcconfig -m -p lin -i`, compiles that build again with
 * `gcc -m32`, and runs it under qemu-i386 with a small headless driver
 * (xs32-driver.c; mcsim needs GTK). A test wrapper around the app's main
 * prints the heaps after a garbage collection before the app module loads,
 * once it has, and once the server started; then the command sends a
 * warm-up (every route once, what the dashboard page asks for when it
 * opens, its live updates over a WebSocket included; as many WebSockets at
 * once as the server has sessions and as many chunked POSTs at once as it
 * has slots, so that what it makes once and keeps is all made; 200
 * requests) and two
 * rounds of overload (wrk -c32, keep-alive and Connection: close) and reads
 * the heaps at idle after each.
 *
 * The heaps of the measured build are made four times the template's, so
 * that the figures are what the app uses, not what the budget allows.
 * `--write` stores the figures in manifests/measured-xs32.json, which the
 * size report and the budget check read.
 *
 * Never: guess a figure; copy SDK code (the driver includes the SDK's
 * screen.h from $MODDABLE at compile time); leave a process running.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { linBuild, rebuild32, ROOT, run } from '../../test/moddable/builds.ts';
import { build as chipwebBuild } from '../../toolchain/build.ts';
import { checkModdable } from '../../test/moddable/environment.ts';
import { resolveOptions, type ServerOptions } from '../../src/server-options.ts';
import { counted, holdWebSockets, streamedUpload, webSocketExchange, wrk } from '../../test/moddable/load.ts';
import { Mcsim, type Sample } from '../../test/moddable/mcsim.ts';
import { which } from '../../toolchain/moddable-tools.ts';
import { fmt } from '../../toolchain/size-report.ts';
import { isTarget, loadTemplate, TARGETS } from '../../toolchain/templates.ts';
import { measuredFile, type MeasuredXs32 } from '../../toolchain/measured.ts';

const I386_GLIB = '/usr/lib/i386-linux-gnu/pkgconfig/glib-2.0.pc';
const PKG_CONFIG_LIBDIR = '/usr/lib/i386-linux-gnu/pkgconfig:/usr/share/pkgconfig';
/** Bytes per XS slot: 16 on a 32-bit machine, 32 on this 64-bit host (moddable-sim). */
let SLOT_BYTES = 16;

/** What is missing for the 32-bit run, one line each. */
function problems32(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  if (!which('gcc', env)) out.push('gcc is not installed: apt install gcc gcc-multilib');
  else if (!existsSync('/usr/lib/gcc/x86_64-linux-gnu') || !existsSync('/usr/include/x86_64-linux-gnu/gnu'))
    out.push('gcc cannot build 32-bit code: apt install gcc-multilib');
  if (!existsSync(I386_GLIB))
    out.push(
      'the 32-bit GLib is not installed: dpkg --add-architecture i386 && apt-get update && apt install libglib2.0-dev:i386 (see docs/moddable.md if apt refuses)',
    );
  if (!which('qemu-i386', env))
    out.push('qemu-i386 is not installed (32-bit x86 binaries run under it): apt install qemu-user');
  return out;
}

/** A heap reading: chunk bytes and slot count. */
interface Heaps {
  chunk: number;
  slots: number;
}

function heapsOf(sample: Sample): Heaps {
  return { chunk: sample.chunk, slots: sample.slotBytes / SLOT_BYTES };
}

/** Reads the three `chipweb-measure:` lines the wrapper printed. */
function marks(sim: Mcsim): Record<string, Heaps> {
  const out: Record<string, Heaps> = {};
  for (const line of sim.lines) {
    const m = /^chipweb-measure: (runtime|app|started) chunk (\d+) slots (\d+)/.exec(line);
    if (m) out[m[1]] = { chunk: Number(m[2]), slots: Number(m[3]) / SLOT_BYTES };
  }
  return out;
}

/**
 * The idle reading: once no socket is open (a connection closed lingering
 * may take up to 2 s; one a client left unread, up to its header timeout),
 * after two more samples (the wrapper collects garbage every 500 ms).
 */
async function idle(sim: Mcsim): Promise<Heaps> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const [sample] = await sim.nextSamples(1);
    if (!(sample.sockets > 0)) break;
    if (Date.now() > deadline) throw new Error(`${sample.sockets} sockets still open 15 s after the clients left`);
  }
  const samples = await sim.nextSamples(2);
  return heapsOf(samples[samples.length - 1]);
}

function row(label: string, h: Heaps, note = ''): string {
  const bytes = h.chunk + h.slots * SLOT_BYTES;
  return `  ${label.padEnd(44)} ${fmt(h.chunk).padStart(8)} B ${fmt(h.slots).padStart(6)} slots ${fmt(bytes).padStart(8)} B${note ? `  ${note}` : ''}`;
}

function minus(a: Heaps, b: Heaps): Heaps {
  return { chunk: a.chunk - b.chunk, slots: a.slots - b.slots };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      write: { type: 'boolean' },
      entry: { type: 'string' },
      keep: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      target: { type: 'string' },
      'preload-app': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run measure:xs32 [-- --target esp32|pico_w|moddable-sim] [--write] [--entry APP]\n' +
        '  --target T  whose pool to run with (default esp32); esp32 and pico_w are measured on 32-bit XS,\n' +
        '              moddable-sim on this 64-bit host in mcsim (its own word size)\n' +
        '  --write     store the figures in manifests/measured/<target>.json (the size report reads them)\n' +
        '  --preload-app  the app module preloaded (as chipweb build does for an app that exports\n' +
        '                 preload = true, the default app among them); with --write, stored as\n' +
        '                 idlePreloadedApp. Without it: the app module in RAM (--no-preload-app)\n' +
        '  --keep      keep the build folder',
    );
    return 0;
  }
  const target = values.target ?? 'esp32';
  if (!isTarget(target)) {
    console.error(`measure:xs32: --target must be one of ${TARGETS.join(', ')}, not '${target}'`);
    return 2;
  }
  const bits = target === 'moddable-sim' ? 64 : 32;
  SLOT_BYTES = bits === 64 ? 32 : 16;
  const checked = checkModdable(process.env, true);
  const missing = 'problems' in checked ? checked.problems : [];
  if (bits === 32) missing.push(...problems32(process.env));
  if (missing.length > 0 || !('ok' in checked)) {
    console.error('measure:xs32 cannot run; missing:');
    for (const line of missing) console.error(`  - ${line}`);
    return 1;
  }
  const { env, version, moddable } = checked.ok;
  const entry = values.entry ?? 'firmware/app/main.ts';
  const preloadApp = values['preload-app'] === true;
  const work = join(tmpdir(), `chipweb-xs32-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const port = 20000 + (process.pid % 20000);
  // mcsim's template with the target's pool, and 4x the heaps: the figures are what the app uses, not what the budget allows.
  const board = loadTemplate(target);
  const server = board.budget.server;
  // As the server resolves them (its default: half the slots, at least 1).
  const { wsSlots, slots } = resolveOptions(server as ServerOptions);
  const raw = JSON.parse(readFileSync(loadTemplate('moddable-sim').path, 'utf8'));
  raw.chipweb.server = { ...raw.chipweb.server, ...server, port: raw.chipweb.server.port };
  raw.chipweb.staging = board.budget.staging;
  raw.creation.chunk.initial *= 4;
  raw.creation.heap.initial *= 4;
  raw.chipweb.ramLimit *= 8;
  const measuring = join(work, 'moddable-sim-measure.json');
  writeFileSync(measuring, JSON.stringify(raw, null, 2));

  console.log(
    `measure:xs32: building ${entry} (the ${target} pool, heaps x4${values['preload-app'] ? ', the app preloaded' : ''}) with the Moddable SDK ${version} …`,
  );
  const out = join(work, 'app');
  // The toolchain's build() rather than the CLI: the measuring template is over any budget on purpose.
  await chipwebBuild({
    entry,
    target: 'moddable-sim',
    out,
    template: measuring,
    env: { ...env, CHIPWEB_SSID: '' },
    projectDir: work,
    preloadApp,
  });
  const build = await linBuild(join(out, 'manifest.json'), out, env, { wrapper: 'measure', config: { port } });
  let so = build.so;
  const driver = join(work, 'xs32-driver');
  if (bits === 32) {
    console.log('measure:xs32: compiling it again for 32-bit x86 (gcc -m32) …');
    so = await rebuild32(build, env);
    await compileDriver(driver, moddable, env);
  }

  console.log(`measure:xs32: running it ${bits === 32 ? 'under qemu-i386' : 'in mcsim (64-bit)'} on port ${port} …`);
  const sim = bits === 32 ? Mcsim.start32(driver, so, env) : Mcsim.start(so, env);
  let result: MeasuredXs32;
  try {
    await sim.waitForLine(/chipweb: serving/, 60000);
    await sim.waitForLine(/chipweb-measure: started/, 10000);
    const m = marks(sim);
    const booted = await idle(sim);
    // Warm-up: every route once (what the page asks for when it opens among them: its Update and Wi-Fi
    // panels, and its live updates over the WebSocket, one LED command on it), then 200 requests for the page.
    for (const path of [
      '/',
      '/api/status',
      '/api/requests',
      '/api/about',
      '/api/led',
      '/api/update',
      '/api/wifi',
      '/nope',
    ])
      await counted(port, { clients: 1, total: 1, path });
    const live = await webSocketExchange(port, '/api/ws', { greeting: 1, messages: ['{"led":true}'], replies: 1 });
    if (live.error !== '' || live.received.length !== 2)
      throw new Error(`the warm-up's WebSocket on /api/ws failed: ${live.error || JSON.stringify(live.received)}`);
    // What the server makes once and keeps, at its most: a session for every WebSocket it allows
    // (made at the upgrades that find none free) and every connection's chunked decoder (made at its
    // first chunked body): as many sockets at once as the server has sessions, then as many chunked
    // POSTs at once as it has slots.
    await (await holdWebSockets(port, '/api/ws', wsSlots))();
    const body = new TextEncoder().encode('{"on":false}');
    const posts = await Promise.all(
      Array.from({ length: slots }, () =>
        streamedUpload(port, '/api/led', body, {
          pieces: [5],
          chunked: true,
          headers: 'Content-Type: application/json\r\n',
        }),
      ),
    );
    if (posts.some((p) => p.status !== 200))
      throw new Error(`the warm-up's chunked POSTs failed: ${JSON.stringify(posts.map((p) => p.status || p.error))}`);
    await counted(port, { clients: 2, total: 200, path: '/' });
    const warm = await idle(sim);
    const peaks: Heaps = { chunk: 0, slots: 0 };
    const from = sim.samples.length;
    for (const close of [false, true]) await wrk(`http://127.0.0.1:${port}/`, { connections: 32, seconds: 5, close });
    for (const s of sim.samples.slice(from)) {
      peaks.chunk = Math.max(peaks.chunk, s.chunk);
      peaks.slots = Math.max(peaks.slots, s.slotBytes / SLOT_BYTES);
    }
    const after = await idle(sim);
    if (values.verbose) for (const line of sim.lines) if (line.startsWith('chipweb')) console.log(line);
    const pool = server.slots * (server.slotSize + server.outputSize);
    result = {
      engine:
        bits === 32
          ? `32-bit XS: the Moddable SDK ${version} lin build compiled with gcc -m32, run under qemu-i386`
          : `64-bit XS: the Moddable SDK ${version} lin build in mcsim`,
      command: `npm run measure:xs32 -- --target ${target} --write${preloadApp ? ' --preload-app' : ''}`,
      sdk: version,
      app: relative(ROOT, join(ROOT, entry)),
      template: target,
      slotBytes: SLOT_BYTES,
      server: { slots: server.slots, slotSize: server.slotSize, outputSize: server.outputSize },
      pool,
      staging: board.budget.staging,
      runtime: m.runtime,
      appLoaded: m.app,
      started: m.started,
      booted,
      idle: warm,
      afterOverload: after,
      peak: peaks,
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- the app's log ---\n${sim.tail(40)}`);
  } finally {
    await sim.stop();
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
  print(result);
  if (values.write) {
    const file = measuredFile(target);
    if (preloadApp) {
      // Kept beside the figures of the usual build, which stay as they were.
      const kept = JSON.parse(readFileSync(file, 'utf8')) as MeasuredXs32;
      result = { ...kept, idlePreloadedApp: result.idle };
    }
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nwrote ${relative(process.cwd(), file)}`);
  }
  return 0;
}

/** Compiles the headless 32-bit driver (xs32-driver.c) against the SDK's screen.h and the i386 GLib. */
async function compileDriver(driver: string, moddable: string, env: NodeJS.ProcessEnv): Promise<void> {
  const compiled = await run(
    'sh',
    [
      '-c',
      'gcc -m32 -O1 -DmxLinux=1 -I"$MODDABLE/build/simulators/modules" $(pkg-config --cflags glib-2.0) "$SRC" -o "$OUT" $(pkg-config --libs glib-2.0) -ldl',
    ],
    {
      env: {
        ...env,
        MODDABLE: moddable,
        PKG_CONFIG_LIBDIR,
        SRC: join(ROOT, 'bench', 'moddable', 'xs32-driver.c'),
        OUT: driver,
      },
    },
  );
  if (compiled.code !== 0) throw new Error(`the 32-bit driver did not compile:\n${compiled.output}`);
}

/** The figures and where they go. */
function print(r: MeasuredXs32): void {
  const bytes = (h: Heaps) => h.chunk + h.slots * SLOT_BYTES;
  const poolAndStaging = { chunk: r.pool + r.staging, slots: 0 };
  const core = minus(minus(r.started, r.appLoaded), poolAndStaging);
  const app = minus(r.appLoaded, r.runtime);
  const lazy = minus(r.idle, r.started);
  const ours = minus(r.idle, r.runtime);
  console.log(
    `\n${r.engine}\napp ${r.app}, ${r.server.slots} slots x ${fmt(r.server.slotSize + r.server.outputSize)} B`,
  );
  console.log(`  ${''.padEnd(44)} ${'chunk'.padStart(10)} ${'slots'.padStart(12)} ${'total'.padStart(10)}`);
  console.log(row('runtime: XS, the SDK modules, the test wrapper', r.runtime));
  console.log(row('app module: the App, routes, middleware', app));
  console.log(
    row('pool', { chunk: r.pool, slots: 0 }, `${r.server.slots} x (${r.server.slotSize} + ${r.server.outputSize})`),
  );
  console.log(row('staging', { chunk: r.staging, slots: 0 }));
  console.log(row('core: platform, server, connections, device', core));
  console.log(row('made by the first requests (logger ring, …)', lazy));
  console.log(row('idle after warm-up (everything)', r.idle));
  console.log(row('chipweb and the app (idle minus runtime)', ours, `${fmt(bytes(ours))} B`));
  console.log(row('idle after overload (wrk -c32, 2 x 5 s)', r.afterOverload));
  console.log(row('highest reading under overload', r.peak, '(garbage included)'));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`measure:xs32: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
