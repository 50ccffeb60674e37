/**
 * The Espruino response encoder (firmware/espruino/response.ts) against the
 * core's encodeHead, in Node: generated responses (statuses known and
 * unknown, content types and headers valid and not, framings, output
 * areas too small) give the same result and the same bytes, with the
 * core's text going through Espruino's codec as on a board. Espruino's
 * typed-array set() of a byte string is stood in for (V8 would write zeros).
 * Both encoders are bundled as the Espruino build does it: with the
 * build's stand-in for the core's engine codec (espruino-bundle.ts).
 *
 * Never: leave the stand-ins in place after the tests.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type * as CoreResponse from '../../src/http/response.ts';
import { statusHasBody } from '../../src/http/status.ts';
import { E_WITH_UNICODE, E_WITHOUT_UNICODE, importWithEspruinoCodec, standInEspruino } from './espruino-bundle.ts';

/** The core's response module and the Espruino encoder, bundled with Espruino's codec. */
type Bundle = typeof CoreResponse & {
  espruinoEncodeHead: typeof CoreResponse.encodeHead;
  espruinoResponseText: typeof CoreResponse.responseText;
};
let bundle: Bundle;

/** The result of `encode` and the bytes it wrote. */
function outcome(
  encode: typeof CoreResponse.encodeHead,
  r: { status: number; type: string; headers: [string, string][]; framing: number; keepAlive: boolean; size: number },
): string {
  const { ResponseState, HeadPlan } = bundle;
  const res = new ResponseState();
  res.status = r.status;
  res.contentType = r.type;
  for (const [name, value] of r.headers) res.setHeader(name, value);
  const out = new Uint8Array(r.size);
  const plan = new HeadPlan().plain(r.keepAlive, r.framing, 17);
  const result = encode(res, out, plan);
  return JSON.stringify({ result, bytes: result > 0 ? Buffer.from(out.subarray(0, result)).toString('latin1') : '' });
}

describe('espruino response encoder: the same heads as the core', () => {
  let restore: () => void;
  before(async () => {
    restore = standInEspruino(E_WITHOUT_UNICODE);
    // As on a board: the core's text functions go through Espruino's codec (strings are bytes).
    bundle = (await importWithEspruinoCodec(
      "export * from './src/http/response.ts';\n" +
        "export { encodeHead as espruinoEncodeHead, responseText as espruinoResponseText } from './firmware/espruino/response.ts';",
    )) as Bundle;
  });
  after(() => restore());

  it('writes the same bytes, and refuses the same heads', () => {
    const { FRAMING_CHUNKED, FRAMING_CLOSE, FRAMING_LENGTH, encodeHead, espruinoEncodeHead } = bundle;
    const pick = (good: (string | number)[], bad: (string | number)[]) =>
      fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 8 }, { arbitrary: fc.constantFrom(...bad), weight: 2 });
    const response = fc.record({
      status: pick([200, 201, 204, 304, 404, 500], [101, 599, 1000, 200.5]) as fc.Arbitrary<number>,
      type: pick(
        ['', 'application/json', 'text/plain; charset=utf-8'],
        ['text/x\r\ny', 'a\x7f', 'tab\there', 'caf\xe9'],
      ) as fc.Arbitrary<string>,
      headers: fc.array(
        fc.tuple(
          pick(['Cache-Control', 'X-Request-Id', 'ETag'], ['Bad Name', 'x\r\ny', 'ünï']) as fc.Arbitrary<string>,
          pick(
            ['no-store', '"abc"', '', 'a\tb', 'caf\xe9'],
            ['evil\r\nSet-Cookie: x', 'x\x00', 'x\x7f'],
          ) as fc.Arbitrary<string>,
        ),
        { maxLength: 4 },
      ),
      framing: fc.constantFrom(FRAMING_LENGTH, FRAMING_CHUNKED, FRAMING_CLOSE),
      keepAlive: fc.boolean(),
      size: fc.constantFrom(512, 256, 140, 100),
    });
    fc.assert(
      fc.property(response, fc.constantFrom(null, '', '{"ok":true}', 'caf\xe9'), (r, body) => {
        const core = outcome(encodeHead, r);
        expect(outcome(espruinoEncodeHead, r), JSON.stringify(r)).to.equal(core);
        // The whole answer as one string (Socket.writeText): the core's head and the body, or null to use
        // encodeHead; never a head the core refuses.
        // Its plan is always a plain one of FRAMING_LENGTH (ResponseWriter.sendText).
        const text = textOutcome(r, body);
        const { result, bytes } = JSON.parse(outcome(encodeHead, { ...r, framing: FRAMING_LENGTH })) as {
          result: number;
          bytes: string;
        };
        if (result < 0) expect(text, JSON.stringify(r)).to.equal(null);
        // A status without a body (204, 304) sends none, whatever the writer passed.
        else if (text !== null)
          expect(text, JSON.stringify(r)).to.equal(bytes + (statusHasBody(r.status) ? (body ?? '') : ''));
        else expect(r.status, 'only an odd status goes to encodeHead here').to.not.equal(r.status | 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('on a build with Unicode, leaves a UTF-8 body, type or header to encodeHead (null)', async () => {
    // A Unicode build: E.asUTF8 works, and a string holding chars above 127 is flagged UTF-8.
    const back = standInEspruino(E_WITH_UNICODE);
    try {
      const unicode = (await importWithEspruinoCodec(
        "export * from './src/http/response.ts';\n" +
          "export { responseText as espruinoResponseText } from './firmware/espruino/response.ts';",
      )) as Bundle;
      const text = (body: string | null, type: string, header: string) => {
        const res = new unicode.ResponseState();
        res.contentType = type;
        if (header !== '') res.setHeader('X-Note', header);
        return unicode.espruinoResponseText(res, true, 5, body, 512);
      };
      expect(text('plain', 'text/plain', 'ok')).to.be.a('string');
      expect(text('café', 'text/plain', 'ok')).to.equal(null);
      expect(text('plain', 'text/café', 'ok')).to.equal(null);
      expect(text('plain', 'text/plain', 'café')).to.equal(null);
    } finally {
      back();
    }
  });
});

/** What the Espruino module's responseText makes of `r` with `body` (framed by its length: r.framing aside). */
function textOutcome(
  r: { status: number; type: string; headers: [string, string][]; framing: number; keepAlive: boolean; size: number },
  body: string | null,
): string | null {
  const { ResponseState, espruinoResponseText } = bundle;
  const res = new ResponseState();
  res.status = r.status;
  res.contentType = r.type;
  for (const [name, value] of r.headers) res.setHeader(name, value);
  return espruinoResponseText(res, r.keepAlive, 17, body, r.size);
}
