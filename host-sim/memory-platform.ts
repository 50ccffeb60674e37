/**
 * An in-memory Platform with a virtual clock, for unit tests and for the
 * XS engine (it runs inside XS: no Node, no host globals).
 *
 * Clients are objects in the same process: `connect()` accepts a
 * connection, `send()` delivers bytes (the server's readable callback runs
 * at once), `take()` drains what the server wrote and frees send-buffer
 * space (the writable callback runs when the server had been blocked).
 * Send-buffer size and free space follow ECMA-419's model: writes beyond
 * the free space are not accepted.
 *
 * Never: depend on real time or real sockets; never hide backpressure.
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
} from '../src/platform.ts';

/** Options of the in-memory platform. */
export interface MemoryPlatformOptions {
  /** Bytes the server may have unread by the client per connection (default 8192, lwIP's). */
  sendBufferSize?: number;
  /** Assets by name. */
  assets?: { [name: string]: Uint8Array };
  /** Where over-the-air updates go (e.g. a MemoryOtaTarget); none when omitted, as on the Pico W. */
  ota?: OtaTarget;
  /** Sockets take text (Socket.writeText, each char a byte), as Espruino's do. */
  textSockets?: boolean;
}

interface Timer {
  id: number;
  at: number;
  every: number;
  callback: () => void;
}

/** One connection as seen from both ends. */
class MemorySocket implements Socket {
  slot = -1;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Bytes sent by the client, not yet read by the server. */
  inbound: Uint8Array = new Uint8Array(256);
  inStart = 0;
  inEnd = 0;
  /** Bytes written by the server, not yet taken by the client. */
  outbound: Uint8Array;
  outLength = 0;
  /** The server was refused space and waits for `writable`. */
  blocked = false;
  /** The callbacks of the server that accepted it (they outlive the listener, as sockets do). */
  handler: SocketHandler | null = null;
  closedByServer = false;
  closedByClient = false;

  constructor(remoteAddress: string, remotePort: number, sendBufferSize: number) {
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
    this.outbound = new Uint8Array(sendBufferSize);
  }

  read(into: Uint8Array, offset: number, length: number): number {
    if (this.closedByServer) return 0;
    let n = this.inEnd - this.inStart;
    if (n > length) n = length;
    for (let i = 0; i < n; i++) into[offset + i] = this.inbound[this.inStart + i];
    this.inStart += n;
    if (this.inStart === this.inEnd) {
      this.inStart = 0;
      this.inEnd = 0;
    }
    return n;
  }

  write(from: Uint8Array, offset: number, length: number): number {
    if (this.closedByServer || this.closedByClient) return 0;
    let n = this.outbound.length - this.outLength;
    if (n > length) n = length;
    for (let i = 0; i < n; i++) this.outbound[this.outLength + i] = from[offset + i];
    this.outLength += n;
    if (n < length) this.blocked = true;
    return n;
  }

  writable(): number {
    return this.outbound.length - this.outLength;
  }

  close(): void {
    this.closedByServer = true;
  }
}

/** A socket that also takes text, as Espruino's: every char a byte. */
class MemoryTextSocket extends MemorySocket {
  /** How many answers went out through writeText. */
  texts = 0;

  writeText(text: string): boolean {
    if (this.closedByServer || this.closedByClient) return true;
    if (text.length > this.outbound.length - this.outLength) return false;
    for (let i = 0; i < text.length; i++) this.outbound[this.outLength + i] = text.charCodeAt(i) & 255;
    this.outLength += text.length;
    this.texts++;
    return true;
  }
}

/** The client end of an in-memory connection. */
export class MemoryClient {
  private readonly socket: MemorySocket;
  private received: Uint8Array = new Uint8Array(0);
  private receivedLength = 0;
  private readonly autoDrain: boolean;

  /** Use platform.connect(). */
  constructor(socket: MemorySocket, autoDrain: boolean) {
    this.socket = socket;
    this.autoDrain = autoDrain;
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.socket.closedByServer;
  }

  /** True when the server was refused send space and waits for the client to read. */
  get blocked(): boolean {
    return this.socket.blocked;
  }

  /** Delivers bytes to the server (latin1 for strings); its readable callback runs now. */
  send(data: Uint8Array | string): void {
    if (this.socket.closedByServer || this.socket.closedByClient) return;
    const bytes = typeof data === 'string' ? latin1Bytes(data) : data;
    const s = this.socket;
    if (s.inEnd + bytes.length > s.inbound.length) {
      const grown = new Uint8Array(Math.max(s.inbound.length * 2, s.inEnd + bytes.length));
      grown.set(s.inbound.subarray(0, s.inEnd));
      s.inbound = grown;
    }
    s.inbound.set(bytes, s.inEnd);
    s.inEnd += bytes.length;
    s.handler?.readable(s, s.inEnd - s.inStart);
    if (this.autoDrain) this.collect();
  }

  /** Bytes the client sent that the server has not read yet. */
  get unread(): number {
    return this.socket.inEnd - this.socket.inStart;
  }

  /** Moves what the server wrote into the received bytes, freeing send space. */
  collect(): void {
    const s = this.socket;
    while (s.outLength > 0) {
      if (this.receivedLength + s.outLength > this.received.length) {
        const grown = new Uint8Array(Math.max(this.received.length * 2, this.receivedLength + s.outLength, 1024));
        grown.set(this.received.subarray(0, this.receivedLength));
        this.received = grown;
      }
      this.received.set(s.outbound.subarray(0, s.outLength), this.receivedLength);
      this.receivedLength += s.outLength;
      s.outLength = 0;
      if (s.blocked && !s.closedByServer && !s.closedByClient) {
        s.blocked = false;
        s.handler?.writable(s, s.outbound.length);
      }
    }
  }

  /** Returns and forgets everything received so far. */
  take(): Uint8Array {
    this.collect();
    const out = this.received.slice(0, this.receivedLength);
    this.receivedLength = 0;
    return out;
  }

  /** Like take(), as a latin1 string. */
  takeText(): string {
    const bytes = this.take();
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }

  /** Reads at most `n` bytes of send buffer (a slow reader), freeing that much space. */
  takeSome(n: number): Uint8Array {
    const s = this.socket;
    const count = Math.min(n, s.outLength);
    const out = s.outbound.slice(0, count);
    s.outbound.copyWithin(0, count, s.outLength);
    s.outLength -= count;
    if (count > 0 && s.blocked && !s.closedByServer && !s.closedByClient) {
      s.blocked = false;
      s.handler?.writable(s, s.outbound.length - s.outLength);
    }
    return out;
  }

  /** The client closes (or resets) the connection. */
  end(): void {
    const s = this.socket;
    if (s.closedByClient) return;
    s.closedByClient = true;
    if (!s.closedByServer) s.handler?.closed(s);
  }
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255;
  return out;
}

/** Platform entirely in memory, driven by the test. */
export class MemoryPlatform implements Platform {
  readonly name = 'memory';
  /** Where over-the-air updates go, from the options. */
  readonly ota: OtaTarget | undefined;
  /** The server's callbacks once it listens. */
  handler: SocketHandler | null = null;
  /** Lines logged by the server. */
  readonly logs: string[] = [];
  private clock = 0;
  private nextTimer = 1;
  private readonly timers: Timer[] = [];
  private readonly sendBufferSize: number;
  private readonly assets: { [name: string]: Uint8Array };
  private readonly store: { [key: string]: string } = {};
  private nextPort = 40000;
  private readonly textSockets: boolean;
  private readonly textSocketsMade: MemoryTextSocket[] = [];

  /** Creates a platform with its clock at 0. */
  constructor(options: MemoryPlatformOptions = {}) {
    this.sendBufferSize = options.sendBufferSize ?? 8192;
    this.assets = options.assets ?? {};
    this.ota = options.ota;
    this.textSockets = options.textSockets === true;
  }

  /** Answers sent through writeText (textSockets), all connections together. */
  get textAnswers(): number {
    let n = 0;
    for (const socket of this.textSocketsMade) n += socket.texts;
    return n;
  }

  listen(options: ListenOptions, handler: SocketHandler): Promise<Listener> {
    if (this.handler !== null) {
      const error = new Error('address in use') as Error & { code: string };
      error.code = 'EADDRINUSE';
      return Promise.reject(error);
    }
    this.handler = handler;
    const port = options.port || 80;
    return Promise.resolve({
      port,
      close: () => {
        if (this.handler === handler) this.handler = null;
      },
    });
  }

  /**
   * Opens a connection to the listening server. With `autoDrain` (default)
   * the client reads everything at once; without, the test reads with
   * take()/takeSome() and the send buffer fills up.
   */
  connect(remoteAddress = '127.0.0.1', autoDrain = true): MemoryClient {
    if (this.handler === null) throw new Error('memory platform: nothing is listening');
    let socket: MemorySocket;
    if (this.textSockets) {
      const text = new MemoryTextSocket(remoteAddress, this.nextPort++, this.sendBufferSize);
      this.textSocketsMade.push(text);
      socket = text;
    } else socket = new MemorySocket(remoteAddress, this.nextPort++, this.sendBufferSize);
    const client = new MemoryClient(socket, autoDrain);
    socket.handler = this.handler;
    this.handler.accept(socket);
    if (autoDrain) client.collect();
    return client;
  }

  now(): number {
    return this.clock;
  }

  setTimer(callback: () => void, ms: number, repeat: boolean): TimerHandle {
    const timer: Timer = { id: this.nextTimer++, at: this.clock + ms, every: repeat ? Math.max(ms, 1) : 0, callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: TimerHandle): void {
    for (let i = 0; i < this.timers.length; i++) {
      if (this.timers[i].id === handle) {
        this.timers.splice(i, 1);
        return;
      }
    }
  }

  /** When the earliest timer is due on the virtual clock, or -1 when none is set. */
  nextTimerAt(): number {
    let at = -1;
    for (let i = 0; i < this.timers.length; i++) if (at < 0 || this.timers[i].at < at) at = this.timers[i].at;
    return at;
  }

  /** Moves the virtual clock forward, running due timers in time order. */
  advance(ms: number): void {
    const target = this.clock + ms;
    for (;;) {
      let next: Timer | null = null;
      for (let i = 0; i < this.timers.length; i++)
        if (this.timers[i].at <= target && (next === null || this.timers[i].at < next.at)) next = this.timers[i];
      if (next === null) break;
      this.clock = next.at;
      if (next.every > 0) next.at += next.every;
      else this.clearTimer(next.id);
      next.callback();
    }
    this.clock = target;
  }

  asset(name: string): Uint8Array | undefined {
    return Object.hasOwn(this.assets, name) ? this.assets[name] : undefined; // not 'constructor', '__proto__'
  }

  storeGet(key: string): string | undefined {
    return Object.hasOwn(this.store, key) ? this.store[key] : undefined;
  }

  storeSet(key: string, value: string): void {
    this.store[key] = value;
  }

  storeDelete(key: string): void {
    delete this.store[key];
  }

  memory(): MemoryStats {
    return { used: 0, total: 0 };
  }

  log(message: string): void {
    this.logs.push(message);
  }
}
