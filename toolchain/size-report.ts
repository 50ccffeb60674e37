/**
 * The size report printed after every `chipweb build`: what goes to flash
 * (code raw and gzipped, each resource) and what the board's RAM budget
 * holds (the XS machine fixed at boot: chunk heap and slot heap, stack,
 * keys; the route table costs 0 because it stays in flash), checked
 * against the target's limit. A budget that does not fit is an error the
 * build exits on.
 *
 * What the framework and the default app hold at idle comes from
 * manifests/measured/<target>.json (`npm run measure:xs32`: the real
 * engine at the board's word size), with this build's pool and staging in
 * place of the measured ones; what is left of the heaps must cover the
 * template's headroom. The report and the check use these same figures.
 *
 * Never: guess a number that the template, the measured figures or the
 * build output can give.
 */
import { gzipSync } from 'node:zlib';
import { loadMeasured, type MeasuredXs32 } from './measured.ts';
import type { Budget, Creation } from './templates.ts';

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
    /** Chunk bytes the framework and the default app hold at idle (measured), with this build's pool and staging. */
    measuredChunk: number;
    chunkFree: number;
    heapSlots: number;
    /** Slots the framework and the default app hold at idle (measured). */
    measuredSlots: number;
    heapSlotsFree: number;
    /** Where the measured figures come from (engine and command), or why there are none. */
    measuredBy: string;
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
  preloadApp = false,
  measured: MeasuredXs32 | Error = tryLoadMeasured(target),
): SizeReport {
  const s = budget.server;
  const chunk = creation.chunk.initial;
  const slotHeap = creation.heap.initial * budget.slotBytes;
  const stack = creation.stack * budget.slotBytes;
  const keys = creation.keys.initial * budget.keyBytes;
  const total = chunk + slotHeap + stack + keys;
  const pool = s.slots * (s.slotSize + s.outputSize);
  const staging = budget.staging;
  const file = `manifests/${target}.json`;
  const problems: string[] = [];
  let measuredChunk = 0;
  let measuredSlots = 0;
  let measuredBy: string;
  if (measured instanceof Error) {
    measuredBy = measured.message;
    problems.push(`no measured figures for ${target}: ${measured.message}`);
  } else {
    // The figures were taken with the measured pool and staging; this build's take their place.
    const measuredPool = measured.server.slots * (measured.server.slotSize + measured.server.outputSize);
    // With the app preloaded, its routes and middleware are in flash: the figures measured that way, when there are some.
    const idle = preloadApp && measured.idlePreloadedApp ? measured.idlePreloadedApp : measured.idle;
    measuredChunk = idle.chunk - measuredPool - measured.staging + pool + staging;
    measuredSlots = idle.slots;
    measuredBy = `${measured.engine} (${measured.command}${idle === measured.idle ? '' : ' --preload-app'}), ${measured.app} with ${measured.server.slots} slots`;
    if (measured.slotBytes !== budget.slotBytes) {
      problems.push(
        `${file} says ${budget.slotBytes} B per slot but its figures were measured with ${measured.slotBytes} B slots: measure again (${measured.command})`,
      );
    }
  }
  const chunkFree = chunk - measuredChunk;
  const heapSlotsFree = creation.heap.initial - measuredSlots;
  if (total > budget.ramLimit) {
    problems.push(
      `the XS machine needs ${fmt(total)} B of RAM (chunk ${fmt(chunk)} + slot heap ${fmt(slotHeap)} + stack ${fmt(stack)} + keys ${fmt(keys)}) ` +
        `but ${target} allows ${fmt(budget.ramLimit)} B: lower creation.chunk.initial, creation.heap.initial or creation.stack in ${file}`,
    );
  }
  if (!(measured instanceof Error) && chunkFree < budget.headroom.chunk) {
    problems.push(
      `the framework and the default app hold ${fmt(measuredChunk)} B of chunk heap at idle (measured; the pool, ${s.slots} slots x ${fmt(s.slotSize + s.outputSize)} B = ${fmt(pool)} B, and staging, ${fmt(staging)} B, included), ` +
        `which leaves ${fmt(chunkFree)} B of the ${fmt(chunk)} B chunk heap, less than the ${fmt(budget.headroom.chunk)} B headroom for handlers: ` +
        `use fewer or smaller slots (chipweb.server.slots, slotSize, outputSize) or a larger creation.chunk.initial in ${file}`,
    );
  }
  if (!(measured instanceof Error) && heapSlotsFree < budget.headroom.heapSlots) {
    problems.push(
      `the framework and the default app hold ${fmt(measuredSlots)} slots at idle (measured, ${measured.server.slots} connection slots), which leaves ${fmt(heapSlotsFree)} of ${fmt(creation.heap.initial)} slots, ` +
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
      measuredChunk,
      chunkFree,
      heapSlots: creation.heap.initial,
      measuredSlots,
      heapSlotsFree,
      measuredBy,
    },
    routeMatcher: routeMatcher.bytes ?? 0,
    routeMatcherSkipped: routeMatcher.bytes ? '' : (routeMatcher.skipped ?? 'no matcher given'),
    problems,
  };
}

/** The target's measured figures, or the Error saying how to measure them. */
function tryLoadMeasured(target: string): MeasuredXs32 | Error {
  try {
    return loadMeasured(target);
  } catch (error) {
    return error as Error;
  }
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
    `framework + default app ${fmt(m.measuredChunk)} B at idle (pool ${fmt(m.pool)} B and staging ${fmt(m.staging)} B included); ${fmt(m.chunkFree)} B left for handlers`,
  );
  row(
    'slot heap',
    m.slotHeap,
    `${fmt(m.heapSlots)} slots; framework + default app ${fmt(m.measuredSlots)} at idle; ${fmt(m.heapSlotsFree)} left for handlers`,
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
  lines.push(`  idle figures measured on ${m.measuredBy}`);
  return lines.join('\n');
}
