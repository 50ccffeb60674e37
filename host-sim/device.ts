/**
 * The simulator's twin of the board's device (firmware/moddable/device.ts):
 * the LED is a value in memory, Wi-Fi credentials are checked and persisted
 * through the platform's store exactly as on the board (same keys, same
 * rules), and the Wi-Fi status is what the board would report: joined to
 * the stored SSID, or, with none stored, serving its own access point.
 *
 * Never: touch the host's real network; behave differently from the board
 * where the difference would show in the web UI or the API.
 */
import {
  WIFI_PASSWORD_KEY,
  WIFI_SSID_KEY,
  deviceName,
  wifiCredentialsProblem,
  strongestNetworks,
  type Device,
  type WifiNetwork,
  type WifiStatus,
} from '../src/device.ts';
import type { Platform } from '../src/platform.ts';

/** How the simulated device is set up. */
export interface SimDeviceOptions {
  /** Device name (made a valid DNS label; default "chipweb-sim"). */
  name?: string;
  /** IP address reported while "joined" (default 127.0.0.1: where the simulator listens). */
  ip?: string;
  /** Signal strength reported while "joined", in dBm (default -52). */
  rssi?: number;
  /** Called after every LED change (the simulator's log, a test). */
  onLed?: (on: boolean) => void;
  /**
   * The access point's address while no network is stored (default
   * 192.168.4.1, as on the board; `chipweb sim --first-boot` gives the
   * address it serves on, so the captive portal's redirects reach it).
   */
  apIp?: string;
  /** What a scan finds (default: a few made-up neighbours, one of them open). */
  networks?: WifiNetwork[];
  /** How long a scan takes, in ms (default 0; the board takes about two seconds). */
  scanMs?: number;
}

/** What the simulated radio hears by default. */
export const SIMULATED_NETWORKS: readonly WifiNetwork[] = Object.freeze([
  { ssid: 'HomeNet', rssi: -48, channel: 6, secure: true },
  { ssid: 'HomeNet', rssi: -71, channel: 11, secure: true },
  { ssid: 'Workshop 2.4G', rssi: -63, channel: 1, secure: true },
  { ssid: 'CoffeeShop Guest', rssi: -80, channel: 11, secure: false },
  { ssid: '', rssi: -66, channel: 3, secure: true },
]);

/** The simulated device. */
export class SimDevice implements Device {
  readonly name: string;
  private on = false;
  private platform: Platform | null;
  private readonly options: SimDeviceOptions;

  /** Makes the device; give it the platform now or later with attach(). */
  constructor(options: SimDeviceOptions = {}, platform: Platform | null = null) {
    this.options = options;
    this.name = deviceName(options.name ?? 'chipweb-sim');
    this.platform = platform;
  }

  /** Gives the device the platform whose store persists its Wi-Fi settings. */
  attach(platform: Platform): this {
    this.platform = platform;
    return this;
  }

  led(): boolean {
    return this.on;
  }

  setLed(on: boolean): void {
    this.on = on;
    if (this.options.onLed) this.options.onLed(on);
  }

  wifi(): WifiStatus {
    const ssid = this.store().storeGet(WIFI_SSID_KEY);
    if (ssid) return { mode: 'station', ssid, rssi: this.options.rssi ?? -52, ip: this.options.ip ?? '127.0.0.1' };
    // What a board with no credentials does: its own access point.
    return { mode: 'ap', ssid: this.name, rssi: 0, ip: this.options.apIp ?? '192.168.4.1' };
  }

  configureWifi(ssid: string, password: string): void {
    const problem = wifiCredentialsProblem(ssid, password);
    if (problem) throw new RangeError(`Wi-Fi settings rejected: ${problem}`);
    this.store().storeSet(WIFI_SSID_KEY, ssid);
    this.store().storeSet(WIFI_PASSWORD_KEY, password);
  }

  /** The simulated neighbours, as the board reports them: each name once, strongest first. */
  scan(): Promise<WifiNetwork[]> {
    const found = strongestNetworks((this.options.networks ?? SIMULATED_NETWORKS).map((n) => ({ ...n })));
    const ms = this.options.scanMs ?? 0;
    return new Promise((resolve) => (ms > 0 ? setTimeout(() => resolve(found), ms) : resolve(found)));
  }

  private store(): Platform {
    if (!this.platform) throw new Error('SimDevice: attach() the platform first (its store keeps the Wi-Fi settings)');
    return this.platform;
  }
}
