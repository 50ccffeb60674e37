/**
 * Every limit and status over real sockets on 127.0.0.1, keep-alive and
 * pipelining with a real HTTP client, and a connection storm far above the
 * slot count.
 */
import { expect } from 'chai';
import * as http from 'node:http';
import * as net from 'node:net';
import { App } from '../../src/index.ts';
import { simulate } from '../../host-sim/index.ts';
import type { Simulation } from '../../host-sim/index.ts';
import { errorResponse } from '../conformance/cases.ts';
import { exchange } from '../support/exchange.ts';

function app(): App {
  const a = new App();
  a.get('/', (c) => c.text('hi'));
  a.post('/upload', (c) => c.text(String(c.body().length)));
  a.get('/slow', async (c) => {
    await new Promise((r) => setTimeout(r, 30));
    c.text('slow');
  });
  return a;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Opens a socket and resolves when connected. */
function open(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Collects what arrives on a socket until it closes. */
function untilClose(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => resolve(text));
  });
}

describe('limits over real sockets', () => {
  let sim: Simulation;
  before(async () => {
    sim = await simulate(app(), {
      port: 0,
      slots: 4,
      slotSize: 2048,
      outputSize: 512,
      maxRequestLine: 256,
      maxHeaderBytes: 512,
      maxHeaders: 10,
      maxBody: 1000,
      headerTimeout: 300,
      bodyTimeout: 300,
      idleTimeout: 300,
      tick: 25,
      overflow: 'reject',
      log: () => {},
    });
  });
  after(() => sim.close(100));
  afterEach(async () => waitFor(() => sim.stats().slotsInUse === 0, 'every slot to be free'));

  const cases: [string, string, number][] = [
    ['414 for a long URI', `GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: h\r\n\r\n`, 414],
    ['431 for too many headers', `GET / HTTP/1.1\r\nHost: h\r\n${'X-A: 1\r\n'.repeat(12)}\r\n`, 431],
    ['431 for a large header block', `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'b'.repeat(600)}\r\n\r\n`, 431],
    ['413 for a body over maxBody', 'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n', 413],
    [
      '413 for a chunked body over maxBody',
      `POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n${'x'.repeat(1001)}\r\n0\r\n\r\n`,
      413,
    ],
    ['400 for garbage', 'HELLO\r\n\r\n', 400],
    [
      '400 for request smuggling (CL + TE)',
      'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['501 for an unknown method', 'FROB / HTTP/1.1\r\nHost: h\r\n\r\n', 501],
    ['505 for HTTP/2.0', 'GET / HTTP/2.0\r\nHost: h\r\n\r\n', 505],
  ];
  for (const [name, request, status] of cases) {
    it(name, async () => {
      const result = await exchange(sim.port, request, errorResponse(status).length);
      expect(result.response).to.equal(errorResponse(status));
      expect(result.closed).to.equal(true);
    });
  }

  it('accepts a body exactly at maxBody', async () => {
    const result = await exchange(
      sim.port,
      `POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(1000)}`,
      80,
    );
    expect(result.response).to.match(/\r\n\r\n1000$/);
  });

  it('408 for a head that stalls (slowloris), and a silent close for an idle connection', async () => {
    const stalled = await open(sim.port);
    const stalledText = untilClose(stalled);
    stalled.write('GET / HTTP/1.1\r\nHost');
    const idle = await open(sim.port);
    const idleText = untilClose(idle);
    expect(await stalledText).to.equal(errorResponse(408));
    expect(await idleText).to.equal('');
  });

  it('keeps connections alive for a real HTTP client (node:http agent)', async () => {
    const before = sim.stats().connections;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 5; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get(sim.url + '/', { agent }, (response) => {
            let text = '';
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () => resolve(`${response.statusCode} ${response.headers.connection} ${text}`));
          })
          .on('error', reject);
      });
      expect(body).to.equal('200 keep-alive hi');
    }
    agent.destroy();
    expect(sim.stats().connections - before).to.equal(1);
  });

  it('answers pipelined requests in order even when the first is slow', async () => {
    const request = 'GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n';
    const socket = await open(sim.port);
    const text = untilClose(socket);
    socket.write(request);
    const response = await text;
    expect(response.indexOf('slow')).to.be.lessThan(response.lastIndexOf('hi'));
    expect(response.match(/HTTP\/1.1 200 OK/g)?.length).to.equal(2);
  });

  it('survives a connection storm far above the slot count and frees every slot', async () => {
    const clients = 60;
    const results = await Promise.all(
      Array.from({ length: clients }, () =>
        exchange(sim.port, 'GET /slow HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', 0).then(
          (r) => r.response,
          () => 'error',
        ),
      ),
    );
    const ok = results.filter((r) => r.startsWith('HTTP/1.1 200 OK')).length;
    const busy = results.filter((r) => r.startsWith('HTTP/1.1 503 Service Unavailable')).length;
    expect(ok + busy).to.equal(clients);
    expect(ok).to.be.at.least(4);
    expect(sim.stats().rejected).to.be.at.least(busy);
    await waitFor(() => sim.stats().slotsInUse === 0, 'the storm to drain');
    const after = await fetch(sim.url + '/', { headers: { connection: 'close' } });
    expect(await after.text()).to.equal('hi');
  });

  it('frees the slot of a client that vanishes mid-request or mid-response', async () => {
    const midRequest = await open(sim.port);
    midRequest.write('POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 500\r\n\r\nabc');
    await waitFor(() => sim.stats().slotsInUse === 1, 'the request to arrive');
    midRequest.destroy();
    await waitFor(() => sim.stats().slotsInUse === 0, 'the slot to be freed');
    const midResponse = await open(sim.port);
    midResponse.write('GET /slow HTTP/1.1\r\nHost: h\r\n\r\n');
    await waitFor(() => sim.stats().slotsInUse === 1, 'the request to arrive');
    midResponse.destroy();
  });

  it('refuses a second server on the same port with a clear message', async () => {
    let message = '';
    await simulate(app(), { port: sim.port, log: () => {} }).catch((error: Error) => (message = error.message));
    expect(message).to.equal(
      `port ${sim.port} is already in use: stop the other server or choose another port (--port)`,
    );
  });
});
