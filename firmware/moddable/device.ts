/**
 * The board's Device (src/device.ts): LED, Wi-Fi and the mDNS name.
 *
 * Wi-Fi: at start it tries the credentials saved from the web UI (platform
 * store), then those built in from CHIPWEB_SSID/CHIPWEB_PASSWORD (manifest
 * config.ssid/config.password), each for `joinTimeout` ms. When none are set
 * or none work it starts an access point named after the device, so a fresh
 * board can be set up from its web UI at http://192.168.4.1/. Moddable's own
 * setup/network is removed from the build (it waits forever on a wrong
 * password). On Pico W the SDK does not implement access-point mode: the
 * device logs that and keeps retrying the station credentials.
 *
 * mDNS: once the network is up it claims `<name>.local` and advertises
 * `_http._tcp` on the server's port.
 *
 * Captive portal (docs/captive-portal.md): with the access point up, a DNS
 * server (dns.ts) answers every name with the access point's address, so a
 * phone's connectivity check lands on the device and the captivePortal()
 * middleware sends it to the setup page. The access point runs with the
 * station interface on (AP+STA) so that scan() works while it serves.
 *
 * Never: run at module load (preloaded at build time); block; throw out of
 * a Wi-Fi or mDNS callback.
 */
import WiFi from 'wifi';
import type { WiFiMessage } from 'wifi';
import Net from 'net';
import MDNS from 'mdns';
import type { Platform, TimerHandle } from '../../src/platform.ts';
import {
  WIFI_PASSWORD_KEY,
  WIFI_SSID_KEY,
  deviceName,
  strongestNetworks,
  wifiCredentialsProblem,
  type Device,
  type WifiNetwork,
  type WifiStatus,
} from '../../src/device.ts';
import { CaptiveDns } from './dns.ts';
import type { LedDriver } from './led.ts';
import { describe } from './platform.ts';

/** Wi-Fi behaviour, from the target's manifest template and mc/config. */
export interface BoardWifiOptions {
  /** Built-in network name (config.ssid), or '' for none. */
  ssid: string;
  /** Built-in password (config.password). */
  password: string;
  /** How long one join attempt may take before the next is tried, in ms. */
  joinTimeout: number;
  /** Whether the SDK can run an access point on this board (false on Pico W). */
  accessPoint: boolean;
  /** Access-point password (8+ characters), or '' for an open network. */
  apPassword: string;
  /** Delay before retrying the station when no access point is possible, in ms. */
  retryDelay: number;
}

/** How the board device is set up. */
export interface BoardDeviceOptions {
  /** Device name (made a valid DNS label). */
  name: string;
  /** The LED, or undefined when the board has none (the state is then only remembered). */
  led?: LedDriver;
  /** Wi-Fi management, or undefined when the host manages the network (desktop simulator). */
  wifi?: BoardWifiOptions;
  /** Claim `<name>.local` once the network is up. */
  mdns: boolean;
  /** HTTP port advertised over mDNS. */
  port: number;
}

/** A join candidate. */
interface Credentials {
  ssid: string;
  password: string;
}

/** How long new Wi-Fi settings wait before the join starts: the answer to them goes out first. */
export const ANSWER_MS = 1000;

/** The Device on a Moddable board. */
export class BoardDevice implements Device {
  readonly name: string;
  private ledOn = false;
  private status: WifiStatus = { mode: 'off', ssid: '', rssi: 0, ip: '' };
  private monitor: WiFi | undefined;
  private timer: TimerHandle | undefined;
  private candidates: Credentials[] = [];
  private current: Credentials | undefined;
  private mdns: MDNS | undefined;
  /** The access point's DNS server: made when the access point first starts (most boots never start one). */
  private dns: CaptiveDns | undefined;
  private scanning: Promise<WifiNetwork[]> | undefined;

  constructor(
    private readonly platform: Platform,
    private readonly options: BoardDeviceOptions,
  ) {
    this.name = deviceName(options.name);
  }

  /** Starts Wi-Fi (or reads the host's network) and mDNS. Call once, from main. */
  start(): void {
    if (!this.options.wifi) {
      const ip = safeNet('IP');
      this.status = { mode: 'station', ssid: 'host network', rssi: 0, ip: typeof ip === 'string' ? ip : '' };
      this.startMdns();
      return;
    }
    this.candidates = this.savedCandidates();
    this.next();
  }

  led(): boolean {
    return this.ledOn;
  }

  setLed(on: boolean): void {
    this.ledOn = on;
    if (this.options.led) this.options.led.set(on);
    else this.platform.log(`chipweb: LED ${on ? 'on' : 'off'}`);
  }

  wifi(): WifiStatus {
    if (this.status.mode === 'station' && this.options.wifi) {
      const rssi = safeNet('RSSI');
      if (typeof rssi === 'number') this.status.rssi = rssi;
    }
    return { mode: this.status.mode, ssid: this.status.ssid, rssi: this.status.rssi, ip: this.status.ip };
  }

  configureWifi(ssid: string, password: string): void {
    const problem = wifiCredentialsProblem(ssid, password);
    if (problem) throw new RangeError(`Wi-Fi settings rejected: ${problem}`);
    // The password first: if the board cannot store it (too long for its store), the old pair stays whole.
    this.platform.storeSet(WIFI_PASSWORD_KEY, password);
    this.platform.storeSet(WIFI_SSID_KEY, ssid);
    if (!this.options.wifi) return; // the host manages the network; the settings are kept for the board
    // Join the new network first; fall back to the others (and the access point) as at start. A moment
    // later: leaving the access point (ESP32: the mode switches at once) would drop the phone that sent
    // these settings before it has their answer.
    const others = this.savedCandidates().filter((c) => c.ssid !== ssid);
    this.candidates = [{ ssid, password }, ...others];
    if (this.timer !== undefined) this.platform.clearTimer(this.timer);
    this.timer = this.platform.setTimer(
      () => {
        this.timer = undefined;
        this.stopJoin();
        this.next();
      },
      ANSWER_MS,
      false,
    );
  }

  scan(): Promise<WifiNetwork[]> {
    if (!this.options.wifi) return Promise.reject(new Error('the host manages the network; there is no radio to scan'));
    if (this.scanning) return this.scanning; // one scan at a time (the SDK throws on a second)
    const found: WifiNetwork[] = [];
    const scanning = new Promise<WifiNetwork[]>((resolve, reject) => {
      try {
        WiFi.scan({}, (item) => {
          if (item) {
            found.push({
              ssid: item.ssid,
              rssi: item.rssi,
              channel: item.channel,
              secure: item.authentication !== 'none',
            });
          } else {
            this.scanning = undefined;
            resolve(strongestNetworks(found));
          }
        });
      } catch (error) {
        this.scanning = undefined;
        reject(new Error(`Wi-Fi scan failed: ${describe(error)}`));
      }
    });
    this.scanning = scanning;
    return scanning;
  }

  /** Stored credentials first (set from the web UI), then the built-in ones. */
  private savedCandidates(): Credentials[] {
    const list: Credentials[] = [];
    const storedSsid = this.platform.storeGet(WIFI_SSID_KEY);
    if (storedSsid) list.push({ ssid: storedSsid, password: this.platform.storeGet(WIFI_PASSWORD_KEY) ?? '' });
    const built = this.options.wifi;
    if (built && built.ssid && built.ssid !== storedSsid) list.push({ ssid: built.ssid, password: built.password });
    return list;
  }

  /** Tries the next candidate, or falls back to the access point. */
  private next(): void {
    const wifi = this.options.wifi as BoardWifiOptions;
    const candidate = this.candidates.shift();
    if (!candidate) {
      if (wifi.accessPoint) {
        this.startAccessPoint();
      } else {
        this.platform.log(
          'chipweb: no Wi-Fi network could be joined and this board cannot run an access point ' +
            '(Pico W in the Moddable SDK); set CHIPWEB_SSID and CHIPWEB_PASSWORD and flash again. ' +
            `Retrying in ${Math.round(wifi.retryDelay / 1000)} s.`,
        );
        this.timer = this.platform.setTimer(
          () => {
            this.timer = undefined;
            this.candidates = this.savedCandidates();
            this.next();
          },
          wifi.retryDelay,
          false,
        );
      }
      return;
    }
    this.join(candidate, wifi.joinTimeout);
  }

  private join(candidate: Credentials, timeout: number): void {
    this.dns?.stop(); // leaving the access point, if it ran
    this.current = candidate;
    this.status = { mode: 'off', ssid: '', rssi: 0, ip: '' };
    this.platform.log(`chipweb: joining Wi-Fi "${candidate.ssid}"`);
    try {
      if (WiFi.mode !== WiFi.Mode.station) WiFi.mode = WiFi.Mode.station;
    } catch {
      // Not every port lets the mode be set; connect() selects station mode itself.
    }
    try {
      const settings = candidate.password
        ? { ssid: candidate.ssid, password: candidate.password }
        : { ssid: candidate.ssid };
      this.monitor = new WiFi(settings, (message) => this.onWifi(message));
    } catch (error) {
      this.platform.log(`chipweb: Wi-Fi connect failed: ${describe(error)}`);
      this.next();
      return;
    }
    this.timer = this.platform.setTimer(
      () => {
        this.timer = undefined;
        this.platform.log(`chipweb: Wi-Fi "${candidate.ssid}" did not answer within ${Math.round(timeout / 1000)} s`);
        this.stopJoin();
        this.next();
      },
      timeout,
      false,
    );
  }

  private onWifi(message: WiFiMessage): void {
    try {
      if (message === WiFi.gotIP) {
        if (this.timer !== undefined) this.platform.clearTimer(this.timer);
        this.timer = undefined;
        const ip = safeNet('IP');
        const rssi = safeNet('RSSI');
        this.status = {
          mode: 'station',
          ssid: this.current ? this.current.ssid : '',
          rssi: typeof rssi === 'number' ? rssi : 0,
          ip: typeof ip === 'string' ? ip : '',
        };
        this.platform.log(`chipweb: Wi-Fi "${this.status.ssid}" joined, IP address ${this.status.ip}`);
        this.startMdns();
      } else if (message === WiFi.disconnected && this.status.mode === 'station') {
        // Lost a working network: rejoin it (and fall back as at start if that fails).
        this.platform.log(`chipweb: Wi-Fi "${this.status.ssid}" lost, rejoining`);
        this.stopMdns();
        this.stopJoin();
        this.candidates = this.savedCandidates();
        this.next();
      }
      // While joining, "connect" and "disconnect" are progress; the timeout decides.
    } catch (error) {
      this.platform.log(`chipweb: Wi-Fi: ${describe(error)}`);
    }
  }

  private startAccessPoint(): void {
    const wifi = this.options.wifi as BoardWifiOptions;
    // An SSID holds 32 bytes (the ESP32's port refuses more); the name is ASCII, up to 63 for mDNS.
    const ssid = this.name.length > 32 ? this.name.slice(0, 32) : this.name;
    try {
      // station: true keeps the station interface on (AP+STA), so scan() works for the setup page.
      const settings = wifi.apPassword ? { ssid, password: wifi.apPassword, station: true } : { ssid, station: true };
      WiFi.accessPoint(settings);
    } catch (error) {
      this.platform.log(`chipweb: could not start the access point: ${describe(error)}`);
      return;
    }
    const ip = safeNet('IP', 'ap');
    this.status = { mode: 'ap', ssid, rssi: 0, ip: typeof ip === 'string' ? ip : '192.168.4.1' };
    this.platform.log(
      `chipweb: access point "${ssid}" started: join it and open http://${this.status.ip}/ to set up Wi-Fi`,
    );
    // Every name resolves to the device, so phones show their "sign in to network" page.
    if (this.dns === undefined) {
      const platform = this.platform;
      this.dns = new CaptiveDns((message) => platform.log(message));
    }
    this.dns.start(this.status.ip);
    this.startMdns();
  }

  private stopJoin(): void {
    if (this.timer !== undefined) this.platform.clearTimer(this.timer);
    this.timer = undefined;
    if (this.monitor) {
      try {
        this.monitor.close();
        WiFi.disconnect();
      } catch {
        // Already disconnected.
      }
      this.monitor = undefined;
    }
  }

  private startMdns(): void {
    if (!this.options.mdns) return;
    this.stopMdns();
    const port = this.options.port;
    try {
      const mdns: MDNS = new MDNS({ hostName: this.name }, (message, value) => {
        if (message === 1 && value) {
          this.platform.log(`chipweb: reachable as http://${value}.local${port === 80 ? '' : `:${port}`}/`);
          try {
            mdns.add({ name: 'http', protocol: 'tcp', port, txt: { path: '/' } });
          } catch (error) {
            this.platform.log(`chipweb: mDNS service: ${describe(error)}`);
          }
        } else if (message < 0) {
          this.platform.log(`chipweb: mDNS could not claim "${this.name}.local"`);
        }
        return undefined; // on a conflict, let MDNS pick the next name
      });
      this.mdns = mdns;
    } catch (error) {
      this.platform.log(`chipweb: mDNS: ${describe(error)}`);
    }
  }

  private stopMdns(): void {
    if (!this.mdns) return;
    try {
      this.mdns.close();
    } catch {
      // Its socket is already gone with the network.
    }
    this.mdns = undefined;
  }
}

/** Net.get that never throws (some properties are missing on some ports). */
function safeNet(property: 'IP' | 'RSSI', iface?: 'station' | 'ap'): string | number | undefined {
  try {
    // Passing an undefined interface is not the same as passing none on every port.
    if (property === 'RSSI') return Net.get('RSSI');
    return iface ? Net.get('IP', iface) : Net.get('IP');
  } catch {
    return undefined;
  }
}
