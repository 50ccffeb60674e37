/**
 * Incremental UTF-8 validation against Node's fatal TextDecoder: hand-picked
 * edge cases (overlong, surrogates, past U+10FFFF, truncated) and random
 * byte strings fed in random pieces; a failure must come at the first byte
 * that cannot continue a valid sequence.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Utf8Validator } from '../../src/ws/utf8-validator.ts';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isValid(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Feeds `bytes` in pieces cut at `cuts`; the verdict, and the piece index where it failed (-1 when none). */
function feed(validator: Utf8Validator, bytes: Uint8Array, cuts: number[]): { valid: boolean; failedIn: number } {
  validator.reset();
  const ends = [...cuts.filter((c) => c <= bytes.length).sort((a, b) => a - b), bytes.length];
  let from = 0;
  for (let i = 0; i < ends.length; i++) {
    if (!validator.check(bytes, from, ends[i])) return { valid: false, failedIn: i };
    from = ends[i];
  }
  return { valid: validator.complete(), failedIn: -1 };
}

/** Length of the longest prefix of `bytes` that is a prefix of some valid UTF-8 string. */
function validPrefix(bytes: Uint8Array): number {
  for (let n = bytes.length; n >= 0; n--) {
    const head = bytes.subarray(0, n);
    for (let tail = 0; tail <= 3; tail++) {
      // Some completion of up to 3 continuation bytes makes it valid?
      for (const fill of [0x80, 0x90, 0xa0, 0xbf]) {
        const tried = new Uint8Array(n + tail);
        tried.set(head);
        tried.fill(fill, n);
        if (isValid(tried)) return n;
      }
    }
  }
  return 0;
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));

describe('ws: UTF-8 validation', () => {
  const validator = new Utf8Validator();

  it('accepts every kind of valid sequence and rejects the classic invalid ones', () => {
    const valid = [
      '',
      '41',
      'c2 80',
      'df bf',
      'e0 a0 80',
      'ed 9f bf',
      'ee 80 80',
      'ef bf bf',
      'f0 90 80 80',
      'f4 8f bf bf',
    ];
    for (const v of valid) expect(feed(validator, hex(v), []).valid, v).to.equal(true);
    const invalid = [
      '80', // lone continuation
      'bf',
      'c0 80', // overlong NUL
      'c1 bf',
      'e0 9f bf', // overlong 3-byte
      'ed a0 80', // surrogate D800
      'ed bf bf', // surrogate DFFF
      'f0 8f bf bf', // overlong 4-byte
      'f4 90 80 80', // U+110000
      'f5 80 80 80',
      'ff',
      'c2', // truncated at the end
      'e2 82',
      'f0 9f 98',
      'c2 41', // lead without its continuation
    ];
    for (const v of invalid) expect(feed(validator, hex(v), []).valid, v).to.equal(false);
  });

  it('validates a character split across any pieces', () => {
    const bytes = hex('f0 9f 98 80 e2 82 ac c3 a9');
    for (let a = 0; a <= bytes.length; a++)
      for (let b = a; b <= bytes.length; b++) expect(feed(validator, bytes, [a, b]).valid).to.equal(true);
  });

  it('agrees with the fatal TextDecoder on random bytes in random pieces, failing at the first bad byte', () => {
    const utf8ish = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => new TextEncoder().encode(s)),
      fc
        .tuple(fc.string({ unit: 'binary', maxLength: 8 }), fc.nat(30), fc.integer({ min: 0x80, max: 0xff }))
        .map(([s, at, b]) => {
          const bytes = new TextEncoder().encode(s);
          const copy = new Uint8Array(bytes.length + 1);
          const p = Math.min(at, bytes.length);
          copy.set(bytes.subarray(0, p));
          copy[p] = b;
          copy.set(bytes.subarray(p), p + 1);
          return copy;
        }),
    );
    fc.assert(
      fc.property(utf8ish, fc.array(fc.nat(24), { maxLength: 4 }), (bytes, cuts) => {
        const expected = isValid(bytes);
        const got = feed(validator, bytes, cuts);
        expect(got.valid).to.equal(expected);
        if (!expected && got.failedIn >= 0) {
          // It failed in the piece holding the first byte that cannot be continued.
          const bad = validPrefix(bytes);
          const ends = [...cuts.filter((c) => c <= bytes.length).sort((a, b) => a - b), bytes.length];
          const piece = ends.findIndex((end) => end > bad);
          expect(got.failedIn).to.equal(piece);
        } else if (!expected) {
          // Only a truncated final character is found at the end.
          expect(validPrefix(bytes)).to.equal(bytes.length);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
