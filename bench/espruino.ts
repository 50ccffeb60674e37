/**
 * `npm run bench:espruino`: chipweb on Espruino against Espruino's own
 * `http` module, side by side on the same binary in one run.
 *
 *   ESPRUINO        the fixed 16,383-variable Linux build without Unicode
 *                   (an ESP32's memory) with Storage mapped into memory as
 *                   an ESP32 maps its flash (toolchain/espruino/build-engine.sh):
 *                   memory in variables and speed with the boot code in
 *                   Storage, run in place, as on a board
 *   ESPRUINO_LINUX  optional: the BOARD=LINUX build (resizable variables):
 *                   speed with the boot code evaluated into RAM
 *
 * chipweb keeps one connection alive; the http module closes after every
 * response (it sends Connection: close), so it gets a new connection per
 * request. The two are measured in turns, three rounds each, and the
 * medians compared: the http module's rate alone moved from 2,800 to 4,900
 * req/s between single runs on this shared machine. A bare Espruino `net` server that answers every request with a
 * fixed response of the same size, reading nothing (bench/espruino-net-page.js),
 * shows what the sockets and the client allow at all; a 20-statement
 * JavaScript server over net (bench/espruino-minimal-server.js), what the
 * interpreter allows a request path written in JavaScript;
 * bench/espruino-primitives.js, what a statement, a call and the native
 * string work on a browser's head cost on the binary. The JSON app's
 * /memory gives chipweb's own footprint beside the dashboard's.
 * Prints a table; `--json` prints the figures as JSON.
 *
 * Never: assert (tests do that); report a figure it did not measure.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EspruinoProcess, espruinoBinary, EspruinoMissing, runScript } from '../host-sim/espruino/engine.ts';
import { dumpVariables, type Esp32Estimate, esp32Estimate } from '../host-sim/espruino/layout.ts';
import { serveOnEspruino } from '../host-sim/espruino/sim.ts';
import { resolveOptions, type ServerOptions } from '../src/server-options.ts';
import { closingRate, getClosing, JSON_BODY, keepAliveRate, median, withPeer } from './espruino-peers.ts';
import { ESP32_STACK, handlerNesting, stackPeaks } from './espruino-stack.ts';
import { BROWSER_HEADERS, keepAliveGet } from '../test/espruino/engine/keep-alive.ts';
import { holdWebSockets, streamedUpload } from '../test/moddable/load.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DASHBOARD = join(ROOT, 'firmware/app/main.ts');
const JSON_APP = join(ROOT, 'bench/espruino-json-app.ts');
const HTTP_SCRIPT = join(ROOT, 'bench/espruino-http-module.js');
const NET_PAGE_SCRIPT = join(ROOT, 'bench/espruino-net-page.js');
const MINIMAL_SCRIPT = join(ROOT, 'bench/espruino-minimal-server.js');
const PRIMITIVES_SCRIPT = join(ROOT, 'bench/espruino-primitives.js');

/** Variables of the fixed build. */
const FIXED_VARIABLES = 16383;

/** Rounds of chipweb against the http module, taken in turns so that both meet the same moments of a noisy machine. */
const ROUNDS = 3;

/** Each side's rate in every round, in order. */
interface Rounds {
  chipweb: number[];
  httpModule: number[];
}

/**
 * chipweb's JSON route at `chipwebPort` (one keep-alive connection) and the
 * http module on `binary` (a new connection per request), `ROUNDS` rounds
 * of `count` requests each, in turns; also the http module's variables
 * after start.
 */
function againstHttpModule(
  binary: string,
  chipwebPort: number,
  count: number,
  headers = '',
): Promise<Rounds & { variables: number }> {
  return withPeer(binary, HTTP_SCRIPT, 'http', {}, async (port, line) => {
    const variables = Number(/usage (\d+)/.exec(line)?.[1]);
    await keepAliveGet(chipwebPort, '/json', 30, headers);
    for (let i = 0; i < 20; i++) await getClosing(port, '/', headers);
    const rounds: Rounds = { chipweb: [], httpModule: [] };
    for (let r = 0; r < ROUNDS; r++) {
      rounds.chipweb.push(await keepAliveRate(chipwebPort, '/json', count, 0, (b) => b === JSON_BODY, headers));
      rounds.httpModule.push(await closingRate(port, count, headers));
    }
    return { ...rounds, variables };
  });
}

/** Requests per second of a bare Espruino net server answering `size` body bytes on one keep-alive connection. */
function netPage(binary: string, size: number, count: number): Promise<number> {
  return withPeer(binary, NET_PAGE_SCRIPT, 'net', { SIZE: size }, (port) =>
    keepAliveRate(port, '/', count, 5, (b) => b.length === size),
  );
}

/** Requests per second of bench/espruino-minimal-server.js (about 20 statements a request) on one keep-alive connection. */
function minimalServer(binary: string, count: number): Promise<number> {
  return withPeer(binary, MINIMAL_SCRIPT, 'minimal', {}, (port) =>
    keepAliveRate(port, '/json', count, 5, (b) => b === JSON_BODY),
  );
}

/** Microseconds Espruino pays for the pieces of a request path (bench/espruino-primitives.js). */
interface Primitives {
  headBytes: number;
  headerLines: number;
  /** One statement (`sink = sink + 1`). */
  statement: number;
  /** The same statement through a function call. */
  call: number;
  /** A call of a function that returns at its start. */
  earlyReturn: number;
  /** The same, with 50 lines after the return that never run (Espruino skips them token by token). */
  earlyReturnPast50Lines: number;
  /** The same, the 50 lines in a function of their own called after the return. */
  earlyReturnPastACall: number;
  charCodeAt: number;
  /** E.toString of the head's bytes. */
  toString: number;
  /** indexOf('\r\n\r\n') over the head. */
  findHeadEnd: number;
  toLowerCase: number;
  /** One regular expression over the head that finds a malformed header name. */
  badLineRegExp: number;
  /** Each header line's end, colon and name checked as a token: the least a validating parser does. */
  lineWalk: number;
}

/** Runs bench/espruino-primitives.js on `binary` with a browser's request head. */
async function primitives(binary: string): Promise<Primitives> {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-bench-primitives-'));
  const head = `GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\n${BROWSER_HEADERS}\r\n`;
  const script = join(dir, 'primitives.js');
  writeFileSync(
    script,
    readFileSync(PRIMITIVES_SCRIPT, 'utf8').replace('var HEAD = 0;', `var HEAD = ${JSON.stringify(head)};`),
  );
  const board = EspruinoProcess.bootScript(binary, dir, script);
  try {
    const line = await board.waitFor(/^@@primitives done /, 60000);
    return JSON.parse(line.slice(line.indexOf('{'))) as Primitives;
  } finally {
    await board.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Used variables the default app reports on /api/status (process.memory() after a collection). */
async function statusVariables(url: string): Promise<number> {
  const response = await fetch(`${url}/api/status`, { headers: { Connection: 'close' } });
  return variables(((await response.json()) as { memory: { used: number; total: number } }).memory);
}

/** Used variables the JSON app reports on /memory. */
async function footprintVariables(url: string): Promise<number> {
  const response = await fetch(`${url}/memory`, { headers: { Connection: 'close' } });
  return variables((await response.json()) as { used: number; total: number });
}

/** Where the default app's variables go after start(). */
interface MemoryBreakdown {
  /** Variables an empty board uses (Espruino's own). */
  empty: number;
  /** Variables of the functions and classes in the root scope, with their names, shared parts counted once (the code; cold functions cost none). */
  code: number;
  /** How many those are. */
  functions: number;
  /** Variables each slot costs, its pool bytes included (the budget's slots against one slot). */
  perSlot: number;
  /** The budget's slots. */
  slots: number;
  /** Pool bytes of each slot (input and output). */
  slotPoolBytes: number;
}

/** Runs `body` (a script's text) on an empty board and returns its console lines. */
async function onEmptyBoard(binary: string, body: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-bench-empty-'));
  try {
    writeFileSync(join(dir, 'empty.js'), `${body}\nquit();\n`);
    return await runScript(binary, dir, join(dir, 'empty.js'), 20000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The names an empty board's root scope answers to (Espruino's built-ins). */
async function emptyBoardNames(binary: string): Promise<string[]> {
  const lines = await onEmptyBoard(binary, 'print("@@names "+JSON.stringify(Object.getOwnPropertyNames(global)));');
  const line = lines.find((l) => l.startsWith('@@names '));
  if (line === undefined) throw new Error(`an empty board did not list its names:\n${lines.join('\n')}`);
  return JSON.parse(line.slice('@@names '.length)) as string[];
}

/** Variables an empty board uses. */
async function emptyBoardVariables(binary: string): Promise<number> {
  const lines = await onEmptyBoard(binary, 'print("@@used "+process.memory().usage);');
  const line = lines.find((l) => l.startsWith('@@used '));
  if (line === undefined) throw new Error(`an empty board did not print its memory:\n${lines.join('\n')}`);
  return Number(line.slice('@@used '.length));
}

/**
 * An expression for the board's console: the variables of every function
 * and class in the root scope that is not Espruino's (`builtIns`), with
 * their names, and how many there are. They are measured together, in one
 * array, so that what several share (a base class) counts once; the
 * array's own variable is taken off, and its element names stand for the
 * names in the root scope.
 */
function codeVariables(builtIns: string[]): string {
  return `(function(b){var a=[],n=Object.getOwnPropertyNames(global);for(var i=0;i<n.length;i++){if(b.indexOf(n[i])>=0)continue;var v=global[n[i]];if(typeof v==="function")a.push(v)}return [E.getSizeOf(a)-1,a.length]})(${JSON.stringify(builtIns)})`;
}

/** Bytes of process.memory() as variables of the fixed build. */
function variables(memory: { used: number; total: number }): number {
  const blockBytes = memory.total / FIXED_VARIABLES;
  if (!Number.isInteger(blockBytes)) throw new Error('ESPRUINO must be the fixed 16,383-variable build');
  return memory.used / blockBytes;
}

interface SpeedFigures {
  build: string;
  code: string;
  chipwebJson: number;
  dashboardJson: number;
  dashboardPage: number;
  pageBytes: number;
  netPage: number;
  /** A bare net server answering the JSON's size on one keep-alive connection: no parsing, the sockets' ceiling. */
  netJson: number;
  /** bench/espruino-minimal-server.js: the least a JavaScript request path costs on the interpreter. */
  minimal: number;
  httpModule: number;
  ratio: number;
  /** The same JSON with Chromium's header lines (BROWSER_HEADERS), chipweb and the http module. */
  chipwebBrowser: number;
  httpModuleBrowser: number;
  /** Every round's rates (the figures above are their medians): Host only, and with a browser's head. */
  rounds: { plain: Rounds; browser: Rounds };
  primitives: Primitives;
}

/** The speed figures on one binary: chipweb (keep-alive) against the http module (new connection per request). */
async function speed(binary: string, build: string, codeInRam: boolean): Promise<SpeedFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-bench-speed-'));
  try {
    const json = await serveOnEspruino(JSON_APP, { port: 0, dir: join(dir, 'json'), assets: null, binary, codeInRam });
    let plain: Rounds;
    let browser: Rounds;
    try {
      plain = await againstHttpModule(binary, json.port, 500);
      browser = await againstHttpModule(binary, json.port, 300, BROWSER_HEADERS);
    } finally {
      await json.close();
    }
    const dash = await serveOnEspruino(DASHBOARD, { port: 0, dir: join(dir, 'dashboard'), binary, codeInRam });
    let dashboardJson: number;
    let dashboardPage: number;
    let pageBytes = 0;
    try {
      dashboardJson = await keepAliveRate(dash.port, '/api/led', 300, 30, (b) => b.startsWith('{"on":'));
      const page = dash.build.assets.find((a) => a.name === 'index.html');
      pageBytes = page ? page.bytes.length : 0;
      dashboardPage = await keepAliveRate(dash.port, '/', 30, 5, (b) => b.length === pageBytes);
    } finally {
      await dash.close();
    }
    const net = await netPage(binary, pageBytes, 30);
    const netJson = await netPage(binary, JSON_BODY.length, 500);
    const minimal = await minimalServer(binary, 500);
    const costs = await primitives(binary);
    return {
      build,
      code: codeInRam ? 'RAM' : 'Storage',
      chipwebJson: median(plain.chipweb),
      dashboardJson,
      dashboardPage,
      pageBytes,
      netPage: net,
      netJson,
      minimal,
      httpModule: median(plain.httpModule),
      ratio: median(plain.chipweb) / median(plain.httpModule),
      chipwebBrowser: median(browser.chipweb),
      httpModuleBrowser: median(browser.httpModule),
      rounds: { plain, browser },
      primitives: costs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let fixed: string;
  try {
    fixed = espruinoBinary(process.env);
  } catch (error) {
    if (!(error instanceof EspruinoMissing)) throw error;
    console.error(`bench:espruino: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  const linux = process.env.ESPRUINO_LINUX ? espruinoBinary(process.env, 'ESPRUINO_LINUX') : undefined;
  const json = process.argv.includes('--json');
  const board32 = process.env.ESPRUINO32 ? espruinoBinary(process.env, 'ESPRUINO32') : undefined;

  // Memory: the default app on the fixed build, code in Storage as on a board.
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-bench-memory-'));
  let memory: {
    estimate: number;
    afterStart: number;
    /** The same on an ESP32's variable layout (host-sim/espruino/layout.ts), and the census it comes from. */
    afterStartEsp32: number;
    census: Esp32Estimate;
    /** The same measured on ESPRUINO32 (the board built for 32-bit x86: an ESP32's layout), when set. */
    afterStart32: number | null;
    firstRequest: number;
    breakdown: MemoryBreakdown;
    after1000: number;
    afterKept: number;
    footprint: number;
    footprintEstimate: number;
    httpModule: number;
  };
  try {
    const sim = await serveOnEspruino(DASHBOARD, { port: 0, dir, binary: fixed });
    try {
      // Before any request, at the board's console, as a person would read it there.
      const afterStart = await sim.process.evaluate<number>('process.memory().usage');
      const census = esp32Estimate(await dumpVariables(sim.process));
      // The first request makes what the app allocates at its first use (the logger's ring).
      const firstRequest = await statusVariables(sim.url);
      await keepAliveGet(sim.port, '/api/led', 1000);
      let after1000 = await statusVariables(sim.url);
      // The closed connection's socket takes a moment to go.
      for (let i = 0; i < 20 && after1000 > firstRequest + 20; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after1000 = await statusVariables(sim.url);
      }
      // What the server makes on first use and keeps, at its most: a session for every WebSocket it
      // allows (half the slots) and every connection's chunked decoder.
      const budget = JSON.parse(
        readFileSync(resolve(import.meta.dirname, '..', 'firmware', 'espruino', 'budget.json'), 'utf8'),
      );
      const { slots, wsSlots } = resolveOptions(budget.server as ServerOptions);
      await (await holdWebSockets(sim.port, '/api/ws', wsSlots))();
      const body = new TextEncoder().encode('{"on":false}');
      const posts = await Promise.all(
        Array.from({ length: slots }, () =>
          streamedUpload(sim.port, '/api/led', body, {
            pieces: [5],
            chunked: true,
            headers: 'Content-Type: application/json\r\n',
          }),
        ),
      );
      if (posts.some((p) => p.status !== 200))
        throw new Error(`chunked POSTs failed: ${JSON.stringify(posts.map((p) => p.status || p.error))}`);
      // The closed sockets take a moment to go: read until two readings agree.
      let afterKept = await statusVariables(sim.url);
      for (let i = 0, last = -1; i < 20 && afterKept !== last; i++) {
        last = afterKept;
        await new Promise((r) => setTimeout(r, 200));
        afterKept = await statusVariables(sim.url);
      }
      const code = await sim.process.evaluate<[number, number]>(codeVariables(await emptyBoardNames(fixed)));
      memory = {
        estimate: sim.build.report.startVariables,
        afterStart,
        // The census counts the line typed to run it too: what it finds beyond afterStart.
        afterStartEsp32: census.total.esp32 - (census.total.simulator - afterStart),
        census,
        afterStart32: null,
        firstRequest,
        breakdown: { empty: 0, code: code[0], functions: code[1], perSlot: 0, slots: 0, slotPoolBytes: 0 },
        after1000,
        afterKept,
        footprint: 0,
        footprintEstimate: 0,
        httpModule: 0,
      };
    } finally {
      await sim.close();
    }
    // The same app on the 32-bit build, when there is one: an ESP32's variable layout, measured.
    if (board32 !== undefined) {
      const sim32 = await serveOnEspruino(DASHBOARD, { port: 0, dir: join(dir, 'esp32'), binary: board32 });
      try {
        memory.afterStart32 = await sim32.process.evaluate<number>('process.memory().usage', 60000);
      } finally {
        await sim32.close();
      }
    }
    // What a slot costs: the same app with one slot, read the same way.
    const budget = JSON.parse(readFileSync(join(ROOT, 'firmware/espruino/budget.json'), 'utf8'));
    const server = budget.server as { slots: number; slotSize: number; outputSize: number };
    const oneSlot = join(dir, 'one-slot-budget.json');
    writeFileSync(oneSlot, JSON.stringify({ ...budget, server: { ...server, slots: 1 } }));
    const single = await serveOnEspruino(DASHBOARD, { port: 0, dir: join(dir, 'one'), binary: fixed, budget: oneSlot });
    try {
      const oneSlotStart = await single.process.evaluate<number>('process.memory().usage');
      memory.breakdown.slots = server.slots;
      memory.breakdown.perSlot = (memory.afterStart - oneSlotStart) / (server.slots - 1);
      memory.breakdown.slotPoolBytes = server.slotSize + server.outputSize;
      memory.breakdown.empty = await emptyBoardVariables(fixed);
    } finally {
      await single.close();
    }
    // chipweb without the dashboard's features: the JSON app (two routes, no middleware).
    const json = await serveOnEspruino(JSON_APP, { port: 0, dir: join(dir, 'json'), assets: null, binary: fixed });
    try {
      memory.footprint = await footprintVariables(json.url);
      memory.footprintEstimate = json.build.report.startVariables;
    } finally {
      await json.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const stack = await stackPeaks(fixed);
  const nesting = stack === null ? null : await handlerNesting(fixed);
  const speeds: SpeedFigures[] = [await speed(fixed, 'ESPRUINO (16,383 variables)', false)];
  if (linux) speeds.push(await speed(linux, 'ESPRUINO_LINUX (resizable)', true));
  memory.httpModule = await withPeer(fixed, HTTP_SCRIPT, 'http', {}, async (_port, line) =>
    Number(/usage (\d+)/.exec(line)?.[1]),
  );

  if (json) {
    console.log(JSON.stringify({ memory, stack, nesting, speeds }, null, 2));
    return;
  }
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  console.log('chipweb on Espruino 2v29 (npm run bench:espruino)\n');
  console.log('Memory, default app (firmware/app), fixed 16,383-variable build, boot code in Storage:');
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${n(v)}`;
  const parts = memory.breakdown;
  console.log(
    `  variables used after start()          ${n(memory.afterStart)}   (at the console, before any request; size report estimate ${n(memory.estimate)})`,
  );
  const census = memory.census;
  console.log(
    `    the same on an ESP32's layout        ${n(memory.afterStartEsp32)}   (estimated from E.dumpVariables(): ${n(census.midNames)} names of 5 to 8 characters take 2 variables there, not 1; strings ${n(census.strings.simulator)} -> ${n(census.strings.esp32)}; pool and other flat strings ${n(census.flatStrings.simulator)} -> ${n(census.flatStrings.esp32)} at 14 bytes a variable, not 18)`,
  );
  if (memory.afterStart32 !== null)
    console.log(
      `    measured on the 32-bit build         ${n(memory.afterStart32)}   (ESPRUINO32: an ESP32's variable layout, run under qemu-i386)`,
    );
  else
    console.log(
      '    (not measured on a 32-bit build: set ESPRUINO32, which toolchain/espruino/build-engine.sh builds)',
    );
  console.log(
    `  serving its first request             ${n(memory.firstRequest)}   (${signed(memory.firstRequest - memory.afterStart)}: /api/status reads it; the logger's ring is made at the first request)`,
  );
  console.log(
    `  after 1,000 keep-alive requests       ${n(memory.after1000)}   (${signed(memory.after1000 - memory.firstRequest)} from the first request)`,
  );
  console.log(
    `  after every WebSocket session and chunked decoder is made (kept)  ${n(memory.afterKept)}   (${signed(memory.afterKept - memory.firstRequest)} from the first request)`,
  );
  const slotsTotal = parts.perSlot * parts.slots;
  console.log('  where the variables after start() go:');
  const row = (label: string, value: number, note = '') =>
    console.log(`    ${label.padEnd(48)} ${n(value).padStart(6)}${note ? `   (${note})` : ''}`);
  row("an empty board (Espruino's own)", parts.empty);
  row(
    `code: ${n(parts.functions)} functions and classes, root scope`,
    parts.code,
    'each with its name; cold ones cost none',
  );
  row(
    `${parts.slots} slots, ${n(parts.perSlot)} each`,
    slotsTotal,
    `each: ${n(parts.slotPoolBytes)} pool bytes, its connection, request and response state`,
  );
  row(
    'the rest',
    memory.afterStart - parts.empty - parts.code - slotsTotal,
    "the app's routes, handlers and middleware, the server's objects, tables, names",
  );
  console.log(
    `  a two-route JSON app, no middleware   ${n(memory.footprint)}   (bench/espruino-json-app.ts: chipweb's own; estimate ${n(memory.footprintEstimate)})`,
  );
  console.log(`  Espruino http module after listen()   ${n(memory.httpModule)}`);
  console.log('');
  console.log(
    `C stack, default app, deepest so far after each step (bytes, x86-64 Linux build; an ESP32 task has ${n(ESP32_STACK)}):`,
  );
  if (stack === null)
    console.log('  (not reported: build ESPRUINO with toolchain/espruino/build-engine.sh to measure it)');
  else
    for (const s of stack)
      console.log(`  ${s.step.padEnd(54)} ${n(s.bytes).padStart(7)}${s.bytes > ESP32_STACK - 512 ? '   over' : ''}`);
  if (nesting !== null)
    console.log(
      `  a handler's own calls, nested (bench/espruino-depth-app.ts): ${nesting.fits} levels fit (${n(nesting.bytes)} bytes), about ${n(nesting.perLevel)} bytes a level; one more stops the board`,
    );
  console.log('');
  for (const s of speeds) {
    console.log(`Speed, ${s.build}, chipweb code in ${s.code}:`);
    const range = (values: number[]) => `${n(Math.min(...values))}–${n(Math.max(...values))}`;
    const ratios = (r: Rounds) => {
      const each = r.chipweb.map((c, i) => c / r.httpModule[i]);
      return `${Math.min(...each).toFixed(2)}x–${Math.max(...each).toFixed(2)}x`;
    };
    const { plain, browser } = s.rounds;
    console.log(`  (medians of ${ROUNDS} rounds, chipweb and the http module in turns; each round's range after them)`);
    console.log(`  chipweb, small JSON, keep-alive       ${n(s.chipwebJson)} req/s   (${range(plain.chipweb)})`);
    console.log(`  http module, same JSON, new conn.     ${n(s.httpModule)} req/s   (${range(plain.httpModule)})`);
    console.log(`  ratio chipweb / http module           ${s.ratio.toFixed(2)}x   (round by round ${ratios(plain)})`);
    console.log(
      `  chipweb, same JSON, a browser's head  ${n(s.chipwebBrowser)} req/s   (${range(browser.chipweb)}; Chromium's 13 header lines)`,
    );
    console.log(
      `  http module, same head, new conn.     ${n(s.httpModuleBrowser)} req/s   (${range(browser.httpModule)})`,
    );
    console.log(
      `  ratio with a browser's head           ${(s.chipwebBrowser / s.httpModuleBrowser).toFixed(2)}x   (round by round ${ratios(browser)})`,
    );
    console.log(
      `  bare net server, same size, keep-alive ${n(s.netJson)} req/s   (no parsing: what the sockets allow)`,
    );
    console.log(`  20-statement JS server, same JSON      ${n(s.minimal)} req/s   (bench/espruino-minimal-server.js)`);
    console.log(`  default app /api/led, keep-alive      ${n(s.dashboardJson)} req/s`);
    console.log(`  default app gzipped page (${n(s.pageBytes)} B)   ${n(s.dashboardPage)} req/s`);
    console.log(`  bare net server, same size, keep-alive ${n(s.netPage)} req/s`);
    const p = s.primitives;
    const us = (v: number) => `${v.toFixed(1)} µs`;
    console.log(
      `  what the interpreter pays (bench/espruino-primitives.js, a script in RAM; a browser's head, ${p.headBytes} B, ${p.headerLines} header lines):`,
    );
    console.log(`    a statement ${us(p.statement)}; one through a call ${us(p.call)}; charCodeAt ${us(p.charCodeAt)}`);
    console.log(
      `    E.toString of the head ${us(p.toString)}; indexOf of its end ${us(p.findHeadEnd)}; toLowerCase ${us(p.toLowerCase)}`,
    );
    console.log(`    one regular expression for a bad header name ${us(p.badLineRegExp)}`);
    console.log(
      `    a call that returns at once ${us(p.earlyReturn)}; with 50 lines after its return, never run ${us(p.earlyReturnPast50Lines)}; with a call of them instead ${us(p.earlyReturnPastACall)}`,
    );
    console.log(
      `    each line's end, colon and token check ${us(p.lineWalk)} (${us(p.lineWalk / p.headerLines)} a line)`,
    );
    console.log(`    the http module's whole request, new connection included: ${us(1e6 / s.httpModuleBrowser)}`);
    console.log('');
  }
  if (!linux)
    console.log(
      "(set ESPRUINO_LINUX to a BOARD=LINUX build to add speed with the code in RAM, as on a board's mapped flash)",
    );
}

main().catch((error: unknown) => {
  console.error(`bench:espruino: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
