/**
 * OtaSession on Espruino: the core's src/ota/session.ts as the boot code
 * has it. `chipweb build --target espruino` serves this module in the
 * core's place; the core's session itself, with the SHA-256, hex and
 * multipart code it needs (about 500 of the board's variables), lives in
 * the OTA module (ota-module.ts, Storage file `chipweb.ota`), which this
 * loads when an upload starts and drops when no upload runs any more. The
 * module's session does the work (hash checked before complete(), 409 for a
 * second upload, cancel on failure) and throws the boot code's HttpError,
 * which the app's handlers answer.
 *
 * Without a target (a build without the OTA module) every upload is
 * answered 501, as the core's session answers on a board without one.
 *
 * Never: load the OTA module between uploads; drop it while an upload runs;
 * differ from the core's session in what it answers.
 */
import { HttpError } from '../../src/context.ts';
import type { BodyReader, OtaFormOptions, OtaResult } from '../../src/ota/session.ts';
import type { OtaTarget, Platform } from '../../src/platform.ts';
import { type EspruinoOta, type ModuleSession, otaModule } from './ota.ts';
import { describe } from './platform.ts';

export type { BodyReader, OtaFormOptions, OtaResult } from '../../src/ota/session.ts';

/** The request header that carries the image's SHA-256 (as the core's). */
export const SHA256_HEADER = 'X-Image-SHA256';

/** The answer to every upload on an Espruino build without the OTA module. */
export const NO_OTA_ON_ESPRUINO =
  'this build cannot update itself over the air (no OTA module in Storage): upload a new build with chipweb flash --target espruino';

/** The core's OtaSession, loaded from the OTA module while an upload runs. */
export class OtaSession {
  private real: ModuleSession | null = null;
  private readonly target: OtaTarget | undefined;

  /** `target` is the Platform's (undefined: no OTA, every upload 501). */
  constructor(target?: OtaTarget, _options?: { maxHeaderBytes?: number }) {
    'cold'; // made from flash at its first use on Espruino (toolchain/espruino/cold.ts)
    this.target = target;
  }

  /** Whether this board can update itself. */
  get available(): boolean {
    return this.target !== undefined;
  }

  /** Whether an upload is running. */
  get busy(): boolean {
    return this.real !== null && this.real.busy;
  }

  /** Image bytes received by the running upload (0 when none runs). */
  get progress(): number {
    return this.real !== null ? this.real.progress : 0;
  }

  /** As the core's receive(): the raw image, its SHA-256 in `sha256`. */
  receive(read: BodyReader, size: number, sha256: string | undefined): Promise<OtaResult> {
    // The module's session called from here, not from a helper: each call level counts on the ESP32's 25 KB C stack.
    const session = this.open();
    if (session instanceof HttpError) return Promise.reject(session);
    return this.settle(session.receive(read, size, sha256));
  }

  /** As the core's receiveForm(): a multipart/form-data upload. */
  receiveForm(
    read: BodyReader,
    contentType: string | undefined,
    sha256: string | undefined,
    options?: OtaFormOptions,
  ): Promise<OtaResult> {
    const session = this.open();
    if (session instanceof HttpError) return Promise.reject(session);
    return this.settle(session.receiveForm(read, contentType, sha256, options));
  }

  /** Restarts into the new image after `ms` (time for the answer to leave). */
  restartSoon(platform: Platform, ms: number): void {
    const target = this.target;
    if (target) platform.setTimer(() => target.restart(), ms, false);
  }

  /** The module's session, loaded for an upload; a 501 HttpError when there is none. */
  private open(): ModuleSession | HttpError {
    const target = this.target;
    if (target === undefined) return new HttpError(501, NO_OTA_ON_ESPRUINO);
    try {
      if (this.real === null) this.real = otaModule().session(target, HttpError);
      return this.real;
    } catch (error) {
      return new HttpError(501, describe(error));
    }
  }

  /** `upload`, which drops the module once no upload runs any more. */
  private settle(upload: Promise<OtaResult>): Promise<OtaResult> {
    const target = this.target as EspruinoOta;
    // A closure, not a method: made per upload, it costs nothing between uploads.
    const drop = () => {
      if (this.real === null || this.real.busy) return;
      this.real = null;
      target.release();
    };
    return upload.then(
      (result) => {
        drop();
        return result;
      },
      (error: unknown) => {
        drop();
        throw error;
      },
    );
  }
}
