/**
 * The shared conformance cases on Espruino ($ESPRUINO, the 16,383-variable
 * Linux build without Unicode, as an ESP32 has): the conformance app built
 * with `chipweb build --target espruino`, its Storage files in the binary's
 * flash, every case over a real socket, byte for byte as on Node and XS;
 * every slot is free again after each client leaves. Also: a taken port
 * stops the board with the Node simulator's message, 1,000 keep-alive
 * requests leave process.memory() flat, the board's console reaches the
 * server as `chipweb`, an unminified build serves, and the board's census
 * of its variables reads on an ESP32's layout (host-sim/espruino/layout.ts).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dumpVariables, esp32Estimate } from '../../../host-sim/espruino/layout.ts';
import { type EspruinoSimulation, serveOnEspruino } from '../../../host-sim/espruino/sim.ts';
import { CASES } from '../../conformance/cases.ts';
import { exchange } from '../../support/exchange.ts';
import { coldCallsDuring } from './cold-calls.ts';
import { keepAliveGet } from './keep-alive.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const ENTRY = join(ROOT, 'test/espruino/fixtures/conformance-entry.ts');
const BUDGET = join(ROOT, 'test/espruino/fixtures/conformance-budget.json');

/** GET `path` with Connection: close and its JSON body. */
async function getJson<T>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Connection: 'close' } });
  return (await response.json()) as T;
}

describe('espruino engine: conformance cases, byte for byte', () => {
  let dir: string;
  let sim: EspruinoSimulation;
  const logs: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-conf-'));
    sim = await serveOnEspruino(ENTRY, { port: 0, dir, assets: null, budget: BUDGET, log: (line) => logs.push(line) });
    const memory = await getJson<{ total: number; usage: number }>(sim.port, '/__espruino/memory');
    expect(memory.total, 'ESPRUINO must be the fixed 16,383-variable build').to.equal(16383);
    // The size report's estimate stays near what the board uses (its pool counted in this build's 18-byte variables).
    const r = sim.build.report;
    const estimate = r.startVariables - r.poolVariables + Math.ceil(r.poolBytes / 18) + 2;
    expect(Math.abs(estimate - memory.usage) / memory.usage, `estimate ${estimate}, used ${memory.usage}`).to.be.below(
      0.1,
    );
  });
  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the board's census of its variables on an ESP32's layout: the same count, and more there", async () => {
    const usage = await sim.process.evaluate<number>('process.memory().usage');
    // esp32Estimate throws where a name's variables differ from the simulator's layout (another Espruino).
    const census = esp32Estimate(await dumpVariables(sim.process));
    // The census counts what process.memory() does, give or take the typed lines' own variables.
    expect(Math.abs(census.total.simulator - usage), `census ${census.total.simulator}, usage ${usage}`).to.be.below(
      20,
    );
    expect(census.midNames).to.be.above(0);
    expect(census.total.esp32).to.be.above(census.total.simulator + census.midNames);
    expect(census.flatStrings.esp32).to.be.above(census.flatStrings.simulator);
  });

  it("logs a handler's error with its name and message, as every engine does", async () => {
    await exchange(sim.port, 'GET /throw HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n', 0);
    for (let i = 0; i < 50 && !logs.some((line) => line.includes('Error: boom')); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(logs.join('\n')).to.include('chipweb: handler error on GET /throw: Error: boom');
  });

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      // A close after an error answer lingers until the client's input has been quiet for 200 ms (platform.ts).
      const result = await exchange(sim.port, testCase.request, testCase.expect.length, testCase.closes ? 3000 : 50);
      expect(result.response).to.equal(testCase.expect);
      expect(result.closed).to.equal(testCase.closes);
      // The stats request holds one slot itself; wait for the case's slot to be freed.
      let inUse = -1;
      for (let i = 0; i < 50; i++) {
        inUse = (await getJson<{ slotsInUse: number }>(sim.port, '/__espruino/stats')).slotsInUse;
        if (inUse === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(inUse, 'slots in use besides the stats request').to.equal(1);
    });
  }

  it('answers every case the same way again once its header lines are known: the express lane', async () => {
    // Each case twice in a row: the first makes its header lines the known section (when they are plain),
    // and the second may then be taken whole from the socket (takeHead in firmware/espruino/parser.ts).
    const before = await getJson<{ taken: number }>(sim.port, '/__espruino/known');
    for (const testCase of CASES) {
      for (const turn of ['first', 'again']) {
        const result = await exchange(sim.port, testCase.request, testCase.expect.length, testCase.closes ? 3000 : 50);
        expect(result.response, `${testCase.name} (${turn})`).to.equal(testCase.expect);
        expect(result.closed, `${testCase.name} (${turn})`).to.equal(testCase.closes);
      }
    }
    const after = await getJson<{ taken: number }>(sim.port, '/__espruino/known');
    // The fetch() above and below are two more; most cases send plain GETs.
    expect(after.taken - before.taken, 'heads the express lane took').to.be.at.least(20);
    let inUse = -1;
    for (let i = 0; i < 100 && inUse !== 1; i++) {
      inUse = (await getJson<{ slotsInUse: number }>(sim.port, '/__espruino/stats')).slotsInUse;
      if (inUse !== 1) await new Promise((r) => setTimeout(r, 50));
    }
    expect(inUse, 'slots in use besides the stats request').to.equal(1);
  });

  it('keeps process.memory() flat over 1,000 keep-alive requests', async () => {
    const usage = async () => (await getJson<{ usage: number }>(sim.port, '/__espruino/memory')).usage;
    await keepAliveGet(sim.port, '/users/42', 100);
    const before = await usage();
    const bodies = await keepAliveGet(sim.port, '/users/42', 1000);
    expect(bodies.every((b) => b === '{"id":"42"}')).to.equal(true);
    // The closed connection's socket takes a moment to go: wait (up to 5 s) for the usage to settle.
    let after = await usage();
    for (let i = 0; i < 50 && after - before > 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await usage();
    }
    // A few variables of slack: the request reading the figure and timer bookkeeping.
    expect(after - before, `usage ${before} -> ${after}`).to.be.at.most(20);
  });

  it('makes no cold function on a keep-alive request: what runs per request is in the boot code', async () => {
    await keepAliveGet(sim.port, '/users/42', 5);
    const calls = await coldCallsDuring(sim.process, async () => {
      const bodies = await keepAliveGet(sim.port, '/users/42', 50);
      expect(bodies.every((b) => b === '{"id":"42"}')).to.equal(true);
    });
    expect(calls, 'cold functions made during 50 keep-alive requests').to.equal(0);
  });

  it('answers a head that arrives in pieces ending in CR, CRLF or CRLF CR only once it is whole', async () => {
    // Espruino 2v29's indexOf finds "\r\n\r\n" where a string ends with its start ("…\r\n" gives a hit).
    const head = 'GET /users/42 HTTP/1.1\r\nHost: d\r\n\r\n';
    const answer = (await exchange(sim.port, head, 0)).response;
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"id":"42"\}$/);
    for (const cut of [
      'GET /users/42 HTTP/1.1\r',
      'GET /users/42 HTTP/1.1\r\n',
      'GET /users/42 HTTP/1.1\r\nHost: d\r',
      'GET /users/42 HTTP/1.1\r\nHost: d\r\n',
      'GET /users/42 HTTP/1.1\r\nHost: d\r\n\r',
    ]) {
      const socket = net.connect(sim.port, '127.0.0.1');
      const received: Buffer[] = [];
      socket.on('data', (chunk) => received.push(chunk));
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(cut);
      await new Promise((r) => setTimeout(r, 200));
      expect(Buffer.concat(received).toString('latin1'), `after ${JSON.stringify(cut)}`).to.equal('');
      socket.write(head.slice(cut.length));
      for (let i = 0; i < 100 && Buffer.concat(received).length < answer.length; i++)
        await new Promise((r) => setTimeout(r, 20));
      socket.destroy();
      expect(Buffer.concat(received).toString('latin1'), `after ${JSON.stringify(cut)} and the rest`).to.equal(answer);
    }
  });

  it("answers at the board's console: chipweb.server.stats() counts what it served", async () => {
    const served = () => sim.process.evaluate<number>('chipweb.server.stats().requests');
    const before = await served();
    await keepAliveGet(sim.port, '/users/42', 3);
    expect((await served()) - before).to.equal(3);
  });
});

describe('espruino engine: a taken port', () => {
  it('stops the board with the same message as the Node simulator', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-port-'));
    try {
      let error: unknown;
      try {
        const sim = await serveOnEspruino(ENTRY, { port, dir, assets: null, budget: BUDGET });
        await sim.close();
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.equal(
        `port ${port} is already in use: stop the other server or choose another port (--port)`,
      );
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('espruino engine: an unminified build (chipweb build --no-minify)', () => {
  it("serves: the core's own top-level names (Server …) do not replace Espruino's globals", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-nomin-'));
    try {
      const sim = await serveOnEspruino(join(ROOT, 'bench/espruino-json-app.ts'), {
        port: 0,
        dir,
        assets: null,
        minify: false,
      });
      try {
        const response = await fetch(`${sim.url}/json`, { headers: { Connection: 'close' } });
        expect(response.status).to.equal(200);
        expect(await response.text()).to.equal('{"ok":true,"n":1}');
      } finally {
        await sim.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
