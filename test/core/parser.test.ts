import { expect } from 'chai';
import {
  HEAD_INCOMPLETE,
  parseHead,
  RequestHead,
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
} from '../../src/http/parser.ts';
import type { HeadLimits } from '../../src/http/parser.ts';
import { ChunkedDecoder, CHUNKED_DONE, CHUNKED_INCOMPLETE } from '../../src/http/chunked.ts';
import { CASES } from '../conformance/cases.ts';

const LIMITS: HeadLimits = { maxRequestLine: 256, maxHeaderBytes: 512, maxHeaders: 8 };
const CAPACITY = 2048;

function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Parses `request` delivered in the given pieces; returns the result and the head. */
function parsePieces(request: string, cuts: number[]): { result: number; head: RequestHead; buffer: Uint8Array } {
  const all = bytes(request);
  const buffer = new Uint8Array(CAPACITY);
  const head = new RequestHead(LIMITS.maxHeaders);
  let filled = 0;
  let result = HEAD_INCOMPLETE;
  const ends = [...cuts, all.length];
  for (const end of ends) {
    buffer.set(all.subarray(filled, end), filled);
    filled = end;
    result = parseHead(buffer, filled, CAPACITY, head, LIMITS);
    if (result !== HEAD_INCOMPLETE) break;
  }
  return { result, head, buffer };
}

function text(buffer: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...buffer.subarray(start, end));
}

function snapshot(parsed: { result: number; head: RequestHead; buffer: Uint8Array }): string {
  const { result, head, buffer } = parsed;
  if (result <= 0) return `status ${result}`;
  const headers: string[] = [];
  for (let i = 0; i < head.headerCount; i++) {
    const h = head.headers;
    headers.push(`${text(buffer, h[i * 4], h[i * 4 + 1])}=${text(buffer, h[i * 4 + 2], h[i * 4 + 3])}`);
  }
  return JSON.stringify({
    result,
    method: text(buffer, head.start, head.methodEnd),
    target: text(buffer, head.targetStart, head.targetEnd),
    path: text(buffer, head.pathStart, head.pathEnd),
    minor: head.minorVersion,
    headers,
    contentLength: head.contentLength,
    chunked: head.chunked,
    connection: head.connection,
    expect: head.expectContinue,
  });
}

describe('parser: request heads', () => {
  it('records method, target, path, version and header spans', () => {
    const parsed = parsePieces(
      'GET /users/42?x=1 HTTP/1.1\r\nHost: device\r\nX-Empty:\r\nAccept:  text/html \r\n\r\n',
      [],
    );
    const { head, buffer, result } = parsed;
    expect(result).to.be.greaterThan(0);
    expect(text(buffer, head.start, head.methodEnd)).to.equal('GET');
    expect(text(buffer, head.pathStart, head.pathEnd)).to.equal('/users/42');
    expect(text(buffer, head.targetStart, head.targetEnd)).to.equal('/users/42?x=1');
    expect(head.headerCount).to.equal(3);
    expect(text(buffer, head.headers[2 * 4 + 2], head.headers[2 * 4 + 3])).to.equal('text/html');
    expect(text(buffer, head.headers[1 * 4 + 2], head.headers[1 * 4 + 3])).to.equal('');
    expect(head.findHeader(buffer, 'accept')).to.equal(2);
    expect(head.findHeader(buffer, 'missing')).to.equal(-1);
  });

  it('accepts every form of Host RFC 9112 allows', () => {
    for (const host of ['device', 'device:8080', '192.168.4.1', '[::1]:80', 'a-b.c_d~e', '']) {
      const parsed = parsePieces(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`, []);
      expect(parsed.result, host).to.be.greaterThan(0);
    }
  });

  it('returns the offset just past the blank line', () => {
    const request = 'GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT';
    expect(parsePieces(request, []).result).to.equal(request.length - 4);
  });

  it('skips empty lines before the request line', () => {
    const parsed = parsePieces('\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', []);
    expect(text(parsed.buffer, parsed.head.start, parsed.head.methodEnd)).to.equal('GET');
  });

  it('understands absolute-form and asterisk-form targets', () => {
    const absolute = parsePieces('GET http://device:80/a/b?q HTTP/1.1\r\nHost: device\r\n\r\n', []);
    expect(text(absolute.buffer, absolute.head.pathStart, absolute.head.pathEnd)).to.equal('/a/b');
    const star = parsePieces('OPTIONS * HTTP/1.1\r\nHost: device\r\n\r\n', []);
    expect(text(star.buffer, star.head.pathStart, star.head.pathEnd)).to.equal('*');
  });

  it('reads Content-Length, chunked, Connection and Expect', () => {
    const a = parsePieces(
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0012\r\nConnection: keep-alive, Close\r\nExpect: 100-Continue\r\n\r\n',
      [],
    ).head;
    expect(a.contentLength).to.equal(12);
    expect(a.connection).to.equal(CONNECTION_CLOSE | CONNECTION_KEEP_ALIVE);
    expect(a.expectContinue).to.equal(true);
    const b = parsePieces('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n', []).head;
    expect(b.chunked).to.equal(true);
    expect(b.contentLength).to.equal(-1);
  });

  const invalid: [string, string, number][] = [
    ['no method', ' / HTTP/1.1\r\nHost: a\r\n\r\n', -400],
    ['two spaces', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', -400],
    ['control byte in target', 'GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n', -400],
    ['lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n', -400],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: a\r\n\r\n', -505],
    ['HTTP/3.0', 'GET / HTTP/3.0\r\nHost: a\r\n\r\n', -505],
    ['missing Host (1.1)', 'GET / HTTP/1.1\r\n\r\n', -400],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', -400],
    ['space inside Host', 'GET / HTTP/1.1\r\nHost: local host\r\n\r\n', -400],
    ['Host with a path', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', -400],
    ['Host with userinfo', 'GET / HTTP/1.1\r\nHost: u@a\r\n\r\n', -400],
    ['Host port not a number', 'GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n', -400],
    ['Host with two ports', 'GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n', -400],
    ['unclosed IP literal', 'GET / HTTP/1.1\r\nHost: [::1\r\n\r\n', -400],
    ['Host with a non-ASCII byte', 'GET / HTTP/1.1\r\nHost: caf\xe9\r\n\r\n', -400],
    ['header without colon', 'GET / HTTP/1.1\r\nHost: a\r\nBroken\r\n\r\n', -400],
    ['space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', -400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n', -400],
    ['NUL in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', -400],
    ['bare LF in head', 'GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n', -400],
    ['negative Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', -400],
    ['Content-Length with letters', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1a\r\n\r\n', -400],
    ['empty Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n', -400],
    ['repeated Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n', -400],
    [
      'Content-Length and chunked',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n',
      -400,
    ],
    [
      'two Transfer-Encodings',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
      -400,
    ],
    ['chunked not last', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', -501],
    ['unknown Expect', 'GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n', -417],
    ['absolute-form without path', 'GET http://a HTTP/1.1\r\nHost: a\r\n\r\n', -400],
  ];
  for (const [name, request, status] of invalid) {
    it(`rejects ${name} with ${-status}`, () => {
      expect(parsePieces(request, []).result).to.equal(status);
    });
  }

  it('answers 414 for a request line over the limit, even before it ends', () => {
    const long = 'GET /' + 'a'.repeat(300);
    expect(parsePieces(long, []).result).to.equal(-414);
    expect(parsePieces(long + ' HTTP/1.1\r\nHost: a\r\n\r\n', []).result).to.equal(-414);
  });

  it('answers 431 for too many headers or a header block over the limit', () => {
    let many = 'GET / HTTP/1.1\r\nHost: a\r\n';
    for (let i = 0; i < 8; i++) many += `X-${i}: 1\r\n`;
    expect(parsePieces(many + '\r\n', []).result).to.equal(-431);
    expect(parsePieces('GET / HTTP/1.1\r\nHost: a\r\nX: ' + 'v'.repeat(600), []).result).to.equal(-431);
  });

  it('decides 431 the same wherever the reads split a head: a block of exactly maxHeaderBytes fits, one byte more does not', () => {
    const line = 'GET / HTTP/1.1\r\n';
    // Header lines of exactly 512 bytes, CRLFs included, then the blank line.
    const block = (size: number) => `Host: a\r\nX: ${'v'.repeat(size - 14)}\r\n`;
    for (const [size, fits] of [
      [512, true],
      [513, false],
    ] as const) {
      const request = line + block(size) + '\r\n';
      for (let cut = line.length; cut < request.length; cut++) {
        const result = parsePieces(request, [cut]).result;
        if (fits) expect(result, `${size} bytes, cut at ${cut}`).to.equal(request.length);
        else expect(result, `${size} bytes, cut at ${cut}`).to.equal(-431);
      }
    }
  });

  it('answers 431 when the head cannot complete within the slot', () => {
    const buffer = new Uint8Array(64);
    const head = new RequestHead(8);
    const request = bytes('GET / HTTP/1.1\r\nHost: a\r\nX: ' + 'v'.repeat(80));
    buffer.set(request.subarray(0, 64));
    expect(parseHead(buffer, 64, 64, head, { maxRequestLine: 256, maxHeaderBytes: 4096, maxHeaders: 8 })).to.equal(
      -431,
    );
  });

  it('skips a leading CRLF that arrives split across reads', () => {
    const parsed = parsePieces('\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', [1]);
    expect(parsed.result).to.be.greaterThan(0);
    expect(text(parsed.buffer, parsed.head.start, parsed.head.methodEnd)).to.equal('GET');
  });

  it('waits while the head is incomplete', () => {
    expect(parsePieces('GET / HTTP/1.1\r\nHost: a\r\n', []).result).to.equal(HEAD_INCOMPLETE);
    expect(parsePieces('GET / HT', []).result).to.equal(HEAD_INCOMPLETE);
  });

  it('gives the same result for every request split at every byte boundary', () => {
    const requests = CASES.map((c) => c.request).concat(invalid.map(([, request]) => request));
    let checks = 0;
    for (const request of requests) {
      const whole = snapshot(parsePieces(request, []));
      for (let cut = 1; cut < request.length; cut++) {
        expect(snapshot(parsePieces(request, [cut])), `${JSON.stringify(request)} cut at ${cut}`).to.equal(whole);
        checks++;
      }
      // And byte by byte.
      const everyByte = Array.from({ length: request.length - 1 }, (_, i) => i + 1);
      expect(snapshot(parsePieces(request, everyByte))).to.equal(whole);
    }
    expect(checks).to.be.greaterThan(1000);
  });
});

describe('parser: chunked bodies', () => {
  function decode(raw: string, cuts: number[], maxBody = 1024): { status: number; body: string; rest: string } {
    const all = bytes(raw);
    const buffer = new Uint8Array(all.length);
    const decoder = new ChunkedDecoder();
    decoder.reset(0);
    let filled = 0;
    let status = CHUNKED_INCOMPLETE;
    for (const end of [...cuts, all.length]) {
      buffer.set(all.subarray(filled, end), filled);
      filled = end;
      status = decoder.decode(buffer, filled, maxBody, 0);
      if (status !== CHUNKED_INCOMPLETE) break;
    }
    // Bytes after the body (a pipelined request) arrive too, untouched by the decoder.
    buffer.set(all.subarray(filled), filled);
    filled = all.length;
    return { status, body: text(buffer, 0, decoder.bodyEnd), rest: text(buffer, decoder.readPos, filled) };
  }

  const body = '5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nGET /next';

  it('decodes in place, drops extensions and trailers, keeps what follows', () => {
    expect(decode(body, [])).to.deep.equal({ status: CHUNKED_DONE, body: 'hello 0123456789', rest: 'GET /next' });
  });

  it('gives the same result for every split', () => {
    const whole = decode(body, []);
    for (let cut = 1; cut < body.length; cut++) expect(decode(body, [cut]), `cut at ${cut}`).to.deep.equal(whole);
    expect(
      decode(
        body,
        Array.from({ length: body.length - 1 }, (_, i) => i + 1),
      ),
    ).to.deep.equal(whole);
  });

  it('rejects malformed framing with 400 and oversize bodies with 413', () => {
    expect(decode('z\r\n', []).status).to.equal(-400);
    expect(decode('5\r\nhelloX\r\n', []).status).to.equal(-400);
    expect(decode('5\nhello\r\n', []).status).to.equal(-400);
    expect(decode('400\r\n', [], 100).status).to.equal(-413);
    expect(decode('ffffffff\r\n', []).status).to.equal(-413);
    expect(decode('10000000\r\n', []).status).to.equal(-413); // 8 significant digits
    // Leading zeros are digits like any (1*HEXDIG): the size is what counts.
    expect(decode('00000005\r\nhello\r\n0000\r\n\r\n', []).status).to.equal(1);
    expect(decode('1 2\r\n' + 'x'.repeat(18) + '\r\n0\r\n\r\n', []).status).to.equal(-400); // digits after whitespace (smuggling)
    expect(decode('5 ;ext\r\nhello\r\n0\r\n\r\n', []).status).to.equal(1); // whitespace before an extension is fine
  });
});
