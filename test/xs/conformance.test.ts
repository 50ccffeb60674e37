/**
 * The shared conformance cases on the real XS engine: each case's raw
 * request goes into a chipweb server running inside an xsnap worker (on
 * the in-memory Platform) and the response bytes that come back must equal,
 * byte for byte, both the expected bytes and what the same case produces on
 * Node. XS runs every case twice: routing with the generated matcher (as a
 * built board does) and with the table walk; Node with the table walk.
 *
 * Never: special-case XS; a difference between the engines is a failure.
 */
import { expect } from 'chai';
import { CASES } from '../conformance/cases.ts';
import { runCase, startConformanceServer } from '../conformance/run.ts';
import { XsEngine } from '../../host-sim/xs/engine.ts';

for (const router of ['code', 'table'] as const) {
  describe(`xs: conformance cases on XS (--router ${router}) and on Node, byte for byte`, () => {
    let engine: XsEngine;
    before(async () => {
      engine = await XsEngine.start({
        setup: `import { startConformanceServer } from './test/conformance/run.ts';\ninstallDriver(() => startConformanceServer(${router === 'code'}));`,
      });
    });
    after(async () => {
      await engine?.close();
    });

    for (const testCase of CASES) {
      it(testCase.name, async () => {
        await engine.restart();
        const id = await engine.connect();
        const events = await engine.send(id, Buffer.from(testCase.request, 'latin1'));
        const chunks: Uint8Array[] = [];
        let closed = false;
        for (const event of events) {
          if (event.kind === 'data' && event.id === id) chunks.push(event.bytes);
          if (event.kind === 'closed' && event.id === id) closed = true;
        }
        const onXs = Buffer.concat(chunks).toString('latin1');
        await engine.end(id);
        const xsSlots = (await engine.stats()).slotsInUse;

        const { platform, server } = await startConformanceServer();
        const onNode = await runCase(platform, server, testCase);

        expect(onXs, 'XS vs Node').to.equal(onNode.response);
        expect(onXs, 'XS vs expected').to.equal(testCase.expect);
        expect(closed, 'XS closed').to.equal(testCase.closes);
        expect(onNode.closed, 'Node closed').to.equal(testCase.closes);
        expect(xsSlots, 'XS slots in use after the client left').to.equal(0);
      });
    }
  });
}
