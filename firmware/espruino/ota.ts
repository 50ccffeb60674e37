/**
 * The Espruino Platform's OtaTarget, as the boot code has it: a small
 * forwarder to the Storage target of the OTA module (ota-module.ts, the
 * Storage file `chipweb.ota`), which Espruino loads from flash on the first
 * use and chipweb drops again when the upload is over. Between uploads the
 * board holds this object only: the SHA-256, the multipart parser, the
 * session and the image reader cost no variables while nobody updates.
 *
 * Never: load the OTA module before an upload needs it; keep it loaded once
 * the upload ended (release()); restart other than by load() (Espruino then
 * runs .boot0, which installs a committed image, then the new boot code).
 */
import type { HttpError } from '../../src/context.ts';
import type { OtaSession as CoreOtaSession } from '../../src/ota/session.ts';
import type { OtaTarget } from '../../src/platform.ts';
import { OTA_MODULE_FILE } from './ota-boot.ts';
import { espruino } from './types/espruino.ts';

/** The parts of the core's OtaSession the boot code uses; its errors are `Http`s. */
export type ModuleSession = Pick<CoreOtaSession, 'busy' | 'progress' | 'receive' | 'receiveForm'>;

/** What the OTA module exports. */
export interface OtaModule {
  /** The core's OtaSession over `target`, its HttpErrors thrown as `Http` (the boot code's class). */
  session(target: OtaTarget, Http: typeof HttpError): ModuleSession;
  /** The target that writes the image into staging Storage files. */
  target(): OtaTarget;
}

/** The OTA module, loaded from Storage (Espruino caches it until release()). */
export function otaModule(): OtaModule {
  'cold';
  const loaded = espruino.require(OTA_MODULE_FILE) as OtaModule | undefined;
  if (!loaded || typeof loaded.session !== 'function')
    throw new Error(`the OTA module "${OTA_MODULE_FILE}" is not in Storage: flash the build again`);
  return loaded;
}

/** The Platform's OtaTarget on Espruino: forwards to the OTA module's target while an upload runs. */
export class EspruinoOta implements OtaTarget {
  private real: OtaTarget | null = null;

  /** Made at the first update (EspruinoPlatform.ota). */
  // biome-ignore lint/complexity/noUselessConstructor: its directive is what it is for (cold.ts)
  constructor() {
    'cold'; // the class waits in flash until then (toolchain/espruino/cold.ts)
  }

  /** Largest image accepted: free Storage (loads the module: asked when an upload starts). */
  get capacity(): number {
    if (this.real === null) this.real = otaModule().target();
    return this.real.capacity;
  }

  begin(size: number): void {
    if (this.real === null) this.real = otaModule().target();
    this.real.begin(size);
  }

  write(bytes: Uint8Array, start: number, end: number): void {
    (this.real as OtaTarget).write(bytes, start, end);
  }

  complete(): void {
    (this.real as OtaTarget).complete();
  }

  cancel(): void {
    if (this.real !== null) this.real.cancel();
  }

  restart(): void {
    espruino.load();
  }

  /** Drops the module's target and the module: the upload is over. */
  release(): void {
    this.real = null;
    espruino.Modules.removeCached(OTA_MODULE_FILE);
  }
}
