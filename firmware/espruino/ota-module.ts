/**
 * The OTA module of an Espruino build: `chipweb build --target espruino`
 * lowers this entry on its own into the Storage file `chipweb.ota`, which
 * the boot code requires when an upload starts (ota.ts) and drops when it
 * ends. It holds the core's OtaSession (SHA-256, multipart parser) and the
 * Storage target (ota-target.ts) with the image reader.
 *
 * Never: be bundled into the boot code; keep state of its own between
 * uploads (each require gets fresh objects).
 */
import { HttpError } from '../../src/context.ts';
import { type OtaResult, OtaSession } from '../../src/ota/session.ts';
import type { OtaModule } from './ota.ts';
import { StorageOtaTarget } from './ota-target.ts';

/** Espruino's `module` of a module loaded from Storage (the build defines CHIPWEB_MODULE as `module`). */
declare const CHIPWEB_MODULE: { exports: OtaModule };

/**
 * Runs `upload`; its HttpError (this module's own copy of the class) is
 * thrown again as `Http`, the boot code's, which the app's handlers know.
 */
function answered(upload: Promise<OtaResult>, Http: typeof HttpError): Promise<OtaResult> {
  return upload.then(undefined, (error: unknown) => {
    throw error instanceof HttpError ? new Http(error.status, error.message) : error;
  });
}

CHIPWEB_MODULE.exports = {
  session(target, Http) {
    const session = new OtaSession(target);
    return {
      get busy() {
        return session.busy;
      },
      get progress() {
        return session.progress;
      },
      receive: (read, size, sha256) => answered(session.receive(read, size, sha256), Http),
      receiveForm: (read, type, sha256, options) => answered(session.receiveForm(read, type, sha256, options), Http),
    };
  },
  target: () => new StorageOtaTarget(),
};
