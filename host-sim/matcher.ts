/**
 * The generated route matcher on a host: evaluates generateMatcher()'s
 * source for a table, so the simulator runs the code the board runs
 * (`chipweb build` preloads the same source into the firmware).
 *
 * Never: be used by the core (src/ has no eval on the board).
 */
import { generateMatcher } from '../src/router/index.ts';
import type { GeneratedMatcher } from '../src/router/index.ts';

/** The generated matcher of `table`, ready to pass to matchRoute or the Server. */
export function loadMatcher(table: Uint8Array): GeneratedMatcher {
  return new Function(`return ${generateMatcher(table)};`)() as GeneratedMatcher;
}
