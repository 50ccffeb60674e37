/**
 * The Espruino build's stand-in for src/http/engine-headers.ts: records the
 * spans of the header lines that ./parser.ts checked but left unindexed,
 * when something first reads a header (RequestHead.indexHeaders). The
 * lines are known good, so this only finds each one's colon and trims its
 * value, as the core's parser does.
 *
 * Never: check the lines again (the parser did); keep the string.
 */
import type { HeaderIndexer } from '../../src/http/engine-headers.ts';
import { valueEnd, valueStart } from './syntax.ts';
import { espruino } from './types/espruino.ts';

/** The spans of the lines in bytes[from, headEnd) into `spans`; returns how many. */
function recordHeaderSpans(bytes: Uint8Array, from: number, headEnd: number, spans: Uint16Array): number {
  const text = espruino.E.toString(bytes.subarray(from, headEnd));
  const blank = text.length - 2; // the final CRLF
  let count = 0;
  let p = 0;
  while (p < blank) {
    const eol = text.indexOf('\n', p);
    const colon = text.indexOf(':', p);
    const vs = valueStart(text, colon + 1, eol - 1);
    const ve = valueEnd(text, vs, eol - 1);
    const n = count * 4;
    spans[n] = from + p;
    spans[n + 1] = from + colon;
    spans[n + 2] = from + vs;
    spans[n + 3] = from + ve;
    count++;
    p = eol + 1;
  }
  return count;
}

/** The indexer RequestHead.indexHeaders calls on Espruino. */
export const ENGINE_HEADER_INDEXER: HeaderIndexer | null = recordHeaderSpans;
