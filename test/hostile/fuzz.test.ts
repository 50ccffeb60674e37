/**
 * Fuzzing in `npm test`: a few hundred scenarios (random bytes, mutated
 * requests, split points, pauses, slow readers, drops) on the in-memory
 * platform. `npm run fuzz -- 20000` runs the same harness longer.
 */
import { expect } from 'chai';
import { fuzz, newTally } from './fuzz-harness.ts';

describe('hostile: fuzz on the in-memory platform', () => {
  it('every input ends in well-formed responses or a close; slots and spares all come back; the server still answers', async () => {
    const tally = newTally();
    await fuzz(Number(process.env.CHIPWEB_FUZZ_RUNS ?? 300), undefined, tally);
    expect(tally.scenarios).to.be.greaterThan(0);
    expect(tally.responses).to.be.greaterThan(0);
  });
});
