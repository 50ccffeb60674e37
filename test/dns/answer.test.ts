/**
 * The captive portal's DNS answerer (src/dns/answer.ts) on exact bytes, and
 * its host twin (host-sim/dns.ts) over real UDP on 127.0.0.1: node's own
 * resolver (c-ares) gets the device's address for any name, NODATA for
 * AAAA, NXDOMAIN for reverse lookups; malformed packets get FORMERR,
 * other opcodes and classes NOTIMP, responses no reply at all.
 */
import * as dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  answerDns,
  DNS_FORMERR,
  DNS_NOERROR,
  DNS_NOTIMP,
  DNS_NXDOMAIN,
  DNS_REPLY_BYTES,
  parseIPv4,
} from '../../src/dns/answer.ts';
import { startDnsServer } from '../../host-sim/dns.ts';

const ADDRESS = Uint8Array.of(192, 168, 4, 1);

/** A query: ID, flags (RD), one question, optionally an EDNS OPT record. */
function query(
  name: string,
  type: number,
  options: { id?: number; flags?: number; qclass?: number; opt?: boolean } = {},
) {
  const labels = name
    .split('.')
    .filter(Boolean)
    .flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]);
  const bytes = [
    (options.id ?? 0x1234) >> 8,
    (options.id ?? 0x1234) & 255,
    options.flags ?? 0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    options.opt ? 1 : 0,
    ...labels,
    0,
    type >> 8,
    type & 255,
    (options.qclass ?? 1) >> 8,
    (options.qclass ?? 1) & 255,
  ];
  if (options.opt) bytes.push(0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0);
  return Uint8Array.from(bytes);
}

function answer(q: Uint8Array): Uint8Array {
  const out = new Uint8Array(DNS_REPLY_BYTES);
  const n = answerDns(q, 0, q.length, out, ADDRESS, 60);
  return out.subarray(0, n);
}

const rcode = (r: Uint8Array) => r[3] & 15;
const count = (r: Uint8Array, at: number) => (r[at] << 8) | r[at + 1];

describe('DNS answerer (captive portal)', () => {
  it('answers an A question with the device’s address, the question echoed, ID and RD kept', () => {
    const q = query('connectivitycheck.gstatic.com', 1, { id: 0xbeef, opt: true });
    const r = answer(q);
    const questionEnd = q.length - 11; // without the OPT record
    expect(Buffer.from(r.subarray(0, 2)).toString('hex')).to.equal('beef');
    expect(r[2]).to.equal(0x85); // QR, AA, RD
    expect(r[3]).to.equal(0x00); // RA=0, NOERROR
    expect([count(r, 4), count(r, 6), count(r, 8), count(r, 10)]).to.deep.equal([1, 1, 0, 0]);
    expect(Buffer.from(r.subarray(12, questionEnd)).equals(Buffer.from(q.subarray(12, questionEnd)))).to.equal(true);
    expect(Buffer.from(r.subarray(questionEnd)).toString('hex')).to.equal('c00c000100010000003c0004c0a80401');
    expect(r.length).to.equal(questionEnd + 16);
  });

  it('answers ANY with the A record; AAAA and others with no data; reverse lookups with NXDOMAIN', () => {
    expect(count(answer(query('a.example', 255)), 6)).to.equal(1);
    for (const type of [28, 15, 16, 65]) {
      const r = answer(query('captive.apple.com', type));
      expect(rcode(r), `type ${type}`).to.equal(DNS_NOERROR);
      expect(count(r, 6), `type ${type}`).to.equal(0);
      expect(count(r, 4)).to.equal(1);
    }
    for (const name of ['1.4.168.192.in-addr.arpa', 'x.ip6.ARPA']) {
      const r = answer(query(name, 12));
      expect(rcode(r), name).to.equal(DNS_NXDOMAIN);
      expect(count(r, 6)).to.equal(0);
    }
  });

  it('answers other opcodes and classes with NOTIMP', () => {
    expect(rcode(answer(query('a.b', 1, { flags: 0x10 | 0x01 })))).to.equal(DNS_NOTIMP); // opcode 2 (STATUS)
    const chaos = answer(query('version.bind', 16, { qclass: 3 }));
    expect(rcode(chaos)).to.equal(DNS_NOTIMP);
    expect(count(chaos, 6)).to.equal(0);
  });

  it('answers malformed questions with FORMERR and responses not at all', () => {
    const good = query('a.example', 1);
    const two = Uint8Array.from(good);
    two[5] = 2;
    expect(rcode(answer(two))).to.equal(DNS_FORMERR);
    const none = Uint8Array.from(good);
    none[5] = 0;
    expect(rcode(answer(none))).to.equal(DNS_FORMERR);
    expect(rcode(answer(good.subarray(0, good.length - 2)))).to.equal(DNS_FORMERR); // no QCLASS
    expect(rcode(answer(good.subarray(0, 15)))).to.equal(DNS_FORMERR); // the name runs past the end
    const pointer = Uint8Array.from([...good.subarray(0, 12), 0xc0, 12, 0, 1, 0, 1]);
    expect(rcode(answer(pointer))).to.equal(DNS_FORMERR);
    const long = query(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`, 1);
    expect(rcode(answer(long))).to.equal(DNS_FORMERR); // over 255 bytes
    const response = Uint8Array.from(good);
    response[2] |= 0x80;
    expect(answer(response).length).to.equal(0);
    expect(answer(good.subarray(0, 11)).length).to.equal(0);
  });

  it('fuzz: any packet gets no reply or a well-formed one, never a throw or a write past the reply', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (packet) => {
        const out = new Uint8Array(DNS_REPLY_BYTES + 8).fill(0xaa);
        const n = answerDns(packet, 0, packet.length, out.subarray(0, DNS_REPLY_BYTES), ADDRESS, 60);
        expect(n === 0 || n >= 12).to.equal(true);
        expect(Array.from(out.subarray(DNS_REPLY_BYTES)).every((b) => b === 0xaa)).to.equal(true);
        if (n > 0) {
          expect(out[2] & 0x80).to.equal(0x80);
          expect([out[0], out[1]]).to.deep.equal([packet[0], packet[1]]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parses dotted IPv4 addresses', () => {
    const out = new Uint8Array(4);
    expect(parseIPv4('192.168.4.1', out)).to.equal(true);
    expect([...out]).to.deep.equal([192, 168, 4, 1]);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', 'a.b.c.d', '1.2.3.4 ', '0001.1.1.1'])
      expect(parseIPv4(bad, out), bad).to.equal(false);
  });

  describe('the host twin over real UDP on 127.0.0.1', () => {
    it("gives node's resolver the device's address for any name, no AAAA, and NXDOMAIN for reverse lookups", async () => {
      const server = await startDnsServer({ port: 0, address: '127.0.0.1' });
      try {
        const resolver = new Resolver({ timeout: 2000, tries: 1 });
        resolver.setServers([`127.0.0.1:${server.port}`]);
        for (const name of ['connectivitycheck.gstatic.com', 'captive.apple.com', 'www.msftconnecttest.com', 'x.y'])
          expect(await resolver.resolve4(name), name).to.deep.equal(['127.0.0.1']);
        const withTtl = await resolver.resolve4('example.com', { ttl: true });
        expect(withTtl).to.deep.equal([{ address: '127.0.0.1', ttl: 60 }]);
        try {
          await resolver.resolve6('example.com');
          expect.fail('AAAA resolved');
        } catch (error) {
          expect((error as NodeJS.ErrnoException).code).to.equal('ENODATA');
        }
        try {
          await resolver.reverse('10.0.0.1');
          expect.fail('PTR resolved');
        } catch (error) {
          expect((error as NodeJS.ErrnoException).code).to.equal('ENOTFOUND');
        }
        expect(server.answered()).to.be.at.least(7);
      } finally {
        await server.close();
      }
    });

    it('answers raw datagrams, and ignores responses', async () => {
      const server = await startDnsServer({ port: 0, address: '192.168.4.1', ttl: 5 });
      const client = dgram.createSocket('udp4');
      try {
        await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()));
        const replies: Buffer[] = [];
        client.on('message', (m) => replies.push(m));
        const response = Buffer.from(query('a.b', 1, { id: 7 }));
        response[2] |= 0x80;
        client.send(response, server.port, '127.0.0.1');
        client.send(Buffer.from(query('a.b', 1, { id: 8 })), server.port, '127.0.0.1');
        const deadline = Date.now() + 3000;
        while (replies.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(replies.length).to.equal(1);
        expect(replies[0].readUInt16BE(0)).to.equal(8);
        expect(replies[0].subarray(-4).toString('hex')).to.equal('c0a80401');
        expect(replies[0].readUInt32BE(replies[0].length - 10)).to.equal(5);
      } finally {
        client.close();
        await server.close();
      }
    });

    it('says when it cannot bind the port', async () => {
      const first = await startDnsServer({ port: 0, address: '127.0.0.1' });
      try {
        let failed = false;
        await startDnsServer({ port: first.port, address: '127.0.0.1' }).catch((e: NodeJS.ErrnoException) => {
          failed = e.code === 'EADDRINUSE';
        });
        expect(failed).to.equal(true);
        await startDnsServer({ port: 0, address: 'nowhere' }).catch((e: Error) => {
          expect(e.message).to.match(/not an IPv4 address/);
        });
      } finally {
        await first.close();
      }
    });
  });
});
