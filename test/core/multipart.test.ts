/**
 * The streaming multipart/form-data parser (src/http/multipart.ts): exact
 * bytes of a browser's upload form, cut at every split point; bodies made
 * by undici's FormData (what Node's fetch sends) checked against undici's
 * own parser; the boundary split across pieces and near-misses of it in the
 * data; every malformed case with its error code and status; and a
 * fast-check fuzz of random parts, boundaries and cuts, plus random damage
 * that must end in an answer, never a throw.
 *
 * Each piece is copied into a reused "slot" that is overwritten after the
 * parser returns, so a parser that kept a reference to old bytes would fail.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  MP_DATA,
  MP_END,
  MP_ERR_BAD_DELIMITER,
  MP_ERR_BAD_HEADER,
  MP_ERR_HEADER_TOO_LARGE,
  MP_ERR_NO_BOUNDARY,
  MP_ERR_NO_CLOSE,
  MP_ERR_NO_OPENING,
  MP_ERR_NOT_MULTIPART,
  MP_ERR_STATE,
  MP_MORE,
  MP_PART,
  MP_PART_END,
  MultipartParser,
  multipartProblem,
  multipartStatus,
  type MultipartSink,
} from '../../src/http/multipart.ts';

const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));

interface Part {
  name: string;
  filename?: string;
  type: string;
  data: string; // hex
}

interface Parsed {
  parts: Part[];
  /** MP_END, or the first error code. */
  result: number;
  /** finish() after the last piece. */
  finish: number;
}

/** Parses `body` cut at `cuts`, each piece copied into a reused slot at an offset and wiped afterwards. */
function parse(contentType: string, body: Uint8Array, cuts: number[] = [], maxHeaderBytes?: number): Parsed {
  const parser = new MultipartParser({ maxHeaderBytes });
  const parts: Part[] = [];
  let current: { part: Part; chunks: Buffer[] } | null = null;
  const begun = parser.beginText(contentType);
  if (begun !== 0) return { parts, result: begun, finish: begun };
  const slot = new Uint8Array(body.length + 64);
  const ends = [...new Set(cuts.filter((c) => c > 0 && c < body.length))].sort((a, b) => a - b);
  ends.push(body.length);
  let from = 0;
  let result = MP_MORE;
  for (const to of ends) {
    const offset = 7 + (to % 13);
    slot.set(body.subarray(from, to), offset);
    let p = offset;
    const end = offset + (to - from);
    for (;;) {
      const event = parser.step(slot, p, end);
      expect(parser.pos).to.be.within(p, end);
      p = parser.pos;
      if (event === MP_PART) {
        const part: Part = { name: parser.partName(), type: parser.partContentType(), data: '' };
        if (parser.isFile) part.filename = parser.partFilename();
        expect(parser.partNameIs(part.name) || /[^\x20-\x7e]/.test(part.name)).to.equal(true);
        current = { part, chunks: [] };
      } else if (event === MP_DATA) {
        expect(current, 'data outside a part').to.not.equal(null);
        expect(parser.dataEnd).to.be.greaterThan(parser.dataStart);
        current?.chunks.push(Buffer.from(parser.data.subarray(parser.dataStart, parser.dataEnd)));
      } else if (event === MP_PART_END) {
        expect(current, 'part end outside a part').to.not.equal(null);
        if (current) {
          current.part.data = Buffer.concat(current.chunks).toString('hex');
          parts.push(current.part);
        }
        current = null;
      } else {
        if (event !== MP_MORE && result === MP_MORE) result = event;
        if (event === MP_END) continue;
        break;
      }
    }
    slot.fill(0x2d); // '-': the bytes are gone once the parser returned
    from = to;
    if (result < 0) break;
  }
  return { parts, result, finish: parser.finish() };
}

/** A body the way Chrome sends `<form enctype=multipart/form-data>` with a text field and a file. */
const CHROME_BOUNDARY = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
const FIRMWARE = Buffer.concat([
  Buffer.from([0xe9, 0x06, 0x02, 0x20, 0x00, 0x0d, 0x0a]),
  Buffer.from(`\r\n--${CHROME_BOUNDARY.slice(0, 20)}`), // a near-miss of the delimiter
  Buffer.from(`\r\n--${CHROME_BOUNDARY}X`.slice(0, 30)),
  Buffer.from('\r\r\n\r\n-\r\n--'),
  Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37) & 255)),
]);
const CHROME_BODY = Buffer.concat([
  Buffer.from(
    `--${CHROME_BOUNDARY}\r\n` +
      'Content-Disposition: form-data; name="sha256"\r\n\r\n' +
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\r\n' +
      `--${CHROME_BOUNDARY}\r\n` +
      'Content-Disposition: form-data; name="firmware"; filename="chipweb-esp32.bin"\r\n' +
      'Content-Type: application/octet-stream\r\n\r\n',
  ),
  FIRMWARE,
  Buffer.from(`\r\n--${CHROME_BOUNDARY}--\r\n`),
]);
const CHROME_TYPE = `multipart/form-data; boundary=${CHROME_BOUNDARY}`;
const CHROME_PARTS: Part[] = [
  {
    name: 'sha256',
    type: '',
    data: Buffer.from('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08').toString('hex'),
  },
  { name: 'firmware', filename: 'chipweb-esp32.bin', type: 'application/octet-stream', data: FIRMWARE.toString('hex') },
];

/** Serializes parts as multipart/form-data with `boundary` (RFC 7578), optionally with a preamble and epilogue. */
function encode(parts: Part[], boundary: string, preamble = '', epilogue = ''): Uint8Array {
  const out: Buffer[] = [Buffer.from(preamble ? `${preamble}\r\n` : '', 'latin1')];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    out.push(Buffer.from(`${head}\r\n`, 'latin1'), Buffer.from(part.data, 'hex'), Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--${epilogue}`, 'latin1'));
  return Uint8Array.from(Buffer.concat(out));
}

describe('multipart/form-data parser', () => {
  it('reads a browser upload form: a field and a file, with near-misses of the boundary in the data', () => {
    const parsed = parse(CHROME_TYPE, CHROME_BODY);
    expect(parsed.result).to.equal(MP_END);
    expect(parsed.finish).to.equal(0);
    expect(parsed.parts).to.deep.equal(CHROME_PARTS);
  });

  it('gives the same parts for every split point of that body', () => {
    for (let cut = 1; cut < CHROME_BODY.length; cut++) {
      const parsed = parse(CHROME_TYPE, CHROME_BODY, [cut]);
      expect(parsed.result, `cut at ${cut}`).to.equal(MP_END);
      expect(parsed.parts, `cut at ${cut}`).to.deep.equal(CHROME_PARTS);
    }
  });

  it('gives the same parts with every pair of cuts around each boundary (boundary split in three)', () => {
    const at = [0];
    for (
      let i = CHROME_BODY.indexOf(`\r\n--${CHROME_BOUNDARY}`);
      i >= 0;
      i = CHROME_BODY.indexOf(`\r\n--${CHROME_BOUNDARY}`, i + 1)
    )
      at.push(i);
    expect(at.length).to.equal(3);
    for (const start of at) {
      for (let a = Math.max(1, start - 2); a < start + CHROME_BOUNDARY.length + 6; a++) {
        for (let b = a + 1; b < start + CHROME_BOUNDARY.length + 8; b++) {
          const parsed = parse(CHROME_TYPE, CHROME_BODY, [a, b]);
          expect(parsed.parts, `cuts ${a}, ${b}`).to.deep.equal(CHROME_PARTS);
        }
      }
    }
  });

  it('gives the same parts fed one byte at a time', () => {
    const cuts = Array.from({ length: CHROME_BODY.length }, (_, i) => i);
    expect(parse(CHROME_TYPE, CHROME_BODY, cuts).parts).to.deep.equal(CHROME_PARTS);
  });

  it("reads what undici's FormData sends, as undici parses it", async () => {
    const form = new FormData();
    form.append('sha256', 'abc123');
    form.append('note', 'héllo wörld');
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + (i >> 9)) & 255);
    form.append('firmware', new Blob([data], { type: 'application/octet-stream' }), 'fw.bin');
    const request = new Request('http://device.local/api/update', { method: 'POST', body: form });
    const type = request.headers.get('content-type') as string;
    const body = new Uint8Array(await request.arrayBuffer());
    const parsed = parse(type, body, [100, 101, 1460, 2920, 4380]);
    expect(parsed.result).to.equal(MP_END);
    const theirs = await new Response(body, { headers: { 'content-type': type } }).formData();
    expect(parsed.parts.map((p) => p.name)).to.deep.equal([...theirs.keys()]);
    expect(Buffer.from(parsed.parts[1].data, 'hex').toString('utf8')).to.equal(theirs.get('note'));
    const file = theirs.get('firmware') as File;
    expect(parsed.parts[2].filename).to.equal(file.name);
    expect(parsed.parts[2].type).to.equal('application/octet-stream');
    expect(parsed.parts[2].data).to.equal(Buffer.from(await file.arrayBuffer()).toString('hex'));
  });

  it('skips the preamble and the epilogue, and accepts spaces after a boundary', () => {
    const body = latin1(
      'This is the preamble.\r\n--xyz  \t\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--xyz--\r\nepilogue --xyz\r\n',
    );
    const parsed = parse('multipart/form-data; boundary=xyz', body);
    expect(parsed.parts).to.deep.equal([{ name: 'a', type: '', data: '31' }]);
    expect(parsed.finish).to.equal(0);
  });

  it('takes the boundary quoted, with other parameters, in any case', () => {
    const body = latin1(
      '--a b:c\r\ncontent-disposition: FORM-DATA; filename="x \\"y\\".txt"; name="f"\r\n\r\n\r\n--a b:c--',
    );
    const parsed = parse('Multipart/Form-Data; charset=utf-8; BOUNDARY="a b:c"', body);
    expect(parsed.result).to.equal(MP_END);
    expect(parsed.parts).to.deep.equal([{ name: 'f', filename: 'x "y".txt', type: '', data: '' }]);
  });

  it('reads a body with no parts', () => {
    expect(parse('multipart/form-data; boundary=b', latin1('--b--')).finish).to.equal(0);
  });

  it('answers a Content-Type that is not multipart/form-data with 415', () => {
    for (const type of ['application/json', 'multipart/mixed; boundary=x', 'multipart/form-datax; boundary=x', '']) {
      const parsed = parse(type, latin1('--x--'));
      expect(parsed.result, type).to.equal(MP_ERR_NOT_MULTIPART);
      expect(multipartStatus(parsed.result)).to.equal(415);
    }
  });

  it('refuses a missing or invalid boundary', () => {
    for (const type of [
      'multipart/form-data',
      'multipart/form-data; charset=utf-8',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary=""',
      'multipart/form-data; boundary="abc',
      `multipart/form-data; boundary=${'b'.repeat(71)}`,
      'multipart/form-data; boundary=a\rb',
      'multipart/form-data; boundary="ends with space "',
    ]) {
      const parsed = parse(type, latin1('--x--'));
      expect(parsed.result, JSON.stringify(type)).to.equal(MP_ERR_NO_BOUNDARY);
    }
    expect(multipartStatus(MP_ERR_NO_BOUNDARY)).to.equal(400);
    expect(parse(`multipart/form-data; boundary=${'b'.repeat(70)}`, latin1(`--${'b'.repeat(70)}--`)).finish).to.equal(
      0,
    );
  });

  it('refuses a body without its opening boundary', () => {
    const parsed = parse('multipart/form-data; boundary=b', latin1('Content-Disposition: form-data; name=a\r\n\r\nx'));
    expect(parsed.result).to.equal(MP_MORE);
    expect(parsed.finish).to.equal(MP_ERR_NO_OPENING);
    expect(multipartStatus(parsed.finish)).to.equal(400);
  });

  it('refuses a body that ends before the closing boundary (a truncated upload)', () => {
    for (let length = 1; length < CHROME_BODY.length - 1; length += 7) {
      const cut = CHROME_BODY.subarray(0, length);
      const parsed = parse(CHROME_TYPE, cut);
      const expected = length < 2 + CHROME_BOUNDARY.length ? MP_ERR_NO_OPENING : MP_ERR_NO_CLOSE;
      expect(parsed.finish, `length ${length}`).to.equal(expected);
    }
    expect(parse(CHROME_TYPE, CHROME_BODY.subarray(0, CHROME_BODY.length - 3)).finish).to.equal(MP_ERR_NO_CLOSE);
  });

  it('answers part headers over the limit with 431, wherever the pieces are cut', () => {
    const big = `--b\r\nContent-Disposition: form-data; name="a"\r\nX-Pad: ${'p'.repeat(200)}\r\n\r\ndata\r\n--b--`;
    for (const cuts of [[], [10], [50, 51, 52], [120]]) {
      const parsed = parse('multipart/form-data; boundary=b', latin1(big), cuts, 128);
      expect(parsed.result).to.equal(MP_ERR_HEADER_TOO_LARGE);
      expect(parsed.finish).to.equal(MP_ERR_HEADER_TOO_LARGE);
    }
    expect(multipartStatus(MP_ERR_HEADER_TOO_LARGE)).to.equal(431);
    expect(parse('multipart/form-data; boundary=b', latin1(big), [], 512).finish).to.equal(0);
  });

  it('refuses malformed part headers', () => {
    for (const head of [
      'Content-Disposition form-data; name=a', // no colon
      ': form-data; name=a', // no name
      'Content-Type: text/plain', // no Content-Disposition
      'Content-Disposition: attachment; name=a', // not form-data
      'Content-Disposition: form-data; filename=a', // no name
      'Content-Disposition: form-data; name="a', // unterminated quote
      'Content-Disposition: form-data;\r\n name=a', // obsolete folding
      '', // no headers at all
    ]) {
      const body = latin1(`--b\r\n${head}${head ? '\r\n' : ''}\r\nx\r\n--b--`);
      const parsed = parse('multipart/form-data; boundary=b', body);
      expect(parsed.result, JSON.stringify(head)).to.equal(MP_ERR_BAD_HEADER);
      expect(multipartStatus(parsed.result)).to.equal(400);
    }
  });

  it('refuses a boundary followed by anything but CRLF or --', () => {
    for (const body of [
      '--bX\r\n',
      '--b-x',
      '--b \tx',
      '--b\rx',
      '--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b-\r\n',
    ]) {
      const parsed = parse('multipart/form-data; boundary=b', latin1(body));
      expect(parsed.result, JSON.stringify(body)).to.equal(MP_ERR_BAD_DELIMITER);
    }
  });

  it('says what each error means, and refuses use before begin()', () => {
    const parser = new MultipartParser();
    expect(parser.step(latin1('x'), 0, 1)).to.equal(MP_ERR_STATE);
    for (const code of [-1, -2, -3, -4, -5, -6, -7, -8]) expect(multipartProblem(code)).to.match(/multipart/);
  });

  it('runs a synchronous sink with feed()', () => {
    const parser = new MultipartParser();
    expect(parser.beginText(CHROME_TYPE)).to.equal(0);
    const seen: string[] = [];
    let bytes = 0;
    const sink: MultipartSink = {
      part: (p) => seen.push(`part ${p.partName()}`),
      data: (_b, start, end) => {
        bytes += end - start;
      },
      partEnd: (p) => seen.push(`end ${p.partName()}`),
    };
    let result = MP_MORE;
    for (let p = 0; p < CHROME_BODY.length && result === MP_MORE; p += 100)
      result = parser.feed(CHROME_BODY, p, Math.min(CHROME_BODY.length, p + 100), sink);
    expect(result).to.equal(MP_END);
    expect(seen).to.deep.equal(['part sha256', 'end sha256', 'part firmware', 'end firmware']);
    expect(bytes).to.equal(64 + FIRMWARE.length);
    expect(parser.parts).to.equal(2);
  });

  it('fuzz: random parts, boundaries and cuts come back as they were sent', () => {
    const bchar = fc.constantFrom(..."abcXYZ019'()+_,-./:=? ");
    const boundary = fc
      .array(bchar, { minLength: 1, maxLength: 70 })
      .map((cs) => cs.join(''))
      .filter((b) => !b.endsWith(' '));
    // Data drawn heavily from the delimiter's own bytes, to make near-misses.
    const data = fc.array(fc.oneof(fc.constantFrom(13, 10, 45, 97, 98), fc.integer({ min: 0, max: 255 })), {
      maxLength: 300,
    });
    const part = fc.record({
      name: fc.string({ unit: fc.constantFrom(...'abcdef_-1'), minLength: 1, maxLength: 10 }),
      filename: fc.option(fc.string({ unit: fc.constantFrom(...'xyz. '), maxLength: 8 }), { nil: undefined }),
      type: fc.constantFrom('', 'text/plain', 'application/octet-stream'),
      data: data.map((d) => Buffer.from(d).toString('hex')),
    });
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 4 }),
        boundary,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        (parts, b, cuts, framing) => {
          const expected = parts.map((p) => {
            const out: Part = { name: p.name, type: p.type, data: p.data };
            if (p.filename !== undefined) out.filename = p.filename;
            return out;
          });
          const body = encode(expected, b, framing ? 'preamble' : '', framing ? '\r\nepilogue' : '');
          const quoted = /[ '():,/=?]/.test(b) ? `"${b}"` : b;
          const parsed = parse(
            `multipart/form-data; boundary=${quoted}`,
            body,
            cuts.map((c) => c % (body.length + 1)),
          );
          expect(parsed.result).to.equal(MP_END);
          expect(parsed.finish).to.equal(0);
          expect(parsed.parts).to.deep.equal(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('fuzz: damaged bodies end in an answer (done or an error code), never a throw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (damage, truncate, cuts) => {
          const body = Uint8Array.from(CHROME_BODY);
          for (const d of damage) body[d.at % body.length] = d.byte;
          const cut = body.subarray(0, body.length - (truncate % 40));
          const parsed = parse(
            CHROME_TYPE,
            cut,
            cuts.map((c) => c % (cut.length + 1)),
            96,
          );
          expect(parsed.finish).to.be.at.most(0);
          expect(parsed.finish).to.be.at.least(MP_ERR_STATE);
          if (parsed.finish === 0) expect(parsed.result).to.equal(MP_END);
        },
      ),
      { numRuns: 500 },
    );
  });
});
