/**
 * The shared conformance cases over real sockets on 127.0.0.1 (the Node
 * platform), byte for byte the same as on the in-memory platform; the
 * simulator routes with the generated matcher, as a built board does.
 */
import { expect } from 'chai';
import { simulate } from '../../host-sim/index.ts';
import type { Simulation } from '../../host-sim/index.ts';
import { conformanceApp } from './app.ts';
import { CASES } from './cases.ts';
import { exchange } from '../support/exchange.ts';

describe('conformance over real sockets (Node platform)', () => {
  let sim: Simulation;
  before(async () => {
    sim = await simulate(conformanceApp(), { port: 0, slots: 2, slotSize: 2048, outputSize: 512, log: () => {} });
  });
  after(() => sim.close(100));

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const result = await exchange(sim.port, testCase.request, testCase.expect.length);
      expect(result.response).to.equal(testCase.expect);
      expect(result.closed).to.equal(testCase.closes);
    });
  }

  it('routes with the generated matcher, unless told to walk the table', async () => {
    expect(sim.server.router).to.equal('code');
    const walking = await simulate(conformanceApp(), { port: 0, router: 'table', log: () => {} });
    try {
      expect(walking.server.router).to.equal('table');
    } finally {
      await walking.close(100);
    }
  });

  it('frees every slot once the clients are gone', async () => {
    for (let i = 0; i < 100 && sim.stats().slotsInUse > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sim.stats().slotsInUse).to.equal(0);
  });
});
