/**
 * First-boot setup in the default firmware app, over real sockets in the
 * simulator: while the device has no network it serves its access point,
 * so each OS's connectivity check and every foreign Host get a 302 to the
 * setup page; GET /api/wifi/scan lists the networks the radio hears; once
 * credentials are saved the device is in station mode and the portal is
 * off.
 */
import * as http from 'node:http';
import { expect } from 'chai';
import { startDashboard, type Dashboard } from './dashboard-sim.ts';

function get(url: string, host?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Connection: 'close' };
    if (host) headers.Host = host;
    const req = http.get(url, { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

function post(url: string, data: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(data);
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', Connection: 'close' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('app: first-boot setup (captive portal, network scan)', function () {
  this.timeout(20000);
  let d: Dashboard;
  before(async () => {
    d = await startDashboard();
  });
  after(async () => {
    await d.close();
  });

  it('redirects connectivity checks and foreign hosts to the setup page while it serves its access point', async () => {
    expect(d.device.wifi().mode).to.equal('ap');
    const port = new URL(d.url).port;
    const probe = await get(`${d.url}/generate_204`, `connectivitycheck.gstatic.com:${port}`);
    expect(probe.status).to.equal(302);
    expect(probe.headers.location).to.equal(`http://192.168.4.1:${port}/`);
    const apple = await get(`${d.url}/hotspot-detect.html`, 'captive.apple.com');
    expect(apple.headers.location).to.equal('http://192.168.4.1/');
    // Its own address gets the page itself.
    expect((await get(`${d.url}/`)).status).to.equal(200);
  });

  it('lists the networks the radio hears, each once, strongest first', async () => {
    const r = await get(`${d.url}/api/wifi/scan`);
    expect(r.status).to.equal(200);
    expect(r.headers['cache-control']).to.equal('no-store');
    const { networks } = JSON.parse(r.body) as { networks: { ssid: string; rssi: number; secure: boolean }[] };
    expect(networks.map((n) => n.ssid)).to.deep.equal(['HomeNet', 'Workshop 2.4G', 'CoffeeShop Guest']);
    expect(networks[0]).to.deep.equal({ ssid: 'HomeNet', rssi: -48, channel: 6, secure: true });
    expect(networks[2].secure).to.equal(false);
  });

  it('turns the portal off once credentials are saved', async () => {
    expect(await post(`${d.url}/api/wifi`, { ssid: 'HomeNet', password: 'correct horse' })).to.equal(200);
    expect(d.device.wifi().mode).to.equal('station');
    // The mode is read at most once a second: poll until the portal has noticed.
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await get(`${d.url}/generate_204`, 'connectivitycheck.gstatic.com')).status;
      if (status !== 302) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).to.equal(404);
  });
});
