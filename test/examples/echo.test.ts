/**
 * examples/echo.ts, as its user would test it: the page and the 426 with
 * request() in memory, the echo with the `ws` client against simulate().
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { request, simulate } from 'chipweb/host-sim';
import type { Simulation } from 'chipweb/host-sim';
import echo from '../../examples/echo.ts';

describe('examples/echo.ts', () => {
  let sim: Simulation;
  before(async () => {
    sim = await simulate(echo, { port: 0, log: () => {} });
  });
  after(() => sim.close(100));

  it('serves its page, and answers a plain GET on the socket route with 426', async () => {
    const page = await request(echo, '/');
    expect(page.status).to.equal(200);
    expect(page.text()).to.contain('new WebSocket("ws://" + location.host + "/echo")');
    const plain = await request(echo, '/echo');
    expect([plain.status, plain.headers.upgrade]).to.deep.equal([426, 'websocket']);
  });

  it('echoes text as text and bytes as bytes', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${sim.port}/echo`);
    const got: [string, boolean][] = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => got.push([data.toString('hex'), isBinary]));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('héllo');
    ws.send(Buffer.from([0, 1, 2, 255]));
    for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).to.deep.equal([
      [Buffer.from('héllo').toString('hex'), false],
      ['000102ff', true],
    ]);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.close(1000);
    expect(await closed).to.equal(1000);
  });
});
