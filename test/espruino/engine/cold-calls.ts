/**
 * Counts the cold functions a board makes while `during` runs: the boot
 * code's maker (`$cold`, toolchain/espruino/cold.ts) is wrapped to count its
 * calls, then put back with the classes made meanwhile. Each call reads
 * flash and compiles, so the request path must make none.
 *
 * Never: leave the wrapper in place (it is removed even when `during` throws).
 */
import type { EspruinoProcess } from '../../../host-sim/espruino/engine.ts';

const WRAP =
  '(function(){var made=$cold;var count=function(){count.calls++;return made.apply(this,arguments)};' +
  'Object.keys(made).forEach(function(k){count[k]=made[k]});count.calls=0;count.made=made;$cold=count;return 0})()';
const UNWRAP =
  '(function(){var count=$cold;$cold=count.made;Object.keys(count).forEach(function(k){' +
  'if(k!=="calls"&&k!=="made")$cold[k]=count[k]});return count.calls})()';

/** The cold functions `board` made while `during` ran. */
export async function coldCallsDuring(board: EspruinoProcess, during: () => Promise<void>): Promise<number> {
  await board.evaluate(WRAP);
  let failure: unknown = null;
  try {
    await during();
  } catch (error) {
    failure = error;
  }
  const calls = await board.evaluate<number>(UNWRAP);
  if (failure !== null) throw failure;
  return calls;
}
