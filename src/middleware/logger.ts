/**
 * logger(): remembers the most recent requests in a fixed-size ring buffer
 * (method, path, status, duration, client address, time), for the device
 * dashboard and for debugging. Optionally prints one line per request, as
 * Gin's Logger() does.
 *
 * The ring is allocated once, at the first request (not at construction:
 * see allocate()): typed arrays for numbers, a
 * byte area for the paths (copied from the slot, truncated to `pathBytes`),
 * and arrays of string references for method and address (strings the
 * server already holds). Recording a request copies bytes and numbers only.
 * Strings are made when the dashboard reads an entry.
 *
 * Never: allocate while recording (printing is opt-in and allocates the
 * line); never keep a Context; never grow.
 */
import type { Context, Handler } from '../context.ts';
import { HttpError, isPromiseLike } from '../context.ts';
import { decodeLatin1 } from '../http/text.ts';
import type { TextScratch } from '../http/text.ts';

/** Options of logger(). */
export interface LoggerOptions {
  /** Number of entries kept (default 32). */
  size?: number;
  /** Bytes of each path kept; longer paths are truncated and marked (default 64). */
  pathBytes?: number;
  /** Also print one line per request through `platform.log` (default false; allocates the line). */
  print?: boolean;
  /** Requests for which this returns true are not recorded (e.g. the dashboard's own polling). */
  skip?: (c: Context) => boolean;
}

/** One recorded request, as the dashboard reads it. */
export interface LogEntry {
  /** Sequence number: 1 for the first request recorded, then counting up. */
  seq: number;
  /** `platform.now()` when the request reached the logger (ms). */
  time: number;
  /** Request method, e.g. "GET". */
  method: string;
  /** Request path without the query (truncated to `pathBytes`, then ending in "…"). */
  path: string;
  /** Response status; 0 while the request is still running. */
  status: number;
  /** Milliseconds from reaching the logger until the chain finished; -1 while running. */
  duration: number;
  /** Client address. */
  address: string;
}

/** The logger middleware, with read access to its ring buffer. */
export interface Logger {
  /** The middleware: `app.use(log)`. */
  (c: Context): unknown;
  /** Capacity of the ring. */
  readonly size: number;
  /** Entries held now (at most `size`). */
  readonly count: number;
  /** Requests recorded since start (the newest entry's `seq`). */
  readonly total: number;
  /**
   * Fills `into` with entry `i` (0 = newest) and returns true, or false when
   * there is no such entry. Reuse one object to read without allocating
   * anything but the path string.
   */
  read(i: number, into: LogEntry): boolean;
  /** All entries, newest first, as new objects (for `c.json(log.entries())`). */
  entries(): LogEntry[];
  /** A handler answering `entries()` as JSON: `app.get('/api/requests', log.handler)`. */
  readonly handler: Handler;
  /** Forgets every entry. */
  clear(): void;
}

/** Creates a logger with its ring buffer. */
export function logger(options: LoggerOptions = {}): Logger {
  'cold';
  const size = options.size ?? 32;
  const pathBytes = options.pathBytes ?? 64;
  if (!(size >= 1 && size <= 65536)) throw new RangeError(`logger: size must be 1..65536, got ${size}`);
  if (!(pathBytes >= 1 && pathBytes <= 4096))
    throw new RangeError(`logger: pathBytes must be 1..4096, got ${pathBytes}`);
  const print = options.print === true;
  const skip = options.skip ?? null;

  // Typed arrays are made at the first request, not here: a logger made at
  // module load is preloaded into flash on the board, where typed arrays are
  // read-only (XS preload).
  let seqs = EMPTY_F64;
  let times = EMPTY_F64;
  let durations = EMPTY_F64;
  let statuses = EMPTY_U16;
  let pathLengths = EMPTY_U16;
  let truncated = EMPTY_U8;
  let paths = EMPTY_U8;
  let methods: string[] = [];
  let addresses: string[] = [];
  let text: TextScratch | null = null;
  function allocate(c: Context): void {
    text = c.env.text; // the server's: decoding happens one call at a time
    methods = [];
    addresses = [];
    seqs = new Float64Array(size);
    times = new Float64Array(size);
    durations = new Float64Array(size);
    statuses = new Uint16Array(size);
    pathLengths = new Uint16Array(size);
    truncated = new Uint8Array(size);
    paths = new Uint8Array(size * pathBytes);
    for (let i = 0; i < size; i++) {
      methods.push('');
      addresses.push('');
    }
  }
  let total = 0;

  /** Opens an entry for a request now reaching the logger; returns its sequence number. */
  function open(c: Context, now: number): number {
    if (seqs.length === 0) allocate(c);
    const seq = ++total;
    const i = seq % size;
    seqs[i] = seq;
    times[i] = now;
    durations[i] = -1;
    statuses[i] = 0;
    methods[i] = c.method;
    addresses[i] = c.remoteAddress;
    const raw = c.raw;
    let n = raw.pathEnd - raw.pathStart;
    truncated[i] = n > pathBytes ? 1 : 0;
    if (n > pathBytes) n = pathBytes;
    const bytes = raw.bytes;
    const base = i * pathBytes;
    for (let k = 0; k < n; k++) paths[base + k] = bytes[raw.pathStart + k];
    pathLengths[i] = n;
    return seq;
  }

  /** Closes the entry `seq` (unless the ring already reused it). */
  function close(c: Context, seq: number, status: number): void {
    const i = seq % size;
    if (seqs[i] !== seq) return;
    statuses[i] = status;
    durations[i] = c.env.platform.now() - times[i];
    if (print)
      c.env.platform.log(`[chipweb] ${status} ${durations[i].toFixed(1)}ms ${addresses[i]} ${methods[i]} ${pathOf(i)}`);
  }

  function pathOf(i: number): string {
    const base = i * pathBytes;
    const s = decodeLatin1(paths, base, base + pathLengths[i], text as TextScratch);
    return truncated[i] === 1 ? s + '…' : s;
  }

  const middleware = ((c: Context) => {
    if (skip !== null && skip(c)) return c.next();
    const seq = open(c, c.env.platform.now());
    let result: unknown;
    try {
      result = c.next();
    } catch (error) {
      close(c, seq, statusOfError(error));
      throw error;
    }
    if (isPromiseLike(result)) {
      return (result as Promise<unknown>).then(
        () => close(c, seq, c.statusCode),
        (error: unknown) => {
          close(c, seq, statusOfError(error));
          throw error;
        },
      );
    }
    close(c, seq, c.statusCode);
    return result;
  }) as Logger;

  function read(k: number, into: LogEntry): boolean {
    const count = total < size ? total : size;
    if (!(k >= 0 && k < count)) return false;
    const seq = total - k;
    const i = seq % size;
    into.seq = seq;
    into.time = times[i];
    into.method = methods[i];
    // pathOf(i), written out: a call level less under the dashboard's deepest handler (Espruino's C stack).
    const base = i * pathBytes;
    const path = decodeLatin1(paths, base, base + pathLengths[i], text as TextScratch);
    into.path = truncated[i] === 1 ? path + '…' : path;
    into.status = statuses[i];
    into.duration = durations[i];
    into.address = addresses[i];
    return true;
  }

  function entries(): LogEntry[] {
    const out: LogEntry[] = [];
    for (let k = 0; ; k++) {
      const entry: LogEntry = { seq: 0, time: 0, method: '', path: '', status: 0, duration: 0, address: '' };
      if (!read(k, entry)) break;
      out.push(entry);
    }
    return out;
  }

  Object.defineProperty(middleware, 'size', { value: size });
  Object.defineProperty(middleware, 'count', { get: () => (total < size ? total : size) });
  Object.defineProperty(middleware, 'total', { get: () => total });
  Object.defineProperty(middleware, 'handler', { value: (c: Context) => c.json(entries()) });
  middleware.read = read;
  middleware.entries = entries;
  middleware.clear = () => {
    total = 0;
    seqs.fill(0);
    for (let i = 0; i < methods.length; i++) {
      methods[i] = '';
      addresses[i] = '';
    }
  };
  return middleware;
}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_U16 = new Uint16Array(0);
const EMPTY_U8 = new Uint8Array(0);

/** The status the server will answer for an error that escapes the chain. */
function statusOfError(error: unknown): number {
  'cold';
  return error instanceof HttpError ? error.status : 500;
}
