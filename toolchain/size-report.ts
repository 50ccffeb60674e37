/**
 * The size report printed after every `chipweb build`: what goes to flash
 * (code raw and gzipped, each resource) and what the board's RAM budget
 * holds (the XS machine fixed at boot: chunk heap with the pool and staging
 * area, slot heap with the per-connection objects, stack, keys; the route
 * table costs 0 because it stays in flash), checked against the target's
 * limit. A budget that does not fit is an error the build exits on.
 *
 * Never: guess a number that the template or the build output can give;
 * the framework's slot-heap use is an estimate, measured on XS and kept
 * honest by test/firmware/xs-platform.test.ts.
 */
import { gzipSync } from 'node:zlib';
import type { Budget, Creation } from './templates.ts';

/**
 * XS slot-heap slots the framework holds at run time on the board: a fixed
 * part (platform, server, compiled app, device, staging ladder, timers) plus
 * a part per connection slot (Connection, Context, parser state, views).
 * Measured on the XS engine running a built main.js with the Moddable
 * platform after boot and a few requests (2026-11-30: fixed ~676 with the OTA target and DNS server, per
 * connection 222); test/firmware/build.test.ts fails if the real use grows
 * past these. The app module's own objects (it runs at boot, in RAM; ~950
 * slots for the default dashboard app) come out of the headroom.
 */
export const FRAMEWORK_HEAP_SLOTS = {
  fixed: 700,
  perConnection: 240,
  /**
   * More when the app has WebSocket routes (app.ws): one session per slot
   * (the socket, its frame parser, UTF-8 state and message view) and the
   * routes and SHA-1 state; measured 2026-11-30 on XS: +67 per connection,
   * +72 fixed.
   */
  webSocketFixed: 80,
  perWebSocketConnection: 70,
};

/** One line of flash content. */
export interface FlashItem {
  /** Resource or file name. */
  name: string;
  /** Bytes in flash. */
  bytes: number;
  /** What it is (e.g. the asset it came from). */
  note?: string;
}

/** One bundled module. */
export interface CodeFile {
  /** File name, e.g. "main.js". */
  name: string;
  bytes: number;
  gzip: number;
  /** Preloaded (its objects are in flash) or run at boot (its objects are in RAM). */
  preloaded: boolean;
}

/** Everything the report states; also written to build/<target>/size-report.json. */
export interface SizeReport {
  target: string;
  /** Totals over `files`. */
  code: { bytes: number; gzip: number; files: CodeFile[] };
  resources: FlashItem[];
  resourceBytes: number;
  ram: {
    chunk: number;
    slotHeap: number;
    stack: number;
    keys: number;
    total: number;
    limit: number;
    pool: number;
    staging: number;
    routeTable: number;
    chunkFree: number;
    heapSlots: number;
    frameworkSlots: number;
    heapSlotsFree: number;
    /** The app has WebSocket routes: their sessions are in frameworkSlots. */
    webSockets: boolean;
  };
  /** Bytes of the generated route matcher, minified, inside the preloaded core (counted in `code`); 0 when the table is walked. */
  routeMatcher: number;
  /** Why there is no generated matcher ('' when there is one). */
  routeMatcherSkipped: string;
  /** Problems that make the build fail; empty when the budget holds. */
  problems: string[];
}

/** Computes the report from the bundle, the resources and the template. */
export function sizeReport(
  target: string,
  code: { name: string; bytes: Uint8Array; preloaded: boolean }[],
  resources: FlashItem[],
  budget: Budget,
  creation: Creation,
  routeMatcher: { bytes?: number; skipped?: string } = {},
  webSockets = false,
): SizeReport {
  const s = budget.server;
  const chunk = creation.chunk.initial;
  const slotHeap = creation.heap.initial * budget.slotBytes;
  const stack = creation.stack * budget.slotBytes;
  const keys = creation.keys.initial * budget.keyBytes;
  const total = chunk + slotHeap + stack + keys;
  const pool = s.slots * (s.slotSize + s.outputSize);
  const staging = budget.staging;
  const chunkFree = chunk - pool - staging;
  const h = FRAMEWORK_HEAP_SLOTS;
  const frameworkSlots =
    h.fixed + h.perConnection * s.slots + (webSockets ? h.webSocketFixed + h.perWebSocketConnection * s.slots : 0);
  const heapSlotsFree = creation.heap.initial - frameworkSlots;
  const file = `manifests/${target}.json`;
  const problems: string[] = [];
  if (total > budget.ramLimit) {
    problems.push(
      `the XS machine needs ${fmt(total)} B of RAM (chunk ${fmt(chunk)} + slot heap ${fmt(slotHeap)} + stack ${fmt(stack)} + keys ${fmt(keys)}) ` +
        `but ${target} allows ${fmt(budget.ramLimit)} B: lower creation.chunk.initial, creation.heap.initial or creation.stack in ${file}`,
    );
  }
  if (chunkFree < budget.headroom.chunk) {
    problems.push(
      `the pool (${s.slots} slots x ${fmt(s.slotSize + s.outputSize)} B = ${fmt(pool)} B) and staging (${fmt(staging)} B) leave ${fmt(chunkFree)} B ` +
        `of the ${fmt(chunk)} B chunk heap, less than the ${fmt(budget.headroom.chunk)} B headroom for handlers: ` +
        `use fewer or smaller slots (chipweb.server.slots, slotSize, outputSize) or a larger creation.chunk.initial in ${file}`,
    );
  }
  if (heapSlotsFree < budget.headroom.heapSlots) {
    problems.push(
      `the framework's objects (~${fmt(frameworkSlots)} slots for ${s.slots} connections) leave ${fmt(heapSlotsFree)} of ${fmt(creation.heap.initial)} slots, ` +
        `less than the ${fmt(budget.headroom.heapSlots)} headroom for handlers: use fewer slots or a larger creation.heap.initial in ${file}`,
    );
  }
  if (creation.chunk.incremental !== 0 || creation.heap.incremental !== 0) {
    problems.push(
      `creation.chunk.incremental and creation.heap.incremental must be 0 in ${file}: memory is fixed at boot, the budget is checked against the initial sizes`,
    );
  }
  const resourceBytes = resources.reduce((sum, r) => sum + r.bytes, 0);
  const files: CodeFile[] = code.map((f) => ({
    name: f.name,
    bytes: f.bytes.length,
    gzip: gzipSync(f.bytes, { level: 9 }).length,
    preloaded: f.preloaded,
  }));
  return {
    target,
    code: { bytes: files.reduce((n, f) => n + f.bytes, 0), gzip: files.reduce((n, f) => n + f.gzip, 0), files },
    resources,
    resourceBytes,
    ram: {
      chunk,
      slotHeap,
      stack,
      keys,
      total,
      limit: budget.ramLimit,
      pool,
      staging,
      routeTable: 0,
      chunkFree,
      heapSlots: creation.heap.initial,
      frameworkSlots,
      heapSlotsFree,
      webSockets,
    },
    routeMatcher: routeMatcher.bytes ?? 0,
    routeMatcherSkipped: routeMatcher.bytes ? '' : (routeMatcher.skipped ?? 'no matcher given'),
    problems,
  };
}

/** Thousands separators, for readable byte counts. */
export function fmt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The report as the build prints it. */
export function formatReport(r: SizeReport): string {
  const lines: string[] = [];
  const row = (label: string, bytes: number, note = '') =>
    lines.push(`  ${label.padEnd(34)} ${fmt(bytes).padStart(9)} B${note ? `  ${note}` : ''}`);
  lines.push(`size report: ${r.target}`);
  lines.push('flash');
  for (const f of r.code.files)
    row(
      f.name,
      f.bytes,
      `gzip ${fmt(f.gzip)} B, ${f.preloaded ? 'preloaded (objects in flash)' : 'app, runs at boot (objects in RAM)'}`,
    );
  row('code total', r.code.bytes, `gzip ${fmt(r.code.gzip)} B`);
  for (const item of r.resources) row(item.name, item.bytes, item.note ?? '');
  row('resources total', r.resourceBytes);
  const m = r.ram;
  const pct = Math.round((m.total / m.limit) * 100);
  lines.push(`RAM (XS machine, fixed at boot)`);
  row(
    'chunk heap',
    m.chunk,
    `pool ${fmt(m.pool)} B + staging ${fmt(m.staging)} B; ${fmt(m.chunkFree)} B left for handlers`,
  );
  row(
    'slot heap',
    m.slotHeap,
    `${fmt(m.heapSlots)} slots; framework ~${fmt(m.frameworkSlots)}${m.webSockets ? ' (WebSocket sessions included)' : ''}, ~${fmt(m.heapSlotsFree)} left for the app and handlers`,
  );
  row('stack', m.stack);
  row('keys', m.keys);
  row(
    'route table',
    m.routeTable,
    r.routeMatcher > 0
      ? `in flash; its matcher is code in the core (${fmt(r.routeMatcher)} B minified)`
      : `in flash; walked by the core (${r.routeMatcherSkipped})`,
  );
  row('total', m.total, `of ${fmt(m.limit)} B (${pct}%) ${r.problems.length ? 'OVER BUDGET' : 'ok'}`);
  return lines.join('\n');
}
