/**
 * The simulator's device twin (host-sim/device.ts): LED in memory, Wi-Fi
 * settings checked and persisted through the platform store under the same
 * keys and rules as the board, and the status the board would report.
 *
 * Never: use real networking.
 */
import { expect } from 'chai';
import { SimDevice } from '../../host-sim/device.ts';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import { WIFI_PASSWORD_KEY, WIFI_SSID_KEY } from '../../src/device.ts';

describe('firmware: simulated device', () => {
  it('keeps the LED in memory and reports changes', () => {
    const seen: boolean[] = [];
    const device = new SimDevice({ onLed: (on) => seen.push(on) }, new MemoryPlatform());
    expect(device.led()).to.equal(false);
    device.setLed(true);
    device.setLed(false);
    expect(seen).to.deep.equal([true, false]);
  });

  it('serves its own access point until Wi-Fi is configured, like a fresh board', () => {
    const device = new SimDevice({ name: 'Lab Sim' }).attach(new MemoryPlatform());
    expect(device.name).to.equal('lab-sim');
    expect(device.wifi()).to.deep.equal({ mode: 'ap', ssid: 'lab-sim', rssi: 0, ip: '192.168.4.1' });
  });

  it('persists credentials through the store (same keys as the board) and survives a restart', () => {
    const platform = new MemoryPlatform();
    new SimDevice({}, platform).configureWifi('home', 'password1');
    expect(platform.storeGet(WIFI_SSID_KEY)).to.equal('home');
    expect(platform.storeGet(WIFI_PASSWORD_KEY)).to.equal('password1');
    const restarted = new SimDevice({ ip: '127.0.0.1' }, platform);
    expect(restarted.wifi()).to.deep.equal({ mode: 'station', ssid: 'home', rssi: -52, ip: '127.0.0.1' });
  });

  it('rejects what the board rejects, and keeps the old settings', () => {
    const platform = new MemoryPlatform();
    const device = new SimDevice({}, platform);
    device.configureWifi('home', '');
    expect(() => device.configureWifi('', 'password1')).to.throw(RangeError, 'the SSID is empty');
    expect(() => device.configureWifi('home', 'short')).to.throw(RangeError, '8 to 63 characters');
    expect(() => device.configureWifi('x'.repeat(33), 'password1')).to.throw(RangeError, 'longer than 32');
    expect(device.wifi().ssid).to.equal('home');
  });

  it('says what to do when used without a platform', () => {
    expect(() => new SimDevice().wifi()).to.throw('attach() the platform first');
  });
});
