/**
 * HTTP reason phrases on Espruino: the core's src/http/status.ts with its
 * table kept in flash. The core's table is a frozen object, which XS keeps
 * in flash; on Espruino it would take about 230 variables of RAM for good.
 * `chipweb build --target espruino` serves this module in the core's
 * place and puts the same table, as one string of "CODE Reason" lines, into
 * the function bodies below (the build's define CHIPWEB_REASONS), which
 * Espruino runs from flash: the string exists only while a call reads it.
 * The table is read at start (the preencoded status lines and error
 * answers); the response encoder then uses those lines, not this.
 *
 * Never: answer other phrases than the core's table (the build makes the
 * string from it); be called per request on the framework's own path.
 */
export * from '../../src/http/status.ts';

/** The core's reason table as "\nCODE Reason\n…\n", defined by the Espruino build (toolchain/espruino/build.ts). */
declare const CHIPWEB_REASONS: string;

/** The reason phrase for `code`, or "Unknown" for codes not in the table (as the core's). */
export function reasonPhrase(code: number): string {
  const table = CHIPWEB_REASONS;
  const at = table.indexOf(`\n${code} `);
  if (at < 0) return 'Unknown';
  const from = table.indexOf(' ', at) + 1;
  return table.substring(from, table.indexOf('\n', from));
}

/** Every code in the table, ascending (as the core's). */
export function knownStatusCodes(): number[] {
  const table = CHIPWEB_REASONS;
  const codes: number[] = [];
  for (let at = 0; at + 1 < table.length; at = table.indexOf('\n', at + 1))
    codes.push(Number(table.substring(at + 1, table.indexOf(' ', at))));
  return codes;
}
