/**
 * The Device (src/device.ts) on Espruino: an LED through digitalWrite and
 * Wi-Fi through Espruino's `Wifi` module.
 *
 * Wi-Fi: at start it joins the network saved from the web UI (platform
 * store), then the one built in (CHIPWEB_SSID/CHIPWEB_PASSWORD at build
 * time), each for `joinTimeout` ms; when none is set or none answers it
 * starts an access point named after the device (Wifi.startAP), so a fresh
 * board can be set up from its web UI at http://192.168.4.1/. Where the
 * build has no `Wifi` module (the Linux build) the host's network is used.
 *
 * Never: block; throw out of a Wi-Fi callback; keep a password anywhere
 * but the platform store.
 */
import {
  deviceName,
  type Device,
  WIFI_PASSWORD_KEY,
  WIFI_SSID_KEY,
  type WifiStatus,
  wifiCredentialsProblem,
} from '../../src/device.ts';
import type { Platform, TimerHandle } from '../../src/platform.ts';
import { describe } from './platform.ts';
import { espruino, type EspruinoWifi } from './types/espruino.ts';

/** Wi-Fi behaviour, from the Espruino budget and the build's credentials. */
export interface EspruinoWifiOptions {
  /** Built-in network name, or '' for none. */
  ssid: string;
  /** Built-in password. */
  password: string;
  /** How long one join attempt may take, in ms. */
  joinTimeout: number;
  /** Access-point password (8+ characters), or '' for an open network. */
  apPassword: string;
}

/** How the device is set up. */
export interface EspruinoDeviceOptions {
  /** Device name (made a valid DNS label). */
  name: string;
  /** LED pin, or -1 for none. */
  ledPin: number;
  /** The LED lights when the pin is low. */
  ledActiveLow: boolean;
  /** Wi-Fi settings. */
  wifi: EspruinoWifiOptions;
}

/** How long after a lost network the board starts joining again (the router may be restarting). */
export const REJOIN_MS = 2000;

/** The Device on an Espruino board. */
export class EspruinoDevice implements Device {
  readonly name: string;
  private ledOn = false;
  private status: WifiStatus = { mode: 'off', ssid: '', rssi: 0, ip: '' };
  private readonly platform: Platform;
  private readonly options: EspruinoDeviceOptions;
  private radio: EspruinoWifi | null = null;
  private timer: TimerHandle | null = null;
  private candidates: { ssid: string; password: string }[] = [];
  private attempt = 0;

  constructor(platform: Platform, options: EspruinoDeviceOptions) {
    this.platform = platform;
    this.options = options;
    this.name = deviceName(options.name);
  }

  /** Starts Wi-Fi (or takes the host's network when the build has no Wi-Fi). */
  start(): void {
    try {
      this.radio = espruino.require('Wifi');
    } catch {
      this.radio = null;
    }
    if (this.radio === null) {
      this.status = { mode: 'station', ssid: 'host network', rssi: 0, ip: '' };
      return;
    }
    try {
      this.radio.setHostname(this.name);
    } catch {
      // Not every port has it.
    }
    try {
      // Espruino's ESP32 port never reconnects by itself (it retries 0 times): a router's restart would leave
      // the board off the network until power-cycled.
      this.radio.on('disconnected', () => this.lost());
    } catch {
      // A port without events keeps the network it joined.
    }
    this.candidates = this.savedCandidates();
    this.next();
  }

  /** The joined network went away: join again from the start, as at boot (the access point last). */
  private lost(): void {
    'cold';
    if (this.status.mode !== 'station') return; // a failed join: its own timeout moves on
    this.platform.log(`chipweb: Wi-Fi "${this.status.ssid}" lost; joining again`);
    this.status = { mode: 'off', ssid: '', rssi: 0, ip: '' };
    if (this.timer !== null) this.platform.clearTimer(this.timer);
    this.timer = this.platform.setTimer(
      () => {
        this.timer = null;
        this.candidates = this.savedCandidates();
        this.next();
      },
      REJOIN_MS,
      false,
    );
  }

  led(): boolean {
    return this.ledOn;
  }

  setLed(on: boolean): void {
    'cold'; // when the LED is switched: kept in flash on Espruino until called
    this.ledOn = on;
    if (this.options.ledPin < 0) {
      this.platform.log(`chipweb: LED ${on ? 'on' : 'off'}`);
      return;
    }
    try {
      espruino.digitalWrite(this.options.ledPin, on !== this.options.ledActiveLow);
    } catch (error) {
      this.platform.log(`chipweb: LED: ${describe(error)}`);
    }
  }

  wifi(): WifiStatus {
    const s = this.status;
    if (s.mode === 'station' && this.radio !== null) {
      try {
        // getStatus(): on an ESP32 getDetails() has no rssi (and makes a string of the password).
        const radio = this.radio;
        const status = typeof radio.getStatus === 'function' ? radio.getStatus() : radio.getDetails();
        if (status && typeof status.rssi === 'number') s.rssi = status.rssi;
      } catch {
        // Keep the last figure.
      }
    }
    return { mode: s.mode, ssid: s.ssid, rssi: s.rssi, ip: s.ip };
  }

  configureWifi(ssid: string, password: string): void {
    'cold'; // when Wi-Fi is set up: kept in flash on Espruino until called
    'cold';
    const problem = wifiCredentialsProblem(ssid, password);
    if (problem) throw new RangeError(`Wi-Fi settings rejected: ${problem}`);
    this.platform.storeSet(WIFI_SSID_KEY, ssid);
    this.platform.storeSet(WIFI_PASSWORD_KEY, password);
    if (this.radio === null) return; // the host manages the network; the settings are kept for the board
    this.candidates = [{ ssid, password }].concat(this.savedCandidates().filter((c) => c.ssid !== ssid));
    this.next();
  }

  /** Stored credentials first (set from the web UI), then the built-in ones. */
  private savedCandidates(): { ssid: string; password: string }[] {
    'cold';
    const list: { ssid: string; password: string }[] = [];
    const stored = this.platform.storeGet(WIFI_SSID_KEY);
    if (stored) list.push({ ssid: stored, password: this.platform.storeGet(WIFI_PASSWORD_KEY) || '' });
    const built = this.options.wifi;
    if (built.ssid && built.ssid !== stored) list.push({ ssid: built.ssid, password: built.password });
    return list;
  }

  /** Tries the next candidate, or starts the access point. */
  private next(): void {
    const radio = this.radio;
    if (radio === null) return;
    if (this.timer !== null) this.platform.clearTimer(this.timer);
    this.timer = null;
    const candidate = this.candidates.shift();
    if (!candidate) {
      this.startAccessPoint(radio);
      return;
    }
    const attempt = ++this.attempt;
    this.status = { mode: 'off', ssid: '', rssi: 0, ip: '' };
    this.platform.log(`chipweb: joining Wi-Fi "${candidate.ssid}"`);
    this.timer = this.platform.setTimer(
      () => {
        this.timer = null;
        if (attempt !== this.attempt) return;
        this.platform.log(`chipweb: Wi-Fi "${candidate.ssid}" did not answer in ${this.options.wifi.joinTimeout} ms`);
        this.next();
      },
      this.options.wifi.joinTimeout,
      false,
    );
    try {
      radio.connect(candidate.ssid, candidate.password ? { password: candidate.password } : {}, (error) => {
        if (attempt !== this.attempt) return;
        if (error) {
          this.platform.log(`chipweb: Wi-Fi "${candidate.ssid}": ${describe(error)}`);
          this.next();
          return;
        }
        if (this.timer !== null) this.platform.clearTimer(this.timer);
        this.timer = null;
        const ip = radio.getIP();
        this.status = { mode: 'station', ssid: candidate.ssid, rssi: 0, ip: ip ? ip.ip : '' };
        this.platform.log(`chipweb: Wi-Fi "${candidate.ssid}" joined, IP address ${this.status.ip}`);
      });
    } catch (error) {
      this.platform.log(`chipweb: Wi-Fi connect failed: ${describe(error)}`);
      this.next();
    }
  }

  private startAccessPoint(radio: EspruinoWifi): void {
    'cold';
    const password = this.options.wifi.apPassword;
    const options = password ? { password, authMode: 'wpa2' } : { authMode: 'open' };
    try {
      radio.startAP(this.name, options, (error) => {
        if (error) {
          this.platform.log(`chipweb: could not start the access point: ${describe(error)}`);
          return;
        }
        const ip = radio.getAPIP();
        this.status = { mode: 'ap', ssid: this.name, rssi: 0, ip: ip ? ip.ip : '192.168.4.1' };
        this.platform.log(
          `chipweb: access point "${this.name}" started: join it and open http://${this.status.ip}/ to set up Wi-Fi`,
        );
      });
    } catch (error) {
      this.platform.log(`chipweb: could not start the access point: ${describe(error)}`);
    }
  }
}
