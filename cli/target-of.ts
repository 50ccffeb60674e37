/**
 * The value of `--target`/`-t` among a command's arguments, read before the
 * command parses them, so `chipweb build` and `chipweb flash` hand
 * `--target espruino` to cli/espruino.ts (and load its toolchain only then).
 *
 * Never: import anything; validate (the command does).
 */

/** The value of --target/-t in `args`, if any. */
export function targetOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--target' || a === '-t') return args[i + 1];
    if (a.startsWith('--target=')) return a.slice('--target='.length);
  }
  return undefined;
}
