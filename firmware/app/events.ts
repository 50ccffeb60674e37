/**
 * Live updates for the dashboard, over a WebSocket (`/api/ws`) or, where
 * that is refused, Server-Sent Events (`GET /api/events`).
 *
 * Each subscriber holds its connection slot until it leaves, so their
 * number is bounded, whatever the transport: half the pool's slots, at
 * least 1 and at most MAX_SUBSCRIBERS. One more gets `503` with
 * `Retry-After` (the WebSocket before its upgrade), and the page falls
 * back: from the WebSocket to the event stream, from that to polling.
 * While anyone is subscribed, a one-second timer pushes a `status` event
 * (the /api/status snapshot) and, when new requests were logged, a
 * `requests` event (the newest entries); an LED change is pushed at once
 * as an `led` event. On the WebSocket an event is one text message,
 * `{"type":"status","data":{…}}`, and the page switches the LED by sending
 * `{"led":true}` on it (POST /api/led does the same over HTTP).
 *
 * Backpressure: a write the socket cannot take is dropped (the next tick
 * sends a fresh snapshot anyway). A subscriber whose writes fail for
 * MAX_MISSES ticks in a row (it left, or it stopped reading) is ended and
 * forgotten. Contexts and sockets are reused per slot, so each subscriber
 * is kept with its generation and touched only while that still matches.
 *
 * Never: write to a context or socket whose generation moved on; run the
 * timer while nobody listens; queue events without bound.
 */
import { parseJson } from 'chipweb';
import type { Context, Env, Logger, TimerHandle, WebSocket, WsMessage } from 'chipweb';
import { recentRequests } from './requests.ts';
import { RateMeter, statusSnapshot } from './status.ts';

/** Most live subscribers whatever the pool size. */
export const MAX_SUBSCRIBERS = 4;
/** Ticks of failed writes after which a subscriber is dropped. */
const MAX_MISSES = 3;
/** The one member a WebSocket command has: no other name becomes an XS key (chipweb's src/json.ts). */
const COMMAND_KEYS = ['led'];
/** Newest log entries a `requests` event carries (kept small: one event must fit a slot's output area). */
export const EVENT_REQUESTS = 6;
/** Longest event sent: a chunk must fit the slot's output area (1024 bytes on the boards) with its framing. */
export const EVENT_BYTES = 900;
/** Milliseconds between status events. */
export const TICK_MS = 1000;
/** Close code for a WebSocket subscriber that stopped reading (1013: try again later). */
const CLOSE_SLOW = 1013;

/** The live-update hub of one dashboard app. */
export class LiveHub {
  /** Measures requests per second for every status snapshot. */
  readonly meter = new RateMeter();
  /** Subscriber i is an event stream (contexts[i]) or a WebSocket (sockets[i]), or free. */
  private readonly contexts: (Context | null)[] = [];
  private readonly sockets: (WebSocket | null)[] = [];
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
      this.sockets.push(null);
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

  /** The event-stream route's handler: starts a stream, or answers 503 when the subscribers are all taken. */
  subscribe(c: Context): void {
    c.setHeader('Cache-Control', 'no-store');
    const free = this.freeIndex(c.env);
    if (free < 0) {
      this.refuseFull(c);
      return;
    }
    c.stream('text/event-stream; charset=utf-8');
    this.contexts[free] = c;
    this.added(free, c.generation, c.env);
    // How soon to reconnect, and the current state at once: one write, straight to the stream (not through
    // sendTo and write, two call levels deeper, under a handler: on Espruino the C stack is 25 KB).
    const sent = c.write(`retry: 3000\n\nevent: status\ndata: ${this.statusJson(c.env)}\n\n`);
    this.misses[free] = sent ? 0 : 1;
  }

  /** Middleware of the WebSocket route: 503 before the upgrade when the subscribers are all taken. */
  admit(c: Context): unknown {
    if (this.freeIndex(c.env) < 0) {
      this.refuseFull(c);
      return undefined;
    }
    return c.next();
  }

  /** The WebSocket route's open handler: a new subscriber, sent the current state at once. */
  join(ws: WebSocket): void {
    const free = this.freeIndex(ws.env);
    if (free < 0) {
      ws.close(CLOSE_SLOW, 'too many live subscribers');
      return;
    }
    this.sockets[free] = ws;
    this.added(free, ws.generation, ws.env);
    // Straight to the socket, not through sendTo and write: two call levels less (see subscribe).
    this.misses[free] = ws.send(`{"type":"status","data":${this.statusJson(ws.env)}}`) ? 0 : 1;
  }

  /** The WebSocket route's message handler: `{"led": true|false}` switches the LED. */
  command(ws: WebSocket, msg: WsMessage): void {
    'cold'; // a WebSocket command now and then: kept in flash on Espruino until called
    let body: unknown = null;
    try {
      body = parseJson(msg.text(), COMMAND_KEYS);
    } catch (_error) {
      /* answered below */
    }
    const led = body !== null && typeof body === 'object' ? (body as { led?: unknown }).led : undefined;
    const device = ws.env.device;
    if (typeof led !== 'boolean') ws.send(JSON.stringify({ type: 'error', data: { error: 'send {"led": true}' } }));
    else if (device === null) ws.send(JSON.stringify({ type: 'error', data: { error: 'this host has no LED' } }));
    else {
      device.setLed(led);
      this.broadcast('led', { on: device.led() });
    }
  }

  /** The WebSocket route's close handler. */
  leave(ws: WebSocket): void {
    'cold'; // once per subscriber: kept in flash on Espruino until called
    for (let i = 0; i < MAX_SUBSCRIBERS; i++) if (this.sockets[i] === ws) this.dropSubscriber(i);
  }

  /** Pushes one event to every subscriber, as soon as the running handler returns (dropped where the socket is full). */
  broadcast(event: string, data: unknown): void {
    'cold'; // when the LED changes: kept in flash on Espruino until called
    if (this.count === 0) return;
    const json = JSON.stringify(data);
    // From a promise job, not from inside the handler that made the news: written from there, an event
    // nests under the whole chain, deeper than Espruino's 25 KB C stack on an ESP32 allows.
    Promise.resolve().then(() => {
      for (let i = 0; i < MAX_SUBSCRIBERS; i++) if (this.live(i)) this.write(i, event, json);
    });
  }

  private statusJson(env: Env): string {
    return JSON.stringify(statusSnapshot(env, this.meter, this.count, this.limit(env)));
  }

  /** The newest log entries as one event's JSON, as many as fit a slot's output area (long paths take room). */
  private requestsJson(env: Env): string {
    const entries = recentRequests(this.log, env, EVENT_REQUESTS);
    let json = '';
    for (let n = entries.length; n >= 0; n--) {
      json = JSON.stringify(entries.slice(0, n));
      if (json.length + 40 <= EVENT_BYTES) break;
    }
    return json;
  }

  private tick(): void {
    this.prune();
    const env = this.env;
    if (this.count === 0 || env === null) {
      this.stop();
      return;
    }
    const status = this.statusJson(env);
    const seq = this.log.total;
    let news = '';
    for (let i = 0; i < MAX_SUBSCRIBERS; i++) {
      if (!this.live(i)) continue;
      const ok = this.sendTo(i, 'status', status);
      if (ok && this.sentSeq[i] !== seq) {
        if (news === '') news = this.requestsJson(env);
        if (this.write(i, 'requests', news)) this.sentSeq[i] = seq;
      }
    }
    this.prune();
    if (this.count === 0) this.stop();
  }

  /** Writes one event to subscriber i in its transport's framing; false when it was not queued. */
  private write(i: number, event: string, json: string): boolean {
    const c = this.contexts[i];
    if (c !== null) return c.write('event: ' + event + '\ndata: ' + json + '\n\n');
    const ws = this.sockets[i];
    return ws !== null && ws.send('{"type":"' + event + '","data":' + json + '}');
  }

  /** Writes to subscriber i; counts misses and ends a subscriber that keeps failing. */
  private sendTo(i: number, event: string, json: string): boolean {
    if (this.write(i, event, json)) {
      this.misses[i] = 0;
      return true;
    }
    if (++this.misses[i] >= MAX_MISSES) {
      // Harmless when the client already left: the slot is no longer streaming, the socket no longer open.
      const c = this.contexts[i];
      const ws = this.sockets[i];
      if (c !== null) c.end();
      else if (ws !== null) ws.close(CLOSE_SLOW, 'not reading');
      this.dropSubscriber(i);
    }
    return false;
  }

  /** A free subscriber index within this server's limit, or -1. */
  private freeIndex(env: Env): number {
    this.prune();
    const max = this.limit(env);
    for (let i = 0; i < max; i++) if (this.contexts[i] === null && this.sockets[i] === null) return i;
    return -1;
  }

  /** 503 with Retry-After: every live subscriber is taken. */
  private refuseFull(c: Context): void {
    'cold'; // only when every subscriber place is taken: kept in flash on Espruino until called
    c.setHeader('Retry-After', '10');
    c.json({ error: `at most ${this.limit(c.env)} live subscribers: poll /api/status instead` }, 503);
  }

  /** Subscriber `i` was just set: note its generation and start the timer. */
  private added(i: number, generation: number, env: Env): void {
    'cold'; // once per subscriber: kept in flash on Espruino until called
    this.generations[i] = generation;
    this.misses[i] = 0;
    this.sentSeq[i] = -1;
    this.count++;
    this.env = env;
    if (this.timer === null) this.timer = env.platform.setTimer(() => this.tick(), TICK_MS, true);
  }

  private live(i: number): boolean {
    const c = this.contexts[i];
    if (c !== null) return c.generation === this.generations[i];
    const ws = this.sockets[i];
    return ws !== null && ws.generation === this.generations[i];
  }

  private prune(): void {
    for (let i = 0; i < MAX_SUBSCRIBERS; i++)
      if ((this.contexts[i] !== null || this.sockets[i] !== null) && !this.live(i)) this.dropSubscriber(i);
  }

  private dropSubscriber(i: number): void {
    'cold'; // once per subscriber: kept in flash on Espruino until called
    this.contexts[i] = null;
    this.sockets[i] = null;
    this.count--;
  }

  private stop(): void {
    if (this.timer !== null && this.env !== null) this.env.platform.clearTimer(this.timer);
    this.timer = null;
  }
}
