/**
 * Type declarations for the Moddable network modules chipweb uses on the
 * board: wifi, net and mdns. Written from documentation/network/network.md
 * and modules/network/{wifi,net,mdns} (SDK 8.2.3).
 *
 * Note: `net` merges into @types/node's module of the same name only for the
 * type checker; the board's `net` has nothing to do with Node's.
 *
 * Never: declare anything the SDK does not implement.
 */

declare module 'wifi' {
  /** Messages a WiFi monitor's callback receives. */
  export type WiFiMessage = 'gotIP' | 'lostIP' | 'connect' | 'disconnect' | 'station_connect' | 'station_disconnect';
  /** Station connection parameters. */
  export interface WiFiConnect {
    ssid?: string;
    bssid?: ArrayBuffer;
    password?: string;
  }
  /** Access-point parameters. */
  export interface WiFiAccessPoint {
    ssid: string;
    /** At least 8 characters; open network when omitted. */
    password?: string;
    channel?: number;
    hidden?: boolean;
    interval?: number;
    /** Most stations at once (default 4). */
    max?: number;
    /** Keep station mode running alongside. */
    station?: boolean;
  }
  /**
   * Wi-Fi control. `new WiFi(dictionary, callback)` starts connecting and
   * reports progress; `close()` stops the reports, not the connection.
   * On Pico W (SDK 8.2.3) accessPoint() is not implemented: it only logs.
   */
  export default class WiFi {
    constructor(dictionary: WiFiConnect | undefined, onNotify?: (message: WiFiMessage) => void);
    close(): void;
    static mode: number;
    static connect(dictionary?: WiFiConnect): void;
    static disconnect(): void;
    static accessPoint(dictionary: WiFiAccessPoint): void;
    static scan(
      options: { hidden?: boolean; channel?: number },
      callback: (
        item: { ssid: string; rssi: number; channel: number; authentication: string; bssid: ArrayBuffer } | null,
      ) => void,
    ): void;
    static readonly Mode: {
      readonly off?: number;
      readonly none: number;
      readonly station: number;
      readonly accessPoint: number;
    };
    static readonly gotIP: 'gotIP';
    static readonly lostIP: 'lostIP';
    static readonly connected: 'connect';
    static readonly disconnected: 'disconnect';
  }
}

declare module 'net' {
  /** Status of the active network connection (Moddable's `net`, not Node's). */
  export default class Net {
    /** "IP", "MAC", "SSID", "BSSID", "RSSI", "CHANNEL", "DNS"; `iface` "station" or "ap". */
    static get(property: 'IP' | 'MAC' | 'SSID' | 'BSSID', iface?: 'station' | 'ap'): string | undefined;
    static get(property: 'RSSI' | 'CHANNEL'): number | undefined;
    static get(property: 'DNS'): string[] | undefined;
  }
}

declare module 'mdns' {
  /** A service to advertise. */
  export interface MDNSService {
    name: string;
    protocol: 'tcp' | 'udp';
    port: number;
    txt?: Record<string, string | number>;
  }
  /**
   * Multicast DNS: claims `<hostName>.local` and advertises services. The
   * callback gets (1, name) once the name is claimed (value "" while
   * probing), (2, name) on a conflict, and a negative message on failure.
   */
  export default class MDNS {
    constructor(options: { hostName?: string }, callback?: (message: number, value?: string) => unknown);
    add(service: MDNSService): void;
    update(service: MDNSService): void;
    remove(service: MDNSService | string): void;
    close(): void;
    readonly hostName: string;
  }
}
