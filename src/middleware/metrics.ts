/**
 * metrics(): a handler exposing the server's counters (`c.env.stats()`)
 * and the platform's memory figures, as JSON or in the Prometheus text
 * exposition format (version 0.0.4).
 *
 * Mount it as a route: `app.get('/metrics', metrics())`. The format is
 * chosen per request: `?format=prometheus` or `?format=json` win; else an
 * Accept header naming text/plain or openmetrics (what Prometheus sends)
 * gets the text format, anything else (a browser, fetch()) gets JSON.
 *
 * Never: keep state of its own; never allocate beyond building the answer
 * (a scrape is rare; the counters are read in place).
 */
import type { Context, Handler } from '../context.ts';
import { indexOfWhole } from '../http/text.ts';

/** Options of metrics(). */
export interface MetricsOptions {
  /** Fixed format instead of choosing per request. */
  format?: 'json' | 'prometheus';
  /** Metric name prefix in the text format (default "chipweb_"). */
  prefix?: string;
  /** More gauges to publish (e.g. a rate limiter's `limited`), read at each scrape. */
  extra?: () => { [name: string]: number };
}

/** Content-Type of the Prometheus text format. */
export const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const CLASSES = ['', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** A handler answering the server's metrics as JSON or Prometheus text. */
export function metrics(options: MetricsOptions = {}): Handler {
  const fixed = options.format ?? null;
  const prefix = options.prefix ?? 'chipweb_';
  const extra = options.extra ?? null;

  function wantsText(c: Context): boolean {
    if (fixed !== null) return fixed === 'prometheus';
    const format = c.query('format');
    if (format === 'prometheus' || format === 'text') return true;
    if (format === 'json') return false;
    const accept = c.header('accept');
    return (
      accept !== undefined && (indexOfWhole(accept, 'text/plain') >= 0 || indexOfWhole(accept, 'openmetrics') >= 0)
    );
  }

  return (c: Context) => {
    const s = c.env.stats();
    const memory = c.env.platform.memory();
    const more = extra !== null ? extra() : null;
    c.setHeader('Cache-Control', 'no-store');
    if (!wantsText(c)) {
      c.json({
        requests: s.requests,
        responses: {
          '1xx': s.responses[1],
          '2xx': s.responses[2],
          '3xx': s.responses[3],
          '4xx': s.responses[4],
          '5xx': s.responses[5],
        },
        connections: s.connections,
        rejected: s.rejected,
        evicted: s.evicted,
        timeouts: s.timeouts,
        errors: s.errors,
        slots: s.slots,
        slotsInUse: s.slotsInUse,
        slotsHighWater: s.slotsHighWater,
        slotBytes: s.slotBytes,
        uptime: s.uptime,
        memory: { used: memory.used, total: memory.total },
        extra: more ?? {},
      });
      return undefined;
    }
    let out = '';
    const counter = (name: string, help: string, value: number) => {
      out += `# HELP ${prefix}${name} ${help}\n# TYPE ${prefix}${name} counter\n${prefix}${name} ${value}\n`;
    };
    const gauge = (name: string, help: string, value: number) => {
      out += `# HELP ${prefix}${name} ${help}\n# TYPE ${prefix}${name} gauge\n${prefix}${name} ${value}\n`;
    };
    counter('requests_total', 'Requests whose head was parsed.', s.requests);
    out += `# HELP ${prefix}responses_total Responses sent, by status class.\n# TYPE ${prefix}responses_total counter\n`;
    for (let k = 1; k <= 5; k++) out += `${prefix}responses_total{class="${CLASSES[k]}"} ${s.responses[k]}\n`;
    counter('connections_total', 'Connections accepted.', s.connections);
    counter('rejected_total', 'Connections answered 503 because every slot was busy.', s.rejected);
    counter('evicted_total', 'Idle keep-alive connections closed to make room.', s.evicted);
    counter('timeouts_total', '408s and idle/write timeouts.', s.timeouts);
    counter('errors_total', 'Handler errors answered 500.', s.errors);
    gauge('slots', 'Connection slots in the pool.', s.slots);
    gauge('slots_in_use', 'Connection slots in use.', s.slotsInUse);
    gauge('slots_high_water', 'Most slots in use at once since start.', s.slotsHighWater);
    gauge('slot_bytes', 'Bytes per slot (request + output).', s.slotBytes);
    gauge('uptime_seconds', 'Seconds since the server started.', s.uptime / 1000);
    gauge('memory_used_bytes', 'Heap in use.', memory.used);
    gauge('memory_total_bytes', 'Heap available in total (0 when unknown).', memory.total);
    if (more !== null) {
      const names = Object.keys(more);
      for (let i = 0; i < names.length; i++)
        gauge(sanitize(names[i]), `Published by the app: ${sanitize(names[i])}.`, more[names[i]]);
    }
    c.text(out);
    c.setHeader('Content-Type', PROMETHEUS_TYPE);
    return undefined;
  };
}

/** A Prometheus metric name from any string: [a-zA-Z0-9_], not starting with a digit. */
function sanitize(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    const ok = (ch >= 48 && ch <= 57 && i > 0) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95;
    out += ok ? name[i] : '_';
  }
  return out;
}
