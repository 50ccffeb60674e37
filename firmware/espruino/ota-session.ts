/**
 * OtaSession on Espruino: the core's src/ota/session.ts as an Espruino
 * board has it. Espruino's Platform has no OtaTarget (chipweb cannot
 * replace Espruino's firmware over the air; `chipweb flash --target
 * espruino` uploads a new build by cable or over the network console), so
 * `chipweb build --target espruino` puts this module in the core's place:
 * the same exports, `available` false, and every upload answered 501, as the
 * core's session answers on a board without a target. The SHA-256, hex and
 * multipart code the real session needs then stays out of the boot code
 * (about 500 of the board's variables).
 *
 * Never: read the body or take an image; differ from the core's session on
 * a board without a target (same status, same interface).
 */
import { HttpError } from '../../src/context.ts';
import type { BodyReader, OtaFormOptions, OtaResult } from '../../src/ota/session.ts';
import type { OtaTarget, Platform } from '../../src/platform.ts';

export type { BodyReader, OtaFormOptions, OtaResult } from '../../src/ota/session.ts';

/** The request header that carries the image's SHA-256 (as the core's). */
export const SHA256_HEADER = 'X-Image-SHA256';

/** The answer to every upload on Espruino. */
export const NO_OTA_ON_ESPRUINO =
  'this board cannot update itself over the air (Espruino): upload a new build with chipweb flash --target espruino';

/** The core's OtaSession without a target: nothing to update, every upload refused with 501. */
export class OtaSession {
  /** Kept for the core's signature; Espruino's Platform has no OTA target. */
  constructor(_target?: OtaTarget, _options?: { maxHeaderBytes?: number }) {}

  /** Whether this board can update itself: never on Espruino. */
  get available(): boolean {
    return false;
  }

  /** Whether an upload is running: never. */
  get busy(): boolean {
    return false;
  }

  /** Image bytes received: none. */
  get progress(): number {
    return 0;
  }

  /** Refuses with 501 without reading the body. */
  receive(_read: BodyReader, _size: number, _sha256: string | undefined): Promise<OtaResult> {
    return Promise.reject(new HttpError(501, NO_OTA_ON_ESPRUINO));
  }

  /** Refuses with 501 without reading the body. */
  receiveForm(
    _read: BodyReader,
    _contentType: string | undefined,
    _sha256: string | undefined,
    _options?: OtaFormOptions,
  ): Promise<OtaResult> {
    return Promise.reject(new HttpError(501, NO_OTA_ON_ESPRUINO));
  }

  /** Nothing to restart into. */
  restartSoon(_platform: Platform, _ms: number): void {}
}
