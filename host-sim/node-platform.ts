/**
 * The Platform over Node: node:net sockets, Node timers, files for assets
 * and the key-value store.
 *
 * It keeps the board's constraints visible: each socket has a send buffer
 * of `sendBufferSize` bytes (lwIP's 8192 by default) and writes beyond its
 * free space are refused, so the server's backpressure path runs here as it
 * does on the board. Received bytes wait in a queue until the server pulls
 * them; the socket is paused while the queue is long.
 *
 * Never: let the core see a Node object; never buffer without bound.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type {
  Listener,
  ListenOptions,
  MemoryStats,
  OtaTarget,
  Platform,
  Socket,
  SocketHandler,
  TimerHandle,
} from '../src/platform.ts';

/** Options of the Node platform. */
export interface NodePlatformOptions {
  /** Send buffer per socket in bytes (default 8192, as lwIP on the ESP32). */
  sendBufferSize?: number;
  /** Folder that holds assets (files named like the asset). */
  assetDir?: string;
  /** In-memory assets, taking precedence over files. */
  assets?: { [name: string]: Uint8Array };
  /** JSON file that persists the key-value store; in memory when omitted. */
  storeFile?: string;
  /** Log sink (default: console.log). */
  log?: (message: string) => void;
  /** Where over-the-air updates go (`chipweb sim`: a FileOtaTarget); none when omitted, as on the Pico W. */
  ota?: OtaTarget;
}

/** Receive queue length at which the socket is paused. */
const PAUSE_AT = 64 * 1024;
/** How long a closed socket may still drain before it is destroyed (lingering close). */
const LINGER_MS = 2000;

class NodeSocket implements Socket {
  slot = -1;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly socket: net.Socket;
  private readonly sendBufferSize: number;
  private readonly queue: Buffer[] = [];
  private queueHead = 0;
  private queued = 0;
  private blocked = false;
  private closedByServer = false;
  private gone = false;

  constructor(socket: net.Socket, handler: SocketHandler, sendBufferSize: number) {
    this.socket = socket;
    this.sendBufferSize = sendBufferSize;
    this.remoteAddress = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.closedByServer) return; // lingering close: drain and drop
      this.queue.push(chunk);
      this.queued += chunk.length;
      if (this.queued > PAUSE_AT) socket.pause();
      handler.readable(this, this.queued);
    });
    socket.on('drain', () => {
      if (this.blocked && !this.closedByServer) {
        this.blocked = false;
        handler.writable(this, this.writable());
      }
    });
    socket.on('error', () => {
      /* 'close' follows */
    });
    socket.on('close', () => {
      this.gone = true;
      if (!this.closedByServer) handler.closed(this);
    });
  }

  read(into: Uint8Array, offset: number, length: number): number {
    let copied = 0;
    while (copied < length && this.queue.length > 0) {
      const chunk = this.queue[0];
      const n = Math.min(length - copied, chunk.length - this.queueHead);
      into.set(chunk.subarray(this.queueHead, this.queueHead + n), offset + copied);
      copied += n;
      this.queueHead += n;
      if (this.queueHead === chunk.length) {
        this.queue.shift();
        this.queueHead = 0;
      }
    }
    this.queued -= copied;
    if (this.queued <= PAUSE_AT / 2 && this.socket.isPaused()) this.socket.resume();
    return copied;
  }

  write(from: Uint8Array, offset: number, length: number): number {
    if (this.closedByServer || this.gone) return 0;
    const n = Math.min(length, this.writable());
    if (n > 0) this.socket.write(Buffer.copyBytesFrom(from, offset, n)); // copied: the caller reuses its buffer
    if (n < length) {
      this.blocked = true;
      if (this.socket.writableLength === 0) {
        // Nothing queued in Node, so no 'drain' will come; report space on the next turn.
        setImmediate(() => this.socket.emit('drain'));
      }
    }
    return n;
  }

  writable(): number {
    const free = this.sendBufferSize - this.socket.writableLength;
    return free > 0 ? free : 0;
  }

  close(): void {
    if (this.closedByServer) return;
    this.closedByServer = true;
    this.queue.length = 0;
    this.queued = 0;
    if (this.socket.isPaused()) this.socket.resume();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }
}

/** Node host for the simulator and integration tests. */
export class NodePlatform implements Platform {
  readonly name = 'node';
  /** Where over-the-air updates go, from the options. */
  readonly ota: OtaTarget | undefined;
  private readonly options: NodePlatformOptions;
  private readonly sendBufferSize: number;
  private readonly assetCache = new Map<string, Uint8Array | undefined>();
  private store: { [key: string]: string } | null = null;

  /** Creates the platform; nothing is opened until listen(). */
  constructor(options: NodePlatformOptions = {}) {
    this.options = options;
    this.sendBufferSize = options.sendBufferSize ?? 8192;
    this.ota = options.ota;
  }

  listen(options: ListenOptions, handler: SocketHandler): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ highWaterMark: this.sendBufferSize, noDelay: true }, (socket) => {
        const wrapped = new NodeSocket(socket, handler, this.sendBufferSize);
        handler.accept(wrapped);
      });
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.removeListener('error', reject);
        server.on('error', (error) => this.log(`chipweb: listener error: ${error.message}`));
        const address = server.address() as net.AddressInfo;
        resolve({ port: address.port, close: () => server.close() });
      });
    });
  }

  now(): number {
    return performance.now();
  }

  setTimer(callback: () => void, ms: number, repeat: boolean): TimerHandle {
    return repeat ? setInterval(callback, ms) : setTimeout(callback, ms);
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  asset(name: string): Uint8Array | undefined {
    // Own names only: 'constructor' or '__proto__' is no asset.
    const assets = this.options.assets;
    if (assets && Object.hasOwn(assets, name)) return assets[name];
    if (!this.options.assetDir) return undefined;
    if (!this.assetCache.has(name)) {
      const file = path.join(this.options.assetDir, name);
      const inside = path.resolve(file).startsWith(path.resolve(this.options.assetDir) + path.sep);
      // A folder is no asset either (reading it would throw EISDIR).
      const found = inside && fs.existsSync(file) && fs.statSync(file).isFile();
      this.assetCache.set(name, found ? new Uint8Array(fs.readFileSync(file)) : undefined);
    }
    return this.assetCache.get(name);
  }

  storeGet(key: string): string | undefined {
    const store = this.loadStore();
    return Object.hasOwn(store, key) ? store[key] : undefined;
  }

  storeSet(key: string, value: string): void {
    this.loadStore()[key] = value;
    this.saveStore();
  }

  storeDelete(key: string): void {
    delete this.loadStore()[key];
    this.saveStore();
  }

  memory(): MemoryStats {
    const usage = process.memoryUsage();
    return { used: usage.heapUsed, total: usage.heapTotal };
  }

  log(message: string): void {
    (this.options.log ?? console.log)(message);
  }

  private loadStore(): { [key: string]: string } {
    if (this.store !== null) return this.store;
    let store: { [key: string]: string } = {};
    const file = this.options.storeFile;
    if (file && fs.existsSync(file)) {
      try {
        store = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        this.log(`chipweb: ignoring unreadable store file ${file}`);
      }
    }
    this.store = store;
    return store;
  }

  private saveStore(): void {
    const file = this.options.storeFile;
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = file + '.tmp';
    fs.writeFileSync(temp, JSON.stringify(this.store, null, 2));
    fs.renameSync(temp, file); // atomic, like Preference's flash write
  }
}
