/**
 * `chipweb sim --engine xs` (serveOnXs): real sockets on Node, the app and
 * the HTTP engine inside XS. Checks answers, keep-alive, the host services
 * (assets, store, memory) and that XS's timers run (idle keep-alive close).
 *
 * Never: assert timings beyond generous bounds; the clock is real time here.
 */
import { expect } from 'chai';
import * as net from 'node:net';
import { serveOnXs } from '../../host-sim/xs/bridge.ts';
import type { XsSimulation } from '../../host-sim/xs/bridge.ts';
import { until } from '../support/until.ts';

/** Sends raw bytes on one connection and collects what comes back until `until` matches or the peer closes. */
function exchange(
  port: number,
  request: string,
  until: (text: string) => boolean,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer; got ${JSON.stringify(text)}`));
    }, 5000);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (until(text)) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ text, closed: false });
      }
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;
const count = (text: string, what: string) => text.split(what).length - 1;

describe('xs: chipweb sim --engine xs (serveOnXs)', () => {
  let sim: XsSimulation;
  const logs: string[] = [];
  before(async () => {
    sim = await serveOnXs(new URL('./fixtures/bridge-app.ts', import.meta.url).pathname, {
      port: 0,
      slots: 2,
      idleTimeout: 300,
      tick: 50,
      assets: { 'a.txt': new TextEncoder().encode('asset bytes') },
      log: (line) => logs.push(line),
    });
  });
  after(async () => {
    await sim?.close();
  });

  it('answers over a real socket with bytes made in XS', async () => {
    const response = await fetch(`${sim.url}/users/7`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ id: '7' });
  });

  it('keeps the connection alive across pipelined requests', async () => {
    const { text, closed } = await exchange(sim.port, get('/') + get('/users/1') + get('/nope'), (t) =>
      t.includes('404 Not Found\n'),
    );
    expect(closed).to.equal(false);
    expect(count(text, 'HTTP/1.1 200 OK')).to.equal(2);
    expect(text).to.include('hello from xs');
    expect(text.endsWith('404 Not Found\n')).to.equal(true);
  });

  it('serves assets and keeps the store through the Node host', async () => {
    expect(await (await fetch(`${sim.url}/asset/a.txt`)).text()).to.equal('asset bytes');
    expect((await fetch(`${sim.url}/asset/missing.txt`)).status).to.equal(404);
    expect((await fetch(`${sim.url}/store/colour`, { method: 'PUT', body: 'blue' })).status).to.equal(204);
    expect(await (await fetch(`${sim.url}/store/colour`)).text()).to.equal('blue');
    expect(await (await fetch(`${sim.url}/engine`)).json()).to.deep.equal({ platform: 'memory', heapUsed: true });
  });

  it('runs XS timers in real time: an idle keep-alive connection is closed', async () => {
    const started = Date.now();
    const { text, closed } = await exchange(sim.port, get('/'), () => false);
    expect(text).to.include('hello from xs');
    expect(closed).to.equal(true);
    expect(Date.now() - started).to.be.lessThan(3000);
  });

  it('queues a connection while every slot is taken, and serves it when a busy one answers with Connection: close, as on the board', async () => {
    const holders = [net.connect(sim.port, '127.0.0.1'), net.connect(sim.port, '127.0.0.1')];
    const heard = ['', ''];
    holders.forEach((s, i) => {
      s.on('data', (chunk) => {
        heard[i] += chunk.toString('latin1');
      });
      s.on('error', () => {});
      s.write('GET / HTTP/1.1\r\nHost: t\r\n'); // heads not finished yet: both slots stay busy
    });
    try {
      const waiting = exchange(sim.port, get('/'), (t) => t.includes('hello from xs'));
      await until(async () => ((await sim.engine.stats()).queued as number) >= 1, 'the newcomer queued');
      holders[0].write('\r\n'); // its answer frees the slot: it must say so
      const { text } = await waiting;
      expect(text.startsWith('HTTP/1.1 200 ')).to.equal(true);
      expect(heard[0]).to.match(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n/);
    } finally {
      holders.forEach((s) => s.destroy());
    }
  });
});
