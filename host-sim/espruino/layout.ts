/**
 * What a board's variables would be on an ESP32, read from the Linux
 * build's own census (`E.dumpVariables()`).
 *
 * Why: the simulator is a 64-bit build. There a variable is 18 bytes and
 * holds a name of up to 8 characters; on an ESP32 (32-bit, 16,383
 * variables) it is 14 bytes and holds 4 (Espruino 2v29, src/jsutils.h:
 * JSVAR_DATA_STRING_NAME_LEN, and the string lengths that follow from
 * 14-bit references). So a property name of 5 to 8 characters costs an
 * ESP32 one variable more than the simulator counts, a string's
 * characters take more variables, and so do a flat string's bytes (the
 * pool). Everything else (objects, numbers, functions, code in flash)
 * takes the same. The board built for 32-bit x86 (ESPRUINO32, run under
 * qemu-i386: toolchain/espruino/build-engine.sh) counts it directly; this
 * estimate needs only the 64-bit binary, and came within 1 % of it.
 *
 * The census lists every variable with its type and how many it takes
 * (its string extensions included), and each name in full; this converts
 * each to the ESP32's layout, and checks, on every name, that the count it
 * predicts for the simulator is the one the census gives, so a different
 * layout (another Espruino version) stops it rather than skewing it.
 *
 * Never: present the result as measured on a board; use it for anything
 * but names, strings and flat strings (the rest is the same count).
 */
import type { EspruinoProcess } from './engine.ts';

/** How a build lays out text in its variables. */
interface TextLayout {
  /** Characters a name keeps in its own variable. */
  readonly name: number;
  /** Characters a string keeps in its first variable. */
  readonly string: number;
  /** Characters each extension variable holds. */
  readonly extension: number;
  /** Bytes a variable takes (a flat string's blocks). */
  readonly block: number;
}

/** build-engine.sh's ESPRUINO: x86-64, 16,383 variables (14-bit references), no Unicode. */
const SIMULATOR: TextLayout = { name: 8, string: 13, extension: 14, block: 18 };
/** An ESP32 with 16,383 variables (boards/ESP32.py): 32-bit, 14-bit references. */
const ESP32: TextLayout = { name: 4, string: 9, extension: 10, block: 14 };

/**
 * The census's type codes on the simulator (src/jsvar.h's JsVarFlags,
 * without Unicode, with getters and setters, pins and flash strings):
 * names with a string key, then plain strings, then the flat string.
 */
const NAME_FIRST = 18;
const NAME_LAST = 35;
const STRING_FIRST = 36;
const STRING_LAST = 49;
const FLAT_STRING = 50;

/** Variables on each layout, by kind. */
export interface LayoutCount {
  simulator: number;
  esp32: number;
}

/** The census read on both layouts. */
export interface Esp32Estimate {
  /** Every variable, as the simulator counts them and as an ESP32 would. */
  total: LayoutCount;
  /** Names of properties, variables and parameters with their extensions. */
  names: LayoutCount;
  /** Strings with their extensions. */
  strings: LayoutCount;
  /** Flat strings (the pool, typed arrays' bytes). */
  flatStrings: LayoutCount;
  /** Names of 5 to 8 characters: one variable each on the simulator, two on an ESP32. */
  midNames: number;
}

/** Variables a text of `length` characters takes when its first variable holds `first`. */
function textVariables(length: number, first: number, layout: TextLayout): number {
  return length <= first ? 1 : 1 + Math.ceil((length - first) / layout.extension);
}

/** The length of a string as the census quotes it (`"ab\xFFc"`: escapes are one character). */
function quotedLength(quoted: string): number {
  let length = 0;
  for (let i = 1; i < quoted.length - 1; i++) {
    if (quoted[i] === '\\') {
      const kind = quoted[i + 1];
      i += kind === 'x' ? 3 : kind === 'u' ? 5 : 1;
    }
    length++;
  }
  return length;
}

const LINE = /^(\d+),(\d+),(\d+),(.*)$/;
const QUOTED = /^"(?:[^"\\]|\\.)*"/;

/**
 * Converts the lines `E.dumpVariables()` printed on the simulator; throws
 * when a name's count is not what the simulator's layout predicts.
 */
export function esp32Estimate(lines: readonly string[]): Esp32Estimate {
  const zero = (): LayoutCount => ({ simulator: 0, esp32: 0 });
  const estimate: Esp32Estimate = {
    total: zero(),
    names: zero(),
    strings: zero(),
    flatStrings: zero(),
    midNames: 0,
  };
  const add = (kind: LayoutCount | null, simulator: number, esp32: number) => {
    estimate.total.simulator += simulator;
    estimate.total.esp32 += esp32;
    if (kind !== null) {
      kind.simulator += simulator;
      kind.esp32 += esp32;
    }
  };
  for (const line of lines) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const size = Number(m[2]);
    const type = Number(m[3]);
    const rest = m[4];
    if (type >= NAME_FIRST && type <= NAME_LAST) {
      const quoted = QUOTED.exec(rest);
      if (quoted === null) throw new Error(`E.dumpVariables(): a name without its quoted text: ${line.slice(0, 80)}`);
      const length = quotedLength(quoted[0]);
      const simulator = textVariables(length, SIMULATOR.name, SIMULATOR);
      if (simulator !== size)
        throw new Error(
          `E.dumpVariables(): the name ${quoted[0]} takes ${size} variables, not ${simulator}: this Espruino lays out its variables differently from 2v29`,
        );
      if (length > ESP32.name && length <= SIMULATOR.name) estimate.midNames++;
      add(estimate.names, size, textVariables(length, ESP32.name, ESP32));
    } else if (type >= STRING_FIRST && type <= STRING_LAST) {
      // The census quotes up to 20 characters; past that, the length the simulator's count allows, at its middle.
      const quoted = /^String ("(?:[^"\\]|\\.)*")/.exec(rest);
      const shown = quoted === null ? 0 : quotedLength(quoted[1]);
      const length =
        quoted !== null && !quoted[1].endsWith('..."')
          ? shown
          : SIMULATOR.string + SIMULATOR.extension * (size - 1) - SIMULATOR.extension / 2;
      add(estimate.strings, size, textVariables(length, ESP32.string, ESP32));
    } else if (type === FLAT_STRING) {
      // Its header, then blocks of bytes: at most (size - 1) blocks' worth, so this errs high.
      const bytes = (size - 1) * SIMULATOR.block;
      add(estimate.flatStrings, size, 1 + Math.ceil(bytes / ESP32.block));
    } else add(null, size, size);
  }
  return estimate;
}

/** Runs `E.dumpVariables()` at the board's console and returns the census's lines. */
export async function dumpVariables(board: EspruinoProcess): Promise<string[]> {
  const from = board.lines.length;
  await board.evaluate<number>('(E.dumpVariables(),0)', 30000);
  const lines = board.lines.slice(from);
  const start = lines.findIndex((l) => l.startsWith('ref,size,flags,name'));
  if (start < 0) throw new Error('E.dumpVariables() printed no census');
  return lines.slice(start + 1).filter((l) => LINE.test(l));
}
