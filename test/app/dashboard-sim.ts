/**
 * Starts the default firmware's dashboard in the simulator for tests, as
 * `npm start` does: the UI built and packed into the simulated flash by the
 * same steps as `chipweb build` (gzip), the ESP32 pool sizes, a key-value
 * store file of the test's own, and a device.
 *
 * Never: share a store file between tests that do not mean to (a restart
 * test reuses one on purpose).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulate } from '../../host-sim/simulate.ts';
import type { Simulation } from '../../host-sim/simulate.ts';
import { flashAssets } from '../../toolchain/ui-build.ts';
import type { FlashAssets } from '../../toolchain/ui-build.ts';
import { createDashboard } from '../../firmware/app/main.ts';
import { SimDevice } from '../../host-sim/device.ts';
import type { OtaTarget } from '../../src/platform.ts';

/** The default firmware's entry module. */
export const ENTRY = fileURLToPath(new URL('../../firmware/app/main.ts', import.meta.url));

let flash: Promise<FlashAssets> | null = null;

/** The packed UI, built once per test run. */
export function dashboardAssets(): Promise<FlashAssets> {
  if (flash === null) flash = flashAssets(ENTRY);
  return flash;
}

/** A running dashboard. */
export interface Dashboard {
  /** The simulation (url, stats, platform). */
  sim: Simulation;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The simulated device (LED, Wi-Fi). */
  device: SimDevice;
  /** The store file in use. */
  storeFile: string;
  /** Stops the simulator. */
  close(): Promise<void>;
}

/** Temporary folders made by tempStore(), removed when the test process exits. */
const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary store file path (its folder is removed when the process exits). */
export function tempStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chipweb-ui-'));
  tempDirs.push(dir);
  return join(dir, 'store.json');
}

/**
 * Starts the dashboard on a free port with `storeFile` (a new temporary one
 * by default) and, when given, an OTA target (none: a board without OTA).
 */
export async function startDashboard(storeFile = tempStore(), ota?: OtaTarget): Promise<Dashboard> {
  const { assets } = await dashboardAssets();
  const device = new SimDevice();
  const sim = await simulate(createDashboard(), {
    port: 0,
    slots: 6,
    slotSize: 2048,
    outputSize: 1024,
    storeFile,
    assets,
    device,
    ota,
    log: () => {},
  });
  return { sim, url: sim.url, device, storeFile, close: () => sim.close(200) };
}
