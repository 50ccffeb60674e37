/**
 * Type declarations for the Moddable base modules chipweb uses on the board:
 * timer, time, Resource, preference, instrumentation and mc/config. Written
 * from documentation/base/base.md, documentation/files/files.md,
 * documentation/tools/manifest.md and the modules' sources (SDK 8.2.3).
 *
 * Never: declare anything the SDK does not implement.
 */

declare module 'timer' {
  /** Opaque timer id (a host object). */
  export type TimerID = object & { readonly __timer?: never };
  /** Moddable timers; callbacks receive their id. There is no setTimeout on the board. */
  export default class Timer {
    /** Once after `delay` ms; then every `repeat` ms when `repeat` is given and non-zero. */
    static set(callback: (id: TimerID) => void, delay?: number, repeat?: number): TimerID;
    /** Every `interval` ms. */
    static repeat(callback: (id: TimerID) => void, interval: number): TimerID;
    /** Reschedules an existing timer; with the id alone, unschedules it (it sleeps until rescheduled). */
    static schedule(id: TimerID, delay?: number, repeat?: number): void;
    /** Cancels; harmless on a one-shot timer that already fired. */
    static clear(id: TimerID | undefined): void;
    /** Busy-waits `ms` milliseconds (blocks everything: avoid). */
    static delay(ms: number): void;
  }
}

declare module 'time' {
  /** Clock helpers of the Moddable runtime. */
  export default class Time {
    /** Milliseconds since boot (monotonic; unaffected by setting the clock). */
    static readonly ticks: number;
    /** Sets the wall clock (seconds since 1970). */
    static set(seconds: number): void;
    /** Difference of two `ticks` values, wrap-around safe. */
    static delta(start: number, end?: number): number;
    static timezone: number;
    static dst: number;
  }
}

declare module 'Resource' {
  /**
   * A read-only host buffer over a resource linked into the firmware
   * (mapped from flash, no RAM copy). Wrap it with `new Uint8Array(resource)`.
   */
  export default class Resource extends ArrayBuffer {
    /** Throws when there is no resource with that name. */
    constructor(path: string);
    /** Whether a resource with that name was linked in. */
    static exists(path: string): boolean;
    /** Copies a part into a new ArrayBuffer (allocates). */
    slice(begin: number, end?: number): ArrayBuffer;
  }
}

declare module 'preference' {
  /** A stored value. */
  export type PreferenceValue = boolean | number | string | ArrayBuffer;
  /**
   * Small persistent values in flash, grouped by domain. ESP32 (NVS): domain
   * and key names at most 15 characters, values up to 4000 bytes. Pico and
   * ESP8266: names up to 32 characters, values up to 63 bytes.
   */
  export default class Preference {
    static get(domain: string, key: string): PreferenceValue | undefined;
    static set(domain: string, key: string, value: PreferenceValue): void;
    static delete(domain: string, key: string): void;
    static keys(domain: string): string[];
  }
}

declare module 'instrumentation' {
  /**
   * Runtime counters. Only instrumented builds (debug, or `mcconfig -i`)
   * count; in a release build map() and get() return undefined.
   */
  export default class Instrumentation {
    /** Index of a counter by its name, e.g. "XS Slot Heap Used" (bytes). */
    static map(name: string): number | undefined;
    /** Value of the counter with that index. */
    static get(index: number): number | undefined;
    /** Name of the counter with that index. */
    static name(index: number): string | undefined;
  }
}

declare module 'mc/config' {
  /**
   * The manifest's frozen `config` object, merged with key=value arguments
   * given to mcconfig. chipweb's keys are listed; others may exist.
   */
  const config: {
    readonly ssid?: string;
    readonly password?: string;
    readonly [key: string]: unknown;
  };
  export default config;
}

declare module 'ota' {
  /**
   * ESP32 over-the-air update (build/devices/esp32/modules/ota, SDK 8.2.3;
   * ESP32 only). The constructor opens the next OTA partition for
   * sequential writes (esp_ota_begin), or throws "no update parition" /
   * "begin failed"; write() takes an ArrayBuffer or a Uint8Array (any other
   * view is a TypeError); complete() validates the image (esp_ota_end) and
   * makes its partition the boot partition; cancel() abandons it (harmless
   * twice). Neither write() nor cancel() touches otadata.
   */
  export default class OTA {
    constructor();
    write(data: ArrayBuffer | Uint8Array): void;
    cancel(): void;
    complete(): void;
  }
}

declare module 'system' {
  // modules/io/system: importing it defines the global `System` (restart(), deepSleep(), …).
}
