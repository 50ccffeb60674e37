/**
 * The generated route matcher on a host: evaluates generateMatcher()'s
 * source for a table, so the simulator runs the code the board runs
 * (`chipweb build` preloads the same source into the firmware).
 *
 * Never: be used by the core (src/ has no eval on the board).
 */
import { generateMatcher, RouteError } from '../src/router/index.ts';
import type { GeneratedMatcher } from '../src/router/index.ts';

/**
 * The generated matcher of `table`, ready to pass to matchRoute or the
 * Server; undefined when the route tree is too deep for generated code, in
 * which case the table walk routes (as on a board `chipweb build` made).
 */
export function loadMatcher(table: Uint8Array): GeneratedMatcher | undefined {
  let source: string;
  try {
    source = generateMatcher(table);
  } catch (error) {
    if (error instanceof RouteError) return undefined;
    throw error;
  }
  return new Function(`return ${source};`)() as GeneratedMatcher;
}
