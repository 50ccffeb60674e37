/**
 * captivePortal(): while the device serves its own setup access point, send
 * every phone and laptop that joins it to the setup page
 * (docs/captive-portal.md).
 *
 * The access point's DNS server answers every name with the device's
 * address, so each OS's connectivity check reaches this server. A 302 to
 * the setup page (instead of the 204 / "Success" the OS expects) makes it
 * show its "sign in to network" sheet:
 *   Android   /generate_204, /gen_204
 *   Apple     /hotspot-detect.html, /library/test/success.html
 *   Windows   /connecttest.txt, /ncsi.txt, /redirect
 * Any request whose Host is not the device's (an address, `<name>`,
 * `<name>.local`) is redirected too, so whatever the user typed lands on
 * the setup page. The redirect keeps the port the client used.
 *
 * It is active while `device.wifi().mode` is 'ap', checked at most once a
 * second, or as the `active` option says. Otherwise it only calls next().
 *
 * Never: allocate on the pass-through path (the mode and the names are
 * cached; paths and hosts are compared where they sit in the slot); redirect
 * the setup page to itself.
 */
import type { Context, Handler } from '../context.ts';
import { equalsAscii, equalsIgnoreCase } from '../http/text.ts';

/** The connectivity-check paths of Android, Apple and Windows. */
export const PROBE_PATHS: readonly string[] = Object.freeze([
  '/generate_204',
  '/gen_204',
  '/hotspot-detect.html',
  '/library/test/success.html',
  '/connecttest.txt',
  '/ncsi.txt',
  '/redirect',
]);

/** Options of captivePortal(). */
export interface CaptivePortalOptions {
  /** Path of the setup page (default "/"). */
  setupPath?: string;
  /**
   * Whether the portal is on for this request (default: the device is in
   * access-point mode, read at most once a second).
   */
  active?: (c: Context) => boolean;
  /** More connectivity-check paths to redirect. */
  probes?: string[];
}

/** How long the device's Wi-Fi mode and address are cached, in ms. */
const REFRESH_MS = 1000;

/** Middleware redirecting connectivity checks and foreign hosts to the setup page while the portal is on. */
export function captivePortal(options: CaptivePortalOptions = {}): Handler {
  'cold';
  const setupPath = options.setupPath ?? '/';
  // The shared list unless the app adds paths: a copy costs a board about 18 variables.
  const probes = options.probes?.length ? PROBE_PATHS.concat(options.probes) : PROBE_PATHS;
  const active = options.active;
  let checkedAt = -REFRESH_MS;
  let on = false;
  let ip = '';
  let name = '';
  let local = '';

  /** Reads the device's mode and names, at most once a second. */
  const refresh = (c: Context): void => {
    const now = c.env.platform.now();
    if (now - checkedAt < REFRESH_MS) return;
    checkedAt = now;
    const device = c.env.device;
    if (device === null) {
      on = false;
      return;
    }
    const wifi = device.wifi();
    on = wifi.mode === 'ap';
    ip = wifi.ip;
    if (name !== device.name) {
      name = device.name;
      local = `${name}.local`;
    }
  };

  return (c: Context) => {
    if (active) {
      if (!active(c)) return c.next();
      refresh(c);
    } else {
      refresh(c);
      if (!on) return c.next();
    }
    const raw = c.raw;
    const bytes = raw.bytes;
    let probe = false;
    for (let i = 0; i < probes.length && !probe; i++) probe = equalsAscii(bytes, raw.pathStart, raw.pathEnd, probes[i]);
    // The Host, without its port.
    let hostStart = 0;
    let hostEnd = 0;
    let portStart = 0;
    const index = raw.headerIndex('host');
    if (index >= 0) {
      hostStart = raw.valueStart(index);
      hostEnd = raw.valueEnd(index);
      portStart = hostEnd;
      if (bytes[hostStart] !== 91) {
        // not an [IPv6] literal: the port follows the last ':'
        for (let p = hostEnd - 1; p > hostStart; p--) {
          if (bytes[p] === 58) {
            portStart = p;
            break;
          }
        }
      } else {
        for (let p = hostStart; p < hostEnd; p++) if (bytes[p] === 93) portStart = p + 1;
      }
    }
    const own =
      index < 0 ||
      isAddress(bytes, hostStart, portStart) ||
      equalsIgnoreCase(bytes, hostStart, portStart, name) ||
      equalsIgnoreCase(bytes, hostStart, portStart, local) ||
      equalsIgnoreCase(bytes, hostStart, portStart, 'localhost') ||
      (ip.length > 0 && equalsAscii(bytes, hostStart, portStart, ip));
    if (!probe && own) return c.next();
    // Redirect to the setup page on the device's address, on the port the client used.
    let port = '';
    if (portStart < hostEnd && bytes[portStart] === 58) {
      for (let p = portStart; p < hostEnd; p++) port += String.fromCharCode(bytes[p]);
    }
    c.setHeader('Cache-Control', 'no-store');
    c.redirect(`http://${ip || '192.168.4.1'}${port}${setupPath}`, 302);
    return undefined;
  };
}

/** Whether bytes[start..end) is an IP address literal (dotted IPv4, or [IPv6]): a connection that reached the device. */
function isAddress(bytes: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  if (bytes[start] === 91) return bytes[end - 1] === 93;
  let dots = 0;
  for (let p = start; p < end; p++) {
    const b = bytes[p];
    if (b === 46) dots++;
    else if (b < 48 || b > 57) return false;
  }
  return dots === 3;
}
