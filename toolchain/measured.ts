/**
 * The memory figures `npm run measure:xs32 -- --target T --write` measured
 * for a target, kept in manifests/measured/<target>.json: the heaps of the
 * default app, run with the target's pool on 32-bit XS (the word size of
 * the ESP32 and the Pico W) or, for moddable-sim, on this 64-bit host's
 * mcsim, at each stage of its start, at idle, and under overload. The size report and the budget
 * check take the framework's RAM use from here, so both state the same,
 * measured, figures.
 *
 * Never: invent a figure; a missing or unreadable file is an error that
 * says which command writes it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './templates.ts';

/** Where a target's figures are kept: manifests/measured/<target>.json. */
export function measuredFile(target: string): string {
  return join(PACKAGE_ROOT, 'manifests', 'measured', `${target}.json`);
}

/** XS heaps at one moment: chunk heap bytes and slot heap slots. */
export interface HeapFigures {
  chunk: number;
  slots: number;
}

/** What measure:xs32 writes. */
export interface MeasuredXs32 {
  /** The engine the figures come from, in words. */
  engine: string;
  /** The command that measured them. */
  command: string;
  /** Moddable SDK version. */
  sdk: string;
  /** The app measured (the default app). */
  app: string;
  /** The template whose pool it ran with. */
  template: string;
  /** Bytes per slot on that engine (16). */
  slotBytes: number;
  server: { slots: number; slotSize: number; outputSize: number };
  /** Pool bytes (slots x (slotSize + outputSize)) and staging bytes, both in the chunk heap. */
  pool: number;
  staging: number;
  /** Before the app module loaded: XS, the SDK's modules, the measuring wrapper. */
  runtime: HeapFigures;
  /** Once the app module loaded (the App, routes, middleware). */
  appLoaded: HeapFigures;
  /** Once main() ran: platform, pool, server, device. */
  started: HeapFigures;
  /** At idle right after the start. */
  booted: HeapFigures;
  /** At idle after a warm-up (every route once, 200 requests): the app's steady state. */
  idle: HeapFigures;
  /** The same with the app module preloaded (chipweb build --preload-app), when measured (--preload-app). */
  idlePreloadedApp?: HeapFigures;
  /** At idle after two rounds of overload. */
  afterOverload: HeapFigures;
  /** Highest reading under overload (garbage not yet collected included). */
  peak: HeapFigures;
}

/** A target's figures, or an Error saying how to make them. */
export function loadMeasured(target: string): MeasuredXs32 {
  const file = measuredFile(target);
  const make = `npm run measure:xs32 -- --target ${target} --write`;
  if (!existsSync(file)) throw new Error(`${file} is missing: run ${make}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as MeasuredXs32;
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}): run ${make}`);
  }
}
