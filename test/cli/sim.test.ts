/**
 * `chipweb sim` as a user runs it: the app is bundled, and the bundle uses
 * the simulator's own copy of the core, so an HttpError thrown by the app
 * is the server's HttpError (its status, not a 500).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningCli, startCli } from '../support/cli.ts';
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
