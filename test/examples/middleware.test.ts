/**
 * examples/middleware.ts in the Node simulator: every built-in middleware of
 * its chains does its part, and the logger at the head of every chain
 * records each request with the status the chain ended with. The same
 * story is told to Espruino (test/espruino/engine/examples.espruino.ts),
 * where the eight-handler chain must fit an ESP32's C stack, and to mcsim.
 */
import { expect } from 'chai';
import { simulate } from 'chipweb/host-sim';
import type { App } from '../../src/app.ts';
import { middlewareStory } from '../support/examples.ts';

describe('examples/middleware.ts', () => {
  let told = 0;
  /** The story told to a new instance of the app (its rate limiter's tokens are the module's) with `chainNesting`. */
  async function tell(chainNesting: number): Promise<string[]> {
    const module = new URL('../../examples/middleware.ts', import.meta.url);
    module.search = `?instance=${++told}`;
    const app = ((await import(module.href)) as { default: App }).default;
    const sim = await simulate(app, { port: 0, log: () => {}, chainNesting });
    try {
      return await middlewareStory(sim.url);
    } finally {
      await sim.close();
    }
  }

  it('answers through all of its middleware, and logs every request with its status', async () => {
    const story = await tell(0);
    expect(story).to.deep.equal([
      '200 ok',
      '204 * GET, HEAD, PUT, POST, DELETE, PATCH',
      '401 Basic realm="device", charset="UTF-8" 401 Unauthorized',
      '200 {"led":true}',
      '413 413 Content Too Large',
      '404 404 Not Found',
      'logged GET /healthz 200',
      'logged OPTIONS /admin/config 204',
      'logged POST /admin/config 401',
      'logged POST /admin/config 200',
      'logged POST /admin/config 413',
      'logged GET /nope 404',
    ]);
  });

  it('answers the same with a promise job every three handlers (chainNesting: 3, as on Espruino)', async () => {
    expect(await tell(3)).to.deep.equal(await tell(0));
  });
});
