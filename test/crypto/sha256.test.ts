/**
 * The streaming SHA-256 and the hex helpers against node:crypto: the FIPS
 * 180-4 examples, every length around the block and padding edges, random
 * messages cut into random pieces (fast-check), reuse after digest(), and
 * digests compared and parsed without strings.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { SHA256_BYTES, Sha256 } from '../../src/crypto/sha256.ts';
import { equalBytes, parseHex, parseHexString, toHex, writeHex } from '../../src/crypto/hex.ts';

const ascii = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const node = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function ours(hasher: Sha256, bytes: Uint8Array, cuts: number[] = []): string {
  let p = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    hasher.update(bytes, p, cut);
    p = cut;
  }
  hasher.update(bytes, p, bytes.length);
  const out = new Uint8Array(SHA256_BYTES + 4);
  expect(hasher.digest(out, 2)).to.equal(2 + SHA256_BYTES);
  return toHex(out, 2, 2 + SHA256_BYTES);
}

describe('crypto: SHA-256', () => {
  it('gives the FIPS 180-4 example digests', () => {
    const h = new Sha256();
    expect(ours(h, ascii(''))).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(ours(h, ascii('abc'))).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(ours(h, ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).to.equal(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('matches node:crypto for every length from 0 to 300 bytes (block and padding edges)', () => {
    const h = new Sha256();
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 167 + 13) & 255);
    for (let n = 0; n <= 300; n++)
      expect(ours(h, data.subarray(0, n)), `length ${n}`).to.equal(node(data.subarray(0, n)));
  });

  it('matches node:crypto for random messages cut into random pieces', () => {
    const h = new Sha256();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (bytes, cuts) =>
          ours(
            h,
            bytes,
            cuts.map((c) => c % (bytes.length + 1)),
          ) === node(bytes),
      ),
      { numRuns: 300 },
    );
  });

  it('hashes a span of a larger buffer without reading outside it', () => {
    const h = new Sha256();
    const buffer = Uint8Array.from({ length: 1000 }, (_, i) => i & 255);
    h.update(buffer, 100, 700);
    const out = new Uint8Array(32);
    h.digest(out, 0);
    expect(toHex(out, 0, 32)).to.equal(node(buffer.subarray(100, 700)));
  });

  it('counts the bytes hashed and starts over after digest()', () => {
    const h = new Sha256();
    h.update(ascii('hello'), 0, 5);
    h.update(ascii('hello'), 2, 2);
    expect(h.length).to.equal(5);
    expect(ours(h, ascii('abc'), [])).to.not.equal(node(ascii('abc'))); // 'hello' is still in it
    expect(h.length).to.equal(0);
    expect(ours(h, ascii('abc'))).to.equal(node(ascii('abc')));
    h.update(ascii('xyz'), 0, 3);
    h.reset();
    expect(ours(h, ascii('abc'))).to.equal(node(ascii('abc')));
  });

  it('hashes 1 MB in slot-sized pieces as node:crypto does', () => {
    const h = new Sha256();
    const image = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31 + (i >> 11)) & 255);
    for (let p = 0; p < image.length; p += 1460) h.update(image, p, Math.min(image.length, p + 1460));
    const out = new Uint8Array(32);
    h.digest(out, 0);
    expect(toHex(out, 0, 32)).to.equal(node(image));
  });
});

describe('crypto: hex digests', () => {
  const digest = createHash('sha256').update('chipweb').digest();
  const hex = digest.toString('hex');

  it('parses a hex digest from bytes, any case, spaces around ignored', () => {
    const out = new Uint8Array(34);
    expect(parseHex(ascii(`  ${hex.toUpperCase()}\t`), 0, hex.length + 3, out, 1, 32)).to.equal(true);
    expect(Buffer.from(out.subarray(1, 33)).equals(digest)).to.equal(true);
    const framed = ascii(`X-Image-SHA256: ${hex}\r\n`);
    expect(parseHex(framed, 16, 16 + 64, out, 0, 32)).to.equal(true);
    expect(Buffer.from(out.subarray(0, 32)).equals(digest)).to.equal(true);
  });

  it('refuses a wrong length or a non-hex digit', () => {
    const out = new Uint8Array(32);
    expect(parseHex(ascii(hex.slice(1)), 0, 63, out, 0, 32)).to.equal(false);
    expect(parseHex(ascii(hex + '0'), 0, 65, out, 0, 32)).to.equal(false);
    expect(parseHex(ascii(`${hex.slice(0, 63)}g`), 0, 64, out, 0, 32)).to.equal(false);
    expect(parseHex(ascii(`${hex.slice(0, 30)} ${hex.slice(31)}`), 0, 64, out, 0, 32)).to.equal(false);
    expect(parseHexString('', out, 0, 32)).to.equal(false);
    expect(parseHexString(`${hex}z`, out, 0, 32)).to.equal(false);
  });

  it('parses a hex digest from a string', () => {
    const out = new Uint8Array(32);
    expect(parseHexString(` ${hex} `, out, 0, 32)).to.equal(true);
    expect(Buffer.from(out).equals(digest)).to.equal(true);
  });

  it('compares digests and writes hex into a buffer', () => {
    const a = Uint8Array.from(digest);
    const b = Uint8Array.from(digest);
    expect(equalBytes(a, 0, b, 0, 32)).to.equal(true);
    b[31] ^= 1;
    expect(equalBytes(a, 0, b, 0, 32)).to.equal(false);
    b[31] ^= 1;
    b[0] ^= 0x80;
    expect(equalBytes(a, 0, b, 0, 32)).to.equal(false);
    const out = new Uint8Array(70);
    expect(writeHex(a, 0, 32, out, 3)).to.equal(67);
    expect(Buffer.from(out.subarray(3, 67)).toString('latin1')).to.equal(hex);
  });
});
