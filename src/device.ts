/**
 * The board-neutral device interface the web UI and apps use: the LED, the
 * Wi-Fi state and its configuration, the device's name. The board implements
 * it in firmware/moddable/device.ts, the simulator in host-sim/device.ts.
 *
 * Never: import anything from Node or Moddable, or do I/O here; this file is
 * only the contract and the small pure helpers every implementation shares.
 */

import { ENGINE_CODEC } from './http/engine-codec.ts';

/** Wi-Fi mode: joined to a network, serving an access point, or off. */
export type WifiMode = 'station' | 'ap' | 'off';

/** What the device knows about its Wi-Fi right now. */
export interface WifiStatus {
  /** Current mode. */
  mode: WifiMode;
  /** Network joined (station) or served (ap); '' when off. */
  ssid: string;
  /** Signal strength in dBm when joined, else 0. */
  rssi: number;
  /** The device's IP address, or '' when it has none. */
  ip: string;
}

/** A Wi-Fi network found by a scan. */
export interface WifiNetwork {
  /** Its name. */
  ssid: string;
  /** Signal strength in dBm (closer to 0 is stronger). */
  rssi: number;
  /** Radio channel. */
  channel: number;
  /** Whether it needs a password. */
  secure: boolean;
}

/** The device as apps and the web UI see it. */
export interface Device {
  /** The device's name; also its mDNS host name (`<name>.local`) and access-point name. */
  readonly name: string;
  /** Current LED state. */
  led(): boolean;
  /** Switches the LED. */
  setLed(on: boolean): void;
  /** Current Wi-Fi status. */
  wifi(): WifiStatus;
  /**
   * Stores new Wi-Fi credentials (persisted through the platform store) and
   * joins that network; throws a RangeError when they are not acceptable.
   */
  configureWifi(ssid: string, password: string): void;
  /**
   * Optional: scans for Wi-Fi networks (a few seconds on a board), each
   * name once with its strongest signal, strongest first. Rejects when the
   * radio cannot scan now. Absent where the host manages the network.
   */
  scan?(): Promise<WifiNetwork[]>;
}

/**
 * Sorts scan results strongest first and keeps each SSID once (its
 * strongest entry); hidden networks (empty SSID) are left out. Returns a
 * new array.
 */
export function strongestNetworks(found: WifiNetwork[]): WifiNetwork[] {
  const sorted = found.filter((n) => n.ssid.length > 0).sort((a, b) => b.rssi - a.rssi);
  const out: WifiNetwork[] = [];
  for (const n of sorted) if (!out.some((o) => o.ssid === n.ssid)) out.push(n);
  return out;
}

/** Store keys for persisted Wi-Fi credentials (short: ESP32's NVS allows 15 characters). */
export const WIFI_SSID_KEY = 'wifi.ssid';
/** Store key for the persisted Wi-Fi password. */
export const WIFI_PASSWORD_KEY = 'wifi.pass';
/**
 * Store key of the device's admin password (updates, settings): set from
 * the dashboard, or seeded at first boot from the build's
 * CHIPWEB_ADMIN_PASSWORD.
 */
export const ADMIN_PASSWORD_KEY = 'adminPw';

/**
 * The UTF-8 bytes of a short string (an SSID): the engine's own count where
 * strings are bytes already (Espruino), else from the code units (the page
 * runs this too, so not src/http/text.ts's utf8Length and its windows).
 */
function utf8Bytes(s: string): number {
  const codec = ENGINE_CODEC;
  if (codec !== null) {
    const bytes = codec.byteLength(s, 0);
    if (bytes >= 0) return bytes;
  }
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is 3 + 1; XS may give a whole code point above 0xffff.
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xdc00 && c <= 0xdfff ? 1 : c > 0xffff ? 4 : 3;
  }
  return n;
}

/**
 * Checks Wi-Fi credentials as 802.11 and WPA2 define them: an SSID of 1 to
 * 32 bytes, a password empty (open network) or 8 to 63 printable ASCII
 * characters. Returns the problem, or '' when they are fine.
 */
export function wifiCredentialsProblem(ssid: string, password: string): string {
  'cold'; // when credentials are set: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  if (typeof ssid !== 'string' || ssid.length === 0) return 'the SSID is empty';
  // 32 bytes, as the radio counts: "é" takes two, an emoji four.
  if (utf8Bytes(ssid) > 32) return 'the SSID is longer than 32 bytes';
  if (typeof password !== 'string') return 'the password is not text';
  if (password.length > 0 && password.length < 8)
    return 'the password must be empty (open network) or 8 to 63 characters';
  if (password.length > 63) return 'the password is longer than 63 characters';
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return 'the password must be printable ASCII';
  }
  return '';
}

/**
 * Turns any text into a valid DNS label for `<name>.local` and the
 * access-point name: lowercase letters, digits and '-', 1 to 63 characters,
 * no leading or trailing '-'. Falls back to 'chipweb'.
 */
export function deviceName(text: string): string {
  let out = '';
  for (let i = 0; i < text.length && out.length < 63; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) out += String.fromCharCode(c);
    else if (out.length > 0 && out.charCodeAt(out.length - 1) !== 0x2d) out += '-';
  }
  while (out.length > 0 && out.charCodeAt(out.length - 1) === 0x2d) out = out.slice(0, -1);
  return out.length > 0 ? out : 'chipweb';
}
