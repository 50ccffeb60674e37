/**
 * rateLimit(): a token bucket, for the whole server or per client address,
 * answering 429 with `Retry-After` when a bucket is empty.
 *
 * Per-client buckets live in a fixed-size table made at the first request:
 * typed arrays for hashes, tokens and last-seen times, and an array of
 * references to the address strings the server already holds. When the
 * table is full, the least recently seen client's bucket is reused (a
 * client that was evicted starts again with a full bucket, so the table
 * should hold more entries than the clients that really matter).
 *
 * Looking a client up scans the table (compare a 32-bit hash, then the
 * string): keep `tableSize` in the tens to hundreds.
 *
 * Never: allocate for an allowed request; never grow the table.
 */
import type { Context } from '../context.ts';
import { fnv1aString } from '../hash.ts';

/** Options of rateLimit(). */
export interface RateLimitOptions {
  /** Tokens added per second, i.e. the sustained requests per second (default 10). */
  rate?: number;
  /** Bucket size, i.e. the burst allowed after a quiet time (default 2 × rate, at least 1). */
  burst?: number;
  /** 'address' (default): one bucket per client address; 'global': one bucket for everyone. */
  by?: 'address' | 'global';
  /** Per-client table entries (default 32). */
  tableSize?: number;
  /** Body of the 429 (default "429 Too Many Requests\n"). */
  body?: string;
  /** Requests for which this returns true are not counted. */
  skip?: (c: Context) => boolean;
}

/** The rate limiter middleware, with its counters. */
export interface RateLimiter {
  /** The middleware. */
  (c: Context): unknown;
  /** Requests answered 429 since start. */
  readonly limited: number;
  /** Tokens left for `address` (or in the global bucket) when it was last seen; `burst` for an unknown client. */
  tokens(address?: string): number;
}

/** Creates a token-bucket rate limiter. */
export function rateLimit(options: RateLimitOptions = {}): RateLimiter {
  const rate = options.rate ?? 10;
  const burst = options.burst ?? Math.max(1, rate * 2);
  if (!(rate > 0)) throw new RangeError(`rateLimit: rate must be > 0, got ${rate}`);
  if (!(burst >= 1)) throw new RangeError(`rateLimit: burst must be >= 1, got ${burst}`);
  const global = options.by === 'global';
  const size = global ? 1 : (options.tableSize ?? 32);
  if (!(size >= 1 && size <= 65536)) throw new RangeError(`rateLimit: tableSize must be 1..65536, got ${size}`);
  const body = options.body ?? '429 Too Many Requests\n';
  const skip = options.skip ?? null;
  const perMs = rate / 1000;

  // Made at the first request, not here: a limiter made at module load is
  // preloaded into flash on the board, where typed arrays are read-only.
  let hashes = new Uint32Array(0);
  let tokens = new Float64Array(0);
  let seen = tokens;
  let order = tokens;
  let used = new Uint8Array(0);
  let keys: string[] = [];
  function allocate(): void {
    keys = [];
    hashes = new Uint32Array(size);
    tokens = new Float64Array(size);
    seen = new Float64Array(size);
    order = new Float64Array(size);
    used = new Uint8Array(size);
    for (let i = 0; i < size; i++) keys.push('');
  }
  let limited = 0;
  let clock = 0; // last-seen order, immune to clock ties

  /** The bucket of `key`, claiming the least recently seen one when it has none. */
  function bucket(key: string, now: number): number {
    if (used.length === 0) allocate();
    if (global) {
      if (used[0] === 0) {
        used[0] = 1;
        tokens[0] = burst;
        seen[0] = now;
      }
      return 0;
    }
    const hash = fnv1aString(key);
    let victim = 0;
    let oldest = Infinity;
    for (let i = 0; i < size; i++) {
      if (used[i] === 0) {
        if (oldest !== -1) {
          victim = i;
          oldest = -1; // a free entry beats any eviction
        }
        continue;
      }
      if (hashes[i] === hash && keys[i] === key) return i;
      if (oldest !== -1 && order[i] < oldest) {
        oldest = order[i];
        victim = i;
      }
    }
    used[victim] = 1;
    hashes[victim] = hash;
    keys[victim] = key;
    tokens[victim] = burst;
    seen[victim] = now;
    return victim;
  }

  /** Adds the tokens earned since the bucket was last seen. */
  function refill(i: number, now: number): void {
    const elapsed = now - seen[i];
    if (elapsed > 0) {
      const t = tokens[i] + elapsed * perMs;
      tokens[i] = t > burst ? burst : t;
    }
    seen[i] = now;
    order[i] = ++clock;
  }

  const middleware = ((c: Context) => {
    if (skip !== null && skip(c)) return c.next();
    const now = c.env.platform.now();
    const i = bucket(c.remoteAddress, now);
    refill(i, now);
    if (tokens[i] >= 1) {
      tokens[i] -= 1;
      return c.next();
    }
    limited++;
    const wait = Math.ceil((1 - tokens[i]) / rate);
    c.setHeader('Retry-After', String(wait < 1 ? 1 : wait));
    c.text(body, 429);
    return undefined;
  }) as RateLimiter;

  Object.defineProperty(middleware, 'limited', { get: () => limited });
  middleware.tokens = (address?: string) => {
    if (used.length === 0) return burst;
    if (global) return used[0] === 0 ? burst : tokens[0];
    const key = address ?? '';
    const hash = fnv1aString(key);
    for (let i = 0; i < size; i++) if (used[i] === 1 && hashes[i] === hash && keys[i] === key) return tokens[i];
    return burst;
  };
  return middleware;
}
