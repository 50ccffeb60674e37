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
import { OtaSession } from '../../src/ota/session.ts';
import type { OtaTarget } from '../../src/platform.ts';
import type { OtaModule } from './ota.ts';
import { StorageOtaTarget } from './ota-target.ts';

/** Espruino's `module` of a module loaded from Storage (the build defines CHIPWEB_MODULE as `module`). */
declare const CHIPWEB_MODULE: { exports: OtaModule };

CHIPWEB_MODULE.exports = {
  session: (target: OtaTarget) => new OtaSession(target),
  target: () => new StorageOtaTarget(),
};
