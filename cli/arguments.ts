/**
 * What every `chipweb` command does with its arguments first: parse them
 * (node:util parseArgs), answer --help with the usage, and turn an unknown
 * option into the usage and exit code 2. Also where commands print, so
 * tests can capture it.
 *
 * Never: exit the process (the command returns its exit code).
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** Where a command's output goes (tests capture it). */
export interface CommandIO {
  log(line: string): void;
  error(line: string): void;
}

/** The console. */
export const CONSOLE: CommandIO = { log: (line) => console.log(line), error: (line) => console.error(line) };

/** Options as parseArgs takes them (`help`/`-h` is added). */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** What the command got: its option values and positional arguments. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `args` for `chipweb <command>`: the values and positionals, or the
 * exit code when it is done already (0 after --help, 2 after a usage error,
 * with the usage printed).
 */
export function parseCommand(
  command: string,
  args: string[],
  options: OptionSpecs,
  usage: string,
  io: CommandIO = CONSOLE,
  allowPositionals = true,
): Parsed | number {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    }) as Parsed;
  } catch (error) {
    io.error(`chipweb ${command}: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (parsed.values.help) {
    io.log(usage);
    return 0;
  }
  return parsed;
}

/** The options every `chipweb build` takes, whatever the target (checked by buildBasics). */
export const BUILD_OPTIONS: OptionSpecs = {
  target: { type: 'string', short: 't' },
  out: { type: 'string', short: 'o' },
  assets: { type: 'string' },
  'no-assets': { type: 'boolean' },
  name: { type: 'string' },
  'led-pin': { type: 'string' },
  router: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
};

/** The options every `chipweb flash` takes, whatever the target. */
export const FLASH_OPTIONS: OptionSpecs = {
  target: { type: 'string', short: 't' },
  port: { type: 'string', short: 'p' },
  out: { type: 'string', short: 'o' },
};

/** What buildBasics checked. */
export interface BuildBasics {
  /** The app module's path, as given. */
  entry: string;
  /** --led-pin, when given. */
  ledPin: number | undefined;
  /** --router (default code). */
  router: 'code' | 'table';
}

/** The app module, --led-pin and --router of `chipweb build`, or exit code 2 after saying what is wrong. */
export function buildBasics(parsed: Parsed, usage: string, io: CommandIO = CONSOLE): BuildBasics | number {
  const entry = parsed.positionals[0];
  if (!entry) {
    io.error(`chipweb build: no app given: name the module that default-exports your App.\n\n${usage}`);
    return 2;
  }
  const pin = parsed.values['led-pin'];
  let ledPin: number | undefined;
  if (pin !== undefined) {
    ledPin = Number(pin);
    if (!Number.isInteger(ledPin) || ledPin < 0) {
      io.error(`chipweb build: --led-pin must be a GPIO number, not '${String(pin)}'`);
      return 2;
    }
  }
  const router = (parsed.values.router ?? 'code') as string;
  if (router !== 'code' && router !== 'table') {
    io.error(`chipweb build: --router must be code or table, not '${router}'`);
    return 2;
  }
  return { entry, ledPin, router };
}
