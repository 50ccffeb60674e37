/**
 * The recent-requests panel's data, read from the core's logger middleware
 * (src/middleware/logger.ts: a fixed ring, nothing allocated while
 * recording) and turned into what the page shows: method, path, status,
 * duration and when it came, in milliseconds of server uptime.
 *
 * Never: keep entries of its own; read more than `limit` entries.
 */
import type { Env, LogEntry, Logger } from 'chipweb';

/** One request as /api/requests answers it. */
export interface RequestEntry {
  /** Request method, e.g. "GET". */
  method: string;
  /** Path without the query. */
  path: string;
  /** Status answered; 0 while it is still running (a live stream, say). */
  status: number;
  /** Milliseconds it took; -1 while it is still running. */
  ms: number;
  /** When it came, in milliseconds of server uptime. */
  at: number;
}

/** Up to `limit` of the newest logged requests, newest first. */
export function recentRequests(log: Logger, env: Env, limit: number): RequestEntry[] {
  const started = env.platform.now() - env.stats().uptime;
  const out: RequestEntry[] = [];
  // log.read(), not log.entries(): one object for all, and a call level less under the handler.
  const e: LogEntry = { seq: 0, time: 0, method: '', path: '', status: 0, duration: 0, address: '' };
  for (let i = 0; i < limit && log.read(i, e); i++) {
    out.push({
      method: e.method,
      path: e.path,
      status: e.status,
      ms: Math.round(e.duration),
      at: Math.max(0, Math.round(e.time - started)),
    });
  }
  return out;
}
