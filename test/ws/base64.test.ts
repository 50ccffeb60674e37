/**
 * Base64: encoding random spans against Buffer's base64, and the decoded
 * length check (the handshake key must stand for 16 bytes).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { base64DecodedLength, base64Length, encodeBase64 } from '../../src/ws/base64.ts';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('ws: base64', () => {
  it('encodes the RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      const out = new Uint8Array(16);
      const end = encodeBase64(ascii(plain), 0, plain.length, out, 1);
      expect(end).to.equal(1 + encoded.length);
      expect(base64Length(plain.length)).to.equal(encoded.length);
      expect(Buffer.from(out.subarray(1, end)).toString('latin1')).to.equal(encoded);
    }
  });

  it('matches Buffer on random spans, writing nothing outside its output', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(10), fc.nat(10), (bytes, a, b) => {
        const start = Math.min(a, bytes.length);
        const end = Math.max(start, bytes.length - b);
        const out = new Uint8Array(base64Length(end - start) + 4).fill(0xee);
        const stop = encodeBase64(bytes, start, end, out, 2);
        expect(stop).to.equal(2 + base64Length(end - start));
        expect(Buffer.from(out.subarray(2, stop)).toString('latin1')).to.equal(
          Buffer.from(bytes.subarray(start, end)).toString('base64'),
        );
        expect([out[0], out[1], out[stop], out[stop + 1]]).to.deep.equal([0xee, 0xee, 0xee, 0xee]);
      }),
      { numRuns: 300 },
    );
  });

  it('tells how many bytes padded base64 stands for, and -1 for anything else', () => {
    const length = (s: string) => base64DecodedLength(ascii(s), 0, s.length);
    expect(length('dGhlIHNhbXBsZSBub25jZQ==')).to.equal(16);
    expect(length('Zm9vYmFy')).to.equal(6);
    expect(length('Zm9vYmE=')).to.equal(5);
    expect(length('')).to.equal(0);
    expect(length('Zm9vYmE')).to.equal(-1); // not a multiple of 4
    expect(length('Zm9v YmE=')).to.equal(-1);
    expect(length('Zm=vYmE=')).to.equal(-1); // padding inside
    expect(length('Zm9vY===')).to.equal(-1); // three pad characters
    expect(length('Zm9-Zm9v')).to.equal(-1); // URL-safe alphabet is not base64 here
    for (let n = 0; n < 40; n++) {
      const encoded = Buffer.alloc(n, 7).toString('base64');
      expect(length(encoded)).to.equal(n);
    }
  });
});
