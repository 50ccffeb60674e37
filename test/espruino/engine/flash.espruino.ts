/**
 * `chipweb flash --target espruino` for real: an Espruino Linux binary
 * ($ESPRUINO) with an empty flash and its console on TCP (--telnet, port
 * 2323) stands in for a board on the network; the upload goes through the
 * `espruino` command-line tool (which must be installed: npm install -g
 * espruino), and afterwards the board serves the app from the uploaded
 * Storage files.
 *
 * Never: fake the tool or the board.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { flash } from '../../../cli/espruino.ts';
import { EspruinoProcess, espruinoBinary } from '../../../host-sim/espruino/engine.ts';
import { freePort } from '../../../host-sim/espruino/sim.ts';
import { buildEspruino } from '../../../toolchain/espruino/build.ts';
import { findEspruinoTool } from '../../../toolchain/espruino/flash.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
/** Espruino's telnet console port (fixed in its Linux build). */
const TELNET = 2323;

/** Resolves once something accepts connections on 127.0.0.1:`port` (polls for up to 30 s). */
async function accepting(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise<boolean>((done) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing accepts connections on port ${port}`);
}

describe('espruino engine: chipweb flash --target espruino through the espruino CLI', () => {
  it('uploads the Storage files to a board on the network and the board serves the app', async () => {
    if (!findEspruinoTool(process.env))
      throw new Error(
        "the 'espruino' command-line tool is not installed (chipweb flash uses it): npm install -g espruino",
      );
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-flash-'));
    const port = await freePort();
    const budget = JSON.parse(readFileSync(join(ROOT, 'test/espruino/fixtures/conformance-budget.json'), 'utf8'));
    budget.server.port = port;
    writeFileSync(join(dir, 'budget.json'), JSON.stringify(budget));
    const out = join(dir, 'build');
    await buildEspruino({
      entry: join(ROOT, 'test/espruino/fixtures/conformance-entry.ts'),
      out,
      assets: null,
      budget: join(dir, 'budget.json'),
    });
    const board = EspruinoProcess.boot(espruinoBinary(), dir, undefined, ['--telnet']);
    try {
      await accepting(TELNET);
      let log = '';
      const code = await flash(
        ['--target', 'espruino', '--port', `tcp://127.0.0.1:${TELNET}`, '--out', out],
        process.env,
        {
          log: (line) => void (log += `${line}\n`),
          error: (line) => void (log += `${line}\n`),
        },
      );
      expect(code, log).to.equal(0);
      // The board restarted into the new code (its console is on telnet now): wait until it serves.
      await accepting(port);
      const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { Connection: 'close' } });
      expect(await response.text()).to.equal('hello');
    } finally {
      await board.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails, saying so, when the tool cannot reach the board (the tool itself exits 0 then)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-flash-'));
    try {
      const out = join(dir, 'build');
      await buildEspruino({ entry: join(ROOT, 'test/espruino/fixtures/conformance-entry.ts'), out, assets: null });
      const closed = await freePort(); // nothing listens there
      let log = '';
      const code = await flash(
        ['--target', 'espruino', '--port', `tcp://127.0.0.1:${closed}`, '--out', out],
        process.env,
        {
          log: (line) => void (log += `${line}\n`),
          error: (line) => void (log += `${line}\n`),
        },
      );
      expect(code, log).to.equal(1);
      expect(log).to.include(`the upload to tcp://127.0.0.1:${closed} did not happen`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
