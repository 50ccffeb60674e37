/**
 * Serving read-only web assets (flash resources on the board, files in the
 * simulator) the way a browser wants them: the stored bytes as they are
 * (gzipped at build time, so `Content-Encoding: gzip`), a strong ETag with
 * `304 Not Modified` on a matching `If-None-Match`, `Cache-Control`, the
 * content type from the name, and HEAD (headers only, same Content-Length).
 *
 * Everything about an asset (its bytes, type, ETag) is worked out once, on
 * its first request, and kept. The ETag of a gzipped asset comes from the
 * gzip trailer (CRC-32 and length of the original, written by the build) plus
 * the stored length, so no hashing happens on the board; a raw asset is hashed
 * once with FNV-1a.
 *
 * Never: copy an asset into RAM (the bytes go to the socket straight from the
 * flash-mapped resource, in slices the server paces by backpressure); make a
 * string per request on the `serveAsset()` path (If-None-Match is compared
 * in the request buffer); import anything from Node or Moddable.
 */
import type { Context, Handler } from '../context.ts';
import type { Platform } from '../platform.ts';
import { codeUnitAt } from '../http/text.ts';
import { fnv1aBytes } from '../hash.ts';

/** How assets are answered. */
export interface AssetOptions {
  /**
   * `Cache-Control` value (default `no-cache`: the browser keeps the asset but
   * asks again with If-None-Match, which costs a 304 of a few bytes).
   */
  cacheControl?: string;
  /** Content-Type to use instead of the one derived from the name. */
  type?: string;
}

/**
 * The Content-Type for an asset name, from its extension (also used by the
 * build: toolchain/assets.ts). A switch rather than a table: its strings stay
 * in the function's code, which Espruino keeps in flash (a table object there
 * costs about 56 variables of RAM for good).
 */
export function assetType(name: string): string {
  'cold'; // once per asset, at its first request: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  const dot = name.lastIndexOf('.');
  switch (dot < 0 ? '' : name.slice(dot + 1).toLowerCase()) {
    case 'html':
    case 'htm':
      return 'text/html; charset=utf-8';
    case 'css':
      return 'text/css; charset=utf-8';
    case 'js':
    case 'mjs':
      return 'text/javascript; charset=utf-8';
    case 'json':
    case 'map':
      return 'application/json';
    case 'svg':
      return 'image/svg+xml';
    case 'png':
      return 'image/png';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'gif':
      return 'image/gif';
    case 'ico':
      return 'image/x-icon';
    case 'webp':
      return 'image/webp';
    case 'woff':
      return 'font/woff';
    case 'woff2':
      return 'font/woff2';
    case 'txt':
      return 'text/plain; charset=utf-8';
    case 'webmanifest':
      return 'application/manifest+json';
    case 'wasm':
      return 'application/wasm';
    case 'gz':
      return 'application/gzip';
    default:
      return 'application/octet-stream';
  }
}

/** What is known about one asset once it has been looked at. */
export interface AssetInfo {
  /** The stored bytes (a view of flash on the board); never modified. */
  readonly bytes: Uint8Array;
  /** Content-Type to answer with. */
  readonly type: string;
  /** True when the stored bytes are gzip (answered with Content-Encoding: gzip). */
  readonly gzip: boolean;
  /** Strong ETag, with its quotes. */
  readonly etag: string;
}

function hex(n: number): string {
  return (n >>> 0).toString(16);
}

/**
 * Describes stored asset bytes: gzip or not, the content type from `name`,
 * and a strong ETag. Runs once per asset; the result is meant to be kept.
 */
export function describeAsset(name: string, bytes: Uint8Array, type?: string): AssetInfo {
  'cold'; // once per asset, at its first request: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  const n = bytes.length;
  const isGzipFile = name.length > 3 && name.slice(-3).toLowerCase() === '.gz';
  const gzip = !isGzipFile && n >= 18 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 8;
  let etag: string;
  if (gzip) {
    // Trailer: CRC-32 of the original, then its length mod 2^32 (both little-endian).
    const crc = bytes[n - 8] | (bytes[n - 7] << 8) | (bytes[n - 6] << 16) | (bytes[n - 5] << 24);
    const size = bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24);
    etag = '"g' + hex(crc) + '-' + hex(size) + '-' + hex(n) + '"';
  } else {
    etag = '"r' + hex(fnv1aBytes(bytes, 0, n)) + '-' + hex(n) + '"';
  }
  return { bytes, type: type === undefined ? assetType(name) : type, gzip, etag };
}

/**
 * True when the request's If-None-Match lists `etag` (or is `*`). Compares in
 * the request buffer; allocates nothing. A weak `W/"…"` entry matches too, as
 * RFC 9110 prescribes for If-None-Match.
 */
export function ifNoneMatch(c: Context, etag: string): boolean {
  const raw = c.raw;
  const i = raw.headerIndex('if-none-match');
  if (i < 0) return false;
  const b = raw.bytes;
  const start = raw.valueStart(i);
  const end = raw.valueEnd(i);
  for (let p = start; p < end; p++) {
    const ch = b[p];
    if (ch === 42) return true; // '*'
    if (ch !== 34) continue; // look at each quoted tag
    // codeUnitAt, not etag.charCodeAt / etag.length: on XS those box the string.
    let same = true;
    let k = 0;
    for (; ; k++) {
      const e = codeUnitAt(etag, k);
      if (e !== e) break;
      if (p + k >= end || b[p + k] !== e) {
        same = false;
        break;
      }
    }
    if (same) return true;
    // Skip to the closing quote of this tag.
    p++;
    while (p < end && b[p] !== 34) p++;
  }
  return false;
}

/**
 * Answers with a described asset: 304 when the client has it, else its bytes
 * (no body for HEAD). The bytes are handed to the server as they are, never
 * copied.
 */
export function answerAsset(c: Context, info: AssetInfo, cacheControl: string): void {
  c.setHeader('ETag', info.etag);
  c.setHeader('Cache-Control', cacheControl);
  if (info.gzip) c.appendHeader('Vary', 'Accept-Encoding');
  if (ifNoneMatch(c, info.etag)) {
    c.empty(304);
    return;
  }
  if (info.gzip) c.setHeader('Content-Encoding', 'gzip');
  c.send(info.bytes, info.type);
}

/**
 * A handler that serves the asset `name` (e.g. `app.get('/', serveAsset('index.html'))`).
 * Answers 404 when the host has no such asset. Allocates nothing per request
 * once the asset has been looked at.
 */
export function serveAsset(name: string, options: AssetOptions = {}): Handler {
  'cold';
  const cacheControl = options.cacheControl === undefined ? 'no-cache' : options.cacheControl;
  let platform: Platform | null = null;
  let info: AssetInfo | null = null;
  return (c: Context) => {
    const p = c.env.platform;
    if (p !== platform) {
      // First request on this host: look the asset up once.
      platform = p;
      const bytes = p.asset(name);
      info = bytes === undefined ? null : describeAsset(name, bytes, options.type);
    }
    if (info === null) {
      c.text('Not Found', 404);
      return;
    }
    answerAsset(c, info, cacheControl);
  };
}

/** Options of serveAssets(). */
export interface AssetsOptions extends AssetOptions {
  /** Route param holding the asset path (default `path`, for a route like `/static/*path`). */
  param?: string;
  /** Most assets described and kept (default 16); the table never grows past it. */
  maxAssets?: number;
}

/**
 * A handler for a wildcard route (`app.get('/static/*path', serveAssets())`)
 * that serves the asset named by the rest of the path. Unlike serveAsset()
 * it makes one string per request (the name) to look the asset up.
 */
export function serveAssets(options: AssetsOptions = {}): Handler {
  const cacheControl = options.cacheControl === undefined ? 'no-cache' : options.cacheControl;
  const param = options.param === undefined ? 'path' : options.param;
  const max = options.maxAssets === undefined ? 16 : options.maxAssets;
  const names: string[] = [];
  const infos: AssetInfo[] = [];
  let platform: Platform | null = null;
  return (c: Context) => {
    const p = c.env.platform;
    if (p !== platform) {
      platform = p;
      // splice, not `length = 0`: Espruino cannot assign an array's length.
      names.splice(0, names.length);
      infos.splice(0, infos.length);
    }
    let name = c.param(param);
    if (name.charCodeAt(0) === 47) name = name.slice(1); // wildcard values keep their leading '/'
    let info: AssetInfo | null = null;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === name) {
        info = infos[i];
        break;
      }
    }
    if (info === null) {
      const bytes = name.length > 0 ? p.asset(name) : undefined;
      if (bytes === undefined) {
        c.text('Not Found', 404);
        return;
      }
      info = describeAsset(name, bytes, options.type);
      if (names.length < max) {
        names.push(name);
        infos.push(info);
      }
    }
    answerAsset(c, info, cacheControl);
  };
}
