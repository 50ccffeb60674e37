/**
 * A stand-in for the simulator's device (host-sim/device.ts, being written
 * for issue 5), so the dashboard tests can run before it lands: the LED in
 * memory, Wi-Fi credentials persisted through the platform's store (so they
 * survive a simulator restart), "station" mode once credentials are set.
 *
 * Never: be used outside the tests; remove once host-sim/device.ts exists.
 */
import type { Device, WifiStatus } from '../../src/device.ts';
import { WIFI_PASSWORD_KEY, WIFI_SSID_KEY, wifiCredentialsProblem } from '../../src/device.ts';
import type { Platform } from '../../src/platform.ts';

/** The stand-in device over a platform's store. */
export class StandInDevice implements Device {
  readonly name = 'chipweb-sim';
  private on = false;
  private platform: Platform | null = null;

  /** Gives the device the simulation's platform (its store); call before serving. */
  attach(platform: Platform): this {
    this.platform = platform;
    return this;
  }

  private store(): Platform {
    if (this.platform === null) throw new Error('StandInDevice: attach() a platform first');
    return this.platform;
  }

  led(): boolean {
    return this.on;
  }

  setLed(on: boolean): void {
    this.on = on;
  }

  wifi(): WifiStatus {
    const ssid = this.store().storeGet(WIFI_SSID_KEY);
    return ssid ? { mode: 'station', ssid, rssi: -52, ip: '127.0.0.1' } : { mode: 'ap', ssid: this.name, rssi: 0, ip: '192.168.4.1' };
  }

  configureWifi(ssid: string, password: string): void {
    const problem = wifiCredentialsProblem(ssid, password);
    if (problem) throw new RangeError(problem);
    this.store().storeSet(WIFI_SSID_KEY, ssid);
    this.store().storeSet(WIFI_PASSWORD_KEY, password);
  }
}
