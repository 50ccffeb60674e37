/**
 * Sec-WebSocket-Accept: the RFC 6455 example, and many random keys (as
 * browsers make them: base64 of 16 random bytes) against node:crypto.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ACCEPT_LENGTH, AcceptHasher } from '../../src/ws/accept.ts';

const accept = new AcceptHasher();

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The key placed in a slot between other bytes, as the parser leaves it; returns the accept value. */
function acceptOf(key: string): string {
  const slot = Buffer.from(`Sec-WebSocket-Key: ${key}\r\n`, 'latin1');
  const out = new Uint8Array(ACCEPT_LENGTH + 6).fill(0xee);
  const end = accept.write(slot, 19, 19 + key.length, out, 3);
  expect(end).to.equal(3 + ACCEPT_LENGTH);
  expect([out[2], out[end]]).to.deep.equal([0xee, 0xee]);
  return Buffer.from(out.subarray(3, end)).toString('latin1');
}

describe('ws: Sec-WebSocket-Accept', () => {
  it('gives the RFC 6455 example value', () => {
    expect(acceptOf('dGhlIHNhbXBsZSBub25jZQ==')).to.equal('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('matches node:crypto for 2,000 random keys', () => {
    for (let i = 0; i < 2000; i++) {
      const key = randomBytes(16).toString('base64');
      const expected = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      expect(acceptOf(key)).to.equal(expected);
    }
  });
});
