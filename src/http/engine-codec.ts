/**
 * The engine's native text conversion, chosen by the build: none in the
 * core, so XS and Node run the core's own code in src/http/text.ts. The
 * Espruino build serves firmware/espruino/engine-codec.ts in place of this
 * module (toolchain/espruino/build.ts, standIns).
 *
 * Why a module and not a Platform member set at run time: the codec is
 * fixed per engine, and on the board this module is preloaded into flash,
 * where a holder written at run time is neither const nor frozen (xsl
 * warns, and XS copies it into RAM).
 */
import type { TextCodec } from '../platform.ts';

/** The codec the text functions ask first, or null for the core's own code. */
export const ENGINE_CODEC: TextCodec | null = null;
