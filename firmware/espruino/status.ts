/**
 * HTTP reason phrases on Espruino: the core's src/http/status.ts with its
 * table kept in flash. The core's table is a frozen object, which XS keeps
 * in flash; on Espruino it would take about 230 variables of RAM for good.
 * `chipweb build --target espruino` serves this module in the core's
 * place and puts the same table, as one string of "CODE Reason" lines, into
 * the function bodies below (the build's define CHIPWEB_REASONS), which
 * Espruino runs from flash: the string exists only while a call reads it.
 * The table is read at start (the preencoded status lines and error
 * answers) and for an answer whose status has no preencoded line.
 *
 * Never: answer other phrases than the core's table (the build makes the
 * string from it).
 */
import { indexOfWhole } from '../../src/http/text.ts';

export * from '../../src/http/status.ts';

/**
 * The core's reason table as "\nCODE Reason\n…\nCODE Reason", defined by the
 * Espruino build (toolchain/espruino/build.ts). Searched with indexOfWhole:
 * Espruino 2v29's String indexOf reports a match where the string's end is
 * the start of what is searched for ("ab\n".indexOf("\nx") is 2).
 */
declare const CHIPWEB_REASONS: string;

/** The reason phrase for `code`, or "Unknown" for codes not in the table (as the core's). */
export function reasonPhrase(code: number): string {
  const table = CHIPWEB_REASONS;
  const at = indexOfWhole(table, `\n${code} `);
  if (at < 0) return 'Unknown';
  const from = table.indexOf(' ', at) + 1;
  const end = table.indexOf('\n', from);
  return table.substring(from, end < 0 ? table.length : end);
}

/**
 * The codes whose status lines are preencoded at start (src/http/response.ts):
 * on Espruino only the ones most answers carry (each line costs about 6
 * variables); the others are written from this table when sent (the
 * response encoder joins "HTTP/1.1 ", the code and the phrase: a few
 * microseconds).
 */
export function knownStatusCodes(): number[] {
  const list = '200 204 304 404';
  const codes: number[] = [];
  for (let at = 0; at < list.length; at += 4) codes.push(Number(list.substring(at, at + 3)));
  return codes;
}
