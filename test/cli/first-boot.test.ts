/**
 * `chipweb sim --first-boot` as a user runs it: the default firmware starts
 * with an empty store in access-point mode, its DNS twin answers every name
 * with the simulator's address over real UDP, the connectivity checks are
 * redirected to the setup page on the simulator's port, the scan endpoint
 * lists networks. The store it is given is emptied (by default it uses
 * .chipweb/first-boot-store.json, so the usual .chipweb/store.json is kept).
 */
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type RunningCli, startCli } from '../support/cli.ts';
import { until } from '../support/until.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('chipweb sim --first-boot (the command)', function () {
  this.timeout(60000);
  let sim: RunningCli;
  let dir: string;
  let store: string;
  let dnsPort = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-first-boot-'));
    store = join(dir, 'store.json');
    writeFileSync(store, JSON.stringify({ 'wifi.ssid': 'stale', 'wifi.pass': 'stale-pass' }));
    sim = await startCli(
      ['sim', join(ROOT, 'firmware/app/main.ts'), '--first-boot', '--port', '0', '--dns-port', '0', '--store', store],
      ROOT,
      40000,
    );
    await until(() => /udp:\/\/127\.0\.0\.1:(\d+)/.test(sim.output()), 'the DNS line');
    dnsPort = Number(/udp:\/\/127\.0\.0\.1:(\d+)/.exec(sim.output())?.[1]);
  });
  after(async () => {
    expect(await sim.stop()).to.equal(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with an empty store, in access-point mode, and says how to try the portal', async () => {
    const wifi = (await (await fetch(`${sim.url}/api/wifi`)).json()) as { mode: string; saved: string; ip: string };
    expect(wifi.mode).to.equal('ap');
    expect(wifi.saved).to.equal('');
    expect(wifi.ip).to.equal('127.0.0.1');
    expect(sim.output()).to.match(/first boot: no Wi-Fi credentials/);
    expect(sim.output()).to.match(/dig @127\.0\.0\.1 -p \d+ captive\.apple\.com/);
    expect(existsSync(store)).to.equal(false); // emptied: a new board remembers nothing
  });

  it('answers every DNS name with the simulator’s address', async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${dnsPort}`]);
    expect(await resolver.resolve4('connectivitycheck.gstatic.com')).to.deep.equal(['127.0.0.1']);
    expect(await resolver.resolve4('anything.example')).to.deep.equal(['127.0.0.1']);
  });

  it('redirects the connectivity checks to the setup page on the simulator’s port', async () => {
    const port = new URL(sim.url).port;
    for (const [host, path] of [
      ['connectivitycheck.gstatic.com', '/generate_204'],
      ['captive.apple.com', '/hotspot-detect.html'],
      ['www.msftconnecttest.com', '/connecttest.txt'],
    ]) {
      const r = await fetch(`${sim.url}${path}`, { redirect: 'manual', headers: { Host: `${host}:${port}` } });
      expect(r.status, path).to.equal(302);
      expect(r.headers.get('location'), path).to.equal(`http://127.0.0.1:${port}/`);
    }
    const scan = (await (await fetch(`${sim.url}/api/wifi/scan`)).json()) as { networks: { ssid: string }[] };
    expect(scan.networks.length).to.be.greaterThan(0);
  });

  it('refuses --dns-port without --first-boot', async () => {
    try {
      await startCli(['sim', 'examples/app.ts', '--port', '0', '--dns-port', '9'], ROOT, 20000);
      expect.fail('it served');
    } catch (error) {
      expect((error as Error).message).to.match(/--dns-port goes with --first-boot/);
    }
  });
});
