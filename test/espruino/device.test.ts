/**
 * The Espruino device's Wi-Fi and LED logic in Node, over a stand-in for
 * Espruino's `Wifi` module and `digitalWrite` (the Linux build has no
 * radio, so test:espruino cannot reach this): stored settings first, then
 * the built-in ones, the access point when none answers, and the LED pin
 * driven with its polarity.
 *
 * Never: leave the stand-ins on globalThis after a test.
 */
import { expect } from 'chai';
import { EspruinoDevice, type EspruinoWifiOptions, REJOIN_MS } from '../../firmware/espruino/device.ts';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import { WIFI_PASSWORD_KEY, WIFI_SSID_KEY } from '../../src/device.ts';

type Callback = (error: unknown) => void;

/** A stand-in for Espruino's Wifi module: records calls; the test answers them. */
class FakeWifi {
  readonly calls: string[] = [];
  pending: Callback | null = null;
  connect(ssid: string, options: { password?: string }, callback: Callback): void {
    this.calls.push(`connect ${ssid} ${options.password ?? '(open)'}`);
    this.pending = callback;
  }
  startAP(ssid: string, options: { password?: string; authMode?: string }, callback: Callback): void {
    this.calls.push(`startAP ${ssid} ${options.authMode}`);
    callback(null);
  }
  disconnect(): void {}
  stopAP(): void {}
  setHostname(name: string): void {
    this.calls.push(`hostname ${name}`);
  }
  getIP() {
    return { ip: '10.0.0.7' };
  }
  getAPIP() {
    return { ip: '192.168.4.1' };
  }
  getDetails() {
    return { ssid: 'as on an ESP32: no rssi here' };
  }
  getStatus() {
    return { rssi: -51 };
  }
  readonly listeners = new Map<string, () => void>();
  on(event: string, listener: () => void): void {
    this.listeners.set(event, listener);
  }
}

const WIFI: EspruinoWifiOptions = { ssid: 'built-in', password: 'builtin-pass', joinTimeout: 20000, apPassword: '' };

describe('espruino: the device (Wi-Fi and LED) over stand-ins', () => {
  const g = globalThis as unknown as Record<string, unknown>;
  let wifi: FakeWifi;
  let writes: [number, boolean | number][];
  let saved: Record<string, unknown>;
  beforeEach(() => {
    wifi = new FakeWifi();
    writes = [];
    saved = { require: g.require, digitalWrite: g.digitalWrite };
    g.require = (name: string) => {
      if (name === 'Wifi') return wifi;
      throw new Error(`Module "${name}" not found`);
    };
    g.digitalWrite = (pin: number, value: boolean | number) => writes.push([pin, value]);
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete g[k];
      else g[k] = v;
    }
  });

  it('joins the stored network first, then the built-in one, then starts the access point', () => {
    const platform = new MemoryPlatform();
    platform.storeSet(WIFI_SSID_KEY, 'home-net');
    platform.storeSet(WIFI_PASSWORD_KEY, 'correct horse');
    const device = new EspruinoDevice(platform, { name: 'My Board', ledPin: 2, ledActiveLow: false, wifi: WIFI });
    device.start();
    expect(wifi.calls).to.deep.equal(['hostname my-board', 'connect home-net correct horse']);
    wifi.pending?.(new Error('auth failed'));
    expect(wifi.calls.at(-1)).to.equal('connect built-in builtin-pass');
    platform.advance(WIFI.joinTimeout); // the built-in network never answers
    expect(wifi.calls.at(-1)).to.equal('startAP my-board open');
    expect(device.wifi()).to.deep.equal({ mode: 'ap', ssid: 'my-board', rssi: 0, ip: '192.168.4.1' });
  });

  it('reports the joined network, and joins new settings at once', () => {
    const platform = new MemoryPlatform();
    const device = new EspruinoDevice(platform, { name: 'board', ledPin: 2, ledActiveLow: false, wifi: WIFI });
    device.start();
    wifi.pending?.(null);
    expect(device.wifi()).to.deep.equal({ mode: 'station', ssid: 'built-in', rssi: -51, ip: '10.0.0.7' });
    device.configureWifi('other', 'other-pass!');
    expect(platform.storeGet(WIFI_SSID_KEY)).to.equal('other');
    expect(wifi.calls.at(-1)).to.equal('connect other other-pass!');
    expect(() => device.configureWifi('', 'x')).to.throw(RangeError, /SSID is empty/);
  });

  it('drives the LED pin with its polarity', () => {
    const platform = new MemoryPlatform();
    const high = new EspruinoDevice(platform, { name: 'b', ledPin: 2, ledActiveLow: false, wifi: WIFI });
    high.setLed(true);
    const low = new EspruinoDevice(platform, { name: 'b', ledPin: 5, ledActiveLow: true, wifi: WIFI });
    low.setLed(true);
    low.setLed(false);
    expect(writes).to.deep.equal([
      [2, true],
      [5, false],
      [5, true],
    ]);
    expect(low.led()).to.equal(false);
  });

  it('uses the host network when the build has no Wifi module', () => {
    g.require = (name: string) => {
      throw new Error(`Module "${name}" not found`);
    };
    const device = new EspruinoDevice(new MemoryPlatform(), { name: 'b', ledPin: -1, ledActiveLow: false, wifi: WIFI });
    device.start();
    expect(device.wifi().mode).to.equal('station');
    expect(device.wifi().ssid).to.equal('host network');
  });

  it('joins again when the network it joined goes away (the ESP32 port never reconnects by itself), and reads the signal from getStatus()', () => {
    const platform = new MemoryPlatform();
    const device = new EspruinoDevice(platform, { name: 'b', ledPin: -1, ledActiveLow: false, wifi: WIFI });
    device.start();
    wifi.pending?.(null);
    expect(device.wifi()).to.deep.equal({ mode: 'station', ssid: 'built-in', rssi: -51, ip: '10.0.0.7' });
    const joins = wifi.calls.filter((c) => c.startsWith('connect')).length;
    wifi.listeners.get('disconnected')?.();
    expect(device.wifi().mode).to.equal('off');
    platform.advance(REJOIN_MS);
    expect(wifi.calls.filter((c) => c.startsWith('connect')).length).to.equal(joins + 1);
    wifi.pending?.(null);
    expect(device.wifi().mode).to.equal('station');
    expect(platform.logs.join('\n')).to.include('chipweb: Wi-Fi "built-in" lost; joining again');
  });
});
