/**
 * The default firmware app: the device dashboard. `/` serves the web UI
 * (one gzipped page from flash, built from firmware/app/ui/ by
 * toolchain/ui-build.ts), `/api/` the JSON API it uses (firmware/app/api.ts),
 * `/api/ws` and `/api/events` its live updates (firmware/app/events.ts), `/api/wifi/scan`
 * the first-boot setup's network list (firmware/app/setup.ts), `/api/update`
 * over-the-air updates and `/api/password` the admin password
 * (firmware/app/update.ts). While the
 * device serves its own access point, captivePortal() sends every
 * connectivity check and foreign host to `/`.
 *
 * The module default-exports one App, as `chipweb build` and `chipweb sim`
 * expect; createDashboard() makes a fresh one (tests run several at once).
 *
 * Never: import Node or Moddable modules (this runs on the board's XS
 * engine as it is); allocate per request beyond what the JSON handlers return.
 */
import { App, captivePortal, logger, serveAsset } from 'chipweb';
import { registerApi } from './api.ts';
import { LiveHub } from './events.ts';
import { registerSetup } from './setup.ts';
import { registerUpdate } from './update.ts';

/** Name of the dashboard page among the assets. */
export const PAGE_ASSET = 'index.html';

/** Makes the dashboard app: its own request log (the core's logger) and live-update hub. */
export function createDashboard(): App {
  'cold';
  const app = new App();
  const log = logger({ size: 16 });
  const hub = new LiveHub(log);
  app.use(log);
  // First boot: while the device serves its access point, phones' connectivity checks land on the page.
  app.use(captivePortal());
  app.get('/', serveAsset(PAGE_ASSET));
  registerApi(app, hub, log);
  registerSetup(app);
  registerUpdate(app);
  return app;
}

export default createDashboard();

/**
 * Preload this module on the board (chipweb build reads it): the app's
 * routes, handlers and middleware are made at build time and stay in flash.
 * It is safe because everything here makes its typed arrays, Maps and Sets
 * at run time (the logger's ring, the hub's clients), never at module load.
 */
export const preload = true;
