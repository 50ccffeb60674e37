/**
 * The one-string answer (Socket.writeText, as Espruino's sockets take it)
 * against the bytes the core writes, in Node: every shared conformance
 * case, run through the core's server with the Espruino build's response
 * module and codec (as the build links them) on in-memory sockets that take
 * text, gives the bytes the case expects, closes as it expects and frees
 * its slot; and the answers really went out as one string. Espruino's
 * typed-array set() of a byte string and its E functions (those of its
 * Linux build, which has Unicode) are stood in for.
 * (test:espruino runs the same cases on the engine.)
 *
 * Never: leave the stand-ins in place after the tests.
 */
import { expect } from 'chai';
import type { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import type { Server } from '../../src/server.ts';
import type { CaseResult } from '../conformance/run.ts';
import type { ConformanceCase } from '../conformance/cases.ts';
import { E_WITH_UNICODE, importWithEspruinoCodec, standInEspruino } from './espruino-bundle.ts';

/** The conformance cases and their runner, bundled as the Espruino build links the core. */
interface Bundle {
  CASES: ConformanceCase[];
  startConformanceServer(
    generated: boolean,
    options: { textSockets: boolean },
  ): Promise<{ platform: MemoryPlatform; server: Server }>;
  runCase(platform: MemoryPlatform, server: Server, testCase: ConformanceCase): Promise<CaseResult>;
}

describe('espruino: answers written as one string give the conformance bytes', () => {
  let restore: () => void;
  let bundle: Bundle;
  before(async () => {
    // Espruino's Linux build (with Unicode): strings with a char above 127 go to the core's encoder there.
    restore = standInEspruino(E_WITH_UNICODE);
    bundle = (await importWithEspruinoCodec(
      "export { CASES } from './test/conformance/cases.ts';\n" +
        "export { runCase, startConformanceServer } from './test/conformance/run.ts';",
      true,
    )) as unknown as Bundle;
  });
  after(() => restore());

  it('every case, its small plain answers sent as one string', async () => {
    let texts = 0;
    for (const testCase of bundle.CASES) {
      const { platform, server } = await bundle.startConformanceServer(false, { textSockets: true });
      const result = await bundle.runCase(platform, server, testCase);
      expect(result.response, testCase.name).to.equal(testCase.expect);
      expect(result.closed, testCase.name).to.equal(testCase.closes);
      expect(result.slotsInUse, testCase.name).to.equal(0);
      texts += platform.textAnswers;
    }
    // 28 of the answers are small and plain (the rest are errors, streams, WebSockets, assets, redirects).
    expect(texts, 'answers sent through writeText').to.be.at.least(28);
  });
});
