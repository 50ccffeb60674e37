/**
 * Live updates over Server-Sent Events on one route (`GET /api/events`).
 *
 * Each subscriber is a streamed response that holds its connection slot
 * until it leaves, so their number is bounded: half the pool's slots, at
 * least 1 and at most MAX_SUBSCRIBERS. One more gets `503` with
 * `Retry-After`, and the page polls instead. While anyone is subscribed, a
 * one-second timer pushes a `status` event (the /api/status snapshot) and,
 * when new requests were logged, a `requests` event (the newest entries);
 * an LED change is pushed at once as an `led` event.
 *
 * Backpressure: a write the socket cannot take is dropped (the next tick
 * sends a fresh snapshot anyway). A subscriber whose writes fail for
 * MAX_MISSES ticks in a row (it left, or it stopped reading) is ended and
 * forgotten. Contexts are reused per slot, so each subscriber is kept as
 * (context, generation) and touched only while the generation still matches.
 *
 * Never: write to a context whose generation moved on; run the timer while
 * nobody listens; queue events without bound.
 */
import type { Context, Env, Logger, TimerHandle } from 'chipweb';
import { recentRequests } from './requests.ts';
import { RateMeter, statusSnapshot } from './status.ts';

/** Most live subscribers whatever the pool size. */
export const MAX_SUBSCRIBERS = 4;
/** Ticks of failed writes after which a subscriber is dropped. */
const MAX_MISSES = 3;
/** Newest log entries a `requests` event carries (kept small: one event must fit a slot's output area). */
export const EVENT_REQUESTS = 6;
/** Longest event sent: a chunk must fit the slot's output area (1024 bytes on the boards) with its framing. */
export const EVENT_BYTES = 900;
/** Milliseconds between status events. */
export const TICK_MS = 1000;

/** The live-update hub of one dashboard app. */
export class LiveHub {
  /** Measures requests per second for every status snapshot. */
  readonly meter = new RateMeter();
  private readonly contexts: (Context | null)[] = [];
  private readonly generations: number[] = [];
  private readonly misses: number[] = [];
  private readonly sentSeq: number[] = [];
  private count = 0;
  private env: Env | null = null;
  private timer: TimerHandle | null = null;
  private readonly log: Logger;

  /** Makes the hub; `log` is the request log whose news is pushed. */
  constructor(log: Logger) {
    this.log = log;
    for (let i = 0; i < MAX_SUBSCRIBERS; i++) {
      this.contexts.push(null);
      this.generations.push(0);
      this.misses.push(0);
      this.sentSeq.push(0);
    }
  }

  /** Most subscribers allowed with this server's pool. */
  limit(env: Env): number {
    const half = Math.floor(env.stats().slots / 2);
    return half < 1 ? 1 : half > MAX_SUBSCRIBERS ? MAX_SUBSCRIBERS : half;
  }

  /** Subscribers now (after dropping those whose slot moved on). */
  subscribers(): number {
    this.prune();
    return this.count;
  }

  /** The route handler: starts an event stream, or answers 503 when the subscribers are all taken. */
  subscribe(c: Context): void {
    this.prune();
    const env = c.env;
    const max = this.limit(env);
    let free = -1;
    for (let i = 0; i < max; i++) {
      if (this.contexts[i] === null) {
        free = i;
        break;
      }
    }
    if (free < 0) {
      c.setHeader('Retry-After', '10');
      c.json({ error: `at most ${max} live subscribers: poll /api/status instead` }, 503);
      return;
    }
    c.setHeader('Cache-Control', 'no-store');
    c.stream('text/event-stream; charset=utf-8');
    this.contexts[free] = c;
    this.generations[free] = c.generation;
    this.misses[free] = 0;
    this.sentSeq[free] = -1;
    this.count++;
    this.env = env;
    // Tell the browser how soon to reconnect, then send the current state at once.
    c.write('retry: 3000\n\n');
    this.sendTo(free, this.statusEvent(env));
    if (this.timer === null) this.timer = env.platform.setTimer(() => this.tick(), TICK_MS, true);
  }

  /** Pushes one event to every subscriber now (dropped where the socket is full). */
  broadcast(event: string, data: unknown): void {
    if (this.count === 0) return;
    const text = 'event: ' + event + '\ndata: ' + JSON.stringify(data) + '\n\n';
    for (let i = 0; i < MAX_SUBSCRIBERS; i++) {
      const c = this.contexts[i];
      if (c !== null && this.live(i)) c.write(text);
    }
  }

  private statusEvent(env: Env): string {
    return (
      'event: status\ndata: ' + JSON.stringify(statusSnapshot(env, this.meter, this.count, this.limit(env))) + '\n\n'
    );
  }

  /** The newest log entries as one event, as many as fit a slot's output area (long paths take room). */
  private requestsEvent(env: Env): string {
    const entries = recentRequests(this.log, env, EVENT_REQUESTS);
    let text = '';
    for (let n = entries.length; n >= 0; n--) {
      text = 'event: requests\ndata: ' + JSON.stringify(entries.slice(0, n)) + '\n\n';
      if (text.length <= EVENT_BYTES) break;
    }
    return text;
  }

  private tick(): void {
    this.prune();
    const env = this.env;
    if (this.count === 0 || env === null) {
      this.stop();
      return;
    }
    const status = this.statusEvent(env);
    const seq = this.log.total;
    let news = '';
    for (let i = 0; i < MAX_SUBSCRIBERS; i++) {
      if (!this.live(i)) continue;
      const ok = this.sendTo(i, status);
      if (ok && this.sentSeq[i] !== seq) {
        if (news === '') news = this.requestsEvent(env);
        const c = this.contexts[i];
        if (c !== null && c.write(news)) this.sentSeq[i] = seq;
      }
    }
    this.prune();
    if (this.count === 0) this.stop();
  }

  /** Writes to subscriber i; counts misses and ends a subscriber that keeps failing. */
  private sendTo(i: number, text: string): boolean {
    const c = this.contexts[i];
    if (c === null) return false;
    if (c.write(text)) {
      this.misses[i] = 0;
      return true;
    }
    if (++this.misses[i] >= MAX_MISSES) {
      c.end(); // harmless when the client already left: the slot is no longer streaming
      this.forget(i);
    }
    return false;
  }

  private live(i: number): boolean {
    const c = this.contexts[i];
    return c !== null && c.generation === this.generations[i];
  }

  private prune(): void {
    for (let i = 0; i < MAX_SUBSCRIBERS; i++) if (this.contexts[i] !== null && !this.live(i)) this.forget(i);
  }

  private forget(i: number): void {
    this.contexts[i] = null;
    this.count--;
  }

  private stop(): void {
    if (this.timer !== null && this.env !== null) this.env.platform.clearTimer(this.timer);
    this.timer = null;
  }
}
