/**
 * The first-boot setup's JSON endpoints (docs/captive-portal.md), beside the
 * dashboard's /api/ (api.ts): `GET /api/wifi/scan` lists the networks the
 * device hears, strongest first, for the setup page's network picker. The
 * credentials are then saved with `POST /api/wifi` (api.ts), which joins
 * the network and leaves the access point.
 *
 * Never: block the server while the radio scans (the answer waits on the
 * scan's promise); cache results (a scan is what the user asked for).
 */
import type { App, Context } from 'chipweb';
import { jsonError } from './api.ts';

/** Registers the setup endpoints on `app`. */
export function registerSetup(app: App): void {
  'cold';
  app.get('/api/wifi/scan', async (c: Context) => {
    c.setHeader('Cache-Control', 'no-store');
    const device = c.env.device;
    if (device === null) return jsonError(c, 503, 'this host has no device (LED, Wi-Fi)');
    if (typeof device.scan !== 'function') return jsonError(c, 501, 'this device cannot scan for Wi-Fi networks');
    try {
      const networks = await device.scan();
      c.json({ networks });
    } catch (error) {
      jsonError(c, 503, `${error instanceof Error ? error.message : String(error)}; try again in a few seconds`);
    }
    return undefined;
  });
}
