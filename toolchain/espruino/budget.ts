/**
 * The Espruino budget (firmware/espruino/budget.json): the board's
 * variables, the pool and limits, the device settings; and the shape of a
 * Storage file of a build. Loading checks every field the build and the
 * board rely on, so a broken budget fails the build naming the field.
 *
 * Never: invent sizes; every number comes from the budget file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError } from '../build.ts';
import { PACKAGE_ROOT } from '../templates.ts';

/** The budget file. */
export const BUDGET_FILE = join(PACKAGE_ROOT, 'firmware', 'espruino', 'budget.json');

/** The Espruino budget (firmware/espruino/budget.json). */
export interface EspruinoBudget {
  target: 'espruino';
  /** Variables of the board (ESP32: 16383). */
  variables: number;
  /** Bytes per variable on the board (ESP32: 14). */
  blockBytes: number;
  /** Variables that must stay free after start for handlers. */
  headroom: number;
  /** Most bytes in flight per socket. */
  inFlight: number;
  /** Bytes of Storage on the board. */
  storageBytes: number;
  server: { port: number; slots: number; slotSize: number; outputSize: number; [limit: string]: unknown };
  device: {
    name: string;
    led: { pin: number; activeLow: boolean } | null;
    wifi: { joinTimeout: number; apPassword: string };
  };
}

/** One file for Espruino's Storage. */
export interface StorageFile {
  /** Name in Storage. */
  name: string;
  /** Path under the output folder. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** What it is. */
  note: string;
}

/** Reads and checks an Espruino budget; throws BuildError naming the field. */
export function loadBudget(path = BUDGET_FILE): EspruinoBudget {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new BuildError(`Espruino budget ${path} cannot be read: ${(error as Error).message}`);
  }
  const fail = (field: string, want: string): never => {
    throw new BuildError(`Espruino budget ${path}: ${field} must be ${want}`);
  };
  const num = (value: unknown, field: string, min: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(field, `an integer >= ${min}`);
    return value as number;
  };
  if (raw.target !== 'espruino') fail('target', '"espruino"');
  const server = (raw.server ?? {}) as Record<string, unknown>;
  const device = (raw.device ?? {}) as Record<string, unknown>;
  const wifi = (device.wifi ?? {}) as Record<string, unknown>;
  const led = device.led as { pin?: unknown; activeLow?: unknown } | null | undefined;
  if (typeof device.name !== 'string' || !device.name) fail('device.name', 'a name');
  if (typeof wifi.apPassword !== 'string' || (wifi.apPassword.length > 0 && wifi.apPassword.length < 8))
    fail('device.wifi.apPassword', '"" (open) or at least 8 characters');
  return {
    target: 'espruino',
    variables: num(raw.variables, 'variables', 1000),
    blockBytes: num(raw.blockBytes, 'blockBytes', 8),
    headroom: num(raw.headroom, 'headroom', 0),
    inFlight: num(raw.inFlight, 'inFlight', 64),
    storageBytes: num(raw.storageBytes, 'storageBytes', 4096),
    server: {
      ...server,
      port: num(server.port, 'server.port', 1),
      slots: num(server.slots, 'server.slots', 1),
      slotSize: num(server.slotSize, 'server.slotSize', 256),
      outputSize: num(server.outputSize, 'server.outputSize', 256),
    },
    device: {
      name: device.name as string,
      led: led ? { pin: num(led.pin, 'device.led.pin', 0), activeLow: led.activeLow === true } : null,
      wifi: {
        joinTimeout: num(wifi.joinTimeout, 'device.wifi.joinTimeout', 1000),
        apPassword: wifi.apPassword as string,
      },
    },
  };
}
