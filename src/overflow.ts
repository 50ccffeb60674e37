/**
 * Admission when every slot is taken: the overflow policy (server-options.ts)
 * decides whether a newcomer waits in a bounded queue, takes the slot of an
 * idle keep-alive connection or of the slowest request still arriving, or
 * gets 503. Also the pool-pressure veto: while anyone waits, responses
 * announce `Connection: close`.
 *
 * A 503 is written only once the socket reports send space (a write before
 * that may be refused, and the client would see an empty close), and the
 * socket is closed lingering, so the unread request does not reset it away.
 *
 * Never: grow the queue; allocate per connection; touch a connection's
 * state other than by asking the server to close it.
 */
import { BODY, type Connection, HEAD } from './connection.ts';
import type { Pool } from './pool.ts';
import type { Platform, Socket, TimerHandle } from './platform.ts';
import type { ResolvedOptions } from './server-options.ts';
import type { ServerStats } from './stats.ts';
import type { PreencodedAnswers } from './http/response.ts';

/** `socket.slot` of a socket the server holds no slot for. */
export const NO_SLOT = -1;
/** `socket.slot` of a socket waiting in the queue for a slot. */
export const QUEUED = -2;
/** `socket.slot` of a socket whose 503 waits for the send space to be known. */
export const REFUSING = -3;

/** What the overflow policy needs of the server. */
export interface OverflowHost {
  /** Closes a connection and frees its slot (`linger`: discard unread input first). */
  close(conn: Connection, linger: boolean): void;
  /** Gives a free slot to a socket that waited for one, and reads what it sent meanwhile. */
  admit(socket: Socket, slot: number): void;
}

/** The overflow policy of one server, with its queue. */
export class Overflow {
  private readonly queue: (Socket | null)[] = [];
  private readonly queuedAt: Float64Array;
  /** Connections waiting for a slot (a field, not a getter: on Espruino a getter is a call). Only this class sets it. */
  waiting = 0;
  /** serveWaiting() is running (further up the stack). */
  private serving = false;
  /** The timer slotFreed() set to serve the waiting connections, until it fires. */
  private timer: TimerHandle | null = null;
  /** What that timer runs: made once, so freeing a slot allocates no closure. */
  private readonly serveSoon: () => void;

  /** Made once by the server, with its preencoded answers (the 408 and 503 come from there). */
  constructor(
    private readonly options: ResolvedOptions,
    private readonly connections: readonly Connection[],
    private readonly pool: Pool,
    private readonly platform: Platform,
    private readonly counters: ServerStats,
    private readonly host: OverflowHost,
    private readonly answers: PreencodedAnswers,
  ) {
    for (let i = 0; i < options.queueSize; i++) this.queue.push(null);
    this.queuedAt = new Float64Array(options.queueSize);
    this.serveSoon = this.makeServeSoon();
  }

  /**
   * What slotFreed()'s timer runs. Made here, not in the constructor: a
   * closure keeps the scope it was made in, and the constructor's holds
   * its seven parameters.
   */
  private makeServeSoon(): () => void {
    'cold'; // once, at start: kept in flash on Espruino until called
    return () => {
      this.timer = null;
      this.serveWaiting();
    };
  }

  /**
   * A newcomer found no free slot: a slot made free now (its number), or -1
   * when the newcomer was queued or refused.
   */
  admitNewcomer(socket: Socket): number {
    if (this.waiting > 0) {
      // Behind those already waiting, who take a slot free now (one may be, while slotFreed()'s timer is due);
      // their answers then announce the close, for the newcomer.
      if (this.enqueue(socket)) {
        this.serveWaiting();
        return -1;
      }
      // The queue is full: with a slot free, the oldest takes it, but the newcomer takes its place first.
      const free = this.pool.acquire();
      if (free >= 0) {
        const oldest = this.dequeue();
        this.enqueue(socket);
        this.host.admit(oldest, free);
        this.serveWaiting();
        return -1;
      }
    }
    let slot = this.pool.acquire();
    if (slot >= 0) return slot;
    if (this.options.overflow !== 'reject' && this.makeRoom()) {
      this.serveWaiting();
      slot = this.pool.acquire();
      if (slot >= 0) return slot;
    }
    if (!this.enqueue(socket)) this.refuse(socket);
    return -1;
  }

  /**
   * Answers the preencoded 503 and closes, lingering (the request is
   * unread), once the socket has room for it. Counted once written.
   */
  refuse(socket: Socket): void {
    'cold'; // only when no slot and no queue place is free: kept in flash on Espruino until called
    const start = this.answers.start(503);
    const length = this.answers.end(503) - start;
    if (socket.writable() < length) {
      socket.slot = REFUSING; // writable() answers
      return;
    }
    socket.slot = NO_SLOT;
    if (socket.write(this.answers.bytes, start, length) === length) {
      this.counters.rejected++;
      this.counters.responses[5]++;
    }
    socket.close(true);
  }

  /** Refuses every waiting connection (the server is stopping). */
  refuseAll(): void {
    'cold';
    while (this.waiting > 0) this.refuse(this.dequeue());
    if (this.timer !== null) this.platform.clearTimer(this.timer);
    this.timer = null;
  }

  /**
   * A slot came free while a request was being finished: the waiting
   * connections are served from a timer of their own, on an empty stack.
   * Served from here, the next request would run on top of the one that
   * freed the slot, two request paths on one stack: an ESP32 gives
   * Espruino 25,000 bytes of C stack and one request path takes up to
   * 21,000 (npm run bench:espruino), so the board stopped that request and
   * dropped its socket's data handler.
   */
  slotFreed(): void {
    if (this.waiting === 0 || this.timer !== null) return;
    this.timer = this.platform.setTimer(this.serveSoon, 0, false);
  }

  /**
   * Free slots go to the waiting connections, oldest first; each reads what
   * it sent meanwhile. Serving one may free its slot again at once (the
   * veto closes it after one answer): the loop takes that too, rather than
   * recursing through the whole queue (a board's stack is small).
   */
  serveWaiting(): void {
    if (this.serving) return; // the loop below, further up the stack, takes the slot
    this.serving = true;
    try {
      while (this.waiting > 0) {
        const slot = this.pool.acquire();
        if (slot < 0) break;
        this.host.admit(this.dequeue(), slot);
      }
    } finally {
      this.serving = false;
    }
  }

  /** A waiting socket closed: forget it. */
  forget(socket: Socket): void {
    'cold'; // only when a waiting socket closes: kept in flash on Espruino until called
    for (let i = 0; i < this.waiting; i++) if (this.queue[i] === socket) this.unqueue(i);
    socket.slot = NO_SLOT;
  }

  /**
   * The timer's turn: make room for waiting connections first (a slow head
   * that reached the eviction age as a newcomer reached its queue timeout
   * yields to it); those that still waited too long get 503.
   */
  tick(now: number): void {
    this.serveWaiting(); // a slot freed since slotFreed()'s timer was set is used before anyone is evicted
    while (this.waiting > 0 && this.makeRoom()) this.serveWaiting();
    while (this.waiting > 0 && now - this.queuedAt[0] >= this.options.queueTimeout) this.refuse(this.dequeue());
  }

  /**
   * The pool-pressure veto: while a connection waits for a slot, a
   * keep-alive response announces `Connection: close` (so the client does not
   * reuse a connection the server is about to close) and its slot goes to
   * the waiting one. Returns the keep-alive decision.
   */
  veto(keepAlive: boolean): boolean {
    if (keepAlive && this.waiting > 0) {
      this.counters.pressureCloses++;
      return false;
    }
    return keepAlive;
  }

  /** Puts `socket` at the end of the queue (overflow 'queue'); false when the queue is full. */
  private enqueue(socket: Socket): boolean {
    if (this.waiting >= this.queue.length) return false;
    socket.slot = QUEUED;
    this.queue[this.waiting] = socket;
    this.queuedAt[this.waiting] = this.platform.now();
    this.waiting++;
    this.counters.queued++;
    return true;
  }

  /** Takes the oldest socket out of the queue (waiting > 0). */
  private dequeue(): Socket {
    'cold'; // when a queued connection gets a slot: kept in flash on Espruino until called
    const socket = this.queue[0] as Socket;
    this.unqueue(0);
    socket.slot = NO_SLOT;
    return socket;
  }

  /** Removes entry `i` of the queue, keeping the rest in order. */
  private unqueue(i: number): void {
    const last = this.waiting - 1;
    for (let j = i; j < last; j++) {
      this.queue[j] = this.queue[j + 1];
      this.queuedAt[j] = this.queuedAt[j + 1];
    }
    this.queue[last] = null;
    this.waiting = last;
  }

  /**
   * Frees a slot: an idle keep-alive connection (any with 'evict-idle';
   * with 'queue' only one idle for `pressureIdle`, as a client is unlikely
   * to be sending on it right then), else a slow request (evictSlow).
   * False when there is none.
   */
  private makeRoom(): boolean {
    'cold'; // under pressure only: kept in flash on Espruino until called
    const minIdle = this.options.overflow === 'queue' ? this.options.pressureIdle : 0;
    const now = this.platform.now();
    let victim: Connection | null = null;
    for (let i = 0; i < this.connections.length; i++) {
      const conn = this.connections[i];
      if (
        conn.state === HEAD &&
        conn.filled === 0 &&
        conn.served > 0 &&
        now - conn.lastActive >= minIdle &&
        (victim === null || conn.lastActive < victim.lastActive)
      )
        victim = conn;
    }
    if (victim === null) return this.evictSlow(now);
    this.counters.evicted++;
    this.host.close(victim, false);
    return true;
  }

  /**
   * Slowloris defence: answers 408 to the request that has been arriving
   * for longest, once that is more than half the header timeout (at most
   * 1 s), and closes it; false when none is.
   */
  private evictSlow(now: number): boolean {
    'cold'; // under pressure only: kept in flash on Espruino until called
    const headerTimeout = this.options.headerTimeout;
    const bodyTimeout = this.options.bodyTimeout;
    const age = headerTimeout < 2000 ? headerTimeout / 2 : 1000;
    let victim: Connection | null = null;
    let victimStart = 0;
    for (let i = 0; i < this.connections.length; i++) {
      const conn = this.connections[i];
      let started: number;
      if (conn.state === BODY) started = conn.deadline - bodyTimeout;
      else if (conn.state === HEAD && (conn.filled > 0 || conn.served === 0)) started = conn.deadline - headerTimeout;
      else continue;
      if (now - started >= age && (victim === null || started < victimStart)) {
        victim = conn;
        victimStart = started;
      }
    }
    if (victim === null) return false;
    this.counters.evicted++;
    this.counters.timeouts++;
    this.counters.responses[4]++;
    // Best effort (the slot is needed now): lingering, so a client still sending does not reset it away.
    const start = this.answers.start(408);
    if (victim.socket !== null) victim.socket.write(this.answers.bytes, start, this.answers.end(408) - start);
    this.host.close(victim, true);
    return true;
  }
}
