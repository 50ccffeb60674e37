/**
 * The server: one connection state machine per pool slot, over the
 * Platform interface. Read it top to bottom as the data path:
 *
 *   1 accept -> 2 read into the slot, parse the head, read the body ->
 *   3 route and run the chain -> 4 encode and write the response (the
 *   writer, response-writer.ts) -> 5 next pipelined request, idle
 *   keep-alive, or close.
 *
 * When every slot is taken, the overflow policy (overflow.ts) decides who
 * waits, who is evicted and who gets 503. Options and defaults are in
 * server-options.ts. A request that passes a WebSocket route's chain is
 * upgraded in step 4: it takes a free WebSocket session (ws/session.ts;
 * `wsSlots` of them, 503 when none is free), and its slot belongs to that
 * session until the socket closes; the hooks are marked "WebSocket".
 *
 * Memory is fixed at start: the pool, one Connection and one Context per
 * slot, preencoded error responses. Made once, on first use, and kept: the
 * spare contexts (at the first abandoned chain), the WebSocket sessions and
 * their accept hasher (at the upgrades that find none free, at most wsSlots),
 * a connection's chunked decoder and body stream (at its first chunked or
 * streamed body; until then it holds the server's idle ones).
 * A request on the framework's own path (static, param, 404, 405,
 * keep-alive) creates no object.
 *
 * Never: allocate per request, grow anything, throw out of a platform
 * callback, or let one connection's failure touch another.
 */
import type { App, CompiledApp } from './app.ts';
import { BODY, Connection, FREE, HANDLER, HEAD, IdleBodyParts, STREAM, WRITE, WS } from './connection.ts';
import { describeError, HttpError, isPromiseLike, SlotContext, UNKNOWN_METHOD } from './context.ts';
import type { Env, StreamSink } from './context.ts';
import type { Device } from './device.ts';
import { CHUNKED_DONE } from './http/chunked.ts';
import {
  CONNECTION_CLOSE,
  CONNECTION_KEEP_ALIVE,
  HEAD_INCOMPLETE,
  parseHead,
  RequestHead,
  takeHead,
} from './http/parser.ts';
import type { HeadLimits } from './http/parser.ts';
import {
  answerBlockSize,
  BODY_STREAM,
  CONTINUE_RESPONSE,
  FRAMING_CHUNKED,
  PreencodedAnswers,
  writeAnswerBlock,
} from './http/response.ts';
import { INTERNAL_ERROR_BODY } from './http/status.ts';
import { decodeLatin1, equalsAscii, TextScratch } from './http/text.ts';
import type { PieceReader } from './body-stream.ts';
import { NO_SLOT, Overflow, QUEUED, REFUSING } from './overflow.ts';
import type { OverflowHost } from './overflow.ts';
import type { Listener, Platform, Socket, SocketHandler, TimerHandle } from './platform.ts';
import { Pool } from './pool.ts';
import { ResponseWriter } from './response-writer.ts';
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
  STANDARD_METHOD_COUNT,
  standardMethodCode,
  tableHash,
} from './router/index.ts';
import type { GeneratedMatcher, RouterMode } from './router/index.ts';
import { resolveOptions } from './server-options.ts';
import type { ResolvedOptions, ServerOptions } from './server-options.ts';
import type { ServerStats } from './stats.ts';
import { AcceptHasher } from './ws/accept.ts';
import { CONTROL_ROOM } from './ws/frame-parser.ts';
import { WsSession } from './ws/session.ts';
import type { SessionHost } from './ws/session.ts';
import type { WsRoute } from './ws/route.ts';

export type { OverflowPolicy, ServerOptions } from './server-options.ts';

/** Decoded bytes a chunked streamed body may reach before its own limit applies (the decoder needs one). */
const MAX_STREAMED_BODY = 0x7fffffff;
/** beginBody and bodyComplete: the body is not all in the slot yet (a body's end is always above 0). */
const BODY_PENDING = 0;
/** beginBody and bodyComplete: the connection failed (fail() answered it). */
const FAILED = -1;

/**
 * What a WebSocket handler's rejected promise runs: counts and logs it. Made
 * here, not in Engine's constructor: a closure keeps the scope it was made
 * in, and the constructor's holds every local of the server's setup (about
 * 25 variables on Espruino, for as long as the server runs).
 */
function wsRejectionLogger(counters: ServerStats, platform: Platform): (error: unknown) => void {
  'cold'; // once, at start: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  return (error: unknown) => {
    counters.errors++;
    platform.log(`chipweb: WebSocket handler rejected: ${describeError(error)}`);
  };
}

/**
 * The connection engine behind a Server: the platform's socket callbacks
 * and the Contexts' way back (SocketHandler, StreamSink) are its methods.
 * Internal to the core: users hold the Server, which never exposes it.
 */
class Engine implements SocketHandler, StreamSink, OverflowHost, SessionHost {
  /** The platform this server runs on. */
  readonly platform: Platform;
  /** The buffer pool. */
  readonly pool: Pool;
  /** What handlers get as `c.env`. */
  readonly env: Env;
  /** How this server finds routes: 'code' with a `routeMatcher`, else 'table'. */
  readonly router: RouterMode;
  /** The scratch every Context of this server decodes text through. */
  readonly text = new TextScratch();
  readonly counters: ServerStats;
  readonly options: ResolvedOptions;
  private readonly app: CompiledApp;
  private readonly table: Uint8Array;
  private readonly matcher: GeneratedMatcher | undefined;
  private readonly limits: HeadLimits;
  private readonly connections: Connection[] = [];
  private readonly overflow: Overflow;
  readonly writer: ResponseWriter;
  /** WebSocket: the sessions made and free again; [0, freeSessions) are free (sized at start: no growth slack). */
  private sessions: WsSession[] = [];
  private freeSessions = 0;
  /** WebSocket: sessions not made yet (`wsSlots` when the app has WebSocket routes, else 0), each made at an upgrade that finds none free. */
  private sessionsToMake = 0;
  /** WebSocket: the accept hasher every session shares (handshakes are answered one at a time), made with the first session. */
  private acceptHasher: AcceptHasher | null = null;
  /** WebSocket: the session each slot's connection was upgraded to, or null. */
  private readonly sessionOf: (WsSession | null)[];
  /** WebSocket: logs and counts a rejection of an async handler (one for every session). */
  readonly wsRejected: (error: unknown) => void;
  /** The answers the server sends on its own (errors, 503), preencoded in one buffer after the pool. */
  private readonly answers: PreencodedAnswers;
  /** Spare contexts, made at the first abandoned chains (at most spareContexts); [0, spareCount) are free. */
  private readonly spares: (SlotContext | null)[];
  private sparesMade = 0;
  /** What an abandoned chain reads as its request from then on: a head and bytes (made at the first abandon). */
  private emptyHead: RequestHead | null = null;
  private emptyBytes: Uint8Array | null = null;
  /** Most route params (the size of each context's param spans). */
  private readonly params: number;
  /** Names of the table's method codes (custom methods, Allow lists), decoded at the first need (nameMethods). */
  private readonly methodNames: string[] = [];
  private spareCount = 0;
  private listener: Listener | null = null;
  private timer: TimerHandle | null = null;
  private startedAt = 0;
  private stopping = false;
  /** The express lane's last route found (see express()) and the RequestHead.knownLine it was found for (0: none). */
  private routedLine = 0;
  private routedRoute = -1;
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
    const o = resolveOptions(options);
    this.options = o;
    const poolBytes = o.slots * (o.slotSize + o.outputSize);
    // The preencoded answers follow the pool in the platform's buffer, so the platform copies them without a view;
    // a board that has them in flash (options.answers) keeps none in RAM.
    const flashAnswers = options.answers;
    const answerBytes = flashAnswers === undefined ? answerBlockSize() : 0;
    const memory = platform.allocate ? platform.allocate(poolBytes + answerBytes) : undefined;
    this.pool = new Pool({ slots: o.slots, slotSize: o.slotSize, outputSize: o.outputSize }, memory);
    this.answers = new PreencodedAnswers(
      flashAnswers !== undefined
        ? flashAnswers
        : writeAnswerBlock(memory ? new Uint8Array(memory, poolBytes, answerBytes) : new Uint8Array(answerBytes)),
    );
    this.limits = { maxRequestLine: o.maxRequestLine, maxHeaderBytes: o.maxHeaderBytes, maxHeaders: o.maxHeaders };
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
      webSockets: 0,
      slotsInUse: 0,
      slotsHighWater: 0,
      slots: o.slots,
      slotBytes: o.slotSize + o.outputSize,
      uptime: 0,
    };
    this.env = new ServerEnv(this, platform, options.device ?? null);
    const params = Math.max(maxParams(this.table), 1);
    this.params = params;
    const idle = new IdleBodyParts();
    if (!(o.chainNesting >= 0 && o.chainNesting === Math.floor(o.chainNesting)))
      throw new RangeError(`server: chainNesting must be a whole number (0: no limit), got ${o.chainNesting}`);
    for (let i = 0; i < o.slots; i++) {
      const conn = new Connection(this, i, this.pool, o.maxHeaders, params, this.env, idle);
      conn.ctx.chainNesting = o.chainNesting || Infinity;
      this.connections.push(conn);
    }
    this.writer = new ResponseWriter(platform, this.counters, this.methodNames, o.outputSize);
    this.spares = new Array<SlotContext | null>(o.spareContexts).fill(null);
    this.sessionOf = new Array<WsSession | null>(o.slots).fill(null);
    this.wsRejected = wsRejectionLogger(this.counters, platform);
    if (this.app.wsRoutes.some((route) => route !== undefined)) {
      if (!(o.wsSlots >= 1 && o.wsSlots <= o.slots && o.wsSlots === Math.floor(o.wsSlots)))
        throw new RangeError(`server: wsSlots must be a whole number from 1 to slots (${o.slots}), got ${o.wsSlots}`);
      if (!(o.slotSize >= 2 * CONTROL_ROOM))
        throw new RangeError(
          `server: WebSocket routes need slotSize of at least ${2 * CONTROL_ROOM} bytes, got ${o.slotSize}`,
        );
      // Made at the upgrades that need them: most boots of a device never see a WebSocket on every session.
      this.sessionsToMake = o.wsSlots;
      this.sessions = new Array<WsSession>(o.wsSlots);
    }
    this.overflow = new Overflow(o, this.connections, this.pool, platform, this.counters, this, this.answers);
  }

  /** Starts listening; rejects with a clear message when the port is taken. */
  async start(): Promise<void> {
    if (this.listener) return;
    const port = this.options.port;
    try {
      this.listener = await this.platform.listen({ port, host: this.options.host }, this);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE')
        throw new Error(`port ${port} is already in use: stop the other server or choose another port (--port)`);
      if (code === 'EACCES') throw new Error(`not allowed to listen on port ${port}: choose a port above 1023`);
      throw error;
    }
    this.startedAt = this.platform.now();
    this.stopping = false;
    this.startTicking();
  }

  /**
   * Starts the tick. A method of its own, not a line of start(): a closure
   * keeps the scope it was made in, and start()'s, lowered for Espruino,
   * holds its promise and their callbacks (about 110 variables there, for
   * as long as the server runs).
   */
  private startTicking(): void {
    'cold'; // once, at start
    this.timer = this.platform.setTimer(() => this.tick(), this.options.tick, true);
  }

  /** The port actually listened on. */
  get listeningPort(): number {
    return this.listener ? this.listener.port : 0;
  }

  /** The counters (read-only), with the pool figures brought up to date. */
  stats(): Readonly<ServerStats> {
    const s = this.counters;
    s.slotsInUse = this.pool.inUse;
    s.slotsHighWater = this.pool.highWater;
    s.uptime = this.listener !== null ? this.platform.now() - this.startedAt : 0;
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
    this.overflow.refuseAll();
    for (let i = 0; i < this.connections.length; i++) {
      const conn = this.connections[i];
      if (conn.state === HEAD && conn.filled === 0) this.close(conn, false);
      else if (conn.state === WS) {
        // WebSocket: Close 1001 (no session while release() is ending it)
        const session = this.sessionOf[i];
        if (session !== null) session.goingAway();
      }
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
            if (this.connections[i].state !== FREE) this.close(this.connections[i], false);
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
      this.overflow.refuse(socket);
      return;
    }
    // While connections wait, a slot free now is theirs (slotFreed() hands it over from a timer): the newcomer asks after them.
    let slot = this.overflow.waiting > 0 ? -1 : this.pool.acquire();
    if (slot < 0) slot = this.overflow.admitNewcomer(socket);
    if (slot >= 0) this.attach(socket, slot);
  }

  /** A connection that waited for a slot gets one, and what it sent meanwhile is read. */
  admit(socket: Socket, slot: number): void {
    this.advance(this.attach(socket, slot), 0);
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
    conn.deadline = conn.lastActive + this.options.headerTimeout;
    return conn;
  }

  // ---- 2. read and parse ----

  /** Platform callback: bytes are waiting. */
  readable(socket: Socket): void {
    if (socket.slot < 0) return;
    const conn = this.connections[socket.slot];
    if (conn.state === HEAD && conn.filled === 0 && takeHead !== null) {
      // An engine that recognises a whole head in the socket (Espruino) takes it without the slot's parse.
      const taken = takeHead(socket, conn.input, conn.head, this.limits);
      if (taken > 0) {
        this.express(conn, taken);
        return;
      }
    }
    // Not a function of its own, though the express lane skips it token by token: each state's reader is then
    // called from here, a call level less under the app's handlers (and the function would cost the board 5 variables).
    if (conn.state === HEAD || conn.state === BODY) this.advance(conn, 0);
    else if (conn.state === WS) {
      // WebSocket: its frame pump reads (no session while release() is ending it)
      const session = this.sessionOf[socket.slot];
      if (session !== null) session.readable();
    } else if (conn.body.reader !== null && !conn.body.paused) this.pumpBody(conn);
  }

  /** Reads what fits into the slot. */
  private fill(conn: Connection): void {
    const space = conn.input.length - conn.filled;
    if (space > 0 && conn.socket !== null) conn.filled += conn.socket.read(conn.input, conn.filled, space);
  }

  /**
   * Moves a connection forward as far as the bytes at hand allow. The chain
   * runs here, in this loop, not in a method it calls: every call level the
   * engine adds under the app's handlers is one fewer for them (an ESP32's
   * Espruino has 25 KB of C stack, about 25 levels of calls). `taken`: the
   * end of a head the express lane took and recorded already, or 0.
   */
  private advance(conn: Connection, taken: number): void {
    for (;;) {
      let bodyEnd = BODY_PENDING;
      if (conn.state === HEAD) {
        // A head the express lane took is parsed already (first turn only).
        let result = taken;
        taken = 0;
        if (result === 0) {
          const before = conn.filled;
          this.fill(conn);
          if (conn.filled === 0) return;
          if (before === 0) {
            // A new head: forget the last (finishRequest() leaves it, and the express lane writes every field itself).
            conn.head.reset();
            conn.deadline = this.platform.now() + this.options.headerTimeout;
          }
          result = parseHead(conn.input, conn.filled, conn.input.length, conn.head, this.limits);
          if (result === HEAD_INCOMPLETE) return;
          if (result < 0) {
            this.fail(conn, -result);
            return;
          }
        }
        bodyEnd = this.beginBody(conn, result);
        if (bodyEnd === FAILED) return;
      }
      if (bodyEnd === BODY_PENDING && conn.state === BODY) {
        this.fill(conn);
        bodyEnd = this.bodyComplete(conn);
        if (bodyEnd <= 0) return;
      }
      if (bodyEnd > 0 && this.readyChain(conn, bodyEnd)) {
        const ctx = conn.ctx;
        let result: unknown;
        try {
          result = ctx.chain[0](ctx);
        } catch (error) {
          result = undefined;
          this.handleError(conn, error);
        }
        if (isPromiseLike(result)) {
          conn.awaiting = ctx.generation;
          ctx.awaitChain(result);
        } else {
          if (ctx.queuedFor === ctx.generation) this.dropQueued(ctx);
          this.respond(conn);
        }
      }
      if (conn.state !== HEAD) return;
    }
  }

  /**
   * The express lane: a head the engine took whole from the socket
   * (takeHead, Espruino). A GET of a route over HTTP/1.1 (no
   * body: a known header section has no Content-Length or
   * Transfer-Encoding) runs its chain here, and a small answer goes out as
   * one string and the slot is ready again, in fewer steps than advance()
   * takes, each of them advance()'s own. Anything else continues in advance()
   * from the taken head. The shared conformance cases run both ways on
   * Espruino.
   */
  private express(conn: Connection, taken: number): void {
    const head = conn.head;
    const ctx = conn.ctx;
    conn.filled = taken;
    let route: number;
    if (head.knownLine !== 0 && head.knownLine === this.routedLine && !this.stopping) {
      ctx.methodCode = METHOD_GET;
      route = this.routedRoute; // the line routed last: a GET over HTTP/1.1 of a route without parameters
    } else {
      route = this.expressRoute(conn);
      if (route < 0) {
        this.advance(conn, taken); // from here: a call level less under the app's handlers
        return;
      }
    }
    // beginBody()'s steps for a request without a body (its deadline is a body's: none to read here).
    this.counters.requests++;
    conn.bodyStart = taken;
    conn.requestEnd = taken;
    conn.route = route;
    conn.resetBody();
    this.readyChain(conn, taken);
    // The chain runs here, as in advance(): a call level less under the app's handlers.
    let result: unknown;
    try {
      result = ctx.chain[0](ctx);
    } catch (error) {
      this.handleError(conn, error); // result stays undefined
    }
    if (result !== undefined && isPromiseLike(result)) {
      conn.awaiting = ctx.generation;
      ctx.awaitChain(result);
      return;
    }
    if (ctx.queuedFor === ctx.generation) this.dropQueued(ctx);
    const res = ctx.res;
    if (res.status !== 101 && res.bodyKind !== BODY_STREAM) {
      // respond(): the answer as one string, when the engine writes it so (nothing left to flush then).
      if (this.overflow.waiting > 0) conn.keepAlive = this.overflow.veto(conn.keepAlive);
      if (this.writer.sendText(conn)) {
        this.finishRequest(conn);
        return;
      }
    }
    // An answer sendText() did not write whole (streamed, or large: the page). Not a function of its own, though
    // the common answer skips it token by token: the page would make it from flash at every request if cold.
    this.respond(conn);
    if ((conn.state as number) === HEAD) this.advance(conn, 0);
  }

  /**
   * express() for a line not routed last: its route, or a negative number
   * when it is no GET over HTTP/1.1 of a route (a 404, 405 or redirect
   * too), for advance() to take the head on.
   */
  private expressRoute(conn: Connection): number {
    'noinline';
    const head = conn.head;
    if (
      methodCode(this.table, conn.input, 0, head.methodEnd) !== METHOD_GET ||
      head.minorVersion !== 1 ||
      this.stopping
    )
      return -1;
    conn.ctx.methodCode = METHOD_GET;
    const route = this.route(conn);
    // A 404, 405 or redirect: advance()'s beginBody() finds it again.
    if (route >= 0 && head.knownLine !== 0 && this.app.params[route] === undefined) {
      // The route table is fixed: the same line finds the same route (one without parameters: no spans to keep).
      this.routedLine = head.knownLine;
      this.routedRoute = route;
    }
    return route;
  }

  /**
   * The head is complete: decide how the body is framed. Returns where the
   * body the chain gets ends when the chain is to run now (a request without
   * a body, or a streamed one), BODY_PENDING to read the body first, or
   * FAILED when the connection failed.
   */
  private beginBody(conn: Connection, headEnd: number): number {
    const head = conn.head;
    this.counters.requests++;
    conn.bodyStart = headEnd;
    conn.deadline = this.platform.now() + this.options.bodyTimeout;
    const code = methodCode(this.table, conn.input, head.start, head.methodEnd);
    if (code < 0 && !isStandardMethodBytes(conn.input, head.start, head.methodEnd)) {
      this.fail(conn, 501);
      return FAILED;
    }
    conn.ctx.methodCode = code < 0 ? UNKNOWN_METHOD : code;
    conn.route = this.route(conn);
    conn.resetBody();
    if (!head.chunked && head.contentLength <= 0) {
      // No body (most requests): the request ends with its head, and the chain runs now.
      conn.requestEnd = headEnd;
      return headEnd;
    }
    if (head.chunked) conn.ownChunked().reset(headEnd);
    if (conn.route >= 0 && this.app.streamsBody[conn.route]) {
      // The handler takes the body as it arrives (2b): run the chain now.
      const body = conn.ownBody();
      body.active = true;
      body.remaining = head.chunked ? -1 : head.contentLength;
      conn.requestEnd = headEnd;
      return headEnd;
    }
    if (
      !head.chunked &&
      (head.contentLength > this.options.maxBody || headEnd + head.contentLength > conn.input.length)
    ) {
      this.fail(conn, 413);
      return FAILED;
    }
    if (head.expectContinue && head.minorVersion === 1 && conn.filled === headEnd && conn.socket) {
      conn.socket.write(CONTINUE_RESPONSE, 0, CONTINUE_RESPONSE.length);
    }
    conn.state = BODY;
    return BODY_PENDING;
  }

  /** Where the body ends once it is all in the slot; BODY_PENDING while it is not, FAILED when it cannot be. */
  private bodyComplete(conn: Connection): number {
    const head = conn.head;
    let bodyEnd: number;
    if (head.chunked) {
      const result = conn.chunked.decode(conn.input, conn.filled, this.options.maxBody, conn.bodyStart);
      if (result < 0) {
        this.fail(conn, -result);
        return FAILED;
      }
      if (result !== CHUNKED_DONE) {
        if (conn.filled < conn.input.length) return BODY_PENDING;
        this.fail(conn, 413);
        return FAILED;
      }
      bodyEnd = conn.chunked.bodyEnd;
      conn.requestEnd = conn.chunked.readPos;
    } else {
      // A Content-Length body (a request without one runs its chain as soon as beginBody framed it).
      bodyEnd = conn.bodyStart + head.contentLength;
      if (conn.filled < bodyEnd) return BODY_PENDING;
      conn.requestEnd = bodyEnd;
    }
    return bodyEnd;
  }

  // ---- 2b. streamed bodies (streamBody() routes) ----

  /** The handler asked for the body (c.readBody): hand over what is here, then read on. */
  readBody(ctx: SlotContext, reader: PieceReader, resolve: () => void, reject: (error: unknown) => void): void {
    const conn = ctx.slot >= 0 ? this.connections[ctx.slot] : null;
    if (conn === null || conn.ctx !== ctx || ctx.detached || conn.state !== HANDLER) {
      reject(new Error('readBody: this request is over (read the body before answering, and only once)'));
      return;
    }
    const body = conn.body;
    if (!body.active) {
      // The body is in the slot already: one piece.
      let result: unknown;
      try {
        result = ctx.bodyEnd > ctx.bodyStart ? reader(conn.input, ctx.bodyStart, ctx.bodyEnd) : undefined;
      } catch (error) {
        reject(error);
        return;
      }
      if (isPromiseLike(result)) result.then(() => resolve(), reject);
      else resolve();
      return;
    }
    if (body.reader !== null || body.done) {
      reject(new Error('readBody: the body is being read, or was read, already'));
      return;
    }
    if (ctx.bodyLength > ctx.bodyLimit) {
      reject(new HttpError(413, 'the request body is larger than this route takes'));
      return;
    }
    // Bound once per connection, at its first streamed body: the continuations after a piece's promise.
    if (body.resume === null) this.bindBody(conn);
    body.reader = reader;
    body.resolve = resolve;
    body.reject = reject;
    const head = conn.head;
    if (head.expectContinue && head.minorVersion === 1 && conn.filled === conn.bodyStart && conn.socket !== null) {
      // Asked only now: a route that refuses (401, 409) answers before the client sends the body.
      conn.socket.write(CONTINUE_RESPONSE, 0, CONTINUE_RESPONSE.length);
    }
    conn.deadline = this.platform.now() + this.options.bodyTimeout;
    // The pieces come from a promise job, not from inside this call: under the handler's own calls they
    // would nest as deep again (an upload's path did not fit Espruino's 25 KB C stack on an ESP32). Paused
    // meanwhile, so data that arrives waits; a later request on this slot is never resumed by this job.
    body.paused = true;
    const generation = ctx.generation;
    Promise.resolve().then(() => {
      if (conn.ctx === ctx && ctx.generation === generation) this.resumeBody(conn);
    });
  }

  /**
   * Hands over the pieces at hand and reads more, until the body ends, the
   * socket has nothing more now, or the handler asks to wait (a promise).
   */
  private pumpBody(conn: Connection): void {
    const body = conn.body;
    const start = conn.bodyStart;
    for (;;) {
      if (body.reader === null || body.paused) return;
      if (body.pieceEnd > 0) this.reclaimPiece(conn); // the last piece's room is free now
      this.fill(conn);
      if (conn.filled === start) return; // nothing at hand: readable() calls again
      let end: number;
      let complete: boolean;
      if (body.remaining < 0) {
        const result = conn.chunked.decode(conn.input, conn.filled, MAX_STREAMED_BODY, start);
        if (result < 0) {
          this.failBody(conn, new HttpError(-result, 'the chunked request body is malformed'));
          return;
        }
        end = conn.chunked.bodyEnd;
        complete = result === CHUNKED_DONE;
        if (complete) conn.requestEnd = conn.chunked.readPos;
      } else {
        const here = conn.filled - start;
        const n = here < body.remaining ? here : body.remaining;
        end = start + n;
        body.remaining -= n;
        complete = body.remaining === 0;
        if (complete) conn.requestEnd = end; // what follows is the next request
      }
      body.pieceEnd = end;
      body.done = complete;
      if (end > start) {
        body.delivered += end - start;
        if (body.delivered > conn.ctx.bodyLimit) {
          this.failBody(conn, new HttpError(413, 'the request body is larger than this route takes'));
          return;
        }
        conn.deadline = this.platform.now() + this.options.bodyTimeout;
        let result: unknown;
        try {
          result = body.reader(conn.input, start, end);
        } catch (error) {
          this.failBody(conn, error);
          return;
        }
        if (isPromiseLike(result)) {
          body.paused = true;
          result.then(body.resume as () => void, body.fail as (error: unknown) => void);
          return;
        }
      }
      if (complete) {
        this.endBody(conn);
        return;
      }
    }
  }

  /** The room of the piece handed over is free again: raw bytes not yet decoded move down to it. */
  private reclaimPiece(conn: Connection): void {
    const body = conn.body;
    const start = conn.bodyStart;
    if (body.remaining < 0) {
      const raw = conn.chunked.readPos;
      if (raw < conn.filled) conn.input.copyWithin(start, raw, conn.filled);
      conn.filled = start + (conn.filled - raw);
      conn.chunked.rebase(start);
    } else {
      conn.filled = start; // a Content-Length body: everything read so far was body
    }
    body.pieceEnd = 0;
  }

  /**
   * The handler answers before its streamed body ended: the rest is never
   * read, so the connection closes after the answer (lingering, so the
   * client reads it), and a readBody() still waiting rejects.
   */
  private bodyUnread(conn: Connection): void {
    'cold'; // when a handler left its body unread: kept in flash on Espruino until called
    if (conn.body.done && conn.body.reader === null) return;
    this.failBody(conn, new Error('readBody: the response was sent before the request body ended'));
    conn.body.active = false;
  }

  /** The promise of the last piece settled: go on. */
  private resumeBody(conn: Connection): void {
    const body = conn.body;
    if (!body.paused || body.reader === null) return;
    body.paused = false;
    if (body.done) this.endBody(conn);
    else this.pumpBody(conn);
  }

  /**
   * Makes the continuations after a piece's promise for `conn`, kept for its
   * life. In a function of their own: made in readBody() they would keep that
   * call's reader alive as long as the connection (Espruino keeps a
   * closure's whole scope), and with it whatever the reader holds (on
   * Espruino the OTA module, about 1,700 variables).
   */
  private bindBody(conn: Connection): void {
    const body = conn.body;
    body.resume = () => this.resumeBody(conn);
    body.fail = (error: unknown) => this.failBody(conn, error);
  }

  /** The whole body was handed over: readBody() resolves. */
  private endBody(conn: Connection): void {
    const body = conn.body;
    const resolve = body.resolve;
    body.reader = null;
    body.resolve = null;
    body.reject = null;
    body.active = false;
    if (resolve !== null) resolve();
  }

  /** The body cannot go on: readBody() rejects, and the connection closes after its answer (the rest is unread). */
  private failBody(conn: Connection, error: unknown): void {
    'cold';
    const body = conn.body;
    const reject = body.reject;
    body.reader = null;
    body.resolve = null;
    body.reject = null;
    body.paused = false;
    conn.keepAlive = false;
    conn.closeAfterWrite = true;
    if (reject !== null) reject(error);
  }

  // ---- 3. route and run the chain ----

  /** The route of the request whose head was just parsed: its index, or a MATCH_* code. */
  private route(conn: Connection): number {
    const head = conn.head;
    const code = conn.ctx.methodCode;
    if (code !== UNKNOWN_METHOD)
      return matchRoute(this.table, code, conn.input, head.pathStart, head.pathEnd, conn.ctx.paramSpans, this.matcher);
    return allowedMethods(this.table, conn.input, head.pathStart, head.pathEnd) !== 0 ? MATCH_METHOD_NOT_ALLOWED : -1;
  }

  /**
   * Readies the context for the request's chain (advance() runs it); false
   * when the answer needs no chain (a trailing-slash redirect, sent here).
   * What most requests skip is in functions of their own, kept in flash
   * on Espruino ('cold'): it reads the code it passes token by token.
   */
  private readyChain(conn: Connection, bodyEnd: number): boolean {
    'inline'; // every request runs it: on Espruino written into its two callers (a call saved)
    const head = conn.head;
    const ctx = conn.ctx;
    ctx.beginRequest();
    ctx.bodyStart = conn.bodyStart;
    ctx.bodyEnd = bodyEnd;
    ctx.isHead = ctx.methodCode === METHOD_HEAD;
    if (ctx.methodCode >= STANDARD_METHOD_COUNT) this.nameCustomMethod(conn); // UNKNOWN_METHOD too
    conn.keepAlive =
      !this.stopping && (head.minorVersion === 1 ? (head.connection & CONNECTION_CLOSE) === 0 : http10KeepsOpen(head));
    conn.state = HANDLER;
    ctx.bodyStreamed = conn.body.active;
    const route = conn.route;
    if (route < 0) return this.readyUnrouted(conn, route);
    ctx.paramNames = this.app.params[route] || EMPTY;
    ctx.chain = this.app.chains[route];
    return true;
  }

  /** readyChain() for a method outside the standard ones: its name, for ctx.method. */
  private nameCustomMethod(conn: Connection): void {
    'cold'; // rare: kept in flash on Espruino until called
    const ctx = conn.ctx;
    ctx.customMethod =
      ctx.methodCode === UNKNOWN_METHOD
        ? decodeLatin1(conn.input, conn.head.start, conn.head.methodEnd, this.text)
        : this.nameMethods()[ctx.methodCode];
  }

  /** readyChain() for a request no route took: a 405, a trailing-slash redirect (sent here: false) or a 404. */
  private readyUnrouted(conn: Connection, route: number): boolean {
    'cold'; // no route's answers: kept in flash on Espruino until called
    const head = conn.head;
    const ctx = conn.ctx;
    ctx.paramNames = EMPTY;
    if (route === MATCH_METHOD_NOT_ALLOWED) {
      this.nameMethods(); // the Allow list names them
      ctx.res.allowMask = allowedMethods(this.table, conn.input, head.pathStart, head.pathEnd);
      ctx.chain = this.app.methodNotAllowed;
    } else if (
      (route === MATCH_ADD_SLASH || route === MATCH_REMOVE_SLASH) &&
      this.app.redirectTrailingSlash &&
      !offSiteLocation(conn.input, head.pathStart, head.pathEnd)
    ) {
      ctx.res.status = ctx.methodCode === METHOD_GET || ctx.methodCode === METHOD_HEAD ? 301 : 308;
      ctx.res.committed = true;
      this.redirect(conn, route === MATCH_ADD_SLASH);
      return false;
    } else ctx.chain = this.app.notFound;
    return true;
  }

  /**
   * The names of the table's method codes, decoded into methodNames (which
   * the response writer's plan shares) the first time a request needs them:
   * most devices never see a custom method or send a 405, and on Espruino
   * each name costs variables for as long as the server runs.
   */
  private nameMethods(): string[] {
    'cold'; // a custom method or a 405: made from flash at each call on Espruino
    const names = this.methodNames;
    if (names.length === 0) {
      const methods = methodCount(this.table);
      for (let code = 0; code < methods; code++) names.push(methodName(this.table, code));
    }
    return names;
  }

  /** An async chain finished (or failed). */
  handlerSettled(ctx: SlotContext, error: unknown, failed: boolean): void {
    if (ctx.detached) {
      // An abandoned chain ended: its context becomes a spare again. Its failure is still a failure.
      if (failed) {
        this.counters.errors++;
        this.platform.log(`chipweb: handler error after timeout() answered ${ctx.method}: ${describeError(error)}`);
      }
      ctx.detached = false;
      ctx.res.clearAll();
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
    if (ctx.queuedFor === ctx.generation) this.dropQueued(ctx);
    if (failed) this.handleError(conn, error);
    this.respond(conn);
    if ((conn.state as number) === HEAD) this.advance(conn, 0);
  }

  /**
   * The chain ended with its next handler still waiting in a promise job
   * (chainNesting): a middleware called c.next() without returning or
   * awaiting it. The job is cancelled, so nothing runs for a request that is
   * answered, and the app hears why.
   */
  private dropQueued(ctx: SlotContext): void {
    'cold'; // when a late chain settles: kept in flash on Espruino until called
    ctx.queuedFor = -1;
    this.platform.log(
      `chipweb: the chain of ${ctx.method} ${ctx.path} ended before its next handler ran: a middleware must return or await c.next() (chainNesting)`,
    );
  }

  /** Answers now for a running async chain (the timeout middleware, through c.abandon()). */
  abandon(ctx: SlotContext, status: number, body: string): boolean {
    if (ctx.slot < 0) return false;
    const conn = this.connections[ctx.slot];
    if (conn.ctx !== ctx || conn.state !== HANDLER || conn.awaiting !== ctx.generation) return false;
    if (this.spareCount === 0 && this.sparesMade < this.options.spareContexts) {
      // The first abandoned chains make the spares, once each (they come back when their chain settles).
      const spare = new SlotContext(-1, conn.input, conn.head, this.params, this.env, this);
      spare.chainNesting = conn.ctx.chainNesting; // as every slot's context
      this.spares[this.spareCount++] = spare;
      this.sparesMade++;
    }
    if (this.spareCount === 0) {
      // No spare: answer and close; the slot is freed when the chain settles.
      ctx.text(body, status);
      conn.keepAlive = false;
      this.respond(conn);
      return true;
    }
    const spare = this.spares[--this.spareCount] as SlotContext;
    this.spares[this.spareCount] = spare; // keep the array dense; the entry is reused on return
    ctx.detached = true;
    ctx.res.committed = true; // late writes are dropped
    // The slot's bytes and head are the spare's now, and soon another request's (another client's, perhaps):
    // from here on the late chain reads an empty request.
    if (this.emptyHead === null || this.emptyBytes === null) {
      this.emptyHead = new RequestHead(0);
      this.emptyBytes = new Uint8Array(0);
    }
    ctx.bytes = this.emptyBytes;
    ctx.head = this.emptyHead;
    ctx.paramSpans.fill(0);
    ctx.bodyStart = 0;
    ctx.bodyEnd = 0;
    spare.slot = conn.slot;
    spare.bytes = conn.input;
    spare.head = conn.head;
    spare.beginRequest();
    spare.methodCode = ctx.methodCode;
    spare.isHead = ctx.isHead;
    spare.remoteAddress = ctx.remoteAddress;
    conn.ctx = spare;
    conn.awaiting = -1;
    spare.text(body, status);
    this.respond(conn);
    if ((conn.state as number) === HEAD) this.advance(conn, 0);
    return true;
  }

  /** Turns what a handler threw into the answer: its HttpError, onError's, or a logged 500. */
  private handleError(conn: Connection, error: unknown): void {
    'cold';
    const ctx = conn.ctx;
    if (ctx.res.bodyKind === BODY_STREAM) {
      // The head is out: close without the last chunk, which tells the client the stream failed.
      conn.keepAlive = false;
      conn.streamEnding = true;
      this.counters.errors++;
      this.platform.log(`chipweb: handler error in the stream of ${ctx.method} ${ctx.path}: ${describeError(error)}`);
      return;
    }
    // The answer goes; the header lines middleware set (CORS …) stay, so a browser can read the error.
    ctx.res.clearAnswer();
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
      ctx.res.clearAnswer();
    }
    if (error instanceof HttpError) {
      ctx.text(error.message + '\n', error.status);
      return;
    }
    this.counters.errors++;
    this.platform.log(`chipweb: handler error on ${ctx.method} ${ctx.path}: ${describeError(error)}`);
    ctx.text(INTERNAL_ERROR_BODY, 500);
  }

  // ---- 4. encode and write the response ----

  /** The chain has answered: encode the response and start writing it. */
  private respond(conn: Connection): void {
    if (conn.body.active) this.bodyUnread(conn);
    const ctx = conn.ctx;
    if (ctx.res.status === 101 && conn.route >= 0 && this.app.wsRoutes[conn.route] !== undefined) {
      // WebSocket: the chain passed the handshake (upgradeHandler); a free session answers 101 and takes the slot.
      let session: WsSession;
      if (this.freeSessions > 0) session = this.sessions[--this.freeSessions];
      else if (this.sessionsToMake > 0) {
        this.sessionsToMake--;
        if (this.acceptHasher === null) this.acceptHasher = new AcceptHasher();
        session = new WsSession(conn, this, this.acceptHasher);
      } else {
        this.fail(conn, 503); // every WebSocket session is taken (wsSlots)
        return;
      }
      this.sessionOf[conn.slot] = session;
      session.begin(conn, this.app.wsRoutes[conn.route] as WsRoute);
      return;
    }
    if (ctx.res.bodyKind === BODY_STREAM) {
      // The head went out in beginStream; the stream stays open until end().
      if (conn.state !== HANDLER || !this.write(conn)) return;
      if (conn.streamEnding) this.finishRequest(conn);
      else conn.state = STREAM;
      return;
    }
    conn.keepAlive = this.keepAliveNow(conn.keepAlive);
    this.writer.encode(conn, false);
    if (this.write(conn)) this.finishRequest(conn);
  }

  /** A trailing-slash redirect: Location is the request's own path with '/' added or removed. */
  private redirect(conn: Connection, addSlash: boolean): void {
    const head = conn.head;
    conn.keepAlive = this.keepAliveNow(conn.keepAlive);
    const pathEnd = addSlash ? head.pathEnd : head.pathEnd - 1;
    this.writer.redirectTo(conn.keepAlive, conn.input, head.pathStart, pathEnd, addSlash, head.targetEnd);
    this.writer.encode(conn, true);
    if (this.write(conn)) this.finishRequest(conn);
  }

  /** Keep-alive, unless the server is stopping or a connection waits for this slot (the veto). */
  private keepAliveNow(keepAlive: boolean): boolean {
    if (this.stopping) return false;
    return this.overflow.veto(keepAlive);
  }

  /** Writes what the socket takes; false while some waits for room (WRITE state, with its deadline). */
  private write(conn: Connection): boolean {
    if (this.writer.flush(conn)) return true;
    if (conn.socket !== null && conn.state !== WRITE) {
      conn.state = WRITE;
      conn.deadline = this.platform.now() + this.options.writeTimeout;
      conn.progress = 0;
    }
    return false;
  }

  /**
   * A slow reader keeps its connection while it takes an output area's
   * worth per writeTimeout: the deadline moves on. One that trickles (a
   * slow-read attack on a slot) is closed at the deadline set before.
   */
  keepWriting(conn: Connection): void {
    if (conn.progress < conn.output.length) return;
    conn.progress = 0;
    conn.deadline = this.platform.now() + this.options.writeTimeout;
  }

  /** Platform callback: the socket has room again. */
  writable(socket: Socket): void {
    if (socket.slot === REFUSING) {
      this.overflow.refuse(socket);
      return;
    }
    if (socket.slot < 0) return;
    const conn = this.connections[socket.slot];
    if (conn.state === WS) {
      const session = this.sessionOf[socket.slot]; // WebSocket: frames waiting
      if (session !== null) session.writable();
      return;
    }
    if (conn.state !== WRITE) return;
    if (!this.writer.flush(conn)) {
      this.keepWriting(conn);
      return;
    }
    if (conn.streaming && !conn.streamEnding) {
      conn.state = STREAM;
      return;
    }
    this.finishRequest(conn);
    if ((conn.state as number) === HEAD) this.advance(conn, 0);
  }

  // ---- 5. next request, idle, or close ----

  /** The response is out: close, or keep the connection for the next request. */
  private finishRequest(conn: Connection): void {
    'inline'; // every request runs it: on Espruino written into its callers (a call saved)
    conn.streaming = false;
    conn.streamEnding = false;
    conn.served++;
    if (!conn.keepAlive || conn.closeAfterWrite || this.stopping) {
      // An error answer (fail) may leave part of the request unread: linger. Otherwise the request was read whole.
      this.close(conn, conn.closeAfterWrite);
      return;
    }
    if (conn.filled > conn.requestEnd) this.keepPipelined(conn);
    else conn.filled = 0;
    conn.requestEnd = 0;
    conn.state = HEAD;
    conn.lastActive = this.platform.now();
    conn.deadline = conn.lastActive + (conn.filled > 0 ? this.options.headerTimeout : this.options.idleTimeout);
  }

  /** finishRequest() for a slot that holds the start of the next request (pipelined): moved to the front. */
  private keepPipelined(conn: Connection): void {
    'cold'; // pipelining is rare: kept in flash on Espruino until called
    conn.input.copyWithin(0, conn.requestEnd, conn.filled);
    conn.filled -= conn.requestEnd;
    conn.head.reset(); // the next head has begun: advance() parses on from here
  }

  /** Answers a preencoded error and closes after it is written. */
  fail(conn: Connection, status: number): void {
    this.counters.responses[(status / 100) | 0]++;
    if (status === 408) this.counters.timeouts++;
    conn.keepAlive = false;
    conn.closeAfterWrite = true;
    this.writer.preencoded(conn, this.answers.bytes, this.answers.start(status), this.answers.end(status));
    conn.state = WRITE;
    conn.deadline = this.platform.now() + this.options.writeTimeout;
    if (this.writer.flush(conn)) this.close(conn, true);
  }

  /**
   * Closes the socket and frees the slot (later, if an async handler still
   * runs). `linger`: the last response said Connection: close before the
   * request was read to its end, so the socket lingers to discard what the
   * client still sends (Socket.close).
   */
  close(conn: Connection, linger: boolean): void {
    if (conn.body.reader !== null)
      this.failBody(conn, new HttpError(400, 'the client went away before the request body ended'));
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
      this.overflow.forget(socket);
      return;
    }
    if (socket.slot < 0) return;
    const conn = this.connections[socket.slot];
    socket.slot = NO_SLOT;
    conn.socket = null;
    this.close(conn, false);
  }

  /** Frees the slot, and hands it to a connection waiting for one. */
  private release(conn: Connection): void {
    if (!this.pool.isTaken(conn.slot)) return;
    const session = this.sessionOf[conn.slot];
    if (session !== null) {
      // WebSocket: its close handler hears 1006 if nothing was said; the session is free again.
      // Unbound first: a close handler that calls stop() must not reach the session being ended.
      this.sessionOf[conn.slot] = null;
      session.end();
      this.sessions[this.freeSessions++] = session;
    }
    conn.state = FREE;
    conn.filled = 0;
    conn.outPos = 0;
    conn.outLen = 0;
    conn.bodyString = '';
    conn.bodyChar = 0;
    conn.bodyBytes = undefined;
    conn.streaming = false;
    conn.streamEnding = false;
    conn.streamFraming = FRAMING_CHUNKED;
    conn.ctx.generation++; // late writes from a stream or handler now miss
    conn.ctx.res.clearAll();
    this.pool.release(conn.slot);
    if (this.stopWaiter !== null && this.pool.inUse === 0) this.stopWaiter();
    if (!this.stopping) this.overflow.slotFreed();
  }

  // ---- timeouts ----

  private tick(): void {
    const now = this.platform.now();
    this.overflow.tick(now);
    for (let i = 0; i < this.connections.length; i++) {
      const conn = this.connections[i];
      if (conn.state === WS) {
        const session = this.sessionOf[i]; // WebSocket: ping when idle, drop when silent
        if (session !== null) session.tick(now);
        continue;
      }
      if (conn.state === HANDLER && conn.body.reader !== null && !conn.body.paused && now >= conn.deadline) {
        this.counters.timeouts++;
        this.failBody(conn, new HttpError(408, 'the request body arrived too slowly'));
        continue;
      }
      if (conn.state === FREE || conn.state === HANDLER || conn.state === STREAM || now < conn.deadline) continue;
      if (conn.state === HEAD && conn.filled === 0) {
        this.close(conn, false); // idle keep-alive (or a connection that never sent a byte)
      } else if (conn.state === HEAD || conn.state === BODY) {
        this.fail(conn, 408);
      } else {
        this.counters.timeouts++;
        this.close(conn, false); // WRITE: the client stopped reading
      }
    }
  }

  // ---- streamed responses (through the Context) ----

  /** Sends the head of a streamed response. */
  beginStream(c: SlotContext): void {
    const conn = this.connections[c.slot];
    if (conn.socket === null) return;
    if (conn.body.active) this.bodyUnread(conn);
    conn.keepAlive = this.keepAliveNow(conn.keepAlive);
    this.writer.openStream(conn);
    this.write(conn);
  }

  /** Sends one chunk of a streamed response; false when it was not queued. */
  writeStream(c: SlotContext, data: string | Uint8Array): boolean {
    const conn = this.connections[c.slot];
    if (conn.socket === null || !this.writer.chunk(conn, data)) return false;
    if (this.write(conn) && conn.state === WRITE) conn.state = STREAM;
    return true;
  }

  /** Ends a streamed response with the last chunk. */
  endStream(c: SlotContext): void {
    const conn = this.connections[c.slot];
    if (conn.socket === null || !conn.streaming || conn.streamEnding) return;
    const behind = conn.outPos < conn.outLen;
    this.writer.endStream(conn);
    if (behind || conn.state === HANDLER) return; // writable() or respond() sends it
    if (this.write(conn)) {
      this.finishRequest(conn);
      if (conn.state === HEAD) this.advance(conn, 0);
    }
  }
}

/**
 * Whether an HTTP/1.0 request's connection stays open after its answer: it
 * asked for keep-alive, and its body was not chunked (chunked framing is
 * HTTP/1.1's: the framing may be faulty, so close after answering, RFC 9112 §6.1).
 */
function http10KeepsOpen(head: RequestHead): boolean {
  'cold'; // HTTP/1.0 is rare: kept in flash on Espruino until called
  return (head.connection & CONNECTION_KEEP_ALIVE) !== 0 && (head.connection & CONNECTION_CLOSE) === 0 && !head.chunked;
}

/**
 * Whether the path bytes[start, end), sent back as a Location, would take a
 * browser to another site: `//evil.com/` or `/\\evil.com/` (browsers read a
 * backslash as a slash) is a protocol-relative URL. Such a path gets no
 * trailing-slash redirect (an open redirect), only the 404 it would get
 * without one.
 */
function offSiteLocation(bytes: Uint8Array, start: number, end: number): boolean {
  'cold';
  return end - start > 1 && (bytes[start + 1] === 47 || bytes[start + 1] === 92);
}

/** What handlers get as `c.env`: methods rather than closures (on a board they stay in flash with the core). */
class ServerEnv implements Env {
  constructor(
    private readonly engine: Engine,
    readonly platform: Platform,
    readonly device: Device | null,
  ) {}

  get text(): TextScratch {
    return this.engine.text;
  }

  stats(): Readonly<ServerStats> {
    return this.engine.stats();
  }

  countError(): void {
    'cold';
    this.engine.counters.errors++;
  }
}

/** Serves a compiled App on a Platform within a fixed memory budget. */
export class Server {
  /** The platform this server runs on. */
  readonly platform: Platform;
  /** The buffer pool. */
  readonly pool: Pool;
  /** What handlers get as `c.env`. */
  readonly env: Env;
  /** How this server finds routes: 'code' with a `routeMatcher`, else 'table'. */
  readonly router: RouterMode;
  private readonly engine: Engine;

  /** Sets up the pool and every per-slot object; nothing listens yet. */
  constructor(app: App, platform: Platform, options: ServerOptions = {}) {
    const engine = new Engine(app, platform, options);
    this.engine = engine;
    this.platform = platform;
    this.pool = engine.pool;
    this.env = engine.env;
    this.router = engine.router;
  }

  /** Starts listening; rejects with a clear message when the port is taken. */
  start(): Promise<void> {
    return this.engine.start();
  }

  /** The port actually listened on (0 before start()). */
  get listeningPort(): number {
    return this.engine.listeningPort;
  }

  /** The counters (read-only), with the pool figures brought up to date. */
  stats(): Readonly<ServerStats> {
    return this.engine.stats();
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`,
   * then closes whatever is left. Resolves when every slot is free.
   */
  stop(graceMs = 5000): Promise<void> {
    return this.engine.stop(graceMs);
  }
}

/** No params (frozen: it stays in flash on the board). */
const EMPTY: readonly string[] = Object.freeze([]);

/** Methods the server knows even without a route for them (405/404 rather than 501). */
function isStandardMethodBytes(bytes: Uint8Array, start: number, end: number): boolean {
  'cold';
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
