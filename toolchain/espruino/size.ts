/**
 * The size report of an Espruino build, in Espruino variables (the unit
 * Espruino's RAM comes in: 16,383 of 14 bytes on an ESP32).
 *
 * Loading the boot code from Storage keeps function bodies in flash, but
 * every function still takes variables (the function, its parameters, a
 * reference to its code), as do the objects the code builds. The estimate
 * counts those in the lowered code and adds what start() makes: the pool
 * (one flat string of bytes) and the objects of each slot. The constants
 * were measured on Espruino 2v29 and are checked against the real engine by
 * `npm run test:espruino`, which fails when the estimate drifts.
 *
 * Never: pass a build whose estimate plus headroom exceeds the board's
 * variables; present an estimate as a measurement.
 */
import { parseSync, traverse } from '@babel/core';
import type { EspruinoBudget, StorageFile } from './budget.ts';

/** Variables per function: the function, its code reference and its scope link. */
export const VARS_PER_FUNCTION = 3;
/**
 * Variables per object-literal property or assignment to a member at load:
 * its name, and its value unless that is a small integer (held in the name)
 * or a shared value (a flag stored as 1 or 0, a shared null, true, false or
 * '': flags.ts, shared-literals.ts). Fitted with VARS_AT_START (2026-12-02,
 * after the closures made in start() and the constructors stopped keeping
 * their scopes and more seldom-run code went cold: 1.25 overcounted the
 * conformance app by 10.8 %).
 */
export const VARS_PER_PROPERTY = 1.1;
/**
 * Variables each slot's objects take at start (Connection, Context, request
 * head, response state …; their header lists, chunked decoder and body
 * stream are made at first use). Measured with the default app on Espruino
 * 2v29, 1 and 4 slots: 276 a slot with 1,536 bytes of pool (about 110).
 */
export const VARS_PER_SLOT = 170;
/** Variables a spare Context takes. */
export const VARS_PER_SPARE = 190;
/**
 * Variables start() and the app's module-level objects take beyond the
 * slots and the code's own count (server, platform, device, the app's
 * routes and chains; the preencoded answers are in flash, answers.bin,
 * and cost none), less what the lowering saves
 * that the count above does not see (the top-level constants it writes in
 * place, constants.ts, were never counted). Fitted, with the constants above, to the default app
 * and the conformance app on Espruino 2v29 (2026-12-02, the preencoded
 * answers in flash: see the estimates against the engine in `npm run
 * test:espruino`, which fails past 10 %).
 */
export const VARS_AT_START = 147;

/** What the lowered code costs, counted. */
export interface CodeCounts {
  functions: number;
  parameters: number;
  properties: number;
}

/** The report. */
export interface EspruinoSizeReport {
  target: 'espruino';
  /** Storage files and their sizes. */
  files: { name: string; bytes: number; note: string }[];
  /** Bytes of Storage used. */
  storageBytes: number;
  /** What the code was counted to have. */
  counts: CodeCounts;
  /** Estimated variables after the boot code loaded. */
  loadVariables: number;
  /** Bytes of the pool (slots x (slotSize + outputSize)). */
  poolBytes: number;
  /** Estimated variables of the pool on the board (poolBytes / blockBytes). */
  poolVariables: number;
  /** Estimated variables after start(). */
  startVariables: number;
  /** The board's variables. */
  variables: number;
  /** Variables to keep free for handlers. */
  headroom: number;
  /** Why the generated route matcher is not in the build ('' when it is). */
  routeMatcherSkipped: string;
  /** Over-budget findings; the build fails when there is any. */
  problems: string[];
}

/** Counts functions, parameters and load-time properties in lowered code. */
export function countCode(code: string): CodeCounts {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  const counts: CodeCounts = { functions: 0, parameters: 0, properties: 0 };
  if (!ast) return counts;
  traverse(ast, {
    Function(path) {
      counts.functions++;
      counts.parameters += path.node.params.length;
    },
    ObjectProperty() {
      counts.properties++;
    },
    ObjectMethod() {
      counts.properties++;
    },
    AssignmentExpression(path) {
      if (path.node.left.type === 'MemberExpression') counts.properties++;
    },
  });
  return counts;
}

/**
 * What the cold functions (cold.ts, each `(function (…) {…})`) make when
 * they run: the functions and objects inside them, not themselves. Most
 * run at boot (route registration, middleware factories), and what they
 * make then stays, as the boot code's own would. Not the cold classes'
 * texts (cold.ts functionTexts leaves them out): a class is made at its
 * first use, after start.
 */
export function countColdCode(texts: readonly string[]): CodeCounts {
  const counts: CodeCounts = { functions: 0, parameters: 0, properties: 0 };
  for (const text of texts) {
    const inside = countCode(text);
    // Its own parameters, plain names (cold.ts refuses any other kind): `(function(a,b){…})`.
    const own = text.slice(text.indexOf('(', 1) + 1, text.indexOf(')'));
    const params = own === '' ? 0 : own.split(',').length;
    counts.functions += inside.functions - 1;
    counts.parameters += inside.parameters - params;
    counts.properties += inside.properties;
  }
  return counts;
}

/** The size report for `code` (and the cold functions' `coldTexts`) and `files` under `budget`. */
export function sizeReportEspruino(
  code: string,
  files: StorageFile[],
  budget: EspruinoBudget,
  routeMatcherSkipped: string,
  coldTexts: readonly string[] = [],
): EspruinoSizeReport {
  const boot = countCode(code);
  const cold = countColdCode(coldTexts);
  const counts: CodeCounts = {
    functions: boot.functions + cold.functions,
    parameters: boot.parameters + cold.parameters,
    properties: boot.properties + cold.properties,
  };
  const loadVariables = Math.round(
    counts.functions * VARS_PER_FUNCTION + counts.parameters + counts.properties * VARS_PER_PROPERTY,
  );
  const s = budget.server;
  const poolBytes = s.slots * (s.slotSize + s.outputSize);
  const poolVariables = Math.ceil(poolBytes / budget.blockBytes) + 2;
  const spares = typeof s.spareContexts === 'number' ? s.spareContexts : s.slots;
  const startVariables =
    loadVariables + poolVariables + s.slots * VARS_PER_SLOT + spares * VARS_PER_SPARE + VARS_AT_START;
  const storageBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const problems: string[] = [];
  if (startVariables + budget.headroom > budget.variables)
    problems.push(
      `variables: about ${startVariables} after start plus ${budget.headroom} headroom is more than the board's ${budget.variables}: ` +
        'use fewer slots or smaller slots (server in firmware/espruino/budget.json), or less code',
    );
  if (storageBytes > budget.storageBytes)
    problems.push(`Storage: ${storageBytes} bytes is more than the board's ${budget.storageBytes}`);
  return {
    target: 'espruino',
    files: files.map((f) => ({ name: f.name, bytes: f.bytes, note: f.note })),
    storageBytes,
    counts,
    loadVariables,
    poolBytes,
    poolVariables,
    startVariables,
    variables: budget.variables,
    headroom: budget.headroom,
    routeMatcherSkipped,
    problems,
  };
}

/** The report as text for the terminal. */
export function formatEspruinoReport(report: EspruinoSizeReport): string {
  const lines = ['Espruino size report (variables are estimates; see toolchain/espruino/size.ts)', ''];
  lines.push('Storage files:');
  for (const f of report.files) lines.push(`  ${f.name.padEnd(24)} ${String(f.bytes).padStart(8)} B  ${f.note}`);
  lines.push(`  ${'total'.padEnd(24)} ${String(report.storageBytes).padStart(8)} B`);
  lines.push('');
  lines.push(
    `Variables: ~${report.loadVariables} after load (${report.counts.functions} functions), ~${report.poolVariables} pool, ` +
      `~${report.startVariables} after start, ${report.headroom} headroom, of ${report.variables}`,
  );
  if (report.routeMatcherSkipped) lines.push(`Route matcher: not generated (${report.routeMatcherSkipped})`);
  return lines.join('\n');
}
