/**
 * The acceptor: takes connections from the native listener only while
 * fewer than `maxSockets` are open, and leaves the rest waiting in the
 * listener (lwIP's pending list on a board, the kernel's backlog and the
 * SDK's pending list on lin), where a waiting connection costs no XS heap.
 * Every accepted connection costs XS objects (the native TCP and its
 * adapter, about 40 slots), and the heaps are fixed: 64 clients at once
 * would abort the machine with "memory full" otherwise.
 *
 * The listener reports only new arrivals, so when a socket closes the
 * acceptor takes the next waiting one itself, from the reaper's timer (not
 * from inside the close, which the server may be in the middle of).
 *
 * Never: accept past maxSockets; allocate beyond what a connection needs;
 * let an exception escape into the runtime.
 */
import type Listener from 'embedded:io/socket/listener';
import type TCP from 'embedded:io/socket/tcp';
import type { SocketHandler } from '../../src/platform.ts';
import type { Reapable, Reaper } from './reaper.ts';
import { adoptConnection, type ErrorSink, type SocketGate, type TcpPolicy } from './socket.ts';
import type { Staging } from './staging.ts';

/** Takes waiting connections from a listener, within a bound. */
export class Acceptor implements Reapable, SocketGate {
  reapNext: Reapable | null = null;
  reapListed = false;
  /** The native listener (set once it exists). */
  native: Listener | null = null;
  /** Connections open now (accepted, not yet closed). */
  open = 0;
  /** Connections waiting in the listener, as it last reported. */
  private waiting = 0;

  constructor(
    private readonly maxSockets: number,
    private readonly staging: Staging,
    private readonly handler: SocketHandler,
    private readonly sink: ErrorSink,
    private readonly reaper: Reaper,
    private readonly policy: TcpPolicy,
  ) {}

  /** The listener's onReadable: `count` connections are waiting in all. */
  readable(count: number): void {
    this.waiting = count;
    this.take();
  }

  /** A socket closed (SocketGate): take the next waiting connection soon. */
  socketDone(): void {
    this.open--;
    if (this.waiting > 0) this.reaper.add(this, true);
  }

  /** The reaper's call: takes what it can; leaves the list either way. */
  reap(): boolean {
    this.take();
    return true;
  }

  /** Accepts waiting connections while there is room. */
  private take(): void {
    const native = this.native;
    while (native !== null && this.waiting > 0 && this.open < this.maxSockets) {
      let raw: TCP | undefined;
      try {
        raw = native.read();
      } catch (error) {
        this.sink('listener read', error);
        this.waiting = 0;
        return;
      }
      this.waiting--;
      if (!raw) {
        this.waiting = 0;
        return;
      }
      let socket: ReturnType<typeof adoptConnection>;
      try {
        socket = adoptConnection(raw, this.staging, this.handler, this.sink, this.reaper, this, this.policy);
      } catch (error) {
        // Out of sockets or memory in the runtime: the connection is dropped.
        this.sink('accept', error);
        continue;
      }
      this.open++;
      try {
        this.handler.accept(socket);
      } catch (error) {
        this.sink('accept handler', error);
        socket.close();
      }
    }
  }
}
