/**
 * The TCP adapter: one ECMA-419 `embedded:io/socket/tcp` connection seen as
 * the core's `Socket`.
 *
 * What it relies on (modules/io/socket/lwip/tcp.c, SDK 8.2.3):
 * - onReadable(count) gives the total bytes available; read(view) takes
 *   exactly view.byteLength and throws "invalid" beyond what is available.
 *   The adapter tracks the count, so it never asks for more.
 * - write(view) queues all of the view or throws "would block" when it is
 *   larger than the free send space; it returns the space left. onWritable
 *   (count) reports free space as ACKs arrive (and once right after accept).
 *   The adapter tracks the space, so it never writes more once it knows it
 *   (before the first report it tries, and takes "would block" as "full");
 *   it accepts fewer bytes instead and calls the handler's writable() once
 *   space frees up.
 * - write() throws "not ready" when the peer's FIN or a reset was seen in the
 *   same turn; onError follows once everything received has been read. The
 *   adapter then stops writing, and on onError reports closed() and calls
 *   close() to release the native record (lwIP only frees it on close).
 * - On lin (modules/io/socket/lin/tcp.c) a failed write returns undefined
 *   and the socket is never polled again, so onError never comes: the
 *   adapter reports closed() itself, from the platform's Reaper, within one
 *   reaper interval (a client that resets frees its slot at once).
 * - close() is graceful, but lwIP (and the kernel under lin) answers with
 *   RST when received bytes are still unread, which destroys the response
 *   in flight; close() drains what is known first. close(true), after an
 *   answer that said "Connection: close" before the request was read to its
 *   end (a 503, a 4xx), lingers instead: the socket stays open, discarding
 *   what arrives, until the client closes (onError), nothing has arrived
 *   for QUIET_MS, or LINGER_MS pass. An ECMA-419 socket cannot half-close
 *   (send FIN and keep reading), so this is how the client gets to read the
 *   answer.
 *
 * Never: allocate per read or write (transfers go through the shared
 * Staging's ladder of views); let an exception escape into the Moddable
 * runtime (a release build would only print "XS abort").
 */
import TCP from 'embedded:io/socket/tcp';
import type { Socket, SocketHandler } from '../../src/platform.ts';
import type { Reapable, Reaper } from './reaper.ts';
import type { Staging } from './staging.ts';

/** Lifecycle of an adapter. */
const OPEN = 0;
/** The connection failed (write threw or returned undefined); waiting for onError or the reaper. */
const FAILED = 1;
/** close(true): discarding input until the client closes or the linger time passes. */
const LINGER = 2;
/** Closed, or onError was reported: nothing more happens. */
const DONE = 3;

/** Longest lingering close, in milliseconds (as the Node simulator's). */
export const LINGER_MS = 2000;
/** A lingering close ends once nothing has arrived for this long, in milliseconds. */
export const QUIET_MS = 200;

/**
 * Where the board's TCP stack differs from the ESP32's, from the target's
 * manifest template (`chipweb.tcp`).
 */
export interface TcpPolicy {
  /**
   * close() resets the connection: the Pico's lwIP port calls tcp_abort
   * right after tcp_close (modules/network/socket/lwip/modLwipSafe.h), so
   * bytes not yet acknowledged are lost. Every close then lingers until the
   * client closes, or everything sent is acknowledged and input is quiet.
   */
  readonly closeResets: boolean;
  /**
   * Most bytes to have unacknowledged on one connection, or 0 for the send
   * buffer's: the Pico's lwIP keeps them in a 4,000-byte heap, and a write
   * it cannot hold there fails the connection.
   */
  readonly sendLimit: number;
}

/** The ESP32's lwIP, and the desktop: a graceful close, and the send buffer is the limit. */
export const PLAIN_TCP: TcpPolicy = Object.freeze({ closeResets: false, sendLimit: 0 });

/** Receives errors the adapter caught at its edges. */
export type ErrorSink = (where: string, error: unknown) => void;

/** Told when a socket is closed for good (the acceptor counts open sockets). */
export interface SocketGate {
  socketDone(): void;
}

/** One accepted connection. */
export class ModdableSocket implements Socket, Reapable {
  slot = -1;
  /** Bytes received and not yet read, as last reported by onReadable minus our reads. */
  available = 0;
  /**
   * Free send space, as last reported by onWritable or write(); -1 until
   * either has reported (a fresh connection: lwIP's onWritable comes after
   * onReadable in the same delivery, and an answer written at accept, like a
   * 503, must not wait for it).
   */
  space = -1;
  /**
   * The send buffer's size, as lwIP shows it: the most free space seen (the
   * first onWritable after accept reports it whole, a first write returns it
   * less what it took). The space is back to it once all sent is acknowledged.
   */
  private sendBuffer = 0;
  private state = OPEN;
  private wantWritable = false;
  private address: string | undefined;
  private port = -1;
  /** The native socket; set right after construction (the TCP needs us as its target first). */
  tcp: TCP | undefined;
  /** The Reaper's list (see reaper.ts). */
  reapNext: Reapable | null = null;
  reapListed = false;
  /** When a lingering close ends at the latest (the reaper's clock). */
  private lingerUntil = 0;
  /** When input last arrived during a lingering close (the reaper's clock). */
  private lingerHeard = 0;

  constructor(
    private readonly staging: Staging,
    private readonly handler: SocketHandler,
    private readonly sink: ErrorSink,
    private readonly reaper: Reaper,
    private readonly gate: SocketGate | null,
    private readonly policy: TcpPolicy,
  ) {}

  /** What may be written now: the free space, less what sendLimit holds back; -1 while not known. */
  private room(): number {
    const limit = this.policy.sendLimit;
    if (this.space < 0) return limit > 0 ? limit : -1;
    if (limit <= 0) return this.space;
    const room = this.space - (this.sendBuffer - limit);
    return room > 0 ? room : 0;
  }

  get remoteAddress(): string {
    // Cached: the lwIP getter makes a new string on every call.
    if (this.address === undefined) {
      try {
        this.address = this.tcp ? this.tcp.remoteAddress : '';
      } catch {
        this.address = '';
      }
    }
    return this.address;
  }

  get remotePort(): number {
    if (this.port < 0) {
      try {
        this.port = this.tcp ? this.tcp.remotePort : 0;
      } catch {
        this.port = 0;
      }
    }
    return this.port;
  }

  read(into: Uint8Array, offset: number, length: number): number {
    if (this.state === DONE || !this.tcp) return 0;
    const total = length < this.available ? length : this.available;
    const staging = this.staging;
    let done = 0;
    while (done < total) {
      const k = staging.rung(total - done);
      const view = staging.ladder[k];
      try {
        this.tcp.read(view);
      } catch (error) {
        // Cannot happen while our count is right; if it does, resync on the next onReadable.
        this.available = 0;
        this.sink('tcp read', error);
        break;
      }
      staging.unload(into, offset + done, 1 << k);
      done += 1 << k;
    }
    this.available -= done;
    return done;
  }

  write(from: Uint8Array, offset: number, length: number): number {
    if (this.state !== OPEN || !this.tcp) return 0;
    // Unknown space: try, and let "would block" tell (a fresh lwIP socket has
    // its whole send buffer free, so this succeeds for any first answer that fits).
    const room = this.room();
    const total = room < 0 || length < room ? length : room;
    const staging = this.staging;
    let done = 0;
    while (done < total) {
      const k = staging.rung(total - done);
      const piece = 1 << k;
      staging.load(from, offset + done, piece);
      let left: number | undefined;
      try {
        left = this.tcp.write(staging.ladder[k]);
      } catch (error) {
        if (isWouldBlock(error)) {
          // Our count was stale (cannot happen with lwIP's exact counts): wait for onWritable.
          this.space = 0;
          break;
        }
        // "not ready": the peer closed or reset in this turn; onError follows.
        this.fail();
        break;
      }
      if (left === undefined) {
        // The connection already failed: lwIP dropped the bytes and onError follows; lin never calls it.
        this.fail();
        break;
      }
      if (left + piece > this.sendBuffer && this.space < 0) this.sendBuffer = left + piece;
      this.space = left;
      done += piece;
    }
    if (done < length && this.state === OPEN) this.wantWritable = true;
    return done;
  }

  writable(): number {
    if (this.state !== OPEN) return 0;
    // The caller may need more than there is: report the next figure too.
    this.wantWritable = true;
    // Not known yet (a fresh socket): report none.
    return this.space < 0 ? 0 : this.room();
  }

  close(linger?: boolean): void {
    if (this.state === DONE || this.state === LINGER) return;
    const tcp = this.tcp;
    if (tcp) this.drain(tcp);
    if ((linger || this.policy.closeResets) && tcp && this.state === OPEN) {
      this.state = LINGER;
      this.lingerHeard = this.now();
      this.lingerUntil = this.lingerHeard + LINGER_MS;
      this.reaper.add(this);
      return;
    }
    this.finish();
  }

  /** The reaper's call: reports a failed connection, ends a lingering close at its deadline. */
  reap(now: number): boolean {
    if (this.state === FAILED) {
      this.onError();
      return true;
    }
    if (this.state === LINGER) {
      // Where close() resets, not before what was sent is acknowledged: the reset would lose it.
      const unacknowledged = this.policy.closeResets && this.space >= 0 && this.space < this.sendBuffer;
      if (now < this.lingerUntil && (now - this.lingerHeard < QUIET_MS || unacknowledged)) return false;
      this.finish();
      return true;
    }
    return true;
  }

  /** onReadable from the native socket. */
  onReadable(count: number): void {
    if (this.state === DONE) return;
    this.available = count;
    if (this.state === LINGER) {
      this.lingerHeard = this.now();
      if (this.tcp) this.drain(this.tcp);
      return;
    }
    try {
      this.handler.readable(this, count);
    } catch (error) {
      this.sink('readable handler', error);
    }
  }

  /** onWritable from the native socket. */
  onWritable(count: number): void {
    if (count > this.sendBuffer) this.sendBuffer = count;
    if (this.state === LINGER) this.space = count; // acknowledgements a resetting close waits for
    if (this.state !== OPEN) return;
    this.space = count;
    if (!this.wantWritable) return;
    this.wantWritable = false;
    try {
      this.handler.writable(this, this.room());
    } catch (error) {
      this.sink('writable handler', error);
    }
  }

  /** onError from the native socket (or the reaper after a failed write): the peer closed or reset. */
  onError(): void {
    if (this.state === DONE) return;
    const report = this.state !== LINGER; // after close() no callback reaches the handler
    this.finish();
    if (!report) return;
    try {
      this.handler.closed(this);
    } catch (error) {
      this.sink('closed handler', error);
    }
  }

  /** A write failed: the reaper reports the close if onError does not come first. */
  private fail(): void {
    this.state = FAILED;
    this.reaper.add(this);
  }

  /** Releases the native socket (lwIP frees its record only on close). */
  private finish(): void {
    if (this.state === DONE) return;
    this.state = DONE;
    if (this.gate !== null) this.gate.socketDone();
    this.available = 0;
    this.reaper.remove(this);
    const tcp = this.tcp;
    if (!tcp) return;
    try {
      tcp.close();
    } catch (error) {
      this.sink('tcp close', error);
    }
  }

  private now(): number {
    return this.reaper.clock.now();
  }

  /** Reads and discards unread input so lwIP closes with FIN, not RST. */
  private drain(tcp: TCP): void {
    const staging = this.staging;
    while (this.available > 0) {
      const k = staging.rung(this.available);
      try {
        tcp.read(staging.ladder[k]);
      } catch {
        break;
      }
      this.available -= 1 << k;
    }
    this.available = 0;
  }
}

/** Whether an exception is ECMA-419's "would block" from write(). */
function isWouldBlock(error: unknown): boolean {
  return error instanceof Error && error.message.indexOf('would block') >= 0;
}

// Shared callbacks: one set of functions for every connection (no closures per
// connection); the native object calls them with `this` = the TCP, whose
// `target` is the adapter.
function sharedOnReadable(this: TCP, count: number): void {
  (this.target as ModdableSocket).onReadable(count);
}
function sharedOnWritable(this: TCP, count: number): void {
  (this.target as ModdableSocket).onWritable(count);
}
function sharedOnError(this: TCP): void {
  (this.target as ModdableSocket).onError();
}

/**
 * Wraps a connection taken from a Listener (`listener.read()`) in a new TCP
 * with our callbacks and returns the adapter. Nagle is off: a response's last
 * small segment must not wait for the client's delayed ACK.
 */
export function adoptConnection(
  raw: TCP,
  staging: Staging,
  handler: SocketHandler,
  sink: ErrorSink,
  reaper: Reaper,
  gate: SocketGate | null = null,
  policy: TcpPolicy = PLAIN_TCP,
): ModdableSocket {
  const socket = new ModdableSocket(staging, handler, sink, reaper, gate, policy);
  socket.tcp = new TCP({
    from: raw,
    nodelay: true,
    target: socket,
    onReadable: sharedOnReadable,
    onWritable: sharedOnWritable,
    onError: sharedOnError,
  });
  return socket;
}
