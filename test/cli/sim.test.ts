/**
 * `chipweb sim` as a user runs it: the app is bundled, and the bundle uses
 * the simulator's own copy of the core, so an HttpError thrown by the app
 * is the server's HttpError (its status, not a 500).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHIPWEB_BIN, type RunningCli, startCli } from '../support/cli.ts';
import { until } from '../support/until.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('chipweb sim (the command)', () => {
  let sim: RunningCli;
  before(async () => {
    sim = await startCli(['sim', 'examples/app.ts', '--port', '0'], ROOT);
  });
  after(async () => {
    expect(await sim.stop()).to.equal(0);
  });

  it("answers the README example's HttpError with its status", async () => {
    const invalid = await fetch(`${sim.url}/users`, { method: 'POST', body: '{}' });
    expect([invalid.status, await invalid.text()]).to.deep.equal([422, 'name is required\n']);
    const notJson = await fetch(`${sim.url}/users`, { method: 'POST', body: 'notjson' });
    expect([notJson.status, await notJson.text()]).to.deep.equal([400, 'request body is not valid JSON\n']);
  });

  it('serves the app from the bundle', async () => {
    const created = await fetch(`${sim.url}/users`, { method: 'POST', body: '{"name":"ada"}' });
    expect([created.status, await created.json()]).to.deep.equal([201, { created: 'ada' }]);
    await until(() => sim.output().includes('pool: 6 slots'), 'the pool line');
  });
});

describe('chipweb sim --engine xs (the command)', () => {
  let sim: RunningCli;
  let store: string;
  before(async function () {
    this.timeout(60000);
    store = join(mkdtempSync(join(tmpdir(), 'chipweb-cli-')), 'store.json');
    sim = await startCli(
      ['sim', 'firmware/app/main.ts', '--engine', 'xs', '--port', '0', '--store', store],
      ROOT,
      50000,
    );
  });
  after(async () => {
    expect(await sim.stop()).to.equal(0);
    rmSync(dirname(store), { recursive: true, force: true });
  });

  it('prints the pool and router lines', async () => {
    await until(() => sim.output().includes('router:'), 'the router line');
    expect(sim.output()).to.match(/pool: 6 slots x 3072 bytes/);
    expect(sim.output()).to.include('router: code');
  });

  it('has the simulated device: the LED switches, and the switch is logged', async () => {
    const on = await fetch(`${sim.url}/api/led`, { method: 'POST', body: '{"on":true}' });
    expect([on.status, await on.json()]).to.deep.equal([200, { on: true }]);
    expect(await (await fetch(`${sim.url}/api/led`)).json()).to.deep.equal({ on: true });
    await until(() => sim.output().includes('LED on'));
    const bad = await fetch(`${sim.url}/api/led`, { method: 'POST', body: 'notjson' });
    expect(bad.status).to.equal(400);
  });

  it('counts uptime on the virtual clock', async () => {
    await until(async () => ((await (await fetch(`${sim.url}/api/status`)).json()) as { uptime: number }).uptime > 0);
  });
});

describe('chipweb sim (the command): bad arguments', () => {
  /** Runs `chipweb ARGS` to its end: its exit code and what it printed on stderr. */
  function exited(args: string[]): { code: number | null; err: string } {
    const result = spawnSync(process.execPath, [CHIPWEB_BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
    return { code: result.status, err: result.stderr };
  }

  it('refuses a second app and a port out of range, saying which', () => {
    const two = exited(['sim', 'examples/app.ts', 'examples/echo.ts']);
    expect(two.code).to.equal(2);
    expect(two.err).to.include('give one app, not 2 (examples/app.ts examples/echo.ts)');
    const port = exited(['sim', 'examples/app.ts', '--port', '99999']);
    expect(port.code).to.not.equal(0);
    expect(port.err).to.include("--port must be an integer from 0 to 65535, got '99999'");
  });

  it('prints its version', () => {
    const result = spawnSync(process.execPath, [CHIPWEB_BIN, '--version'], { encoding: 'utf8' });
    expect(result.stdout).to.match(/^chipweb \d+\.\d+\.\d+\n$/);
  });
});
