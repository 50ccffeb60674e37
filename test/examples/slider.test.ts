/**
 * examples/slider.ts, as its user would test it: the page and GET /value
 * with request() in memory, the live value with `ws` clients against
 * simulate(): a move on one socket reaches every socket, a bad value
 * closes the sender with 1003, and sockets that left are not sent to.
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { request, simulate } from 'chipweb/host-sim';
import type { Simulation } from 'chipweb/host-sim';
import slider from '../../examples/slider.ts';
import { until } from '../support/until.ts';

/** A socket on /slider with the values it received. */
async function open(sim: Simulation): Promise<{ ws: WebSocket; values: string[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${sim.port}/slider`);
  const values: string[] = [];
  ws.on('message', (data: Buffer) => values.push(data.toString()));
  await new Promise((resolve) => ws.once('open', resolve));
  await until(() => values.length === 1, 'the current value on open');
  return { ws, values };
}

describe('examples/slider.ts', () => {
  let sim: Simulation;
  before(async () => {
    sim = await simulate(slider, { port: 0, slots: 4, log: () => {} });
  });
  after(() => sim.close(100));

  it('serves the slider page', async () => {
    const page = await request(slider, '/');
    expect(page.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(page.text()).to.contain('<input id="s" type="range" min="0" max="100" disabled>');
  });

  it('sends every move to every open socket, and GET /value reads it', async () => {
    const a = await open(sim);
    const b = await open(sim);
    expect([a.values, b.values]).to.deep.equal([['50'], ['50']]);
    a.ws.send('73');
    await until(() => b.values.length === 2 && a.values.length === 2, 'the move on both sockets');
    expect([a.values[1], b.values[1]]).to.deep.equal(['73', '73']);
    expect((await request(slider, '/value')).json()).to.deep.equal({ value: 73 });

    // One leaves; its entry is skipped, then reused by the next socket.
    const left = new Promise((resolve) => a.ws.once('close', resolve));
    a.ws.close();
    await left;
    await until(() => sim.stats().webSockets === 1, 'the server to see it leave');
    b.ws.send('12');
    await until(() => b.values.length === 3, 'the move');
    const c = await open(sim);
    expect(c.values).to.deep.equal(['12']);
    c.ws.send('99');
    await until(() => b.values.length === 4 && c.values.length === 2, 'the move on both');
    expect([b.values[3], c.values[1], a.values.length]).to.deep.equal(['99', '99', 2]);
    b.ws.close();
    c.ws.close();
  });

  it('closes a socket that sends something else than a whole number from 0 to 100 (1003)', async () => {
    const s = await open(sim);
    const closed = new Promise<[number, string]>((resolve) =>
      s.ws.once('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])),
    );
    s.ws.send('101');
    expect(await closed).to.deep.equal([1003, 'send a whole number from 0 to 100']);
    await until(() => sim.stats().slotsInUse === 0, 'every slot free');
  });
});
