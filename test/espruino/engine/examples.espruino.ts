/**
 * One app, unchanged, on Espruino ($ESPRUINO) and in the Node simulator:
 * examples/app.ts, echo.ts, slider.ts and middleware.ts are built with `chipweb build
 * --target espruino`, served by the binary, and told the same stories
 * (test/support/examples.ts) as the same apps in simulate(); everything
 * they answer must match. `npm run test:moddable` tells mcsim the same.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { App } from '../../../src/app.ts';
import { serveOnEspruino } from '../../../host-sim/espruino/sim.ts';
import { SimDevice } from '../../../host-sim/device.ts';
import { simulate } from '../../../host-sim/simulate.ts';
import exampleApp from '../../../examples/app.ts';
import echoApp from '../../../examples/echo.ts';
import middlewareApp from '../../../examples/middleware.ts';
import sliderApp from '../../../examples/slider.ts';
import { appStory, echoStory, middlewareStory, sliderStory } from '../../support/examples.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** What `story` sees of `app` in the Node simulator, then of `entry` on Espruino. */
async function both<T>(app: App, entry: string, story: (base: string) => Promise<T>): Promise<[T, T]> {
  const node = await simulate(app, { port: 0, device: new SimDevice() });
  let expected: T;
  try {
    expected = await story(node.url);
  } finally {
    await node.close();
  }
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-espruino-example-'));
  const sim = await serveOnEspruino(join(ROOT, entry), { port: 0, dir, assets: null });
  try {
    return [await story(sim.url), expected];
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('espruino engine: the examples, unchanged, answer as in the Node simulator', () => {
  it('examples/app.ts: routes, params, query, JSON bodies, groups with middleware, errors, async handlers', async () => {
    const [got, expected] = await both(exampleApp, 'examples/app.ts', appStory);
    expect(got).to.deep.equal(expected);
  });

  it('examples/echo.ts: the page, and text and bytes echoed over a WebSocket', async () => {
    const [got, expected] = await both(echoApp, 'examples/echo.ts', echoStory);
    expect(expected.slice(1)).to.deep.equal(['hello', 'bytes 0,1,254,255']);
    expect(got).to.deep.equal(expected);
  });

  it("examples/middleware.ts: eight handlers in one chain within an ESP32's C stack (chainNesting)", async () => {
    const [got, expected] = await both(middlewareApp, 'examples/middleware.ts', middlewareStory);
    expect(expected).to.have.length(12);
    expect(got).to.deep.equal(expected);
  });

  it('examples/slider.ts: the page, the value, a move broadcast to every socket, 1003 for a bad value', async () => {
    const [got, expected] = await both(sliderApp, 'examples/slider.ts', sliderStory);
    expect(expected.slice(2)).to.deep.equal([['50', '73', '50'], ['50', '73'], 1003]);
    expect(got).to.deep.equal(expected);
  });
});
