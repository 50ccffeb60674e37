/**
 * The Espruino build's stand-in for src/http/engine-codec.ts: the text
 * functions of the core ask Espruino's native codec first (./codec.ts).
 */
import type { TextCodec } from '../../src/platform.ts';
import { espruinoCodec } from './codec.ts';

/** Espruino's native codec, made once when the code loads. */
export const ENGINE_CODEC: TextCodec | null = espruinoCodec();
