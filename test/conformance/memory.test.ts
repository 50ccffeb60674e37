import { expect } from 'chai';
import { CASES } from './cases.ts';
import { runCase, startConformanceServer } from './run.ts';

describe('conformance on the in-memory platform', () => {
  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const { platform, server } = await startConformanceServer();
      const result = await runCase(platform, server, testCase);
      expect(result.response).to.equal(testCase.expect);
      expect(result.closed).to.equal(testCase.closes);
      expect(result.slotsInUse).to.equal(0);
    });
  }
});
