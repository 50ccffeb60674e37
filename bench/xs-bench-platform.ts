/**
 * A Platform for counting allocations on XS: one connection whose request
 * bytes come from a buffer prepared in advance and whose response bytes go
 * into a fixed sink. Delivering a request and taking the response allocate
 * nothing, so every heap slot a measured request leaves behind is the
 * server's (the in-memory test platform, by contrast, makes a view or a
 * copy per exchange, as a test client may).
 *
 * Runs inside XS. Never: allocate in deliver, read, write or now.
 */
import type {
  Listener,
  ListenOptions,
  MemoryStats,
  Platform,
  Socket,
  SocketHandler,
  TimerHandle,
} from '../src/platform.ts';

/** Bytes of the response sink; responses beyond it are counted, not kept. */
const SINK_BYTES = 65536;

/** The one connection of the bench platform. */
export class BenchSocket implements Socket {
  slot = -1;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 40000;
  /** Request bytes being delivered and the span still unread. */
  pending: Uint8Array = new Uint8Array(0);
  pendingPos = 0;
  pendingEnd = 0;
  /** The start of what the server wrote since the last deliver(). */
  readonly sink = new Uint8Array(SINK_BYTES);
  sinkLength = 0;
  /** Bytes written in total. */
  written = 0;
  /** The server closed the connection. */
  closed = false;

  read(into: Uint8Array, offset: number, length: number): number {
    let n = this.pendingEnd - this.pendingPos;
    if (n > length) n = length;
    const from = this.pending;
    const at = this.pendingPos;
    for (let i = 0; i < n; i++) into[offset + i] = from[at + i];
    this.pendingPos += n;
    return n;
  }

  write(from: Uint8Array, offset: number, length: number): number {
    if (this.closed) return 0;
    const sink = this.sink;
    let p = this.sinkLength;
    for (let i = 0; i < length && p < SINK_BYTES; i++) sink[p++] = from[offset + i];
    this.sinkLength = p;
    this.written += length;
    return length;
  }

  writable(): number {
    return 1 << 20;
  }

  close(): void {
    this.closed = true;
  }
}

/** The bench Platform: a virtual clock that only moves when told, one socket, no I/O. */
export class BenchPlatform implements Platform {
  readonly name = 'xs-bench';
  /** The server's callbacks once it listens. */
  handler: SocketHandler | null = null;
  /** The one connection. */
  readonly socket = new BenchSocket();
  /** Messages the server logged, counted (the last one kept). */
  logged = 0;
  lastLog = '';
  private clock = 0;
  private timer: (() => void) | null = null;
  private readonly listener: Listener = { port: 80, close: () => (this.handler = null) };

  listen(_options: ListenOptions, handler: SocketHandler): Promise<Listener> {
    this.handler = handler;
    return Promise.resolve(this.listener);
  }

  /** Opens the connection (again, after the server closed it). */
  connect(): void {
    this.socket.closed = false;
    this.socket.slot = -1;
    if (this.handler !== null) this.handler.accept(this.socket);
  }

  /** The client closes the connection (the server's closed callback runs). */
  hangUp(): void {
    const s = this.socket;
    if (s.closed) return;
    s.closed = true;
    if (this.handler !== null) this.handler.closed(s);
  }

  /** Delivers bytes[0..length) as newly received data; the response lands in socket.sink. */
  deliver(bytes: Uint8Array, length: number): void {
    const s = this.socket;
    if (s.closed) this.connect();
    s.pending = bytes;
    s.pendingPos = 0;
    s.pendingEnd = length;
    s.sinkLength = 0;
    if (this.handler !== null) this.handler.readable(s, length);
  }

  now(): number {
    return this.clock;
  }

  /** Keeps the server's one repeating tick; it runs only on advance(). */
  setTimer(callback: () => void, _ms: number, _repeat: boolean): TimerHandle {
    this.timer = callback;
    return 1;
  }

  clearTimer(_handle: TimerHandle): void {
    this.timer = null;
  }

  /** Moves the clock and runs the tick once. */
  advance(ms: number): void {
    this.clock += ms;
    if (this.timer !== null) this.timer();
  }

  asset(_name: string): Uint8Array | undefined {
    return undefined;
  }

  storeGet(_key: string): string | undefined {
    return undefined;
  }

  storeSet(_key: string, _value: string): void {}

  storeDelete(_key: string): void {}

  memory(): MemoryStats {
    return { used: 0, total: 0 };
  }

  log(message: string): void {
    this.logged++;
    this.lastLog = message;
  }
}
