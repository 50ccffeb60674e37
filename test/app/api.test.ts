/**
 * The dashboard's JSON API and page serving, over real sockets in the
 * simulator, without a browser: what curl sees.
 */
import { expect } from 'chai';
import * as http from 'node:http';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { WIFI_SSID_KEY } from '../../src/device.ts';
import { UI_BUDGET } from '../../toolchain/ui-build.ts';
import WebSocket from 'ws';
import { startDashboard, tempStore } from './dashboard-sim.ts';
import { until } from '../support/until.ts';
import type { Dashboard } from './dashboard-sim.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection (so it never holds a slot afterwards). */
function request(url: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { Connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body !== undefined) req.setHeader('Content-Type', 'application/json');
    req.end(body);
  });
}

async function json(url: string, method = 'GET', body?: unknown): Promise<{ status: number; data: any }> {
  const a = await request(
    url,
    method,
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  );
  return { status: a.status, data: JSON.parse(a.body.toString('utf8')) };
}

/** Opens the event stream and collects events until `until` says enough. */
function events(
  url: string,
  until: (names: string[], data: string[]) => boolean,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; names: string[]; data: string[] }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url + '/api/events', { agent: false }, (res) => {
      const names: string[] = [];
      const data: string[] = [];
      let buffer = '';
      const done = () => {
        req.destroy();
        resolve({ status: res.statusCode!, headers: res.headers, names, data });
      };
      if (res.statusCode !== 200) {
        res.resume();
        res.on('end', done);
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block);
          const line = /^data: (.*)$/m.exec(block);
          if (name && line) {
            names.push(name[1]);
            data.push(line[1]);
          }
        }
        if (until(names, data)) done();
      });
    });
    req.on('error', reject);
  });
}

describe('dashboard API (no browser)', () => {
  let d: Dashboard;
  before(async () => {
    d = await startDashboard();
  });
  after(() => d.close());

  it('serves the page gzipped from flash with a strong ETag, 304 and HEAD', async () => {
    const page = await request(d.url + '/');
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(page.headers['content-encoding']).to.equal('gzip');
    expect(page.headers['cache-control']).to.equal('no-cache');
    expect(page.headers.vary).to.equal('Accept-Encoding');
    const etag = page.headers.etag!;
    expect(etag).to.match(/^"[^"]+"$/); // strong: no W/
    expect(page.body.length).to.be.at.most(UI_BUDGET);
    expect(Number(page.headers['content-length'])).to.equal(page.body.length);
    const html = gunzipSync(page.body).toString('utf8');
    expect(html).to.match(/^<!doctype html>/i);
    expect(html).to.contain('<script>').and.to.contain('<style>');

    const again = await request(d.url + '/', 'GET', undefined, { 'If-None-Match': etag });
    expect(again.status).to.equal(304);
    expect(again.body.length).to.equal(0);
    expect(again.headers.etag).to.equal(etag);
    const listed = await request(d.url + '/', 'GET', undefined, { 'If-None-Match': `"nope", W/${etag}` });
    expect(listed.status).to.equal(304);
    const other = await request(d.url + '/', 'GET', undefined, { 'If-None-Match': '"nope"' });
    expect(other.status).to.equal(200);

    const head = await request(d.url + '/', 'HEAD');
    expect(head.status).to.equal(200);
    expect(head.body.length).to.equal(0);
    expect(head.headers['content-length']).to.equal(String(page.body.length));
    expect(head.headers.etag).to.equal(etag);
    expect(head.headers['content-encoding']).to.equal('gzip');
  });

  it('GET /api/status gives the pool, counters, memory and LED', async () => {
    const { status, data } = await json(d.url + '/api/status');
    expect(status).to.equal(200);
    expect(data.pool.slots).to.equal(6);
    expect(data.pool.inUse).to.be.at.least(1);
    expect(data.pool.highWater).to.be.at.least(data.pool.inUse);
    expect(data.requests).to.be.a('number');
    expect(data.responses).to.have.keys('1xx', '2xx', '3xx', '4xx', '5xx');
    expect(data.rejected).to.equal(0);
    expect(data.memory.kind).to.equal('node');
    expect(data.memory.used).to.be.above(0);
    expect(data.led).to.equal(false);
    expect(data.live).to.deep.equal({ subscribers: 0, max: 3 });
  });

  it('POST /api/led switches the device LED; bad bodies get a JSON 400', async () => {
    expect((await json(d.url + '/api/led', 'POST', { on: true })).data).to.deep.equal({ on: true });
    expect(d.device.led()).to.equal(true);
    expect((await json(d.url + '/api/led')).data).to.deep.equal({ on: true });
    expect((await json(d.url + '/api/led', 'POST', { on: false })).data).to.deep.equal({ on: false });
    expect(d.device.led()).to.equal(false);
    const bad = await json(d.url + '/api/led', 'POST', { on: 'yes' });
    expect(bad.status).to.equal(400);
    expect(bad.data.error).to.be.a('string');
    const notJson = await json(d.url + '/api/led', 'POST', '{nope');
    expect(notJson.status).to.equal(400);
    expect(notJson.data.error).to.match(/JSON/);
  });

  it('POST /api/wifi rejects bad credentials with the shared message and stores good ones', async () => {
    for (const [body, message] of [
      [{ ssid: '', password: '' }, 'the SSID is empty'],
      [{ ssid: 'x'.repeat(33), password: '' }, 'the SSID is longer than 32 bytes'],
      [{ ssid: 'Ä'.repeat(17), password: '' }, 'the SSID is longer than 32 bytes'], // 34 bytes in UTF-8
      [{ ssid: 'home', password: 'short' }, 'the password must be empty (open network) or 8 to 63 characters'],
      [{ ssid: 'home', password: 7 }, 'the password is not text'],
    ] as const) {
      const r = await json(d.url + '/api/wifi', 'POST', body);
      expect(r.status).to.equal(400);
      expect(r.data.error).to.equal(message);
    }
    expect(d.sim.platform.storeGet(WIFI_SSID_KEY)).to.equal(undefined);
    const ok = await json(d.url + '/api/wifi', 'POST', { ssid: 'home', password: 'correct horse' });
    expect(ok.status).to.equal(200);
    expect(ok.data.saved).to.equal(true);
    expect(JSON.stringify(ok.data)).not.to.contain('correct horse');
    const stored = JSON.parse(readFileSync(d.storeFile, 'utf8'));
    expect(stored[WIFI_SSID_KEY]).to.equal('home');
    const wifi = await json(d.url + '/api/wifi');
    expect(wifi.data.saved).to.equal('home');
    expect(JSON.stringify(wifi.data)).not.to.contain('correct horse');
  });

  it('GET /api/requests lists recent requests newest first', async () => {
    await request(d.url + '/nothing-here');
    const { data } = await json(d.url + '/api/requests');
    const miss = data.find((e: { path: string }) => e.path === '/nothing-here');
    expect(miss).to.include({ method: 'GET', status: 404 });
    expect(data[0].path).to.equal('/api/requests');
    for (let i = 1; i < data.length; i++) expect(data[i].at).to.be.at.most(data[i - 1].at);
  });

  it('GET /api/about gives the version, build time and flash use', async () => {
    const { data } = await json(d.url + '/api/about');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(data.version).to.equal(pkg.version);
    expect(Number.isNaN(Date.parse(data.built))).to.equal(false);
    expect(data.target).to.equal('simulator');
    expect(data.platform).to.equal('node');
    const page = await request(d.url + '/');
    expect(data.assets.bytes).to.equal(page.body.length);
    expect(data.assets.budget).to.equal(UI_BUDGET);
    expect(data.assets.free).to.equal(UI_BUDGET - page.body.length);
  });

  it('says no-store on every API answer, errors and the event stream included', async () => {
    const answers = await Promise.all([
      request(d.url + '/api/status'),
      request(d.url + '/api/led'),
      request(d.url + '/api/led', 'POST', 'not json', { 'Content-Type': 'application/json' }),
      request(d.url + '/api/wifi'),
      request(d.url + '/api/requests'),
      request(d.url + '/api/about'),
      request(d.url + '/api/ws'), // a plain GET to the WebSocket route: 426
    ]);
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 400, 200, 200, 200, 426]);
    for (const a of answers) expect(a.headers['cache-control']).to.equal('no-store');
    const stream = await events(d.url, () => true);
    expect(stream.headers['cache-control']).to.equal('no-store');
  });

  it('GET /api/events streams status, requests and LED events', async () => {
    const stream = events(d.url, (names) => names.includes('led') && names.includes('requests'));
    // Let the subscription start, then make news.
    for (let i = 0; i < 100 && (await json(d.url + '/api/status')).data.live.subscribers === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    await json(d.url + '/api/led', 'POST', { on: true });
    const got = await stream;
    expect(got.status).to.equal(200);
    expect(got.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(got.names[0]).to.equal('status');
    expect(JSON.parse(got.data[0]).pool.slots).to.equal(6);
    expect(JSON.parse(got.data[got.names.indexOf('led')])).to.deep.equal({ on: true });
  });

  it('bounds live subscribers to half the slots: one more gets 503 and may come back later', async () => {
    const held: http.ClientRequest[] = [];
    const opened: Promise<void>[] = [];
    for (let i = 0; i < 3; i++) {
      opened.push(
        new Promise((resolve) => {
          const req = http.get(d.url + '/api/events', { agent: false }, (res) => {
            expect(res.statusCode).to.equal(200);
            res.once('data', () => resolve());
          });
          held.push(req);
        }),
      );
    }
    await Promise.all(opened);
    const refused = await events(d.url, () => true);
    expect(refused.status).to.equal(503);
    expect(refused.headers['retry-after']).to.equal('10');
    held[0].destroy();
    // The slot is freed when the server sees the close; then a new subscriber fits.
    let again = await events(d.url, (names) => names.length > 0);
    for (let i = 0; i < 100 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await events(d.url, (names) => names.length > 0);
    }
    expect(again.status).to.equal(200);
    for (const req of held) req.destroy();
  });
});

describe('dashboard live updates over the WebSocket (/api/ws)', () => {
  let d: Dashboard;
  before(async () => {
    d = await startDashboard();
  });
  after(async () => {
    await d.close();
  });

  /** A `ws` client on /api/ws and the messages it received, parsed. */
  async function socket(): Promise<{ ws: WebSocket; got: { type: string; data: any }[] }> {
    const ws = new WebSocket(d.url.replace('http:', 'ws:') + '/api/ws');
    const got: { type: string; data: any }[] = [];
    ws.on('message', (data: Buffer) => got.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_q, res) => reject(new Error(`refused: ${res.statusCode}`)));
    });
    return { ws, got };
  }

  it('sends the status at once, switches the LED on {"led": …} for every page, and answers a bad command', async () => {
    const a = await socket();
    const b = await socket();
    const sse = events(d.url, (names) => names.includes('led'));
    await until(() => a.got.length > 0 && b.got.length > 0, 'the first status');
    expect(a.got[0].type).to.equal('status');
    expect(a.got[0].data.pool.slots).to.equal(6);
    await until(async () => (await json(d.url + '/api/status')).data.live.subscribers === 3, 'three subscribers');
    const on = !d.device.led();
    a.ws.send(JSON.stringify({ led: on }));
    await until(() => b.got.some((m) => m.type === 'led'), 'the LED event on the other socket');
    expect(d.device.led()).to.equal(on);
    expect(b.got.find((m) => m.type === 'led')!.data).to.deep.equal({ on });
    expect(a.got.find((m) => m.type === 'led')!.data).to.deep.equal({ on });
    expect(JSON.parse((await sse).data[(await sse).names.indexOf('led')])).to.deep.equal({ on });
    a.ws.send('switch it');
    await until(() => a.got.some((m) => m.type === 'error'), 'the error answer');
    expect(a.got.find((m) => m.type === 'error')!.data).to.deep.equal({ error: 'send {"led": true}' });
    expect(d.device.led()).to.equal(on);
    a.ws.close();
    b.ws.close();
    await until(async () => (await json(d.url + '/api/status')).data.live.subscribers === 0, 'nobody subscribed');
  });

  it('counts WebSockets and event streams together: one more gets 503 before the upgrade', async () => {
    const sockets = [await socket(), await socket()];
    const held = http.get(d.url + '/api/events', { agent: false });
    await until(async () => (await json(d.url + '/api/status')).data.live.subscribers === 3, 'three subscribers');
    const refused = await socket().catch((error: Error) => error.message);
    expect(refused).to.equal('refused: 503');
    expect((await events(d.url, () => true)).status).to.equal(503);
    sockets[0].ws.close();
    await until(async () => (await json(d.url + '/api/status')).data.live.subscribers === 2, 'a place free');
    const again = await socket();
    again.ws.close();
    sockets[1].ws.close();
    held.destroy();
  });
});

describe('dashboard Wi-Fi settings across a restart', () => {
  it('keeps the SSID in the store file', async () => {
    const storeFile = tempStore();
    const first = await startDashboard(storeFile);
    await json(first.url + '/api/wifi', 'POST', { ssid: 'cabin', password: '' });
    await first.close();
    const second = await startDashboard(storeFile);
    try {
      const { data } = await json(second.url + '/api/wifi');
      expect(data.saved).to.equal('cabin');
      expect(data.ssid).to.equal('cabin');
    } finally {
      await second.close();
    }
  });
});
