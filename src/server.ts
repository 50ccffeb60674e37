/**
 * The server: one connection state machine per pool slot, over the
 * Platform interface. Read it top to bottom as the data path:
 *
 *   accept -> read into the slot -> parse head -> read body -> route ->
 *   run the chain -> encode the head -> write body in pieces -> next
 *   pipelined request, idle keep-alive, or close.
 *
 * Memory is fixed at start: the pool, one Connection and one Context per
 * slot, preencoded error responses. A request on the framework's own path
 * (static, param, 404, 405, keep-alive) creates no object.
 *
 * Never: allocate per request, grow anything, throw out of a platform
 * callback, or let one connection's failure touch another.
 */
import type { App, CompiledApp } from './app.ts';
import { BODY, Connection, FREE, HANDLER, HEAD, STREAM, WRITE } from './connection.ts';
import { Context, describeError, HttpError } from './context.ts';
import type { Env, StreamSink } from './context.ts';
import type { Device } from './device.ts';
import { CHUNKED_DONE, writeHex, writeLastChunk } from './http/chunked.ts';
import { CONNECTION_CLOSE, CONNECTION_KEEP_ALIVE, HEAD_INCOMPLETE, parseHead } from './http/parser.ts';
import type { HeadLimits } from './http/parser.ts';
import {
  BODY_BYTES,
  BODY_STREAM,
  BODY_STRING,
  CONTINUE_RESPONSE,
  encodeHead,
  preencodeResponse,
} from './http/response.ts';
import { reasonPhrase, statusHasBody } from './http/status.ts';
import { atEnd, decodeLatin1, encodeUtf8, equalsAscii, TextScratch, utf8Length } from './http/text.ts';
import { Pool } from './pool.ts';
import type { Listener, Platform, Socket, SocketHandler, TimerHandle } from './platform.ts';
import type { ServerStats } from './stats.ts';
import {
  allowedMethods,
  MATCH_ADD_SLASH,
  MATCH_METHOD_NOT_ALLOWED,
  MATCH_REMOVE_SLASH,
  matchRoute,
  maxParams,
  METHOD_GET,
  METHOD_HEAD,
  methodCode,
  methodCount,
  methodName,
  standardMethodCode,
  tableHash,
} from './router/index.ts';
import type { GeneratedMatcher, RouterMode } from './router/index.ts';

/**
 * What to do when a connection arrives and every slot is taken (README,
 * "Overload"): 'queue' waits in a bounded queue and announces closes,
 * 'evict-idle' closes an idle keep-alive connection at once, 'reject'
 * answers 503.
 */
export type OverflowPolicy = 'queue' | 'evict-idle' | 'reject';

/** Statuses with a preencoded answer (400 first: the fallback); see Server.answers. */
const ANSWER_CODES: readonly number[] = Object.freeze([400, 408, 413, 414, 417, 431, 500, 501, 505, 503]);
/** Index of 503 in ANSWER_CODES. */
const ANSWER_503 = 9;

/** `socket.slot` of a socket the server holds no slot for. */
const NO_SLOT = -1;
/** `socket.slot` of a socket waiting in the queue for a slot. */
const QUEUED = -2;
/** `socket.slot` of a socket whose 503 waits for the send space to be known. */
const REFUSING = -3;

/** Server configuration; every limit has a documented default (README, "Limits"). */
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
  /** Contexts kept spare for connections whose slow chain was abandoned (default 1; each costs about 2.6 KB on a board). */
  spareContexts?: number;
  /** Timer resolution for the timeouts above (default 250 ms). */
  tick?: number;
  /** A route table compiled at build time (from flash); checked against the app's routes. */
  routeTable?: Uint8Array;
  /**
   * The route table's search as code (router/generate.ts), which `chipweb
   * build` preloads into flash: the same answers as the table walk, faster
   * on XS. Must come from the same table (checked by hash).
   */
  routeMatcher?: GeneratedMatcher;
  /** The board's device (or its simulated twin), given to handlers as `c.env.device`. */
  device?: Device | null;
}

/** Serves a compiled App on a Platform within a fixed memory budget. */
export class Server implements SocketHandler, StreamSink {
  /** The platform this server runs on. */
  readonly platform: Platform;
  /** The buffer pool. */
  readonly pool: Pool;
  /** Live counters. */
  readonly counters: ServerStats;
  /** What handlers get as `c.env`. */
  readonly env: Env;
  /** The scratch every Context of this server decodes text through. */
  readonly text = new TextScratch();
  private readonly app: CompiledApp;
  private readonly table: Uint8Array;
  private readonly matcher: GeneratedMatcher | undefined;
  /** How this server finds routes: 'code' with a `routeMatcher`, else 'table'. */
  readonly router: RouterMode;
  private readonly limits: HeadLimits;
  private readonly connections: Connection[] = [];
  private readonly maxBody: number;
  private readonly headerTimeout: number;
  private readonly bodyTimeout: number;
  private readonly idleTimeout: number;
  private readonly writeTimeout: number;
  private readonly overflow: OverflowPolicy;
  /** Sockets waiting for a slot (overflow 'queue'), oldest first, and when each came. */
  private readonly queue: (Socket | null)[] = [];
  private readonly queuedAt: Float64Array;
  private queueCount = 0;
  /** serveQueued() is running (further up the stack). */
  private servingQueue = false;
  private readonly queueTimeout: number;
  private readonly pressureIdle: number;
  private readonly tickMs: number;
  private readonly port: number;
  private readonly host: string | undefined;
  /** Every preencoded error answer, back to back in one buffer (one allocation, not one per answer). */
  private readonly answers: Uint8Array;
  /** answers[answerAt[i], answerAt[i + 1]) is the answer for ANSWER_CODES[i]. */
  private readonly answerAt: Uint16Array;
  private readonly spares: Context[] = [];
  /** Names of the table's method codes, decoded once (custom methods). */
  private readonly methodNames: string[] = [];
  private spareCount = 0;
  private listener: Listener | null = null;
  private timer: TimerHandle | null = null;
  private startedAt = 0;
  private stopping = false;
  private stopWaiter: (() => void) | null = null;
  private stopped: Promise<void> | null = null;

  /** Sets up the pool and every per-slot object; nothing listens yet. */
  constructor(app: App, platform: Platform, options: ServerOptions = {}) {
    this.platform = platform;
    this.app = app.compile(options.routeTable);
    this.table = this.app.table;
    const matcher = options.routeMatcher;
    if (matcher !== undefined && matcher.hash !== tableHash(this.table)) {
      throw new Error(
        `server: the route matcher was generated from another route table (matcher hash ${matcher.hash}, table hash ${tableHash(this.table)}); rebuild with 'chipweb build'`,
      );
    }
    this.matcher = matcher;
    this.router = matcher !== undefined ? 'code' : 'table';
    const slots = options.slots ?? 4;
    const slotSize = options.slotSize ?? 4096;
    const outputSize = options.outputSize ?? 1024;
    const poolBytes = slots * (slotSize + outputSize);
    // The preencoded answers follow the pool in the platform's buffer, so the platform copies them without a view.
    const encoded: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < ANSWER_CODES.length; i++) {
      const code = ANSWER_CODES[i];
      encoded.push(preencodeResponse(code, code === 503 ? 'Retry-After: 1\r\n' : ''));
      total += encoded[i].length;
    }
    const memory = platform.allocate ? platform.allocate(poolBytes + total) : undefined;
    this.pool = new Pool({ slots, slotSize, outputSize }, memory);
    this.answers = memory ? new Uint8Array(memory, poolBytes, total) : new Uint8Array(total);
    this.answerAt = new Uint16Array(ANSWER_CODES.length + 1);
    for (let i = 0, at = 0; i < encoded.length; at += encoded[i].length, i++) {
      this.answers.set(encoded[i], at);
      this.answerAt[i + 1] = at + encoded[i].length;
    }
    this.limits = {
      maxRequestLine: options.maxRequestLine ?? 1024,
      maxHeaderBytes: options.maxHeaderBytes ?? 2048,
      maxHeaders: options.maxHeaders ?? 32,
    };
    this.maxBody = options.maxBody ?? slotSize;
    this.headerTimeout = options.headerTimeout ?? 10000;
    this.bodyTimeout = options.bodyTimeout ?? 10000;
    this.idleTimeout = options.idleTimeout ?? 5000;
    this.writeTimeout = options.writeTimeout ?? 10000;
    this.overflow = options.overflow ?? 'queue';
    const queueSize = this.overflow === 'queue' ? (options.queueSize ?? slots) : 0;
    for (let i = 0; i < queueSize; i++) this.queue.push(null);
    this.queuedAt = new Float64Array(queueSize);
    this.queueTimeout = options.queueTimeout ?? 1000;
    this.pressureIdle = options.pressureIdle ?? 1000;
    this.tickMs = options.tick ?? 250;
    this.port = options.port ?? 8080;
    this.host = options.host;
    const methods = methodCount(this.table);
    for (let code = 0; code < methods; code++) this.methodNames.push(methodName(this.table, code));
    const params = Math.max(maxParams(this.table), 1);
    const env: Env = { platform, device: options.device ?? null, stats: () => this.stats() };
    this.env = env;
    for (let i = 0; i < slots; i++)
      this.connections.push(new Connection(this, i, this.pool, this.limits.maxHeaders, params, env));
    const spares = options.spareContexts ?? 1;
    for (let i = 0; i < spares; i++)
      this.spares.push(new Context(-1, this.pool.inputs[0], this.connections[0].head, params, env, this));
    this.spareCount = spares;
    this.counters = {
      requests: 0,
      responses: [0, 0, 0, 0, 0, 0],
      connections: 0,
      rejected: 0,
      queued: 0,
      pressureCloses: 0,
      evicted: 0,
      timeouts: 0,
      errors: 0,
      slotsInUse: 0,
      slotsHighWater: 0,
      slots,
      slotBytes: slotSize + (options.outputSize ?? 1024),
      uptime: 0,
    };
  }

  /** Starts listening; rejects with a clear message when the port is taken. */
  async start(): Promise<void> {
    if (this.listener) return;
    try {
      this.listener = await this.platform.listen({ port: this.port, host: this.host }, this);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE')
        throw new Error(`port ${this.port} is already in use: stop the other server or choose another port (--port)`);
      if (code === 'EACCES') throw new Error(`not allowed to listen on port ${this.port}: choose a port above 1023`);
      throw error;
    }
    this.startedAt = this.platform.now();
    this.stopping = false;
    this.timer = this.platform.setTimer(() => this.tick(), this.tickMs, true);
  }

  /** The port actually listened on. */
  get listeningPort(): number {
    return this.listener ? this.listener.port : 0;
  }

  /** The counters, with the pool figures brought up to date. */
  stats(): ServerStats {
    const s = this.counters;
    s.slotsInUse = this.pool.inUse;
    s.slotsHighWater = this.pool.highWater;
    s.uptime = this.startedAt ? this.platform.now() - this.startedAt : 0;
    return s;
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`,
   * then closes whatever is left. Resolves when every slot is free.
   */
  stop(graceMs = 5000): Promise<void> {
    if (this.stopped !== null) return this.stopped;
    if (this.listener) {
      this.listener.close();
      this.listener = null;
    }
    this.stopping = true;
    while (this.queueCount > 0) this.refuse(this.dequeue());
    for (let i = 0; i < this.connections.length; i++) {
      const conn = this.connections[i];
      if (conn.state === HEAD && conn.filled === 0) this.close(conn);
    }
    this.stopped = new Promise<void>((resolve) => {
      const finish = () => {
        if (this.timer !== null) {
          this.platform.clearTimer(this.timer);
          this.timer = null;
        }
        this.stopWaiter = null;
        this.stopped = null;
        resolve();
      };
      if (this.pool.inUse === 0) return finish();
      const deadline = this.platform.setTimer(
        () => {
          for (let i = 0; i < this.connections.length; i++)
            if (this.connections[i].state !== FREE) this.close(this.connections[i]);
          if (this.pool.inUse === 0) finish();
        },
        graceMs,
        false,
      );
      this.stopWaiter = () => {
        this.platform.clearTimer(deadline);
        finish();
      };
    });
    return this.stopped;
  }

  // ---- 1. accept ----

  /** Platform callback: a new connection. */
  accept(socket: Socket): void {
    socket.slot = NO_SLOT;
    if (this.stopping) {
      this.refuse(socket);
      return;
    }
    let slot = this.pool.acquire();
    // makeRoom() may hand the freed slot to a connection already waiting: the newcomer then queues behind it.
    if (slot < 0 && this.overflow !== 'reject' && this.makeRoom()) slot = this.pool.acquire();
    if (slot < 0) {
      if (!this.enqueue(socket)) this.refuse(socket);
      return;
    }
    this.attach(socket, slot);
  }

  /** Gives `slot` to `socket`. */
  private attach(socket: Socket, slot: number): Connection {
    this.counters.connections++;
    const conn = this.connections[slot];
    socket.slot = slot;
    conn.socket = socket;
    conn.state = HEAD;
    conn.filled = 0;
    conn.served = 0;
    conn.orphaned = false;
    conn.closeAfterWrite = false;
    conn.head.reset();
    conn.ctx.remoteAddress = socket.remoteAddress;
    conn.lastActive = this.platform.now();
    conn.deadline = conn.lastActive + this.headerTimeout;
    return conn;
  }

  /**
   * Answers the preencoded 503 and closes, lingering (the request is
   * unread). The answer waits until the socket reports send space: a write
   * before that may be refused ("would block" on a fresh lin socket), and
   * the client would see an empty close. Counted once written.
   */
  private refuse(socket: Socket): void {
    const start = this.answerAt[ANSWER_503];
    const length = this.answerAt[ANSWER_503 + 1] - start;
    if (socket.writable() < length) {
      socket.slot = REFUSING; // writable() answers
      return;
    }
    socket.slot = NO_SLOT;
    if (socket.write(this.answers, start, length) === length) {
      this.counters.rejected++;
      this.counters.responses[5]++;
    }
    socket.close(true);
  }

  /** Index in ANSWER_CODES of the preencoded answer for `status` (400's when there is none). */
  private answerIndex(status: number): number {
    for (let i = 0; i < ANSWER_CODES.length; i++) if (ANSWER_CODES[i] === status) return i;
    return 0;
  }

  /** Puts `socket` at the end of the queue (overflow 'queue'); false when the queue is full. */
  private enqueue(socket: Socket): boolean {
    if (this.queueCount >= this.queue.length) return false;
    socket.slot = QUEUED;
    this.queue[this.queueCount] = socket;
    this.queuedAt[this.queueCount] = this.platform.now();
    this.queueCount++;
    this.counters.queued++;
    return true;
  }

  /** Takes the oldest socket out of the queue (queueCount > 0). */
  private dequeue(): Socket {
    const socket = this.queue[0] as Socket;
    this.unqueue(0);
    socket.slot = NO_SLOT;
    return socket;
  }

  /** Removes entry `i` of the queue, keeping the rest in order. */
  private unqueue(i: number): void {
    const last = this.queueCount - 1;
    for (let j = i; j < last; j++) {
      this.queue[j] = this.queue[j + 1];
      this.queuedAt[j] = this.queuedAt[j + 1];
    }
    this.queue[last] = null;
    this.queueCount = last;
  }

  /**
   * A slot came free: the oldest waiting connection takes it and reads what
   * it sent meanwhile. Serving it may free its slot again at once (the veto
   * closes it after one answer): the loop takes that too, rather than
   * recursing through the whole queue (the board's stack is small).
   */
  private serveQueued(): void {
    if (this.servingQueue) return; // the loop below, further up the stack, takes the slot
    this.servingQueue = true;
    try {
      while (this.queueCount > 0 && !this.stopping) {
        const slot = this.pool.acquire();
        if (slot < 0) break;
        this.advance(this.attach(this.dequeue(), slot));
      }
    } finally {
      this.servingQueue = false;
    }
  }

  /**
   * Frees a slot for a newcomer: an idle keep-alive connection (any with
   * 'evict-idle'; with 'queue' only one idle for `pressureIdle`, as a
   * client is unlikely to be sending on it right then), else a slow request
   * (evictSlow). False when there is none.
   */
  private makeRoom(): boolean {
    const minIdle = this.overflow === 'queue' ? this.pressureIdle : 0;
    const now = this.platform.now();
    let victim: Connection | null = null;
    for (let i = 0; i < this.connections.length; i++) {
      const conn = this.connections[i];
      if (
        conn.state === HEAD &&
        conn.filled === 0 &&
        conn.served > 0 &&
        now - conn.lastActive >= minIdle &&
        (victim === null || conn.lastActive < victim.lastActive)
      )
        victim = conn;
    }
    if (victim === null) return this.evictSlow();
    this.counters.evicted++;
    this.close(victim);
    return true;
  }

  /**
   * Slowloris defence: with no idle connection to close, answers 408 to the
   * request that has been arriving for longest, once that is more than half
   * the header timeout (at most 1 s), and closes it; false when none is.
   */
  private evictSlow(): boolean {
    const now = this.platform.now();
    const age = this.headerTimeout < 2000 ? this.headerTimeout / 2 : 1000;
    let victim: Connection | null = null;
    let victimStart = 0;
    for (let i = 0; i < this.connections.length; i++) {
      const conn = this.connections[i];
      let started: number;
      if (conn.state === BODY) started = conn.deadline - this.bodyTimeout;
      else if (conn.state === HEAD && (conn.filled > 0 || conn.served === 0))
        started = conn.deadline - this.headerTimeout;
      else continue;
      if (now - started >= age && (victim === null || started < victimStart)) {
        victim = conn;
        victimStart = started;
      }
    }
    if (victim === null) return false;
    this.counters.evicted++;
    this.counters.timeouts++;
    this.counters.responses[4]++;
    const i = this.answerIndex(408);
    // Best effort (the slot is needed now): lingering, so a client still sending does not reset it away.
    if (victim.socket !== null)
      victim.socket.write(this.answers, this.answerAt[i], this.answerAt[i + 1] - this.answerAt[i]);
    this.close(victim, true);
    return true;
  }

  // ---- 2. read and parse ----

  /** Platform callback: bytes are waiting. */
  readable(socket: Socket, _count: number): void {
    if (socket.slot < 0) return;
    const conn = this.connections[socket.slot];
    if (conn.state === HEAD || conn.state === BODY) this.advance(conn);
  }

  /** Reads what fits into the slot. */
  private fill(conn: Connection): void {
    const space = this.pool.inputs[conn.slot].length - conn.filled;
    if (space > 0 && conn.socket !== null) conn.filled += conn.socket.read(conn.input, conn.filled, space);
  }

  /** Moves a connection forward as far as the bytes at hand allow. */
  private advance(conn: Connection): void {
    for (;;) {
      if (conn.state === HEAD) {
        const before = conn.filled;
        this.fill(conn);
        if (conn.filled === 0) return;
        if (before === 0) {
          conn.deadline = this.platform.now() + this.headerTimeout;
        }
        const result = parseHead(conn.input, conn.filled, conn.input.length, conn.head, this.limits);
        if (result === HEAD_INCOMPLETE) return;
        if (result < 0) {
          this.fail(conn, -result);
          return;
        }
        if (!this.beginBody(conn, result)) return;
      }
      if (conn.state === BODY) {
        this.fill(conn);
        if (!this.bodyComplete(conn)) return;
      }
      if (conn.state !== HEAD) return;
    }
  }

  /** The head is complete: decide how the body is framed. False when the connection failed. */
  private beginBody(conn: Connection, headEnd: number): boolean {
    const head = conn.head;
    this.counters.requests++;
    conn.bodyStart = headEnd;
    conn.deadline = this.platform.now() + this.bodyTimeout;
    const code = methodCode(this.table, conn.input, head.start, head.methodEnd);
    if (code < 0 && !isStandardMethodBytes(conn.input, head.start, head.methodEnd)) {
      this.fail(conn, 501);
      return false;
    }
    conn.ctx.methodCode = code < 0 ? 255 : code;
    let expectsBody = false;
    if (head.chunked) {
      conn.chunked.reset(headEnd);
      expectsBody = true;
    } else if (head.contentLength > 0) {
      if (head.contentLength > this.maxBody || headEnd + head.contentLength > conn.input.length) {
        this.fail(conn, 413);
        return false;
      }
      expectsBody = true;
    }
    if (
      expectsBody &&
      head.expectContinue &&
      head.minorVersion === 1 &&
      conn.filled === headEnd &&
      conn.socket !== null
    ) {
      conn.socket.write(CONTINUE_RESPONSE, 0, CONTINUE_RESPONSE.length);
    }
    conn.state = BODY;
    return true;
  }

  /** True (and dispatched) once the whole body is in the slot. */
  private bodyComplete(conn: Connection): boolean {
    const head = conn.head;
    let bodyEnd: number;
    if (head.chunked) {
      const result = conn.chunked.decode(conn.input, conn.filled, this.maxBody, conn.bodyStart);
      if (result < 0) {
        this.fail(conn, -result);
        return false;
      }
      if (result !== CHUNKED_DONE) {
        if (conn.filled >= conn.input.length) this.fail(conn, 413);
        return false;
      }
      bodyEnd = conn.chunked.bodyEnd;
      conn.requestEnd = conn.chunked.readPos;
    } else {
      const length = head.contentLength > 0 ? head.contentLength : 0;
      if (conn.filled < conn.bodyStart + length) return false;
      bodyEnd = conn.bodyStart + length;
      conn.requestEnd = bodyEnd;
    }
    this.dispatch(conn, bodyEnd);
    return true;
  }

  // ---- 3. route and run the chain ----

  private dispatch(conn: Connection, bodyEnd: number): void {
    const head = conn.head;
    const ctx = conn.ctx;
    const app = this.app;
    ctx.reset();
    ctx.bodyStart = conn.bodyStart;
    ctx.bodyEnd = bodyEnd;
    ctx.isHead = ctx.methodCode === METHOD_HEAD;
    if (ctx.methodCode === 255) ctx.customMethod = decodeLatin1(conn.input, head.start, head.methodEnd, this.text);
    else if (ctx.methodCode >= 7) ctx.customMethod = this.methodNames[ctx.methodCode];
    conn.keepAlive =
      !this.stopping &&
      (head.minorVersion === 1
        ? (head.connection & CONNECTION_CLOSE) === 0
        : (head.connection & CONNECTION_KEEP_ALIVE) !== 0 && (head.connection & CONNECTION_CLOSE) === 0);
    conn.state = HANDLER;

    let route: number;
    if (ctx.methodCode !== 255)
      route = matchRoute(
        this.table,
        ctx.methodCode,
        conn.input,
        head.pathStart,
        head.pathEnd,
        ctx.paramSpans,
        this.matcher,
      );
    else
      route =
        allowedMethods(this.table, conn.input, head.pathStart, head.pathEnd) !== 0 ? MATCH_METHOD_NOT_ALLOWED : -1;
    if (route >= 0) {
      ctx.paramNames = app.params[route];
      ctx.chain = app.chains[route];
    } else if (route === MATCH_METHOD_NOT_ALLOWED) {
      ctx.paramNames = EMPTY;
      ctx.res.allowMask = allowedMethods(this.table, conn.input, head.pathStart, head.pathEnd);
      ctx.chain = app.methodNotAllowed;
    } else if ((route === MATCH_ADD_SLASH || route === MATCH_REMOVE_SLASH) && app.redirectTrailingSlash) {
      ctx.res.status = ctx.methodCode === METHOD_GET || ctx.methodCode === METHOD_HEAD ? 301 : 308;
      ctx.res.committed = true;
      this.respond(conn, route);
      return;
    } else {
      ctx.paramNames = EMPTY;
      ctx.chain = app.notFound;
    }

    let result: unknown;
    try {
      result = ctx.chain[0](ctx);
    } catch (error) {
      this.handleError(conn, error);
      this.respond(conn, 0);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      conn.awaiting = ctx.generation;
      (result as PromiseLike<unknown>).then(ctx.settled, ctx.rejected);
      return;
    }
    this.respond(conn, 0);
  }

  /** @internal An async chain finished (or failed). */
  handlerSettled(ctx: Context, error: unknown, failed: boolean): void {
    if (ctx.detached) {
      // An abandoned chain ended: its context becomes a spare again.
      ctx.detached = false;
      ctx.res.reset();
      ctx.slot = -1;
      this.spares[this.spareCount++] = ctx;
      return;
    }
    const conn = this.connections[ctx.slot];
    if (conn.ctx !== ctx || conn.awaiting !== ctx.generation) return; // a late settlement of an earlier request
    conn.awaiting = -1;
    if (conn.orphaned) {
      conn.orphaned = false;
      this.release(conn);
      return;
    }
    if (conn.state !== HANDLER) return;
    if (failed) this.handleError(conn, error);
    this.respond(conn, 0);
    if ((conn.state as number) === HEAD) this.advance(conn);
  }

  /** @internal Answers now for a running async chain (timeout middleware). */
  abandon(ctx: Context, status: number, body: string): boolean {
    if (ctx.slot < 0) return false;
    const conn = this.connections[ctx.slot];
    if (conn.ctx !== ctx || conn.state !== HANDLER || conn.awaiting !== ctx.generation) return false;
    if (this.spareCount === 0) {
      // No spare: answer and close; the slot is freed when the chain settles.
      ctx.text(body, status);
      conn.keepAlive = false;
      this.respond(conn, 0);
      return true;
    }
    const spare = this.spares[--this.spareCount];
    this.spares[this.spareCount] = spare; // keep the array dense; the entry is reused on return
    ctx.detached = true;
    ctx.res.committed = true; // late writes are dropped
    spare.slot = conn.slot;
    spare.bytes = conn.input;
    spare.head = conn.head;
    spare.reset();
    spare.methodCode = ctx.methodCode;
    spare.isHead = ctx.isHead;
    spare.remoteAddress = ctx.remoteAddress;
    conn.ctx = spare;
    conn.awaiting = -1;
    spare.text(body, status);
    this.respond(conn, 0);
    if ((conn.state as number) === HEAD) this.advance(conn);
    return true;
  }

  private handleError(conn: Connection, error: unknown): void {
    const ctx = conn.ctx;
    if (ctx.res.bodyKind === BODY_STREAM) {
      // The head is out: close without the last chunk, which tells the client the stream failed.
      conn.keepAlive = false;
      conn.streamEnding = true;
      this.counters.errors++;
      this.platform.log(`chipweb: handler error in the stream of ${ctx.method} ${ctx.path}: ${describeError(error)}`);
      return;
    }
    ctx.res.reset();
    if (error instanceof HttpError) {
      // An HttpError is an answer, not a failure: it bypasses onError.
      ctx.text(error.message + '\n', error.status);
      return;
    }
    const onError = this.app.onError;
    if (onError !== null) {
      try {
        onError(error, ctx);
        if (ctx.res.committed) return;
      } catch (nested) {
        error = nested;
      }
      ctx.res.reset();
    }
    if (error instanceof HttpError) {
      ctx.text(error.message + '\n', error.status);
      return;
    }
    this.counters.errors++;
    this.platform.log(`chipweb: handler error on ${ctx.method} ${ctx.path}: ${describeError(error)}`);
    ctx.text('500 Internal Server Error\n', 500);
  }

  // ---- 4. encode and write the response ----

  /** Encodes the head (and a small body) into the output area and starts writing. */
  private respond(conn: Connection, redirect: number): void {
    const ctx = conn.ctx;
    const res = ctx.res;
    if (res.bodyKind === BODY_STREAM) {
      // The head went out in beginStream; the stream stays open until end().
      if (conn.state !== HANDLER || !this.flush(conn)) return;
      if (conn.streamEnding) this.finish(conn);
      else conn.state = STREAM;
      return;
    }
    this.veto(conn);
    const head = conn.head;
    let length = res.bodyLength();
    let headLength: number;
    if (redirect !== 0) {
      const locationEnd = redirect === MATCH_REMOVE_SLASH ? head.pathEnd - 1 : head.pathEnd;
      headLength = encodeHead(
        res,
        conn.output,
        conn.keepAlive,
        0,
        this.methodNames,
        conn.input,
        head.pathStart,
        locationEnd,
        redirect === MATCH_ADD_SLASH,
        head.targetEnd,
      );
    } else {
      headLength = encodeHead(res, conn.output, conn.keepAlive, length, this.methodNames, null, 0, 0, false, 0);
    }
    if (headLength < 0) {
      // The handler's headers do not fit the output area: answer 500 rather than a truncated head.
      this.platform.log(
        `chipweb: the response head for ${ctx.method} ${ctx.path} is invalid (a header name that is not a token, a control character in a value) or longer than outputSize ${conn.output.length}`,
      );
      this.counters.errors++;
      res.reset();
      res.status = 500;
      length = 0;
      conn.keepAlive = false;
      headLength = encodeHead(res, conn.output, false, 0, this.methodNames, null, 0, 0, false, 0);
    }
    this.counters.responses[(res.status / 100) | 0]++;
    conn.outPos = 0;
    conn.outLen = headLength;
    conn.bodyString = '';
    conn.bodyChar = 0;
    conn.bodyBytes = null;
    if (!ctx.isHead && length > 0 && statusHasBody(res.status)) {
      if (res.bodyKind === BODY_STRING) {
        const next = encodeUtf8(res.bodyString, 0, conn.output, headLength, conn.output.length, conn);
        conn.outLen = conn.encodeEnd;
        if (!atEnd(res.bodyString, next)) {
          conn.bodyString = res.bodyString;
          conn.bodyChar = next;
        }
      } else if (res.bodyKind === BODY_BYTES && res.bodyBytes !== null) {
        const n = res.bodyEnd - res.bodyStart;
        if (n <= conn.output.length - headLength) {
          const source = res.bodyBytes;
          const out = conn.output;
          for (let i = 0; i < n; i++) out[headLength + i] = source[res.bodyStart + i];
          conn.outLen += n;
        } else {
          conn.bodyBytes = res.bodyBytes;
          conn.bodyPos = res.bodyStart;
          conn.bodyEnd = res.bodyEnd;
        }
      }
    }
    res.bodyString = '';
    res.bodyBytes = null;
    if (this.flush(conn)) this.finish(conn);
  }

  /**
   * The pool-pressure veto: while a connection waits for a slot, a response
   * announces `Connection: close` (so the client does not reuse a
   * connection the server is about to close) and its slot goes to the
   * waiting one.
   */
  private veto(conn: Connection): void {
    if (this.stopping) conn.keepAlive = false;
    else if (conn.keepAlive && this.queueCount > 0) {
      conn.keepAlive = false;
      this.counters.pressureCloses++;
    }
  }

  /**
   * Writes pending output, refilling from the body source, until done
   * (true) or the socket is full (false; `writable` resumes).
   */
  private flush(conn: Connection): boolean {
    const socket = conn.socket;
    if (socket === null) return false;
    for (;;) {
      if (conn.outPos < conn.outLen) {
        conn.outPos += socket.write(conn.output, conn.outPos, conn.outLen - conn.outPos);
        if (conn.outPos < conn.outLen) return this.waitWritable(conn);
      }
      if (conn.bodyChar > 0) {
        conn.bodyChar = encodeUtf8(conn.bodyString, conn.bodyChar, conn.output, 0, conn.output.length, conn);
        conn.outPos = 0;
        conn.outLen = conn.encodeEnd;
        if (atEnd(conn.bodyString, conn.bodyChar)) {
          conn.bodyChar = 0;
          conn.bodyString = '';
        }
        continue;
      }
      if (conn.bodyBytes !== null) {
        conn.bodyPos += socket.write(conn.bodyBytes, conn.bodyPos, conn.bodyEnd - conn.bodyPos);
        if (conn.bodyPos < conn.bodyEnd) return this.waitWritable(conn);
        conn.bodyBytes = null;
      }
      conn.outPos = 0;
      conn.outLen = 0;
      return true;
    }
  }

  private waitWritable(conn: Connection): boolean {
    if (conn.state !== WRITE) {
      conn.state = WRITE;
      conn.deadline = this.platform.now() + this.writeTimeout;
    }
    return false;
  }

  /** Platform callback: the socket has room again. */
  writable(socket: Socket, _space: number): void {
    if (socket.slot === REFUSING) {
      this.refuse(socket);
      return;
    }
    if (socket.slot < 0) return;
    const conn = this.connections[socket.slot];
    if (conn.state !== WRITE) return;
    if (!this.flush(conn)) return;
    if (conn.streaming && !conn.streamEnding) {
      conn.state = STREAM;
      return;
    }
    this.finish(conn);
    if ((conn.state as number) === HEAD) this.advance(conn);
  }

  // ---- 5. next request, idle, or close ----

  /** The response is out: close, or keep the connection for the next request. */
  private finish(conn: Connection): void {
    conn.streaming = false;
    conn.streamEnding = false;
    conn.served++;
    if (!conn.keepAlive || conn.closeAfterWrite || this.stopping) {
      // An error answer (fail) may leave part of the request unread: linger. Otherwise the request was read whole.
      this.close(conn, conn.closeAfterWrite);
      return;
    }
    // Move any pipelined bytes to the front of the slot.
    const leftover = conn.filled - conn.requestEnd;
    if (leftover > 0) conn.input.copyWithin(0, conn.requestEnd, conn.filled);
    conn.filled = leftover > 0 ? leftover : 0;
    conn.requestEnd = 0;
    conn.head.reset();
    conn.state = HEAD;
    conn.lastActive = this.platform.now();
    conn.deadline = conn.lastActive + (conn.filled > 0 ? this.headerTimeout : this.idleTimeout);
  }

  /** Answers a preencoded error and closes after it is written. */
  private fail(conn: Connection, status: number): void {
    const i = this.answerIndex(status);
    this.counters.responses[(status / 100) | 0]++;
    if (status === 408) this.counters.timeouts++;
    conn.keepAlive = false;
    conn.closeAfterWrite = true;
    conn.outPos = 0;
    conn.outLen = 0;
    conn.bodyChar = 0;
    conn.bodyBytes = this.answers;
    conn.bodyPos = this.answerAt[i];
    conn.bodyEnd = this.answerAt[i + 1];
    conn.state = WRITE;
    conn.deadline = this.platform.now() + this.writeTimeout;
    if (this.flush(conn)) this.close(conn, true);
  }

  /**
   * Closes the socket and frees the slot (later, if an async handler still
   * runs). `linger`: the last response said Connection: close before the
   * request was read to its end, so the socket lingers to discard what the
   * client still sends (Socket.close).
   */
  private close(conn: Connection, linger = false): void {
    if (conn.socket !== null) {
      conn.socket.slot = NO_SLOT;
      conn.socket.close(linger);
      conn.socket = null;
    }
    if (conn.awaiting >= 0) {
      // An async chain still holds this slot's Context (in any state: a
      // stream or an abandoned answer may be waiting on the socket): free
      // the slot only when it settles, so nothing it writes reaches the
      // next connection.
      conn.orphaned = true;
      conn.state = FREE;
      return;
    }
    this.release(conn);
  }

  /** Platform callback: the peer closed or reset. */
  closed(socket: Socket): void {
    if (socket.slot === QUEUED) {
      for (let i = 0; i < this.queueCount; i++) if (this.queue[i] === socket) this.unqueue(i);
      socket.slot = NO_SLOT;
      return;
    }
    if (socket.slot < 0) return;
    const conn = this.connections[socket.slot];
    socket.slot = -1;
    conn.socket = null;
    this.close(conn);
  }

  private release(conn: Connection): void {
    if (!this.pool.isTaken(conn.slot)) return;
    conn.state = FREE;
    conn.filled = 0;
    conn.outPos = 0;
    conn.outLen = 0;
    conn.bodyString = '';
    conn.bodyChar = 0;
    conn.bodyBytes = null;
    conn.streaming = false;
    conn.streamEnding = false;
    conn.rawStream = false;
    conn.ctx.generation++; // late writes from a stream or handler now miss
    conn.ctx.res.reset();
    this.pool.release(conn.slot);
    if (this.stopWaiter !== null && this.pool.inUse === 0) this.stopWaiter();
    this.serveQueued();
  }

  // ---- timeouts ----

  private tick(): void {
    const now = this.platform.now();
    // Waited too long for a slot: 503. Then make room for the rest if there is any.
    while (this.queueCount > 0 && now - this.queuedAt[0] >= this.queueTimeout) this.refuse(this.dequeue());
    while (this.queueCount > 0 && this.makeRoom()) {}
    for (let i = 0; i < this.connections.length; i++) {
      const conn = this.connections[i];
      if (conn.state === FREE || conn.state === HANDLER || conn.state === STREAM || now < conn.deadline) continue;
      if (conn.state === HEAD && conn.filled === 0) {
        this.close(conn); // idle keep-alive (or a connection that never sent a byte)
      } else if (conn.state === HEAD || conn.state === BODY) {
        this.fail(conn, 408);
      } else {
        this.counters.timeouts++;
        this.close(conn); // WRITE: the client stopped reading
      }
    }
  }

  // ---- streaming (StreamSink) ----

  /** @internal Sends the head of a streamed response. */
  beginStream(c: Context): void {
    const conn = this.connections[c.slot];
    if (conn.socket === null) return;
    // HTTP/1.0 has no chunked encoding: the body ends when the connection does.
    conn.rawStream = conn.head.minorVersion === 0;
    if (conn.rawStream) conn.keepAlive = false;
    this.veto(conn);
    const headLength = encodeHead(
      c.res,
      conn.output,
      conn.keepAlive,
      conn.rawStream ? -2 : -1,
      this.methodNames,
      null,
      0,
      0,
      false,
      0,
    );
    this.counters.responses[(c.res.status / 100) | 0]++;
    conn.outPos = 0;
    conn.outLen = headLength > 0 ? headLength : 0;
    conn.streaming = true;
    conn.streamEnding = false;
    this.flush(conn);
  }

  /** @internal Sends one chunk of a streamed response. */
  writeStream(c: Context, data: string | Uint8Array): boolean {
    const conn = this.connections[c.slot];
    if (
      conn.socket === null ||
      !conn.streaming ||
      conn.streamEnding ||
      conn.outPos < conn.outLen ||
      conn.bodyBytes !== null
    )
      return false;
    if (c.isHead) return true; // HEAD: the head only
    const out = conn.output;
    const length = typeof data === 'string' ? utf8Length(data, 0) : data.length;
    if (length === 0) return true;
    if (length + 16 > out.length) return false;
    let p = 0;
    if (!conn.rawStream) {
      p = writeHex(out, 0, length);
      out[p++] = 13;
      out[p++] = 10;
    }
    if (typeof data === 'string') {
      encodeUtf8(data, 0, out, p, out.length, null);
      p += length;
    } else {
      for (let i = 0; i < length; i++) out[p + i] = data[i];
      p += length;
    }
    if (!conn.rawStream) {
      out[p++] = 13;
      out[p++] = 10;
    }
    conn.outPos = 0;
    conn.outLen = p;
    if (!this.flush(conn)) return true;
    if (conn.state === WRITE) conn.state = STREAM;
    return true;
  }

  /** @internal Ends a streamed response with the last chunk. */
  endStream(c: Context): void {
    const conn = this.connections[c.slot];
    if (conn.socket === null || !conn.streaming || conn.streamEnding) return;
    conn.streamEnding = true;
    const out = conn.output;
    // No last chunk for HEAD (no body) or HTTP/1.0 (closing the connection ends the body).
    const lastChunk = !c.isHead && !conn.rawStream;
    if (conn.outPos < conn.outLen) {
      // Behind what is still queued; it fits, as writeStream leaves 16 bytes of room.
      if (lastChunk) conn.outLen = writeLastChunk(out, conn.outLen);
      return;
    }
    conn.outPos = 0;
    conn.outLen = lastChunk ? writeLastChunk(out, 0) : 0;
    if (conn.state === HANDLER) return; // respond() runs when the chain returns
    if (this.flush(conn)) {
      this.finish(conn);
      if (conn.state === HEAD) this.advance(conn);
    }
  }
}

/** No params (frozen: it stays in flash on the board). */
const EMPTY: readonly string[] = Object.freeze([]);

/** Methods the server knows even without a route for them (405/404 rather than 501). */
function isStandardMethodBytes(bytes: Uint8Array, start: number, end: number): boolean {
  return (
    standardMethodCode(bytes, start, end) >= 0 ||
    equalsAscii(bytes, start, end, 'CONNECT') ||
    equalsAscii(bytes, start, end, 'TRACE')
  );
}

/** Creates a server for `app` on `platform` and starts it. */
export async function serve(app: App, platform: Platform, options: ServerOptions = {}): Promise<Server> {
  const server = new Server(app, platform, options);
  await server.start();
  return server;
}

/** The reason phrase of a status (re-exported for handlers). */
export { reasonPhrase };
