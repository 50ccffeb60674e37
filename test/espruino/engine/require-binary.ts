/**
 * First step of `npm run test:espruino`: checks what it needs, $ESPRUINO
 * (an Espruino Linux binary) and the `espruino` command-line tool (the
 * flash test uploads through it), and says exactly what is missing (exit
 * 1) before any test runs.
 *
 * Never: build, download or install anything.
 */
import { EspruinoMissing, espruinoBinary } from '../../../host-sim/espruino/engine.ts';
import { findEspruinoTool } from '../../../toolchain/espruino/flash.ts';

const missing: string[] = [];
try {
  console.log(`test:espruino: Espruino binary ${espruinoBinary()}`);
} catch (error) {
  if (!(error instanceof EspruinoMissing)) throw error;
  missing.push(error.message);
}
const tool = findEspruinoTool(process.env);
if (tool) console.log(`test:espruino: espruino command-line tool ${tool}`);
else missing.push("the 'espruino' command-line tool is not installed (chipweb flash uses it): npm install -g espruino");
if (missing.length) {
  for (const m of missing) console.error(`test:espruino: ${m}`);
  process.exit(1);
}
