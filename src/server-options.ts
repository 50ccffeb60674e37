/**
 * The server's options, their documented defaults, and the overflow policy
 * names. Resolved once, at construction, into plain numbers.
 *
 * Never: read an option per request from the user's object (it is copied).
 */
import type { Device } from './device.ts';
import type { GeneratedMatcher } from './router/index.ts';

/**
 * What to do when a connection arrives and every slot is taken
 * (docs/http.md, "Overload"): 'queue' waits in a bounded queue and announces
 * closes, 'evict-idle' closes an idle keep-alive connection at once,
 * 'reject' answers 503.
 */
export type OverflowPolicy = 'queue' | 'evict-idle' | 'reject';

/** Server configuration; every limit has a documented default (docs/http.md, "Limits"). */
export interface ServerOptions {
  /** TCP port (default 8080; 0 = any free port on hosts). */
  port?: number;
  /** Interface to bind (platform default when omitted). */
  host?: string;
  /** Connection slots = most connections at once (default 4). */
  slots?: number;
  /** Request bytes per slot: head + body must fit (default 4096). */
  slotSize?: number;
  /** Response staging bytes per slot (default 1024). */
  outputSize?: number;
  /** Longest request line in bytes, else 414 (default 1024). */
  maxRequestLine?: number;
  /** Largest header block in bytes, else 431 (default 2048). */
  maxHeaderBytes?: number;
  /** Most header fields, else 431 (default 32). */
  maxHeaders?: number;
  /** Largest request body in bytes, else 413 (default: slotSize; it must also fit in the slot). */
  maxBody?: number;
  /** Time to receive a complete head once it started, else 408 (default 10000 ms). */
  headerTimeout?: number;
  /** Time to receive the body after the head, else 408 (default 10000 ms). */
  bodyTimeout?: number;
  /** Keep-alive idle time before the server closes (default 5000 ms). */
  idleTimeout?: number;
  /** Time a client may take to read a response, else the connection is closed (default 10000 ms). */
  writeTimeout?: number;
  /**
   * When every slot is taken. 'queue' (default): the newcomer waits, unread,
   * in a queue of `queueSize`; while anyone waits, every response goes out
   * with `Connection: close` (the pool-pressure veto) and its slot passes to
   * the oldest waiting connection; keep-alive connections idle for
   * `pressureIdle` are closed, then the slowest request still arriving after
   * min(headerTimeout/2, 1 s) gets 408; a connection that waited
   * `queueTimeout`, or finds the queue full, gets 503. 'evict-idle': close
   * the least recently used idle keep-alive connection at once, else 408 to
   * the slowest request as above, else 503. 'reject': 503. A 503 is written
   * once the socket reports send space, and the socket is closed lingering
   * (Socket.close(true)), so the client reads it.
   */
  overflow?: OverflowPolicy;
  /** Connections that may wait for a slot with overflow 'queue' (default: slots). */
  queueSize?: number;
  /** Longest wait in the queue before a 503 (default 1000 ms). */
  queueTimeout?: number;
  /** With overflow 'queue': idle keep-alive connections this old are closed for a waiting one (default 1000 ms). */
  pressureIdle?: number;
  /**
   * Contexts kept spare for connections whose slow chain was abandoned
   * (default 1). Each is made the first time a chain is abandoned (about
   * 1.5 KB on a board), then kept.
   */
  spareContexts?: number;
  /**
   * WebSocket connections open at once (default: half the slots, at least
   * 1; at most `slots`). An app with WebSocket routes holds up to this
   * many sessions (about 1.3 KB each on a board), each made at an upgrade
   * that finds none free and then kept; a session is taken at the upgrade
   * and given back when the socket closes. An upgrade that finds none free
   * once all are made gets 503 with `Retry-After: 1`.
   */
  wsSlots?: number;
  /**
   * A WebSocket the peer has sent nothing on for this long gets a Ping
   * (default 30000 ms; 0: never ping).
   */
  wsIdleTimeout?: number;
  /**
   * A WebSocket whose peer answers neither the Ping nor a Close within this
   * is closed (its close handler hears 1006) (default 10000 ms).
   */
  wsPingTimeout?: number;
  /** Timer resolution for the timeouts above (default 250 ms). */
  tick?: number;
  /**
   * Most handlers of one chain that run nested on the engine's native stack
   * (default 0: no limit). Past that, `c.next()` runs the next handler from
   * a promise job, where the native stack starts empty again, and returns
   * its promise, which the middleware awaits as any other. Engines whose
   * interpreter recurses in C need this: an ESP32 gives Espruino 25,000
   * bytes, about 2 KB per middleware (firmware/espruino/budget.json sets 3).
   */
  chainNesting?: number;
  /** A route table compiled at build time (from flash); checked against the app's routes. */
  routeTable?: Uint8Array;
  /**
   * The answers the server sends on its own, as writeAnswerBlock() wrote
   * them at build time (Espruino: a Storage file, read in place from
   * flash); without it they are made at start in the platform's buffer.
   */
  answers?: Uint8Array;
  /**
   * The route table's search as code (router/generate.ts), which `chipweb
   * build` preloads into flash: the same answers as the table walk, faster
   * on XS. Must come from the same table (checked by hash).
   */
  routeMatcher?: GeneratedMatcher;
  /** The board's device (or its simulated twin), given to handlers as `c.env.device`. */
  device?: Device | null;
}

/** The options with every default applied. */
export interface ResolvedOptions {
  readonly port: number;
  readonly host: string | undefined;
  readonly slots: number;
  readonly slotSize: number;
  readonly outputSize: number;
  readonly maxRequestLine: number;
  readonly maxHeaderBytes: number;
  readonly maxHeaders: number;
  readonly maxBody: number;
  readonly headerTimeout: number;
  readonly bodyTimeout: number;
  readonly idleTimeout: number;
  readonly writeTimeout: number;
  readonly overflow: OverflowPolicy;
  readonly queueSize: number;
  readonly queueTimeout: number;
  readonly pressureIdle: number;
  readonly spareContexts: number;
  readonly wsSlots: number;
  readonly wsIdleTimeout: number;
  readonly wsPingTimeout: number;
  readonly tick: number;
  readonly chainNesting: number;
}

/** Applies the documented defaults. */
export function resolveOptions(options: ServerOptions): ResolvedOptions {
  'cold';
  const slots = options.slots ?? 4;
  const slotSize = options.slotSize ?? 4096;
  const overflow = options.overflow ?? 'queue';
  return {
    port: options.port ?? 8080,
    host: options.host,
    slots,
    slotSize,
    outputSize: options.outputSize ?? 1024,
    maxRequestLine: options.maxRequestLine ?? 1024,
    maxHeaderBytes: options.maxHeaderBytes ?? 2048,
    maxHeaders: options.maxHeaders ?? 32,
    maxBody: options.maxBody ?? slotSize,
    headerTimeout: options.headerTimeout ?? 10000,
    bodyTimeout: options.bodyTimeout ?? 10000,
    idleTimeout: options.idleTimeout ?? 5000,
    writeTimeout: options.writeTimeout ?? 10000,
    overflow,
    queueSize: overflow === 'queue' ? (options.queueSize ?? slots) : 0,
    queueTimeout: options.queueTimeout ?? 1000,
    pressureIdle: options.pressureIdle ?? 1000,
    spareContexts: options.spareContexts ?? 1,
    wsSlots: options.wsSlots ?? (slots >= 2 ? Math.floor(slots / 2) : 1),
    wsIdleTimeout: options.wsIdleTimeout ?? 30000,
    wsPingTimeout: options.wsPingTimeout ?? 10000,
    tick: options.tick ?? 250,
    chainNesting: options.chainNesting ?? 0,
  };
}
