/**
 * captivePortal(): while the device serves its access point, each OS's
 * connectivity-check URL and every foreign Host get a 302 to the setup page
 * on the device's address (keeping the client's port); the device's own
 * names and addresses pass through; in station mode everything passes.
 * Runs on the in-memory platform with the simulated device.
 */
import { expect } from 'chai';
import { App } from '../../src/app.ts';
import { captivePortal, PROBE_PATHS } from '../../src/middleware/captive-portal.ts';
import { SimDevice } from '../../host-sim/device.ts';
import { WIFI_PASSWORD_KEY, WIFI_SSID_KEY } from '../../src/device.ts';
import { start, type Bench } from './helpers.ts';

function portalApp(options: Parameters<typeof captivePortal>[0] = {}): App {
  const app = new App();
  app.use(captivePortal(options));
  app.get('/', (c) => c.text('setup page'));
  app.get('/api/wifi', (c) => c.json({ ok: true }));
  app.get('/generate_204', (c) => c.empty(204));
  return app;
}

const get = (bench: Bench, path: string, host: string) =>
  bench.request(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);

describe('middleware: captivePortal', () => {
  let device: SimDevice;
  let bench: Bench;

  beforeEach(async () => {
    device = new SimDevice({ name: 'Kitchen Sensor' });
    bench = await start(portalApp(), { device });
    device.attach(bench.platform);
  });

  it('redirects every Android, Apple and Windows connectivity check to the setup page', async () => {
    const hosts: Record<string, string> = {
      '/generate_204': 'connectivitycheck.gstatic.com',
      '/gen_204': 'clients3.google.com',
      '/hotspot-detect.html': 'captive.apple.com',
      '/library/test/success.html': 'www.apple.com',
      '/connecttest.txt': 'www.msftconnecttest.com',
      '/ncsi.txt': 'www.msftncsi.com',
      '/redirect': 'www.msftconnecttest.com',
    };
    expect(Object.keys(hosts)).to.deep.equal([...PROBE_PATHS]);
    for (const [path, host] of Object.entries(hosts)) {
      for (const h of [host, '192.168.4.1']) {
        const r = await get(bench, path, h);
        expect(r.status, `${h}${path}`).to.equal(302);
        expect(r.headers.location, `${h}${path}`).to.equal('http://192.168.4.1/');
        expect(r.headers['cache-control']).to.equal('no-store');
      }
    }
  });

  it('redirects any other host to the setup page, keeping the port the client used', async () => {
    expect((await get(bench, '/some/page?x=1', 'example.com')).headers.location).to.equal('http://192.168.4.1/');
    expect((await get(bench, '/', 'neverssl.com:8080')).headers.location).to.equal('http://192.168.4.1:8080/');
  });

  it("lets the device's own names and addresses through", async () => {
    for (const host of [
      '192.168.4.1',
      '192.168.4.1:80',
      'kitchen-sensor',
      'KITCHEN-SENSOR.local',
      'localhost:8080',
      '10.0.0.7',
      '[fe80::1]:80',
    ]) {
      const r = await get(bench, '/', host);
      expect(r.status, host).to.equal(200);
      expect(r.body, host).to.equal('setup page');
    }
    expect((await bench.request('GET /api/wifi HTTP/1.0\r\n\r\n')).status).to.equal(200); // no Host at all
  });

  it('does nothing once the device has joined a network', async () => {
    bench.platform.storeSet(WIFI_SSID_KEY, 'home');
    bench.platform.storeSet(WIFI_PASSWORD_KEY, 'secret123');
    bench.platform.advance(1000); // the mode is read at most once a second
    expect((await get(bench, '/generate_204', 'connectivitycheck.gstatic.com')).status).to.equal(204);
    expect((await get(bench, '/', 'example.com')).status).to.equal(200);
  });

  it('takes another setup path, more probes, and an `active` test', async () => {
    const other = await start(portalApp({ setupPath: '/setup', probes: ['/success.txt'], active: () => true }), {
      device,
    });
    const r = await get(other, '/success.txt', 'detectportal.firefox.com');
    expect(r.status).to.equal(302);
    expect(r.headers.location).to.equal('http://192.168.4.1/setup');
    const off = await start(portalApp({ active: () => false }), { device });
    expect((await get(off, '/generate_204', 'connectivitycheck.gstatic.com')).status).to.equal(204);
  });
});
