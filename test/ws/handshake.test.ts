/**
 * The opening handshake over real parsed heads (parseHead): which requests
 * are upgrades and which status the others get, subprotocol choice, and
 * the exact 101 response.
 */
import { expect } from 'chai';
import { HEAD_INCOMPLETE, parseHead, RequestHead } from '../../src/http/parser.ts';
import type { HeadLimits } from '../../src/http/parser.ts';
import { AcceptHasher } from '../../src/ws/accept.ts';
import { checkUpgrade, chooseProtocol, hasToken, writeSwitchingProtocols } from '../../src/ws/handshake.ts';

const LIMITS: HeadLimits = { maxRequestLine: 256, maxHeaderBytes: 1024, maxHeaders: 16 };
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

const BASE: [string, string][] = [
  ['Host', 'device.local'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', KEY],
  ['Sec-WebSocket-Version', '13'],
];

/** Parses a request with the given header fields; returns the slot and head. */
function parsed(
  fields: [string, string][],
  requestLine = 'GET /ws HTTP/1.1',
): { bytes: Uint8Array; head: RequestHead } {
  const text = `${requestLine}\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  const bytes = Buffer.from(text, 'latin1');
  const head = new RequestHead(LIMITS.maxHeaders);
  const result = parseHead(bytes, bytes.length, bytes.length, head, LIMITS);
  if (result === HEAD_INCOMPLETE || result < 0) throw new Error(`fixture did not parse: ${result}`);
  return { bytes, head };
}

/** checkUpgrade of BASE with `change` applied: replaces fields of the same name, null removes them. */
function check(change: Record<string, string | string[] | null> = {}, requestLine?: string): number {
  const fields: [string, string][] = [];
  for (const [name, value] of BASE) if (!(name in change)) fields.push([name, value]);
  for (const [name, value] of Object.entries(change)) {
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) fields.push([name, v]);
  }
  const { bytes, head } = parsed(fields, requestLine);
  return checkUpgrade(bytes, head);
}

describe('ws: handshake', () => {
  it('accepts a valid upgrade and points at the key field', () => {
    const { bytes, head } = parsed(BASE);
    const index = checkUpgrade(bytes, head);
    expect(index).to.equal(3);
    const h = head.headers;
    expect(Buffer.from(bytes.subarray(h[index * 4 + 2], h[index * 4 + 3])).toString('latin1')).to.equal(KEY);
  });

  it('reads the tokens ignoring case, in lists, and in repeated fields (as browsers send them)', () => {
    expect(check({ Upgrade: 'WebSocket', Connection: 'keep-alive, Upgrade' })).to.be.at.least(0);
    expect(check({ Upgrade: 'h2c, websocket', Connection: ['keep-alive', 'UPGRADE'] })).to.be.at.least(0);
    expect(check({ Connection: ' upgrade ,' })).to.be.at.least(0);
  });

  it('answers 426 to a plain request or another version (Upgrade and Sec-WebSocket-Version 13 go in the answer)', () => {
    expect(check({ Upgrade: null })).to.equal(-426);
    expect(check({ Upgrade: 'h2c' })).to.equal(-426);
    expect(check({ Upgrade: 'websockets' })).to.equal(-426);
    expect(check({ 'Sec-WebSocket-Version': '8' })).to.equal(-426);
    expect(check({ 'Sec-WebSocket-Version': '13, 8' })).to.equal(-426);
    expect(check({ 'Sec-WebSocket-Version': ['13', '8'] })).to.equal(-426);
    expect(check({ 'Sec-WebSocket-Version': null })).to.equal(-426);
  });

  it('answers 400 to a malformed upgrade', () => {
    expect(check({}, 'POST /ws HTTP/1.1')).to.equal(-400);
    expect(check({}, 'HEAD /ws HTTP/1.1')).to.equal(-400);
    expect(check({}, 'GET /ws HTTP/1.0')).to.equal(-400);
    expect(check({ Connection: null })).to.equal(-400);
    expect(check({ Connection: 'keep-alive' })).to.equal(-400);
    expect(check({ Connection: 'upgraded' })).to.equal(-400);
    expect(check({ 'Sec-WebSocket-Key': null })).to.equal(-400);
    expect(check({ 'Sec-WebSocket-Key': '' })).to.equal(-400);
    expect(check({ 'Sec-WebSocket-Key': [KEY, KEY] })).to.equal(-400);
    expect(check({ 'Sec-WebSocket-Key': Buffer.alloc(15, 1).toString('base64') })).to.equal(-400);
    expect(check({ 'Sec-WebSocket-Key': Buffer.alloc(17, 1).toString('base64') })).to.equal(-400);
    expect(check({ 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ' })).to.equal(-400);
    expect(check({ 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZ*Bub25jZQ==' })).to.equal(-400);
  });

  it('splits token lists on commas only, skipping whitespace around elements', () => {
    const at = (s: string, token: string) => hasToken(Buffer.from(s, 'latin1'), 0, s.length, token);
    expect(at('a, b ,c', 'b')).to.equal(true);
    expect(at('a, b ,c', 'c')).to.equal(true);
    expect(at('A,\tB', 'b')).to.equal(true);
    expect(at('ab', 'a')).to.equal(false);
    expect(at('', 'a')).to.equal(false);
    expect(at(',,,', 'a')).to.equal(false);
  });

  it('chooses the client’s most preferred subprotocol that the server supports', () => {
    const choose = (offers: string[] | null, supported: string[]) => {
      const fields: [string, string][] = [...BASE];
      for (const offer of offers ?? []) fields.push(['Sec-WebSocket-Protocol', offer]);
      const { bytes, head } = parsed(fields);
      return chooseProtocol(bytes, head, supported);
    };
    expect(choose(['chat, superchat'], ['superchat', 'chat'])).to.equal(1);
    expect(choose(['superchat,chat'], ['chat', 'superchat'])).to.equal(1);
    expect(choose(['v1.mqtt', 'chat'], ['chat'])).to.equal(0);
    expect(choose(['Chat'], ['chat'])).to.equal(-1);
    expect(choose(['chatty'], ['chat'])).to.equal(-1);
    expect(choose(['chat'], [])).to.equal(-1);
    expect(choose(null, ['chat'])).to.equal(-1);
  });

  it('writes the 101 response byte for byte, with and without a subprotocol', () => {
    const { bytes, head } = parsed(BASE);
    const key = checkUpgrade(bytes, head);
    const ks = head.headers[key * 4 + 2];
    const ke = head.headers[key * 4 + 3];
    const out = new Uint8Array(300);
    const end = writeSwitchingProtocols(new AcceptHasher(), bytes, ks, ke, null, out, 5);
    expect(end - 5).to.equal(129);
    expect(Buffer.from(out.subarray(5, end)).toString('latin1')).to.equal(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    );
    const end2 = writeSwitchingProtocols(new AcceptHasher(), bytes, ks, ke, 'chat', out, 0);
    expect(end2).to.equal(129 + 26 + 4);
    expect(Buffer.from(out.subarray(0, end2)).toString('latin1')).to.equal(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n',
    );
  });
});
