/**
 * First step of `npm run test:espruino`: checks $ESPRUINO and says exactly
 * what is missing (exit 1) before any test runs.
 *
 * Never: build or download Espruino.
 */
import { EspruinoMissing, espruinoBinary } from '../../../host-sim/espruino/engine.ts';

try {
  console.log(`test:espruino: Espruino binary ${espruinoBinary()}`);
} catch (error) {
  if (!(error instanceof EspruinoMissing)) throw error;
  console.error(`test:espruino: ${error.message}`);
  process.exit(1);
}
