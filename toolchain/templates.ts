/**
 * The manifest templates in manifests/: one per target, each a Moddable
 * manifest plus a "chipweb" section holding the board's budget (RAM limit,
 * XS creation, pool, limits, device settings). Loading checks every field
 * the build and the board rely on, so a broken template fails the build with
 * a message naming the field, never the board at boot.
 *
 * Never: invent sizes; every number comes from the template file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The targets `chipweb build` knows. */
export const TARGETS = ['esp32', 'pico_w', 'moddable-sim'] as const;
/** One of TARGETS. */
export type Target = (typeof TARGETS)[number];

/** The chipweb package root (toolchain/..). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** XS machine creation settings, as in a Moddable manifest. */
export interface Creation {
  static: number;
  chunk: { initial: number; incremental: number };
  heap: { initial: number; incremental: number };
  stack: number;
  keys: { initial: number; incremental: number; name: number; symbol: number };
  main: string;
}

/** The "chipweb" section of a template. */
export interface Budget {
  target: Target;
  /** mcconfig -p value; "host" means the desktop simulator of the machine (lin, mac or win). */
  mcconfigPlatform: string;
  /** Bytes of RAM the XS machine may take on this board. */
  ramLimit: number;
  /** Bytes per XS slot on this board (16 on 32-bit MCUs). */
  slotBytes: number;
  /** Bytes per runtime key. */
  keyBytes: number;
  /** What must stay free for handlers after the framework's fixed use. */
  headroom: { chunk: number; heapSlots: number };
  /** Socket staging bytes (power of two). */
  staging: number;
  /** The board's TCP send buffer (lwIP TCP_SND_BUF), for the report and the socket adapter. */
  sendBuffer: number;
  /**
   * Where the board's TCP stack differs (firmware/moddable/socket.ts,
   * TcpPolicy): `closeResets` when close() resets the connection (the Pico's
   * lwIP port aborts after tcp_close), `sendLimit` the most unacknowledged
   * bytes per connection (0: the send buffer's), where lwIP's heap is small.
   */
  tcp: { closeResets: boolean; sendLimit: number };
  /**
   * Most bytes one stored setting may hold (the Pico's Preference stores a
   * string of at most 62), or 0 for no limit below what the app checks.
   */
  storeValueBytes: number;
  /** Server options: port, slots, slotSize, outputSize and limits. */
  server: { port: number; slots: number; slotSize: number; outputSize: number; [limit: string]: unknown };
  /** Device settings. */
  device: {
    name: string;
    led: { pin: number; activeLow: boolean } | null;
    mdns: boolean;
    wifi: { joinTimeout: number; accessPoint: boolean; apPassword: string; retryDelay: number } | null;
  };
  /**
   * Over-the-air updates (docs/ota.md), or null where the board has none:
   * the partition table (a file beside the template) with two app slots
   * and otadata, and the size of one app slot in bytes.
   */
  ota: { partitions: string; appSlot: number } | null;
}

/** A loaded template: its budget and the Moddable manifest around it. */
export interface Template {
  /** Where it was read from. */
  path: string;
  budget: Budget;
  creation: Creation;
  /** The Moddable manifest without the "chipweb" section (and without comments). */
  manifest: Record<string, unknown>;
}

/** Path of the shipped template for a target. */
export function templatePath(target: Target): string {
  return join(PACKAGE_ROOT, 'manifests', `${target}.json`);
}

/** Whether `name` is one of TARGETS. */
export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}

/** Reads and checks a template; throws an Error naming the file and the field. */
export function loadTemplate(target: Target, path = templatePath(target)): Template {
  if (!existsSync(path)) throw new Error(`manifest template ${path} does not exist`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`manifest template ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const fail = (field: string, want: string): never => {
    throw new Error(`manifest template ${path}: ${field} must be ${want}`);
  };
  const num = (value: unknown, field: string, min = 0): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(field, `an integer >= ${min}`);
    return value as number;
  };
  const obj = (value: unknown, field: string): Record<string, unknown> => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) fail(field, 'an object');
    return value as Record<string, unknown>;
  };

  const c = obj(raw.chipweb, 'chipweb');
  if (c.target !== target) fail('chipweb.target', `"${target}"`);
  if (typeof c.mcconfigPlatform !== 'string' || !c.mcconfigPlatform)
    fail('chipweb.mcconfigPlatform', 'a platform name');
  const headroom = obj(c.headroom, 'chipweb.headroom');
  const server = obj(c.server, 'chipweb.server');
  const staging = num(c.staging, 'chipweb.staging', 16);
  if ((staging & (staging - 1)) !== 0) fail('chipweb.staging', 'a power of two');
  const device = obj(c.device, 'chipweb.device');
  const tcp = c.tcp === undefined ? {} : obj(c.tcp, 'chipweb.tcp');
  let led: Budget['device']['led'] = null;
  if (device.led !== null) {
    const l = obj(device.led, 'chipweb.device.led');
    led = { pin: num(l.pin, 'chipweb.device.led.pin'), activeLow: l.activeLow === true };
  }
  let wifi: Budget['device']['wifi'] = null;
  if (device.wifi !== null) {
    const w = obj(device.wifi, 'chipweb.device.wifi');
    if (typeof w.accessPoint !== 'boolean') fail('chipweb.device.wifi.accessPoint', 'true or false');
    if (typeof w.apPassword !== 'string' || (w.apPassword.length > 0 && w.apPassword.length < 8)) {
      fail('chipweb.device.wifi.apPassword', '"" (open) or at least 8 characters');
    }
    wifi = {
      joinTimeout: num(w.joinTimeout, 'chipweb.device.wifi.joinTimeout', 1000),
      accessPoint: w.accessPoint as boolean,
      apPassword: w.apPassword as string,
      retryDelay: num(w.retryDelay, 'chipweb.device.wifi.retryDelay', 1000),
    };
  }
  if (typeof device.name !== 'string' || !device.name) fail('chipweb.device.name', 'a name');
  let ota: Budget['ota'] = null;
  if (c.ota !== undefined && c.ota !== null) {
    const o = obj(c.ota, 'chipweb.ota');
    // Beside the template, or one of the shipped tables in manifests/.
    let partitions = typeof o.partitions === 'string' ? join(dirname(path), o.partitions) : '';
    if (partitions && !existsSync(partitions)) partitions = join(PACKAGE_ROOT, 'manifests', o.partitions as string);
    if (!partitions || !existsSync(partitions))
      fail('chipweb.ota.partitions', 'a partition table file beside the template or in manifests/');
    ota = { partitions, appSlot: num(o.appSlot, 'chipweb.ota.appSlot', 65536) };
  }
  const budget: Budget = {
    target,
    mcconfigPlatform: c.mcconfigPlatform as string,
    ramLimit: num(c.ramLimit, 'chipweb.ramLimit', 1),
    slotBytes: num(c.slotBytes, 'chipweb.slotBytes', 1),
    keyBytes: num(c.keyBytes, 'chipweb.keyBytes', 0),
    headroom: {
      chunk: num(headroom.chunk, 'chipweb.headroom.chunk'),
      heapSlots: num(headroom.heapSlots, 'chipweb.headroom.heapSlots'),
    },
    staging,
    sendBuffer: num(c.sendBuffer, 'chipweb.sendBuffer', 1),
    storeValueBytes: c.storeValueBytes === undefined ? 0 : num(c.storeValueBytes, 'chipweb.storeValueBytes', 1),
    tcp: {
      closeResets: tcp.closeResets === true,
      sendLimit: tcp.sendLimit === undefined ? 0 : num(tcp.sendLimit, 'chipweb.tcp.sendLimit', 0),
    },
    server: {
      ...server,
      port: num(server.port, 'chipweb.server.port', 1),
      slots: num(server.slots, 'chipweb.server.slots', 1),
      slotSize: num(server.slotSize, 'chipweb.server.slotSize', 256),
      outputSize: num(server.outputSize, 'chipweb.server.outputSize', 256),
    },
    device: { name: device.name as string, led, mdns: device.mdns === true, wifi },
    ota,
  };

  const cr = obj(raw.creation, 'creation');
  const chunk = obj(cr.chunk, 'creation.chunk');
  const heap = obj(cr.heap, 'creation.heap');
  const keys = obj(cr.keys, 'creation.keys');
  const creation: Creation = {
    static: num(cr.static, 'creation.static'),
    chunk: {
      initial: num(chunk.initial, 'creation.chunk.initial', 1),
      incremental: num(chunk.incremental, 'creation.chunk.incremental'),
    },
    heap: {
      initial: num(heap.initial, 'creation.heap.initial', 1),
      incremental: num(heap.incremental, 'creation.heap.incremental'),
    },
    stack: num(cr.stack, 'creation.stack', 1),
    keys: {
      initial: num(keys.initial, 'creation.keys.initial', 1),
      incremental: num(keys.incremental, 'creation.keys.incremental'),
      name: num(keys.name, 'creation.keys.name', 1),
      symbol: num(keys.symbol, 'creation.keys.symbol', 1),
    },
    main: typeof cr.main === 'string' ? cr.main : 'main',
  };
  if (creation.main !== 'main') fail('creation.main', '"main" (the generated entry is the main module)');

  const manifest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'chipweb' || key === '//') continue;
    manifest[key] = value;
  }
  return { path, budget, creation, manifest };
}
