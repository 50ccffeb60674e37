/**
 * The parts of Espruino's runtime (2v29) that firmware/espruino uses, as
 * types, and the one place that reaches them: Espruino's globals and its
 * built-in modules (`net`, `Storage`, `Wifi`) through `require`.
 *
 * Never: be imported by the core or the app; touch the runtime at module
 * load beyond reading globals (this runs on Node too, in tests of the
 * lowering, where the globals are absent).
 */

/** A connected socket of Espruino's `net` module. */
export interface EspruinoSocket {
  /** Queues data; typed arrays must be wrapped with E.toString. Always returns false. */
  write(data: string): boolean;
  /** Closes once queued data is sent. */
  end(): void;
  on(event: 'data', listener: (data: string) => void): void;
  on(event: 'drain' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: unknown) => void): void;
}

/** A listening server of Espruino's `net` module. */
export interface EspruinoServer {
  /** Binds; throws InternalError "Unable to create socket" when the port is taken. */
  listen(port: number): EspruinoServer;
  close(): void;
}

/** Espruino's `net` module. */
export interface EspruinoNet {
  createServer(onConnection: (socket: EspruinoSocket) => void): EspruinoServer;
}

/** Espruino's `Storage` module (files in flash). */
export interface EspruinoStorage {
  /** The file as a string backed by flash, or undefined. */
  read(name: string): string | undefined;
  /** The file as an ArrayBuffer backed by flash, or undefined. */
  readArrayBuffer(name: string): ArrayBuffer | undefined;
  readJSON(name: string, noExceptions: boolean): unknown;
  write(name: string, data: string | Uint8Array, offset?: number, size?: number): boolean;
  writeJSON(name: string, data: unknown): boolean;
  erase(name: string): void;
  list(pattern?: RegExp): string[];
  /** Bytes free (without compacting), in files, and in erased files (trash). */
  getStats(): { freeBytes: number; fileBytes: number; trashBytes: number };
}

/** Espruino's `Wifi` module (ESP32, ESP8266). */
export interface EspruinoWifi {
  connect(ssid: string, options: { password?: string }, callback: (error: unknown) => void): void;
  disconnect(callback?: () => void): void;
  startAP(ssid: string, options: { password?: string; authMode?: string }, callback: (error: unknown) => void): void;
  stopAP(callback?: () => void): void;
  getIP(): { ip: string } | undefined;
  getAPIP(): { ip: string } | undefined;
  getDetails(): { rssi?: number; ssid?: string; status?: string } | undefined;
  /** The radio's state; on an ESP32 the station's signal (`rssi`) is here, not in getDetails(). */
  getStatus(): { rssi?: number; station?: string; ap?: string } | undefined;
  setHostname(name: string): void;
  on(event: 'connected' | 'disconnected', listener: (details: unknown) => void): void;
}

/** process.memory() of Espruino, in variables (blocks). */
export interface EspruinoMemory {
  free: number;
  usage: number;
  total: number;
  blocksize: number;
}

/** Espruino's globals chipweb uses. */
export interface EspruinoGlobals {
  E: {
    /** The bytes of a typed array (or strings, numbers, arrays) as one string. */
    toString(...args: unknown[]): string;
    /** A Uint8Array copy of the arguments' bytes. */
    toUint8Array(...args: unknown[]): Uint8Array;
    /** An ArrayBuffer over a string's bytes (no copy). */
    toArrayBuffer(text: string): ArrayBuffer;
    /** A Unicode string from UTF-8 bytes; throws on builds without Unicode. */
    asUTF8(text: string): string;
    /** Whether a string is a Unicode string. */
    isUTF8(text: string): boolean;
    /** Variables a value takes (depth 0). */
    getSizeOf(value: unknown): number;
  };
  process: { memory(gc?: boolean): EspruinoMemory; version: string; env: { VERSION: string; BOARD: string } };
  require(name: 'net'): EspruinoNet;
  require(name: 'Storage'): EspruinoStorage;
  require(name: 'Wifi'): EspruinoWifi;
  /** A module in a Storage file: its exports. */
  require(name: string): unknown;
  setTimeout(callback: () => void, ms: number): number;
  setInterval(callback: () => void, ms: number): number;
  clearTimeout(id: number): void;
  clearInterval(id: number): void;
  getTime(): number;
  digitalWrite(pin: number, value: boolean | number): void;
  print(...text: unknown[]): void;
  /** Restarts the JavaScript: runs .boot0 … .boot3, then .bootcde from Storage again. */
  load(): void;
  /** The module cache of `require`. */
  Modules: { removeCached(name: string): void };
}

/** Espruino's globals (on Espruino; only types elsewhere). */
export const espruino = globalThis as unknown as EspruinoGlobals;
