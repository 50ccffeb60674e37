/**
 * Over-the-air update on Espruino, for real: the default firmware
 * (firmware/app) built for Espruino runs in $ESPRUINO, and a new app's
 * image (`chipweb build --target espruino` -> update.bin) goes to its
 * POST /api/update over real sockets. A wrong hash (422), a client that
 * vanishes halfway, and a second upload while one runs (409, sent by
 * `chipweb ota`) leave the old
 * app, also after the board restarts (the binary is stopped and started
 * again on the same flash file, nothing reinstalled); a whole upload with
 * the right hash is installed and the board restarts into the new app, and
 * boots it again after a power cycle. Power lost halfway through an upload
 * leaves the old app; power lost while the installer copies (the state it
 * leaves written into the flash file) is finished at the next start, and a
 * torn commit record is ignored. The OTA module is loaded while an upload
 * runs and dropped after it.
 *
 * Never: look at the board other than through HTTP and its console; sleep
 * for a fixed time where a condition can be polled.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ota } from '../../../cli/ota.ts';
import { EspruinoProcess, espruinoBinary, installStorage, runScript } from '../../../host-sim/espruino/engine.ts';
import { type EspruinoSimulation, freePort, serveOnEspruino } from '../../../host-sim/espruino/sim.ts';
import { BOOT0_FILE, COMMIT_FILE, INSTALLER_FILE, stagedName } from '../../../firmware/espruino/ota-boot.ts';
import { BOOT0_SOURCE, INSTALLER_SOURCE } from '../../../firmware/espruino/ota-install.ts';
import { buildEspruino, type EspruinoBuildResult } from '../../../toolchain/espruino/build.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const ENTRY = join(ROOT, 'firmware/app/main.ts');
/** The new app: the conformance app, which answers "hello" at / (the dashboard answers its page). */
const NEXT = join(ROOT, 'test/espruino/fixtures/conformance-entry.ts');
const PASSWORD = 'ota-test-password';
const AUTH = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

/** Polls `check` every 100 ms until it returns true (rejects after `ms`). */
async function until(what: string, check: () => Promise<boolean>, ms = 30000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not answering (yet): try again.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the board says at GET /api/update. */
async function updateState(url: string): Promise<{ available: boolean; busy: boolean; received: number }> {
  const response = await fetch(`${url}/api/update`, { headers: { Connection: 'close' } });
  return (await response.json()) as { available: boolean; busy: boolean; received: number };
}

/** Variables the board uses (its /api/status memory, after a collection), as bench/espruino.ts reads them. */
async function variables(url: string): Promise<number> {
  const response = await fetch(`${url}/api/status`, { headers: { Connection: 'close' } });
  const memory = ((await response.json()) as { memory: { used: number; total: number } }).memory;
  return memory.used / (memory.total / 16383);
}

/** An upload over a raw socket: the head and the first `first` bytes of `image` now, the rest on finish(). */
function startUpload(port: number, image: Uint8Array, sha256: string, first: number) {
  const socket = net.connect(port, '127.0.0.1');
  let answer = '';
  const closed = new Promise<string>((done) => {
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', () => done(answer));
    socket.on('error', () => done(answer));
  });
  socket.write(
    'POST /api/update HTTP/1.1\r\nHost: board\r\nConnection: close\r\n' +
      `Authorization: ${AUTH}\r\nContent-Type: application/octet-stream\r\nX-Image-SHA256: ${sha256}\r\n` +
      `Content-Length: ${image.length}\r\n\r\n`,
  );
  socket.write(image.subarray(0, first));
  return {
    /** Sends the rest; resolves with the whole answer once the board closes. */
    finish(): Promise<string> {
      socket.write(image.subarray(first));
      return closed;
    },
    /** The client vanishes. */
    vanish(): void {
      socket.destroy();
    },
  };
}

describe('espruino engine: over-the-air update into Storage files', () => {
  let dir: string;
  let sim: EspruinoSimulation;
  let board: EspruinoProcess | undefined;
  let next: EspruinoBuildResult;
  let image: Uint8Array<ArrayBuffer>;
  let url: string;

  /** Stops the board and boots it again from its flash file, as a power cycle would (nothing reinstalled). */
  async function powerCycle(serving: RegExp): Promise<void> {
    await (board ?? sim.process).close();
    board = EspruinoProcess.boot(espruinoBinary(), join(dir, 'flash'));
    await board.waitFor(serving, 30000);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-ota-'));
    sim = await serveOnEspruino(ENTRY, { port: 0, dir });
    url = sim.url;
    next = await buildEspruino({
      entry: NEXT,
      out: join(dir, 'next'),
      assets: null,
      port: sim.port,
      env: {},
      projectDir: dir,
    });
    image = new Uint8Array(readFileSync(next.image.path));
    const set = await fetch(`${url}/api/password`, {
      method: 'POST',
      body: JSON.stringify({ password: PASSWORD }),
      headers: { 'Content-Type': 'application/json', Connection: 'close' },
    });
    expect(set.status).to.equal(200);
  });
  after(async () => {
    await board?.close();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says the board can update itself (the dashboard shows its Update panel)', async () => {
    expect(await updateState(url)).to.deep.include({ available: true, busy: false });
  });

  it('answers 422 to a wrong hash (a browser form), and the old app still boots', async () => {
    const idle = await variables(url);
    const form = new FormData();
    form.append('sha256', '0'.repeat(64));
    form.append('firmware', new Blob([image]), 'update.bin');
    const response = await fetch(`${url}/api/update`, {
      method: 'POST',
      body: form,
      headers: { Authorization: AUTH, Connection: 'close' },
    });
    expect(response.status).to.equal(422);
    expect(((await response.json()) as { error: string }).error).to.include(`SHA-256 is ${next.image.sha256}`);
    expect(await updateState(url)).to.deep.include({ available: true, busy: false });
    // The OTA module (about 1,200 variables loaded, 1,400 with an upload's state) is dropped again.
    expect((await variables(url)) - idle).to.be.lessThan(300);
    await powerCycle(/^chipweb: serving 14 routes/);
    expect(await updateState(url)).to.deep.include({ available: true, busy: false });
  });

  it('keeps the old app when the client vanishes halfway', async () => {
    const idle = await variables(url);
    const upload = startUpload(sim.port, image, next.image.sha256, image.length >> 1);
    await until('the board to receive half the image', async () => (await updateState(url)).received > 0);
    // Loaded only now that an upload runs.
    expect((await variables(url)) - idle).to.be.greaterThan(1000);
    upload.vanish();
    await until('the upload to end', async () => !(await updateState(url)).busy);
    await powerCycle(/^chipweb: serving 14 routes/);
    const page = await fetch(`${url}/`, { headers: { Connection: 'close' } });
    expect(page.headers.get('content-encoding')).to.equal('gzip'); // the dashboard's page, not "hello"
    expect(await updateState(url)).to.deep.include({ available: true, busy: false });
  });

  it('keeps the old app when the power goes halfway through an upload', async () => {
    startUpload(sim.port, image, next.image.sha256, image.length >> 1);
    await until('the board to receive part of the image', async () => (await updateState(url)).received > 0);
    const running = board ?? sim.process;
    process.kill(running.pid as number, 'SIGKILL');
    await powerCycle(/^chipweb: serving 14 routes/);
    const page = await fetch(`${url}/`, { headers: { Connection: 'close' } });
    expect(page.headers.get('content-encoding')).to.equal('gzip');
    expect(await updateState(url)).to.deep.include({ available: true, busy: false, received: 0 });
  });

  it('answers 409 to a second upload while one runs; the first completes and the board restarts into the new app', async () => {
    const first = startUpload(sim.port, image, next.image.sha256, image.length >> 1);
    await until('the first upload to run', async () => (await updateState(url)).busy);
    // The second comes from `chipweb ota` (Expect: 100-continue: the board refuses before the image is sent).
    let said = '';
    const io = {
      log: (l: string) => void (said += `${l}\n`),
      error: (l: string) => void (said += `${l}\n`),
      progress() {},
    };
    const code = await ota(['--host', `127.0.0.1:${sim.port}`, '--password', PASSWORD, next.image.path], {}, io);
    expect(code, said).to.equal(1);
    expect(said).to.include('another update is running on the device (409)');
    const answer = await first.finish();
    expect(answer).to.match(/^HTTP\/1\.1 200 /);
    expect(answer).to.include(`"sha256":"${next.image.sha256}"`);
    await until('the new app to answer', async () => {
      const response = await fetch(`${url}/`, { headers: { Connection: 'close' } });
      return (await response.text()) === 'hello';
    });
    await powerCycle(/^chipweb: serving \d+ routes/);
    const again = await fetch(`${url}/`, { headers: { Connection: 'close' } });
    expect(await again.text()).to.equal('hello');
  });
});

describe('espruino engine: the OTA installer after a power loss', () => {
  let dir: string;
  let board: EspruinoProcess | undefined;
  after(async () => {
    await board?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `lines` (Espruino JavaScript) on the flash file in `flash`; returns the console lines. */
  async function onFlash(flash: string, lines: string[]): Promise<string[]> {
    const script = join(flash, 'state.js');
    writeFileSync(script, [...lines, 'quit();', ''].join('\n'));
    return runScript(espruinoBinary(), flash, script, 60000);
  }

  /** Espruino lines that stage `build`'s Storage files as .cwota.N, as an upload leaves them. */
  function stage(build: EspruinoBuildResult): string[] {
    return build.files.map(
      (f, i) =>
        `(function(){var F=E.openFile(${JSON.stringify(join(build.out, f.path))},'r'),at=0,c;` +
        `while(at<${f.bytes}){c=F.read(Math.min(2048,${f.bytes}-at));require('Storage').write(${JSON.stringify(stagedName(i))},c,at,${f.bytes});at+=c.length;}F.close();})();`,
    );
  }

  async function serves(port: number): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { Connection: 'close' } });
    return response.text();
  }

  it('ignores a torn commit record (the old app boots) and finishes a half-done install at the next start', async () => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-ota-install-'));
    const flash = join(dir, 'flash');
    const [oldPort, newPort] = [await freePort(), await freePort()];
    const build = (port: number, out: string) =>
      buildEspruino({ entry: NEXT, out: join(dir, out), assets: null, port, env: {}, projectDir: dir });
    const old = await build(oldPort, 'old');
    const fresh = await build(newPort, 'new');
    await installStorage(espruinoBinary(), flash, old.out);
    const hook = `require('Storage').write(${JSON.stringify(BOOT0_FILE)},${JSON.stringify(BOOT0_SOURCE)});require('Storage').write(${JSON.stringify(INSTALLER_FILE)},${JSON.stringify(INSTALLER_SOURCE)});`;
    const record = JSON.stringify({
      files: fresh.files.map((f, i) => [stagedName(i), f.name, f.bytes]),
      ok: 1,
    });

    // Power lost while the commit record was written: the record is torn, the old app must boot.
    await onFlash(flash, [
      hook,
      ...stage(fresh),
      `require('Storage').write(${JSON.stringify(COMMIT_FILE)},${JSON.stringify(record.slice(0, 40))});`,
    ]);
    board = EspruinoProcess.boot(espruinoBinary(), flash);
    await board.waitFor(/^chipweb: serving/, 30000);
    expect(board.lines.some((l) => l.includes('installing the update'))).to.equal(false);
    expect(await serves(oldPort)).to.equal('hello');
    await board.close();

    // Power lost while the installer copied .bootcde: the record is whole, the live boot code half written.
    const boot = fresh.files.find((f) => f.name === '.bootcde') as { path: string; bytes: number };
    await onFlash(flash, [
      ...stage(fresh),
      `require('Storage').write(${JSON.stringify(COMMIT_FILE)},${JSON.stringify(record)});`,
      `(function(){var F=E.openFile(${JSON.stringify(join(fresh.out, boot.path))},'r');require('Storage').write('.bootcde',F.read(2048),0,${boot.bytes});F.close();})();`,
    ]);
    board = EspruinoProcess.boot(espruinoBinary(), flash);
    await board.waitFor(/^chipweb: serving/, 30000);
    expect(board.lines.some((l) => l.includes('installing the update'))).to.equal(true);
    expect(await serves(newPort)).to.equal('hello');
    await board.close();

    // Installed once: the next start boots the new app without installing again.
    board = EspruinoProcess.boot(espruinoBinary(), flash);
    await board.waitFor(/^chipweb: serving/, 30000);
    expect(board.lines.some((l) => l.includes('installing the update'))).to.equal(false);
    expect(await serves(newPort)).to.equal('hello');
  });
});
