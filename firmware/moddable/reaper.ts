/**
 * The reaper: one timer that finishes what a socket's own callbacks may
 * never finish, and takes the next waiting connection once a socket has
 * closed (acceptor.ts). The socket cases (see socket.ts):
 * - a write failed: lwIP reports onError afterwards, but Moddable's lin
 *   socket (modules/io/socket/lin/tcp.c, SDK 8.2.3) stops polling a socket
 *   once a write has failed, so onError never comes; the reaper reports the
 *   close itself on its next run;
 * - a lingering close: the server answered "Connection: close" before the
 *   client finished sending, so the socket keeps discarding input until the
 *   client closes; the reaper closes it when the client does not, at its
 *   deadline.
 *
 * The timer is made once, with the platform, and sleeps (Timer.schedule
 * with no interval) while nothing is listed, so an idle board runs no extra
 * timer tick and the timer count does not change as clients come and go.
 *
 * Never: allocate after construction (the list is threaded through the
 * sockets themselves); let an exception escape into the runtime.
 */
import Timer from 'timer';
import type { TimerID } from 'timer';
import { MonotonicClock } from './clock.ts';

/** Something the reaper can hold: a socket with a link and a deadline. */
export interface Reapable {
  /** Next in the reaper's list. */
  reapNext: Reapable | null;
  /** Whether it is in the list. */
  reapListed: boolean;
  /** Called on each run; true when it is finished and leaves the list. */
  reap(now: number): boolean;
}

/** The platform's one reaper. */
export class Reaper {
  /** Milliseconds between runs while something is listed. */
  readonly interval: number;
  /** The board's clock for every deadline (the platform's now(), lingering closes, the reaper's runs). */
  readonly clock = new MonotonicClock();
  private head: Reapable | null = null;
  private readonly timer: TimerID;
  private awake = false;

  constructor(interval: number, sink: (where: string, error: unknown) => void) {
    this.interval = interval;
    this.timer = Timer.repeat(() => {
      try {
        this.run();
      } catch (error) {
        sink('reaper', error);
      }
    }, interval);
    Timer.schedule(this.timer);
  }

  /**
   * Lists `item` (once); it is asked to finish on every run from the next
   * one. `soon`: the next run comes at once (on the next turn), not after
   * an interval.
   */
  add(item: Reapable, soon = false): void {
    if (!item.reapListed) {
      item.reapListed = true;
      item.reapNext = this.head;
      this.head = item;
    }
    if (soon) {
      this.awake = true;
      Timer.schedule(this.timer, 0, this.interval);
    } else if (!this.awake) {
      this.awake = true;
      Timer.schedule(this.timer, this.interval, this.interval);
    }
  }

  /** Takes `item` out of the list, if it is there. */
  remove(item: Reapable): void {
    if (!item.reapListed) return;
    let prev: Reapable | null = null;
    for (let at = this.head; at !== null; prev = at, at = at.reapNext) {
      if (at !== item) continue;
      if (prev === null) this.head = at.reapNext;
      else prev.reapNext = at.reapNext;
      break;
    }
    item.reapListed = false;
    item.reapNext = null;
    this.sleepIfEmpty();
  }

  /** One run: asks every listed item to finish. */
  run(): void {
    const now = this.clock.now();
    let prev: Reapable | null = null;
    let at = this.head;
    while (at !== null) {
      const next: Reapable | null = at.reapNext;
      if (at.reapListed && at.reap(now)) {
        if (at.reapListed) {
          // Still listed (reap() did not remove itself): unlink here.
          if (prev === null) this.head = next;
          else prev.reapNext = next;
          at.reapListed = false;
          at.reapNext = null;
        }
      } else if (at.reapListed) prev = at;
      at = next;
    }
    this.sleepIfEmpty();
  }

  private sleepIfEmpty(): void {
    if (this.head === null && this.awake) {
      this.awake = false;
      Timer.schedule(this.timer);
    }
  }
}
