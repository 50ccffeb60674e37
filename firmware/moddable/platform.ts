/**
 * The Moddable Platform: the core's Platform interface over ECMA-419 sockets
 * (`embedded:io/socket/listener`, `embedded:io/socket/tcp`), `timer`,
 * `time`, `Resource`, `preference` and `instrumentation`. It runs on ESP32,
 * Pico W and Moddable's desktop simulator (lin/mac/win).
 *
 * Never: import Node; allocate per read, write or timer tick (see
 * socket.ts and staging.ts); let an exception escape a callback into the
 * runtime (release builds only print "XS abort"), so every edge catches and
 * logs; do I/O at module load (the bundle is preloaded into flash at build
 * time, where native functions cannot run).
 */
import Listener from 'embedded:io/socket/listener';
import Timer from 'timer';
import type { TimerID } from 'timer';
import Resource from 'Resource';
import Preference from 'preference';
import Instrumentation from 'instrumentation';
import type {
  Listener as CoreListener,
  ListenOptions,
  MemoryStats,
  OtaTarget,
  Platform,
  SocketHandler,
  TimerHandle,
} from '../../src/platform.ts';
import { utf8Length } from '../../src/http/text.ts';
import { Acceptor } from './acceptor.ts';
import { Reaper } from './reaper.ts';
import { Staging } from './staging.ts';
import { type ErrorSink, PLAIN_TCP, type TcpPolicy } from './socket.ts';

declare const trace: (text: string) => void;

/** Preference domain for the platform store (ESP32 NVS: at most 15 characters). */
export const STORE_DOMAIN = 'chipweb';
/** Longest store key every board accepts (ESP32 NVS). */
export const MAX_STORE_KEY = 15;
/** Milliseconds between the reaper's runs while it has work (see reaper.ts). */
export const REAPER_INTERVAL = 100;

/** One web asset linked into the firmware as a resource (see toolchain/assets.ts). */
export interface AssetEntry {
  /** Asset name as apps ask for it, e.g. "index.html" or "css/app.css". */
  readonly name: string;
  /** Resource name in the firmware, e.g. "index.html.gz". */
  readonly resource: string;
}

/** How the platform is set up; values come from the target's manifest template. */
export interface ModdablePlatformOptions {
  /** Bytes of the staging area for socket transfers (a power of two). */
  staging: number;
  /** XS RAM budget in bytes (chunk + slot heap + stack), reported as memory().total. */
  ramBudget: number;
  /** Assets linked in as resources, looked up by name. */
  assets?: ReadonlyArray<AssetEntry>;
  /**
   * Most connections open at once (default 16); the others wait in the
   * listener, costing no XS heap (see acceptor.ts). startBoard sets it to
   * slots + queue + 2, so a full queue still lets a newcomer get its 503.
   */
  maxSockets?: number;
  /** How the board's TCP stack differs (socket.ts, TcpPolicy); the ESP32's by default. */
  tcp?: TcpPolicy;
  /** Most bytes one stored value may hold (the Pico's Preference: 62); 0 or absent: no limit of the board's. */
  storeValueBytes?: number;
}

/** The Platform on Moddable's XS runtime. */
export class ModdablePlatform implements Platform {
  readonly name = 'moddable';
  /** Where over-the-air updates go: set by startBoard() on boards that have one (esp32). */
  ota: OtaTarget | undefined = undefined;
  /** The socket staging area (shared by every connection: callbacks never overlap). */
  readonly staging: Staging;
  private readonly assets: Map<string, Uint8Array | null>;
  private readonly resourceOf: Map<string, string>;
  private readonly slotHeapUsed: number | undefined;
  private readonly chunkHeapUsed: number | undefined;
  private readonly ramBudget: number;
  private readonly sink: ErrorSink;
  private readonly reaper: Reaper;
  private readonly maxSockets: number;
  private readonly tcp: TcpPolicy;
  private readonly storeValueBytes: number;
  private pool: ArrayBuffer | undefined;

  constructor(options: ModdablePlatformOptions) {
    this.staging = new Staging(options.staging);
    this.ramBudget = options.ramBudget;
    this.assets = new Map();
    this.resourceOf = new Map();
    for (const entry of options.assets ?? []) this.resourceOf.set(entry.name, entry.resource);
    // Counters exist only in instrumented builds (debug or mcconfig -i).
    this.slotHeapUsed = Instrumentation.map('XS Slot Heap Used');
    this.chunkHeapUsed = Instrumentation.map('XS Chunk Heap Used');
    this.sink = (where, error) => this.log(`chipweb: ${where}: ${describe(error)}`);
    this.reaper = new Reaper(REAPER_INTERVAL, this.sink);
    this.maxSockets = options.maxSockets ?? 16;
    this.tcp = options.tcp ?? PLAIN_TCP;
    this.storeValueBytes = options.storeValueBytes ?? 0;
  }

  /**
   * Allocates the buffer the connection pool lives in, with the socket
   * staging area at its end, so the adapter copies pool bytes with
   * copyWithin instead of making views. Call once; the core's pool uses the
   * first `bytes` bytes.
   */
  allocate(bytes: number): ArrayBuffer {
    if (this.pool) throw new Error('ModdablePlatform.allocate: the pool buffer was already allocated');
    const buffer = new ArrayBuffer(bytes + this.staging.size);
    this.staging.attach(buffer, bytes);
    this.pool = buffer;
    return buffer;
  }

  listen(options: ListenOptions, handler: SocketHandler): Promise<CoreListener> {
    const sink = this.sink;
    const acceptor = new Acceptor(this.maxSockets, this.staging, handler, sink, this.reaper, this.tcp);
    let native: Listener;
    try {
      native = new Listener({
        port: options.port,
        onReadable(requests: number) {
          acceptor.readable(requests);
        },
      });
      acceptor.native = native;
    } catch (error) {
      return Promise.reject(listenError(options.port, error));
    }
    const listener: CoreListener = {
      port: native.port,
      close() {
        try {
          native.close();
        } catch (error) {
          sink('listener close', error);
        }
      },
    };
    return Promise.resolve(listener);
  }

  now(): number {
    return this.reaper.clock.now();
  }

  setTimer(callback: () => void, ms: number, repeat: boolean): TimerHandle {
    const sink = this.sink;
    const guarded = () => {
      try {
        callback();
      } catch (error) {
        sink('timer', error);
      }
    };
    return repeat ? Timer.repeat(guarded, ms) : Timer.set(guarded, ms);
  }

  clearTimer(handle: TimerHandle): void {
    Timer.clear(handle as TimerID | undefined);
  }

  asset(name: string): Uint8Array | undefined {
    const cached = this.assets.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const resource = this.resourceOf.get(name) ?? name;
    if (!Resource.exists(resource)) {
      // Only names from the asset list are remembered, so the cache stays bounded.
      if (this.resourceOf.has(name)) this.assets.set(name, null);
      return undefined;
    }
    const bytes = new Uint8Array(new Resource(resource));
    this.assets.set(name, bytes);
    return bytes;
  }

  storeGet(key: string): string | undefined {
    checkKey(key);
    const value = Preference.get(STORE_DOMAIN, key);
    if (value === undefined) return undefined;
    return typeof value === 'string' ? value : String(value);
  }

  storeSet(key: string, value: string): void {
    checkKey(key);
    // Refused before it is written: the board's own error would say only that the write failed.
    const limit = this.storeValueBytes;
    if (limit > 0 && utf8Length(value, 0) > limit)
      throw new RangeError(
        `this board stores at most ${limit} bytes per setting ("${key}" would take ${utf8Length(value, 0)})`,
      );
    Preference.set(STORE_DOMAIN, key, value);
  }

  storeDelete(key: string): void {
    checkKey(key);
    Preference.delete(STORE_DOMAIN, key);
  }

  memory(): MemoryStats {
    let used = 0;
    if (this.slotHeapUsed !== undefined) used += Instrumentation.get(this.slotHeapUsed) ?? 0;
    if (this.chunkHeapUsed !== undefined) used += Instrumentation.get(this.chunkHeapUsed) ?? 0;
    return { used, total: this.ramBudget };
  }

  log(message: string): void {
    trace(message + '\n');
  }
}

/** Store keys must fit every board's preference store. */
function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_STORE_KEY) {
    throw new RangeError(
      `store key "${key}" must be 1 to ${MAX_STORE_KEY} characters (the ESP32 preference store's limit)`,
    );
  }
}

/** Turns the Listener's exception into the Error the Platform contract promises. */
function listenError(port: number, error: unknown): Error {
  const text = describe(error);
  const result = new Error(`cannot listen on port ${port}: ${text}`) as Error & { code?: string };
  if (text.indexOf('bind') >= 0) result.code = 'EADDRINUSE';
  return result;
}

/** Short text for anything thrown. */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}
