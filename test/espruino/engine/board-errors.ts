/**
 * What a board's console shows when something went wrong: Espruino's own
 * lines for a callback that failed, an uncaught exception or memory run
 * out, and any line of chipweb's but the one saying it serves (the
 * platform logs what it catches at its edges, the server a handler's error).
 */
export function boardErrors(lines: readonly string[]): string[] {
  return lines.filter(
    (line) =>
      /^(Uncaught|ERROR:|Execution Interrupted|New interpreter error|OUT OF MEMORY)|^chipweb: /.test(line) &&
      !line.startsWith('chipweb: serving'),
  );
}
