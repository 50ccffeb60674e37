/**
 * The About panel's facts: firmware version and build time (from the
 * `build.json` asset the UI build writes next to the page), the host, the
 * device's name, and the flash the web assets take.
 *
 * Never: read the asset more than once per host; fail when it is missing
 * (an app built without its UI still answers, with "unknown" figures).
 */
import type { Env } from 'chipweb';

/** What `build.json` holds (written by toolchain/ui-build.ts). */
export interface BuildInfo {
  /** Firmware version (package.json). */
  version: string;
  /** Build time, ISO 8601 (SOURCE_DATE_EPOCH when set, for reproducible builds). */
  built: string;
  /** Names of the web assets and their stored (gzipped) sizes. */
  assets: { [name: string]: number };
  /** Budget for the gzipped UI (HTML + JS + CSS) in bytes. */
  uiBudget: number;
  /** Target the build was made for, when the firmware build says so. */
  target?: string;
}

/** What /api/about answers. */
export interface AboutInfo {
  /** Device name (mDNS `<name>.local`). */
  name: string;
  /** Firmware version. */
  version: string;
  /** Build time (ISO 8601), or "unknown". */
  built: string;
  /** What it runs on: the build's target, else the host platform. */
  target: string;
  /** Host platform name: "moddable" (board) or "node" (simulator). */
  platform: string;
  /** Flash taken by the web assets, the UI budget and what is left of it, in bytes. */
  assets: { bytes: number; budget: number; free: number };
}

let cachedFor: unknown = null;
let cached: BuildInfo | null = null;

function decodeAscii(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** Reads build.json once per host (it is stored raw: too small for gzip to pay). */
export function buildInfo(env: Env): BuildInfo | null {
  'cold';
  if (cachedFor !== env.platform) {
    cachedFor = env.platform;
    cached = null;
    const bytes = env.platform.asset('build.json');
    if (bytes !== undefined && bytes[0] === 0x7b) {
      try {
        cached = JSON.parse(decodeAscii(bytes)) as BuildInfo;
      } catch {
        cached = null;
      }
    }
  }
  return cached;
}

/** The About facts for this host. */
export function aboutInfo(env: Env): AboutInfo {
  'cold';
  const info = buildInfo(env);
  const platform = env.platform.name;
  let bytes = 0;
  if (info !== null) for (const name in info.assets) bytes += info.assets[name];
  const budget = info === null ? 0 : info.uiBudget;
  return {
    name: env.device ? env.device.name : 'chipweb',
    version: info === null ? 'unknown' : info.version,
    built: info === null ? 'unknown' : info.built,
    target: info !== null && info.target ? info.target : platform === 'node' ? 'simulator' : platform,
    platform,
    assets: { bytes, budget, free: budget > bytes ? budget - bytes : 0 },
  };
}
