/**
 * SHA-1: the FIPS 180 test vectors, and random messages in random pieces
 * against Node's crypto (one reused hasher, as the server reuses one).
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { SHA1_BYTES, Sha1 } from '../../src/ws/sha1.ts';

function digestHex(hasher: Sha1, message: Uint8Array, cuts: number[] = []): string {
  hasher.reset();
  let from = 0;
  for (const cut of [...cuts.filter((c) => c <= message.length).sort((a, b) => a - b), message.length]) {
    hasher.update(message, from, cut);
    from = cut;
  }
  const out = new Uint8Array(SHA1_BYTES + 4);
  expect(hasher.digest(out, 2)).to.equal(2 + SHA1_BYTES);
  expect([out[0], out[1], out[22], out[23]]).to.deep.equal([0, 0, 0, 0]);
  return Buffer.from(out.subarray(2, 22)).toString('hex');
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('ws: SHA-1', () => {
  const hasher = new Sha1();

  it('gives the FIPS 180 example digests', () => {
    expect(digestHex(hasher, ascii('abc'))).to.equal('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(digestHex(hasher, new Uint8Array(0))).to.equal('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(digestHex(hasher, ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).to.equal(
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    );
    expect(digestHex(hasher, new Uint8Array(1_000_000).fill(97), [1, 63, 64, 65, 500_000])).to.equal(
      '34aa973cd4c4daa4f61eeb2bdbad27316534016f',
    );
  });

  it('hashes only the span it is given', () => {
    const bytes = ascii('xxabcyy');
    hasher.reset();
    hasher.update(bytes, 2, 5);
    const out = new Uint8Array(SHA1_BYTES);
    hasher.digest(out, 0);
    expect(Buffer.from(out).toString('hex')).to.equal('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('matches node:crypto on random messages fed in random pieces (padding edges included)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.integer({ min: 50, max: 140 }).map((n) => new Uint8Array(n).fill(n)),
        ),
        fc.array(fc.nat(300), { maxLength: 5 }),
        (message, cuts) => {
          const expected = createHash('sha1').update(message).digest('hex');
          expect(digestHex(hasher, message, cuts)).to.equal(expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});
