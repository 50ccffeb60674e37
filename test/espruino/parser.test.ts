/**
 * The Espruino request-head parser (firmware/espruino/parser.ts) against
 * the core's (src/http/parser.ts), in Node with a stand-in for Espruino's
 * E.toString: every head gives the same result and the same recorded
 * spans and flags, for the conformance requests, a browser's head, and
 * generated heads mixing valid and malformed pieces. (test:espruino runs
 * it on the engine itself, through the conformance cases.)
 *
 * Never: leave the stand-ins in place after the tests.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ENGINE_HEADER_INDEXER as espruinoIndexer } from '../../firmware/espruino/engine-headers.ts';
import { parseHead as espruinoParseHead, knownHeaderSection, takeKnownHead } from '../../firmware/espruino/parser.ts';
import { type HeadLimits, parseHead, RequestHead } from '../../src/http/parser.ts';
import { CASES } from '../conformance/cases.ts';
import { bytesToString, E_WITHOUT_UNICODE, standInEspruino } from './espruino-bundle.ts';

const LIMITS: HeadLimits = { maxRequestLine: 256, maxHeaderBytes: 512, maxHeaders: 8 };
const CAPACITY = 2048;

/**
 * What a parse leaves: the result and every field of the head. With `cut`,
 * the first `cut` bytes arrive first and are parsed on their own, then the rest.
 */
function outcome(parse: typeof parseHead, request: string, cut = 0, limits = LIMITS): string {
  const buffer = new Uint8Array(CAPACITY);
  const bytes = Buffer.from(request, 'latin1');
  buffer.set(bytes.subarray(0, CAPACITY), 0);
  const head = new RequestHead(LIMITS.maxHeaders);
  const filled = Math.min(bytes.length, CAPACITY);
  if (cut > 0 && cut < filled) {
    const early = parse(buffer, cut, CAPACITY, head, limits);
    if (early !== 0) return JSON.stringify({ early });
  }
  const result = parse(buffer, filled, CAPACITY, head, limits);
  // Espruino's parser leaves the header spans until one is read: record them as reading one would.
  if (head.unindexedFrom !== 0) indexWithEspruino(buffer, head);
  const fields = { ...head, headers: Array.from(head.headers.subarray(0, head.headerCount * 4)) };
  return JSON.stringify({ result, fields });
}

/** A head's fields as outcome() reports them (the header spans indexed as reading one would). */
function fieldsOf(bytes: Uint8Array, head: RequestHead): string {
  if (head.unindexedFrom !== 0) indexWithEspruino(bytes, head);
  return JSON.stringify({ ...head, headers: Array.from(head.headers.subarray(0, head.headerCount * 4)) });
}

/**
 * What the express lane's head taker (takeKnownHead) makes of `request` as
 * the socket's text: the outcome() of the head it took, or null when it
 * took none, in which case it must have left the head as it was.
 */
function takenOutcome(request: string): string | null {
  const buffer = new Uint8Array(CAPACITY);
  const head = lastRequestsHead();
  const before = JSON.stringify(head);
  const taken = takeKnownHead(request, buffer, head, LIMITS);
  if (taken === 0) {
    expect(JSON.stringify(head), `left as it was: ${JSON.stringify(request)}`).to.equal(before);
    return null;
  }
  // The core's parser numbers no line (knownLine 0); the lane numbers every line it takes.
  expect(head.knownLine, 'the taken line is numbered').to.be.above(0);
  head.knownLine = 0;
  return JSON.stringify({ result: taken, fields: JSON.parse(fieldsOf(buffer, head)) });
}

/**
 * A head as the last request left it: the server does not reset a head
 * before the express lane takes the next (Engine.finish), so the lane must
 * write every field. This one's fields all differ from a reset head's.
 */
function lastRequestsHead(): RequestHead {
  const head = new RequestHead(LIMITS.maxHeaders);
  const last =
    '\r\nPOST /upload?a=1 HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n';
  const bytes = Buffer.from(last, 'latin1');
  expect(parseHead(bytes, bytes.length, CAPACITY, head, LIMITS)).to.equal(bytes.length);
  head.scanFrom = 7;
  head.unindexedFrom = 9;
  head.knownLine = -1; // no number the lane gives: a head it took last keeps what its number's line gave
  head.contentLength = 12;
  const fresh = new RequestHead(LIMITS.maxHeaders) as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(head))
    if (name !== 'headers') expect(value, `the last request's ${name}`).to.not.equal(fresh[name]);
  return head;
}

/** What RequestHead.indexHeaders does with Espruino's indexer (in Node the core's module has none). */
function indexWithEspruino(bytes: Uint8Array, head: RequestHead): void {
  if (espruinoIndexer === null) throw new Error('the Espruino build has a header indexer');
  head.headerCount = espruinoIndexer(bytes, head.unindexedFrom, head.headEnd, head.headers);
  head.unindexedFrom = 0;
}

const BROWSER =
  'GET /api/status?x=1 HTTP/1.1\r\nHost: 192.168.4.1\r\nConnection: keep-alive\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0\r\nAccept: */*\r\n' +
  'Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US,en;q=0.9\r\n\r\n';

describe('espruino parser: the same heads as the core parser', () => {
  let restore: () => void;
  before(() => {
    // Espruino's E.toString: bytes as a string, and a string as a flat copy of itself; and its typed arrays'
    // set() of a byte string (the express lane's copy into the slot), which V8 would write as zeros.
    restore = standInEspruino({
      ...E_WITHOUT_UNICODE,
      toString: (view: Uint8Array | string) => (typeof view === 'string' ? view : bytesToString(view)),
    });
  });
  after(() => restore());

  it('parses the conformance requests and a browser head as the core does', () => {
    for (const request of [BROWSER, ...CASES.map((c) => c.request)])
      expect(outcome(espruinoParseHead, request), JSON.stringify(request)).to.equal(outcome(parseHead, request));
  });

  it('takes each of them whole again once its header lines are known, as the core records it (the express lane)', () => {
    let lanes = 0;
    for (const request of [BROWSER, ...CASES.map((c) => c.request)]) {
      outcome(espruinoParseHead, request); // makes its lines the known section, when they are plain
      const taken = takenOutcome(request);
      if (taken === null) continue;
      expect(taken, JSON.stringify(request)).to.equal(outcome(parseHead, request));
      lanes++;
    }
    expect(lanes, 'heads the express lane took').to.be.at.least(20);
  });

  it('takes a request line it took last from memory, with the same spans, and checks and numbers a new one', () => {
    const request = (line: string) => `${line}\r\nHost: 127.0.0.1\r\n\r\n`;
    outcome(espruinoParseHead, request('GET /a HTTP/1.1')); // the known section
    const take = (line: string) => {
      const bytes = new Uint8Array(CAPACITY);
      const head = lastRequestsHead();
      const taken = takeKnownHead(request(line), bytes, head, LIMITS);
      const number = head.knownLine;
      head.knownLine = 0;
      return { taken, number, fields: taken > 0 ? fieldsOf(bytes, head) : '' };
    };
    const first = take('GET /a?x=1#f HTTP/1.1');
    const again = take('GET /a?x=1#f HTTP/1.1');
    expect(again).to.deep.equal(first);
    expect(JSON.parse(first.fields)).to.deep.equal(
      JSON.parse(outcome(parseHead, request('GET /a?x=1#f HTTP/1.1'))).fields,
    );
    // Same length, other text: checked anew (a bad one refused), a good one numbered anew and recorded as the core does.
    expect(take('GET /a?x=1#\x7f HTTP/1.1').taken).to.equal(0);
    const other = take('PUT /b?y=2#g HTTP/1.0');
    expect(other.taken).to.be.above(0);
    expect(other.number).to.be.above(first.number);
    expect(JSON.parse(other.fields)).to.deep.equal(
      JSON.parse(outcome(parseHead, request('PUT /b?y=2#g HTTP/1.0'))).fields,
    );
    expect(take('PUT /b?y=2#g HTTP/1.0')).to.deep.equal(other);
    const back = take('GET /a?x=1#f HTTP/1.1');
    expect(back.number).to.be.above(other.number);
    expect(back.fields).to.equal(first.fields);
  });

  it('leaves a head that took the same line last as it is, but for what reading a header changed', () => {
    const request = 'GET /a?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n';
    outcome(espruinoParseHead, request); // the known section
    // The fields, without the header spans (what they hold past headerCount means nothing).
    const fields = (head: RequestHead) => JSON.stringify({ ...head, headers: undefined });
    const bytes = new Uint8Array(CAPACITY);
    const head = lastRequestsHead();
    expect(takeKnownHead(request, bytes, head, LIMITS)).to.equal(request.length);
    const first = fields(head);
    indexWithEspruino(bytes, head); // a handler read a header
    expect(head.headerCount).to.equal(2);
    expect(takeKnownHead(request, bytes, head, LIMITS)).to.equal(request.length);
    expect(fields(head)).to.equal(first);
    // Another line in between numbers the same line anew: the head gets every field again.
    const other = 'PUT /b HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n';
    expect(takeKnownHead(other, new Uint8Array(CAPACITY), new RequestHead(LIMITS.maxHeaders), LIMITS)).to.equal(
      other.length,
    );
    head.methodEnd = 99;
    expect(takeKnownHead(request, bytes, head, LIMITS)).to.equal(request.length);
    expect(head.methodEnd).to.equal(3);
    expect(head.knownLine).to.be.above(JSON.parse(first).knownLine);
    expect({ ...JSON.parse(fields(head)), knownLine: 0 }).to.deep.equal({ ...JSON.parse(first), knownLine: 0 });
    // A new known section numbers the same line anew too: what the section gave (Connection, the length) differs.
    const closing = 'GET /a?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
    outcome(espruinoParseHead, closing);
    expect(takeKnownHead(closing, bytes, head, LIMITS)).to.equal(closing.length);
    expect(head.connection).to.not.equal(0);
    expect(head.headEnd).to.equal(closing.length);
  });

  it('takes a known section only under limits of the values it was checked with', () => {
    const request = 'GET /limits HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n';
    outcome(espruinoParseHead, request); // the known section, checked under LIMITS
    const take = (limits: HeadLimits) =>
      takeKnownHead(request, new Uint8Array(CAPACITY), new RequestHead(LIMITS.maxHeaders), limits);
    // Another server's limits: the section was not checked under them (the core would refuse it with 431).
    expect(take({ ...LIMITS, maxHeaders: 1 })).to.equal(0);
    expect(take({ ...LIMITS, maxHeaderBytes: 8 })).to.equal(0);
    // Limits of the same values, in another object, are the same limits.
    expect(take({ ...LIMITS })).to.equal(request.length);
    expect(take(LIMITS)).to.equal(request.length);
  });

  it('checks every header line but leaves their spans until a header is read, then finds them as the core does', () => {
    const bytes = new Uint8Array(CAPACITY);
    bytes.set(Buffer.from(BROWSER, 'latin1'));
    const head = new RequestHead(LIMITS.maxHeaders);
    expect(espruinoParseHead(bytes, BROWSER.length, CAPACITY, head, LIMITS)).to.equal(BROWSER.length);
    expect(head.headerCount).to.equal(0);
    expect(head.unindexedFrom).to.equal(BROWSER.indexOf('\r\n') + 2);
    const core = new RequestHead(LIMITS.maxHeaders);
    parseHead(bytes, BROWSER.length, CAPACITY, core, LIMITS);
    // RequestHead.findHeader asks the engine's indexer; in Node the core's module has none.
    indexWithEspruino(bytes, head);
    expect(head.unindexedFrom).to.equal(0);
    expect(head.headerCount).to.equal(6);
    for (const name of ['host', 'accept-encoding', 'accept-language', 'x-missing'])
      expect(head.findHeader(bytes, name), name).to.equal(core.findHeader(bytes, name));
    expect(Array.from(head.headers.subarray(0, 28))).to.deep.equal(Array.from(core.headers.subarray(0, 28)));
  });

  it('refuses a CR or LF out of place as the core does, in the request line and in a header line', () => {
    // Each would look whole to a check that only reads the characters around the line ends it expects.
    const heads = [
      'GET / HTTP/1.11\nHost: h\r\n\r\n',
      'GET / HTTP/1.1\r\r\nHost: h\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\r\nX: a\r\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\r\n\n',
      'GET / HTTP/1.1\r\nHost: h\r\nX: 1\n\r\n',
      'GET / HTTP/1.1\x01\r\nHost: h\r\n\r\n',
    ];
    for (const request of heads) {
      const core = outcome(parseHead, request);
      expect(JSON.parse(core).result, JSON.stringify(request)).to.be.below(0);
      expect(outcome(espruinoParseHead, request), JSON.stringify(request)).to.equal(core);
    }
  });

  it('takes a header section it checked before from memory, and answers as the core does, new request line or not', () => {
    const section = BROWSER.slice(BROWSER.indexOf('\r\n') + 2);
    const before = knownHeaderSection().hits;
    const heads = [
      BROWSER,
      BROWSER, // the same head again: its lines from memory
      `POST /api/led HTTP/1.1\r\nContent-Length: 0\r\n${section}`, // another section: checked
      `GET /x?y=1 HTTP/1.0\r\n${section}`, // another request line, the same lines
      `GET /\x01 HTTP/1.1\r\n${section}`, // a control character in the new request line
      `GET / HTTP/1.1x\n${section}`, // its line not ended by CR LF
      `GET / HTTP/1.1\r\n${section.replace('Accept: */*', 'Accept : */*')}`, // a changed line: checked again
    ];
    for (const request of heads)
      expect(outcome(espruinoParseHead, request), JSON.stringify(request)).to.equal(outcome(parseHead, request));
    expect(knownHeaderSection().section).to.equal(section);
    // The second head, the fourth; the fifth and sixth are refused by their request line before or after.
    expect(knownHeaderSection().hits - before).to.be.at.least(2);
    // Under a smaller header limit the known section is checked again, and refused as the core refuses it.
    const few = { ...LIMITS, maxHeaders: 3 };
    expect(outcome(espruinoParseHead, BROWSER, 0, few)).to.equal(outcome(parseHead, BROWSER, 0, few));
    expect(JSON.parse(outcome(parseHead, BROWSER, 0, few)).result).to.be.below(0);
  });

  it('agrees at the limits: a request line and a header section one byte either side of what they may take', () => {
    for (let line = LIMITS.maxRequestLine - 3; line <= LIMITS.maxRequestLine + 3; line++)
      for (let section = LIMITS.maxHeaderBytes - 4; section <= LIMITS.maxHeaderBytes + 6; section++) {
        // GET /aaa… HTTP/1.1 CRLF, `line` bytes with its CRLF; then Host and one padding header, `section` bytes
        // up to the blank line's end.
        const target = `/${'a'.repeat(line - 'GET / HTTP/1.1\r\n'.length)}`;
        const host = 'Host: h\r\n';
        const pad = `X-Pad: ${'b'.repeat(section - host.length - 'X-Pad: \r\n\r\n'.length)}\r\n`;
        const head = `GET ${target} HTTP/1.1\r\n${host}${pad}\r\n`;
        for (const rest of ['', 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'])
          for (const cut of [0, head.length - 1]) {
            const request = head + rest;
            expect(outcome(espruinoParseHead, request, cut), `line ${line}, section ${section}, cut ${cut}`).to.equal(
              outcome(parseHead, request, cut),
            );
          }
      }
  });

  it('agrees on generated heads, valid and malformed', () => {
    // Mostly good pieces, so that whole heads are often valid; now and then a bad one.
    const pick = (good: string[], bad: string[]) =>
      fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 9 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
    const line = fc.tuple(
      pick(['GET', 'POST', 'PROPFIND'], ['G@T', '', '\r\nGET', '\nGET', ' GET']),
      pick([' '], ['  ', '\t']),
      pick(
        ['/', '/a?b=1', '/a#f', '/a?b#c', '/%41'],
        ['/x y', '*', 'http://h/p', '/\x7f', '/caf\xe9', `/${'a'.repeat(260)}`],
      ),
      pick([' HTTP/1.1', ' HTTP/1.0'], [' HTTP/2.0', ' HTTP/1.1 ', ' http/1.1']),
    );
    const header = fc.tuple(
      pick(
        ['Host', 'host', 'Connection', 'Content-Length', 'X-Long-Name', 'Accept'],
        ['Transfer-Encoding', 'Expect', 'Bad Name', ''],
      ),
      pick([':', ': ', ':\t', ':  '], [' :']),
      pick(
        [
          '127.0.0.1',
          'example.com:8080',
          'keep-alive',
          'Close',
          'Keep-Alive, Upgrade',
          '42',
          '007',
          '',
          '  spaced  ',
          'a b',
        ],
        [
          '[::1]:80',
          'h:8x',
          '1x',
          '1234567890123456',
          'chunked',
          '100-continue',
          'v\x01',
          'v\rw',
          'v\r',
          'v\x7f',
          'x'.repeat(200),
        ],
      ),
      pick(['\r\n'], ['\n', '\r\n\t']),
    );
    // What may follow the head in the slot (a body, the next request), and where its bytes may be cut in two.
    const after = fc.constantFrom('', 'GET /next HTTP/1.1\r\nHost: h\r\n\r\n', '{"a":1}', '\r\n\r\n');
    let lanes = 0;
    fc.assert(
      fc.property(
        line,
        pick(['\r\n'], ['\n', '\r\r\n', '\rx\r\n']),
        fc.array(header, { maxLength: 10 }),
        after,
        fc.nat(600),
        (l, lineEnd, hs, rest, cut) => {
          const request = `${l.join('')}${lineEnd}${hs.map((h) => h.join('')).join('')}\r\n${rest}`;
          expect(outcome(espruinoParseHead, request, cut), JSON.stringify([request, cut])).to.equal(
            outcome(parseHead, request, cut),
          );
          // The parse just made this head's lines the known section when they were plain: the express lane may
          // take it again now, whole and as the core records it, and nothing else (a body or a next request).
          for (const text of [request, request.slice(0, request.length - rest.length)]) {
            const taken = takenOutcome(text);
            if (taken === null) continue;
            expect(JSON.parse(taken).result, JSON.stringify(text)).to.equal(text.length);
            expect(taken, JSON.stringify(text)).to.equal(outcome(parseHead, text));
            lanes++;
          }
        },
      ),
      { numRuns: 3000, endOnFailure: true },
    );
    expect(lanes, 'heads the express lane took').to.be.above(30);
  });
});
