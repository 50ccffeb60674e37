/**
 * The dashboard's status figures: one snapshot object built from the
 * server's counters, the platform's memory figures, the LED and the live
 * subscriber count; `/api/status` answers it and the live stream pushes it.
 *
 * Requests per second are measured over the last sampling interval (at
 * least one second): each snapshot taken a second or more after the
 * previous sample takes a new sample.
 *
 * Never: keep a reference to a Context; do I/O.
 */
import type { Env } from 'chipweb';

/** What /api/status answers (and the `status` event carries). */
export interface StatusSnapshot {
  /** Seconds since the server started. */
  uptime: number;
  /** Requests whose head was parsed since start. */
  requests: number;
  /** Requests per second over the last sampling interval. */
  rps: number;
  /** Handler errors (500s). */
  errors: number;
  /** Responses by status class. */
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** The connection pool: slots, in use now, most in use at once, bytes per slot. */
  pool: { slots: number; inUse: number; highWater: number; slotBytes: number };
  /** Connections answered 503 because every slot was busy. */
  rejected: number;
  /** Idle keep-alive connections closed to make room. */
  evicted: number;
  /** Heap in use and in total (bytes); `kind` says whose heap: "xs" on the board, "node" in the simulator. */
  memory: { used: number; total: number; kind: string };
  /** The LED, or null when the host has no device. */
  led: boolean | null;
  /** Live-update subscribers now, and the most allowed. */
  live: { subscribers: number; max: number };
}

/** Measures requests per second between snapshots. */
export class RateMeter {
  private sampleAt = -1;
  private sampleCount = 0;
  private rate = 0;

  /** Requests per second, taking a new sample when the last is a second old or more. */
  update(now: number, count: number): number {
    if (this.sampleAt < 0) {
      this.sampleAt = now;
      this.sampleCount = count;
      return 0;
    }
    const elapsed = now - this.sampleAt;
    if (elapsed >= 1000) {
      this.rate = Math.round(((count - this.sampleCount) * 10000) / elapsed) / 10;
      this.sampleAt = now;
      this.sampleCount = count;
    }
    return this.rate;
  }
}

/** Builds the status snapshot. */
export function statusSnapshot(
  env: Env,
  meter: RateMeter,
  subscribers: number,
  maxSubscribers: number,
): StatusSnapshot {
  const s = env.stats();
  const m = env.platform.memory();
  const r = s.responses;
  return {
    uptime: Math.floor(s.uptime / 1000),
    requests: s.requests,
    rps: meter.update(env.platform.now(), s.requests),
    errors: s.errors,
    responses: { '1xx': r[1] || 0, '2xx': r[2] || 0, '3xx': r[3] || 0, '4xx': r[4] || 0, '5xx': r[5] || 0 },
    pool: { slots: s.slots, inUse: s.slotsInUse, highWater: s.slotsHighWater, slotBytes: s.slotBytes },
    rejected: s.rejected,
    evicted: s.evicted,
    memory: { used: m.used, total: m.total, kind: env.platform.name === 'moddable' ? 'xs' : env.platform.name },
    led: env.device ? env.device.led() : null,
    live: { subscribers, max: maxSubscribers },
  };
}
