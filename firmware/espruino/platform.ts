/**
 * The Espruino Platform: the core's Platform interface over Espruino's
 * `net` sockets, timers, `Storage` (assets and the key-value store in
 * flash) and process.memory(), plus the native text codec (codec.ts).
 *
 * Sockets: Espruino hands received data over as binary strings (at most
 * 536 bytes each); they wait in the socket until the core reads them, which
 * copies them into the slot natively (Uint8Array set). Writes go out
 * through E.toString; Espruino's send buffer has no limit and its write()
 * always returns false, so the adapter bounds the bytes in flight itself
 * (`inFlight`) and resumes the core on `drain`, which Espruino fires once
 * everything queued is sent.
 *
 * Never: let an exception escape a callback into the runtime (each edge
 * catches and logs); call back into the core for a socket it closed;
 * queue more than `inFlight` bytes per socket.
 */
import type {
  Listener,
  ListenOptions,
  MemoryStats,
  OtaTarget,
  Platform,
  Socket,
  SocketHandler,
  TimerHandle,
} from '../../src/platform.ts';
import { indexOfWhole } from '../../src/http/text.ts';
import { EspruinoOta } from './ota.ts';
import { espruino, type EspruinoServer, type EspruinoSocket, type EspruinoStorage } from './types/espruino.ts';

/** Storage file holding the key-value store (one JSON object). */
export const STORE_FILE = 'chipweb.store';

/** How the platform is set up; values come from the Espruino budget (firmware/espruino/budget.json). */
export interface EspruinoPlatformOptions {
  /** Most bytes queued on one socket before write() accepts no more. */
  inFlight: number;
  /** Asset name -> Storage file name. */
  assets?: ReadonlyArray<{ readonly name: string; readonly file: string }>;
  /** The build wrote the OTA module (ota-module.ts): the board updates itself over the air (ota.ts). */
  ota?: boolean;
}

/** Longest lingering close, in milliseconds (as on Moddable and in the Node simulator). */
const LINGER_MS = 2000;
/** A lingering close ends once nothing has arrived for this long, in milliseconds. */
const QUIET_MS = 200;

/** One connection: the core's Socket over an Espruino socket. */
class EspruinoConnection implements Socket {
  slot = -1;
  readonly remoteAddress = '';
  readonly remotePort = 0;
  /** Received bytes the core has not read yet (a binary string). */
  pending = '';
  /** Bytes queued since the last drain. */
  queued = 0;
  /** The core is waiting for room (write() accepted less than asked). */
  blocked = false;
  /** Closed by the core or the peer: no more callbacks. */
  done = false;
  /**
   * close(true) is discarding what still arrives: when it ends at the
   * latest, and when input last came (0: not lingering, or the peer closed).
   */
  private lingerUntil = 0;
  private lastInput = 0;
  private readonly native: EspruinoSocket;
  private readonly limit: number;

  constructor(native: EspruinoSocket, limit: number) {
    this.native = native;
    this.limit = limit;
  }

  read(into: Uint8Array, offset: number, length: number): number {
    const pending = this.pending;
    const available = pending.length;
    if (available === 0 || length <= 0) return 0;
    if (available <= length) {
      into.set(pending as unknown as ArrayLike<number>, offset);
      this.pending = '';
      return available;
    }
    into.set(pending.substr(0, length) as unknown as ArrayLike<number>, offset);
    this.pending = pending.substr(length);
    return length;
  }

  write(from: Uint8Array, offset: number, length: number): number {
    if (this.done) return length; // the bytes have nowhere to go; the core learns of the close separately
    const room = this.limit - this.queued;
    const n = length < room ? length : room;
    if (n > 0) {
      this.send(espruino.E.toString(from.subarray(offset, offset + n)));
      this.queued += n;
    }
    if (n < length) this.blocked = true;
    return n > 0 ? n : 0;
  }

  writeText(text: string): boolean {
    if (this.done) return true; // as write(): nowhere to go, and the core learns of the close separately
    const length = text.length;
    if (length > this.limit - this.queued) return false;
    // send()'s steps, written here: this is the small answer's path, and a call costs Espruino about 2 µs.
    try {
      this.native.write(text);
    } catch (error) {
      if (describe(error).indexOf('closed') < 0) throw error;
    }
    this.queued += length;
    return true;
  }

  /**
   * Queues `data`. A peer that closed before its 'close' event ran makes
   * Espruino throw ("This socket is closed"): the bytes have nowhere to go,
   * as after the event, and the core learns of the close from the event.
   */
  private send(data: string): void {
    try {
      this.native.write(data);
    } catch (error) {
      if (describe(error).indexOf('closed') < 0) throw error;
    }
  }

  writable(): number {
    return this.limit - this.queued;
  }

  /**
   * Closes after what is queued is sent. `linger` (an answer given before
   * the request was read to its end): Espruino's socket cannot half-close,
   * and closed, it makes the TCP stack answer what the client still sends
   * with a reset, which loses the answer on the client's side. So the
   * socket stays open, discarding input (the data handler sees `done`),
   * until the client closes, nothing has arrived for QUIET_MS, or LINGER_MS
   * pass, as on Moddable.
   */
  close(linger?: boolean): void {
    if (this.done) return;
    this.done = true;
    this.pending = '';
    if (!linger) {
      this.end();
      return;
    }
    const now = espruino.getTime() * 1000;
    this.lingerUntil = now + LINGER_MS;
    this.lastInput = now;
    const check = () => {
      if (this.lastInput === 0) return; // the peer closed
      const at = espruino.getTime() * 1000;
      const quietFor = at - this.lastInput;
      if (quietFor >= QUIET_MS || at >= this.lingerUntil) this.end();
      // At most QUIET_MS later whatever the clock did (a clock set back would make quietFor negative).
      else espruino.setTimeout(check, quietFor > 0 ? QUIET_MS - quietFor : QUIET_MS);
    };
    espruino.setTimeout(check, QUIET_MS);
  }

  /** Input arrived after close(): discarded; a lingering close waits on. */
  discard(): void {
    if (this.lastInput !== 0) this.lastInput = espruino.getTime() * 1000;
  }

  /** The peer closed after close(): a lingering close is over. */
  peerClosed(): void {
    this.lastInput = 0;
  }

  private end(): void {
    this.lastInput = 0;
    try {
      this.native.end();
    } catch {
      // Already closed by the peer.
    }
  }
}

/** Bytes a Storage file takes beyond its data (its header, rounded up to flash words), with room to spare. */
const STORE_FILE_OVERHEAD = 64;

/** The Platform on Espruino. */
export class EspruinoPlatform implements Platform {
  readonly name = 'espruino';
  /**
   * Espruino's getTime, held here: named on globalThis it is looked up past
   * every name of the root scope (about 200) at each request's now().
   */
  private readonly clock: () => number = espruino.getTime;
  private readonly inFlight: number;
  /** The build wrote the OTA module; its forwarder is made at the first update (see ota). */
  private readonly hasOta: boolean;
  private otaTarget: EspruinoOta | null = null;
  private readonly assetNames: string[] = [];
  private readonly assetFiles: string[] = [];
  private readonly assetBytes: (Uint8Array | null)[] = [];
  private storage: EspruinoStorage | null = null;
  private store: Record<string, string> | null = null;

  constructor(options: EspruinoPlatformOptions) {
    this.inFlight = options.inFlight;
    this.hasOta = options.ota === true;
    for (const asset of options.assets ?? []) {
      this.assetNames.push(asset.name);
      this.assetFiles.push(asset.file);
      this.assetBytes.push(null);
    }
  }

  /**
   * Over-the-air updates into Storage files (ota.ts); undefined in a build
   * without the OTA module. Made at the first use (an update), and its
   * class with it: most boots never update.
   */
  get ota(): OtaTarget | undefined {
    if (!this.hasOta) return undefined;
    if (this.otaTarget === null) this.otaTarget = new EspruinoOta();
    return this.otaTarget;
  }

  listen(options: ListenOptions, handler: SocketHandler): Promise<Listener> {
    const limit = this.inFlight;
    const log = (where: string, error: unknown) => this.log(`chipweb: ${where}: ${describe(error)}`);
    let server: EspruinoServer;
    try {
      server = espruino.require('net').createServer((native: EspruinoSocket) => {
        const socket = new EspruinoConnection(native, limit);
        native.on('data', (data: string) => {
          if (socket.done) return socket.discard();
          // One read of each: a string's length costs Espruino a lookup through String's prototype.
          const pending = socket.pending;
          const text = pending === '' ? data : pending + data;
          socket.pending = text;
          try {
            handler.readable(socket, text.length);
          } catch (error) {
            log('readable', error);
          }
        });
        native.on('drain', () => {
          socket.queued = 0;
          if (socket.done || !socket.blocked) return;
          socket.blocked = false;
          try {
            handler.writable(socket, limit);
          } catch (error) {
            log('writable', error);
          }
        });
        native.on('close', () => {
          if (socket.done) return socket.peerClosed();
          socket.done = true;
          socket.pending = '';
          try {
            handler.closed(socket);
          } catch (error) {
            log('closed', error);
          }
        });
        native.on('error', () => {
          // A reset: 'close' follows.
        });
        try {
          handler.accept(socket);
        } catch (error) {
          log('accept', error);
          socket.close();
        }
      });
      server.listen(options.port);
    } catch (error) {
      return Promise.reject(listenError(options.port, error));
    }
    const port = options.port;
    return Promise.resolve({
      port,
      close() {
        try {
          server.close();
        } catch (error) {
          log('listener close', error);
        }
      },
    });
  }

  now(): number {
    return this.clock() * 1000;
  }

  setTimer(callback: () => void, ms: number, repeat: boolean): TimerHandle {
    const guarded = () => {
      try {
        callback();
      } catch (error) {
        this.log(`chipweb: timer: ${describe(error)}`);
      }
    };
    return repeat ? espruino.setInterval(guarded, ms) : espruino.setTimeout(guarded, ms);
  }

  clearTimer(handle: TimerHandle): void {
    try {
      espruino.clearTimeout(handle as number);
    } catch {
      // Already fired.
    }
  }

  asset(name: string): Uint8Array | undefined {
    'cold'; // once per asset, at its first request: kept in flash on Espruino until called
    const i = this.assetNames.indexOf(name);
    if (i < 0) return undefined;
    const cached = this.assetBytes[i];
    if (cached !== null) return cached;
    const buffer = this.files().readArrayBuffer(this.assetFiles[i]);
    if (buffer === undefined) return undefined;
    const bytes = new Uint8Array(buffer);
    this.assetBytes[i] = bytes;
    return bytes;
  }

  storeGet(key: string): string | undefined {
    const value = this.values()[key];
    return typeof value === 'string' ? value : undefined;
  }

  storeSet(key: string, value: string): void {
    'cold';
    const values = this.values();
    const before = values[key];
    values[key] = value;
    this.writeStore(values, key, before);
  }

  storeDelete(key: string): void {
    'cold';
    const values = this.values();
    if (!(key in values)) return;
    const before = values[key];
    delete values[key];
    this.writeStore(values, key, before);
  }

  /**
   * Writes the settings file, unless it does not fit the free space at
   * Storage's end: Espruino would then compact by itself, moving the files
   * the running boot code's function bodies point into (on an ESP32 nothing
   * mends those pointers). The change to `key` is undone and the error says
   * to restart: the boot compacts before any code runs from Storage.
   */
  private writeStore(values: Record<string, string>, key: string, before: string | undefined): void {
    'cold';
    const files = this.files();
    const text = JSON.stringify(values);
    const stats = files.getStats();
    if (stats.freeBytes < text.length + STORE_FILE_OVERHEAD) {
      if (before === undefined) delete values[key];
      else values[key] = before;
      throw new Error(
        'Storage is full until the board restarts (it tidies Storage as it starts): restart it, then save again',
      );
    }
    files.write(STORE_FILE, text);
  }

  memory(): MemoryStats {
    // After a garbage collection: what is really in use (about 0.2 ms on the Linux build).
    const m = espruino.process.memory(true);
    return { used: m.usage * m.blocksize, total: m.total * m.blocksize };
  }

  log(message: string): void {
    espruino.print(message);
  }

  allocate(bytes: number): ArrayBuffer {
    return new ArrayBuffer(bytes);
  }

  private files(): EspruinoStorage {
    if (this.storage === null) this.storage = espruino.require('Storage');
    return this.storage;
  }

  private values(): Record<string, string> {
    if (this.store === null) {
      const read = this.files().readJSON(STORE_FILE, true);
      this.store = read && typeof read === 'object' ? (read as Record<string, string>) : {};
    }
    return this.store;
  }
}

/** Turns Espruino's listen exception into the Error the Platform contract promises. */
function listenError(port: number, error: unknown): Error {
  'cold';
  const text = describe(error);
  const result = new Error(`cannot listen on port ${port}: ${text}`) as Error & { code?: string };
  // Espruino says only "Unable to create socket"; on a board and in tests that means the port is taken.
  if (indexOfWhole(text, 'Unable to create socket') >= 0) result.code = 'EADDRINUSE';
  return result;
}

/** Short text for anything thrown: the message, with the kind when it is not a plain Error (Espruino's own errors are not `instanceof Error`). */
export function describe(error: unknown): string {
  'cold';
  if (error !== null && typeof error === 'object' && 'message' in error) {
    const e = error as { message?: unknown; type?: unknown; name?: unknown };
    const kind = typeof e.type === 'string' ? e.type : typeof e.name === 'string' ? e.name : 'Error';
    return kind === 'Error' ? String(e.message) : `${kind}: ${String(e.message)}`;
  }
  return String(error);
}
