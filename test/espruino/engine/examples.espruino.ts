/**
 * One app, unchanged, on Espruino ($ESPRUINO) and in the Node simulator:
 * examples/app.ts and examples/echo.ts are built with `chipweb build
 * --target espruino` and served by the binary, then asked the same
 * requests as the same app in simulate(); every answer must match (status,
 * Content-Type, body; Server-Timing differs by nature). echo.ts's
 * WebSocket gives back text and bytes on both; slider.ts broadcasts a move
 * to every socket and closes a bad sender with 1003 on both.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { type EspruinoSimulation, serveOnEspruino } from '../../../host-sim/espruino/sim.ts';
import { SimDevice } from '../../../host-sim/device.ts';
import { type Simulation, simulate } from '../../../host-sim/simulate.ts';
import exampleApp from '../../../examples/app.ts';
import echoApp from '../../../examples/echo.ts';
import sliderApp from '../../../examples/slider.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** One request: method, path, optional body and headers. */
type Ask = [method: string, path: string, body?: string, headers?: Record<string, string>];

/** What is compared of an answer. */
async function answer(base: string, [method, path, body, headers]: Ask): Promise<string> {
  const response = await fetch(base + path, { method, body, headers: { Connection: 'close', ...headers } });
  return `${response.status} ${response.headers.get('content-type') ?? '-'} ${await response.text()}`;
}

/** Serves `entry` on Espruino in a fresh folder. */
async function onEspruino(entry: string): Promise<{ sim: EspruinoSimulation; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-example-'));
  return { sim: await serveOnEspruino(join(ROOT, entry), { port: 0, dir, assets: null }), dir };
}

describe('espruino engine: the examples, unchanged, answer as in the Node simulator', () => {
  it('examples/app.ts: routes, params, query, JSON bodies, groups with middleware, errors, async handlers', async () => {
    const asks: Ask[] = [
      ['GET', '/'],
      ['GET', '/users/42?fields=name'],
      ['GET', '/users/7'],
      ['POST', '/users', '{"name":"ann"}', { 'Content-Type': 'application/json' }],
      ['POST', '/users', '{}', { 'Content-Type': 'application/json' }],
      ['POST', '/users', '{bad', { 'Content-Type': 'application/json' }],
      ['GET', '/files/a/b.txt'],
      ['GET', '/api/v1/led'],
      ['GET', '/api/v1/led', undefined, { Authorization: 'Bearer secret' }],
      ['PUT', '/api/v1/led?on=1', undefined, { Authorization: 'Bearer secret' }],
      ['GET', '/api/v1/led', undefined, { Authorization: 'Bearer secret' }],
      ['GET', '/slow'],
      ['GET', '/nope'],
      ['DELETE', '/'],
    ];
    const node: Simulation = await simulate(exampleApp, { port: 0, device: new SimDevice() });
    const expected: string[] = [];
    try {
      for (const ask of asks) expected.push(await answer(node.url, ask));
    } finally {
      await node.close();
    }
    const { sim, dir } = await onEspruino('examples/app.ts');
    try {
      for (let i = 0; i < asks.length; i++)
        expect(await answer(sim.url, asks[i]), asks[i].slice(0, 2).join(' ')).to.equal(expected[i]);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('examples/echo.ts: the page, and text and bytes echoed over a WebSocket', async () => {
    const echoes = async (base: string): Promise<string[]> => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/echo`);
      const got: string[] = [];
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const done = new Promise<void>((resolve) =>
        ws.on('message', (data: Buffer, binary: boolean) => {
          got.push(binary ? `bytes ${[...data].join(',')}` : `text ${data.toString()}`);
          if (got.length === 2) resolve();
        }),
      );
      ws.send('hello');
      ws.send(Buffer.from([0, 1, 254, 255]));
      await done;
      ws.close();
      return [await answer(base, ['GET', '/']), ...got];
    };
    const node = await simulate(echoApp, { port: 0 });
    let expected: string[];
    try {
      expected = await echoes(node.url);
    } finally {
      await node.close();
    }
    expect(expected.slice(1)).to.deep.equal(['text hello', 'bytes 0,1,254,255']);
    const { sim, dir } = await onEspruino('examples/echo.ts');
    try {
      expect(await echoes(sim.url)).to.deep.equal(expected);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('examples/slider.ts: the page, the value, a move broadcast to every socket, 1003 for a bad value', async () => {
    const open = async (base: string) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/slider`);
      const got: string[] = [];
      ws.on('message', (data: Buffer) => got.push(data.toString()));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      return { ws, got };
    };
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 100 && !what(); i++) await new Promise((r) => setTimeout(r, 20));
    };
    const story = async (base: string): Promise<unknown[]> => {
      const page = await answer(base, ['GET', '/']);
      const a = await open(base);
      const b = await open(base);
      await until(() => a.got.length === 1 && b.got.length === 1);
      a.ws.send('73');
      await until(() => a.got.length === 2 && b.got.length === 2);
      const value = await answer(base, ['GET', '/value']);
      const closed = new Promise<number>((resolve) => b.ws.once('close', (code: number) => resolve(code)));
      b.ws.send('abc');
      const code = await closed;
      a.ws.send('50'); // back where it started, for the other engine
      await until(() => a.got.length === 3);
      a.ws.close();
      return [page, value, a.got, b.got, code];
    };
    const node = await simulate(sliderApp, { port: 0 });
    let expected: unknown[];
    try {
      expected = await story(node.url);
    } finally {
      await node.close();
    }
    expect(expected.slice(2)).to.deep.equal([['50', '73', '50'], ['50', '73'], 1003]);
    const { sim, dir } = await onEspruino('examples/slider.ts');
    try {
      expect(await story(sim.url)).to.deep.equal(expected);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
