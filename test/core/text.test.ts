/**
 * indexOfWhole (src/http/text.ts): indexOf as every engine means it, on V8
 * and with String indexOf made to behave as Espruino 2v29's does (a hit
 * where the string ends with the start of the needle).
 */
import { expect } from 'chai';
import { indexOfWhole } from '../../src/http/text.ts';

/** Runs `body` with String.prototype.indexOf answering as Espruino 2v29's: the needle may run past the end. */
function withEspruinoIndexOf(body: () => void): void {
  const original = String.prototype.indexOf;
  String.prototype.indexOf = function (this: string, needle: string, from = 0): number {
    for (let i = Math.max(0, from); i < this.length; i++) {
      let k = 0;
      while (k < needle.length && i + k < this.length && this[i + k] === needle[k]) k++;
      if (k === needle.length || i + k === this.length) return i;
    }
    return -1;
  };
  try {
    body();
  } finally {
    String.prototype.indexOf = original;
  }
}

describe('indexOfWhole', () => {
  const cases: [string, string, number, number][] = [
    ['GET / HTTP/1.1\r\nHost: d\r\n\r\n', '\r\n\r\n', 0, 23],
    ['GET / HTTP/1.1\r\nHost: d\r\n', '\r\n\r\n', 0, -1],
    ['GET / HTTP/1.1\r\nHost: d\r\n\r', '\r\n\r\n', 0, -1],
    ['text/html, text/plain', 'text/plain', 0, 11],
    ['text/html, text/pl', 'text/plain', 0, -1],
    ['a\nb\nc', '\n', 2, 3],
    ['short', 'longer than it', 0, -1],
  ];

  it('finds what indexOf finds on V8', () => {
    for (const [s, needle, from, want] of cases)
      expect(indexOfWhole(s, needle, from), JSON.stringify(s)).to.equal(want);
  });

  it("finds only whole needles where the engine's indexOf also reports one running past the end", () => {
    withEspruinoIndexOf(() => {
      expect('abc\r\n'.indexOf('\r\n\r\n'), 'the stand-in behaves as Espruino').to.equal(3);
      for (const [s, needle, from, want] of cases)
        expect(indexOfWhole(s, needle, from), JSON.stringify(s)).to.equal(want);
    });
  });
});
