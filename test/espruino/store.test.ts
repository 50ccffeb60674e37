/**
 * The Espruino platform's settings store in Node, over a stand-in for
 * Espruino's Storage: a write that would not fit the free space at
 * Storage's end is refused (Espruino would compact while code runs from
 * Storage, moving what function bodies point into), and the change is
 * undone; one that fits is written.
 *
 * Never: leave the stand-in on globalThis after a test.
 */
import { expect } from 'chai';
import { EspruinoPlatform } from '../../firmware/espruino/platform.ts';

/** A stand-in for Espruino's Storage: files as strings, and a free space the test sets. */
class FakeStorage {
  readonly files = new Map<string, string>();
  freeBytes = 100000;
  readJSON(name: string): unknown {
    const text = this.files.get(name);
    return text === undefined ? undefined : JSON.parse(text);
  }
  write(name: string, data: string): boolean {
    this.files.set(name, data);
    return true;
  }
  writeJSON(name: string, data: unknown): boolean {
    return this.write(name, JSON.stringify(data));
  }
  getStats() {
    return { freeBytes: this.freeBytes, fileBytes: 0, trashBytes: 1000 };
  }
}

describe('espruino: the settings store over a stand-in Storage', () => {
  const g = globalThis as unknown as Record<string, unknown>;
  let saved: unknown;
  let storage: FakeStorage;
  beforeEach(() => {
    storage = new FakeStorage();
    saved = g.require;
    g.require = (name: string) => {
      if (name === 'Storage') return storage;
      throw new Error(`Module "${name}" not found`);
    };
  });
  afterEach(() => {
    if (saved === undefined) delete g.require;
    else g.require = saved;
  });

  it('writes what fits, and refuses what would make Storage compact while the app runs, undoing the change', () => {
    const platform = new EspruinoPlatform({ inFlight: 1024 });
    platform.storeSet('wifi.ssid', 'home');
    expect(platform.storeGet('wifi.ssid')).to.equal('home');
    const file = [...storage.files.values()][0];
    expect(JSON.parse(file)).to.deep.equal({ 'wifi.ssid': 'home' });

    storage.freeBytes = 40; // less than the file would take
    expect(() => platform.storeSet('wifi.ssid', 'office')).to.throw(/Storage is full until the board restarts/);
    expect(() => platform.storeSet('adminPw', 'secret123')).to.throw(/restart it, then save again/);
    expect(() => platform.storeDelete('wifi.ssid')).to.throw(/Storage is full/);
    expect(platform.storeGet('wifi.ssid')).to.equal('home');
    expect(platform.storeGet('adminPw')).to.equal(undefined);
    expect(JSON.parse([...storage.files.values()][0])).to.deep.equal({ 'wifi.ssid': 'home' });
  });
});
