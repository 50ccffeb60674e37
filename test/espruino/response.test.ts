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
import { importWithEspruinoCodec } from './espruino-bundle.ts';

/** The core's response module and the Espruino encoder, bundled with Espruino's codec. */
type Bundle = typeof CoreResponse & { espruinoEncodeHead: typeof CoreResponse.encodeHead };
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
  const set = Uint8Array.prototype.set;
  const saved = (globalThis as { E?: unknown }).E;
  before(async () => {
    (globalThis as { E?: unknown }).E = {
      isUTF8: () => false,
      asUTF8: () => {
        throw new Error('no Unicode');
      },
    };
    // Espruino's set() of a string copies its char codes.
    Uint8Array.prototype.set = function (this: Uint8Array, source: ArrayLike<number> | string, offset?: number) {
      if (typeof source !== 'string') return set.call(this, source, offset);
      return set.call(this, Buffer.from(source, 'latin1'), offset);
    } as typeof set;
    // As on a board: the core's text functions go through Espruino's codec (strings are bytes).
    bundle = (await importWithEspruinoCodec(
      "export * from './src/http/response.ts';\n" +
        "export { encodeHead as espruinoEncodeHead } from './firmware/espruino/response.ts';",
    )) as Bundle;
  });
  after(() => {
    Uint8Array.prototype.set = set;
    (globalThis as { E?: unknown }).E = saved;
  });

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
      fc.property(response, (r) => {
        expect(outcome(espruinoEncodeHead, r), JSON.stringify(r)).to.equal(outcome(encodeHead, r));
      }),
      { numRuns: 3000 },
    );
  });
});
