/**
 * Clients for the Moddable harness and benchmark, over real sockets on
 * 127.0.0.1:
 * - wrk (the load generator the figures come from), with a Lua
 *   script that counts answers by status, so a 503 a client received is
 *   told apart from a socket error;
 * - a counted client: N connections each making requests one after the
 *   other until a total is reached, finishing what is in flight, so every
 *   answer and every error is accounted for exactly (wrk stops mid-request
 *   at the end of its run);
 * - clients that reset (RST) or vanish (FIN) in the middle of a request;
 * - a WebSocket client (the `ws` package) that sends messages one after
 *   the other and collects the answers, and a streamed upload.
 *
 * Never: retry (a retry would hide an error the server caused); sleep for
 * a fixed time where a condition can be waited on.
 */
import { writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { run } from './builds.ts';

/** What one wrk run reported. */
export interface WrkResult {
  /** The command, to reproduce. */
  command: string;
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  /** Socket errors: connect, read, write, timeout. */
  errors: { connect: number; read: number; write: number; timeout: number };
  /** Answers by status (from the Lua script). */
  statuses: Record<string, number>;
  /** Socket errors in total. */
  errorCount: number;
}

const WRK_SCRIPT = `-- chipweb harness: counts answers by status in every thread, prints them at the end.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("status %d %d\\n", k, v)) end
end
`;

/** Runs wrk against `url`; `close`: every request says Connection: close. */
export async function wrk(
  url: string,
  options: { connections: number; seconds: number; close?: boolean; threads?: number },
): Promise<WrkResult> {
  const script = join(tmpdir(), 'chipweb-wrk-status.lua');
  writeFileSync(script, WRK_SCRIPT);
  const threads = Math.min(options.threads ?? 2, options.connections);
  const args = [`-t${threads}`, `-c${options.connections}`, `-d${options.seconds}s`, '-s', script];
  if (options.close) args.push('-H', 'Connection: close');
  args.push(url);
  const result = await run('wrk', args);
  if (result.code !== 0) throw new Error(`wrk failed (exit ${result.code}):\n${result.output}`);
  return parseWrk(result.output, `wrk ${args.join(' ').replace(script, 'status.lua')}`, options);
}

/** Reads wrk's summary. */
export function parseWrk(
  output: string,
  command: string,
  options: { connections: number; seconds: number },
): WrkResult {
  const number = (re: RegExp) => {
    const m = re.exec(output);
    return m ? Number(m[1]) : 0;
  };
  const errors = { connect: 0, read: 0, write: 0, timeout: 0 };
  const m = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (m) {
    errors.connect = Number(m[1]);
    errors.read = Number(m[2]);
    errors.write = Number(m[3]);
    errors.timeout = Number(m[4]);
  }
  const statuses: Record<string, number> = {};
  for (const s of output.matchAll(/^status (\d+) (\d+)$/gm)) statuses[s[1]] = Number(s[2]);
  return {
    command,
    connections: options.connections,
    seconds: options.seconds,
    requests: number(/(\d+) requests in/),
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    errors,
    statuses,
    errorCount: errors.connect + errors.read + errors.write + errors.timeout,
  };
}

/** What the counted client saw. */
export interface CountedResult {
  /** Answers by status. */
  statuses: Record<string, number>;
  /** Requests that ended in an error, by kind (reset, closed without an answer, timeout…). */
  errors: Record<string, number>;
  /** Requests made. */
  requests: number;
  /** Connections opened. */
  connections: number;
  /** Milliseconds the run took. */
  ms: number;
}

/**
 * `clients` connections make `total` requests for `path` in all, one after
 * the other on each connection (keep-alive unless `close`), opening a new
 * connection when the server closes one. Every request ends in an answer
 * or an error; nothing is retried.
 */
export async function counted(
  port: number,
  options: { clients: number; total: number; path?: string; close?: boolean; timeoutMs?: number },
): Promise<CountedResult> {
  const result: CountedResult = { statuses: {}, errors: {}, requests: 0, connections: 0, ms: 0 };
  const started = Date.now();
  let issued = 0;
  const request = Buffer.from(
    `GET ${options.path ?? '/'} HTTP/1.1\r\nHost: chipweb\r\n${options.close ? 'Connection: close\r\n' : ''}\r\n`,
    'latin1',
  );
  const client = async (): Promise<void> => {
    let socket: HttpConnection | null = null;
    while (issued < options.total) {
      issued++;
      result.requests++;
      if (socket === null || socket.closed) {
        socket = await HttpConnection.open(port);
        result.connections++;
      }
      const answer = await socket.exchange(request, options.timeoutMs ?? 10000);
      if (answer.status > 0) {
        result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
        if (answer.close) socket.end();
      } else {
        result.errors[answer.error] = (result.errors[answer.error] ?? 0) + 1;
        socket.end();
      }
    }
    socket?.end();
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  result.ms = Date.now() - started;
  return result;
}

/** One answer, or why there was none. */
interface Answer {
  status: number;
  close: boolean;
  error: string;
  body: string;
}

/** A client connection that reads one HTTP/1.1 answer (Content-Length framed) per request. */
class HttpConnection {
  closed = false;
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private failure = '';

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure = error.code ?? error.message;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<HttpConnection> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      const connection = new HttpConnection(socket);
      socket.once('connect', () => resolve(connection));
      socket.once('error', () => resolve(connection)); // the exchange reports it
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  async exchange(request: Buffer, timeoutMs: number): Promise<Answer> {
    if (this.closed) return { status: 0, close: true, error: this.failure || 'closed before the request', body: '' };
    this.socket.write(request);
    return this.answer(Date.now() + timeoutMs);
  }

  /** Writes `head`, then each of `parts` once the socket has taken the one before, and reads the answer. */
  async upload(head: Buffer, parts: Buffer[], timeoutMs: number): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    for (const part of [head, ...parts]) {
      if (this.closed || this.failure) break; // answered early (an error) or gone: the answer says which
      await new Promise<void>((resolve) => this.socket.write(part, () => resolve()));
    }
    return this.answer(deadline);
  }

  /** Waits for one complete answer until `deadline`. */
  private async answer(deadline: number): Promise<Answer> {
    for (;;) {
      const answer = this.parse();
      if (answer) return answer;
      if (this.closed || this.failure) {
        const error = this.failure || (this.buffer.length > 0 ? 'closed mid-answer' : 'closed without an answer');
        return { status: 0, close: true, error, body: '' };
      }
      const left = deadline - Date.now();
      if (left <= 0) return { status: 0, close: true, error: 'timeout', body: '' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Takes one complete answer off the buffer. */
  private parse(): Answer | null {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const total = end + 4 + (length ? Number(length[1]) : 0);
    if (this.buffer.length < total) return null;
    const body = this.buffer.subarray(end + 4, total).toString('utf8');
    this.buffer = this.buffer.subarray(total);
    const status = Number(head.slice(9, 12));
    return { status, close: /\r\nconnection: *close/i.test(head), error: '', body };
  }

  end(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/**
 * Clients that leave in the middle of an exchange, `count` at once:
 * 'reset' and 'vanish' send part of a head, then reset the connection (RST,
 * as a killed process or wrk at the end of a run does) or close it (FIN);
 * 'reset-answer' asks for the page and resets as its first bytes arrive
 * (on lin the answer takes several polls to write). Resolves once every
 * client is gone.
 */
export async function leavingClients(
  port: number,
  count: number,
  how: 'reset' | 'vanish' | 'reset-answer',
): Promise<void> {
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            if (how === 'reset-answer') {
              socket.write('GET / HTTP/1.1\r\nHost: chipweb\r\n\r\n');
              socket.once('data', () => socket.resetAndDestroy());
              return;
            }
            socket.write('GET /api/status HTTP/1.1\r\nHost: chipweb\r\nX-Half: ');
            setTimeout(() => {
              if (how === 'reset') socket.resetAndDestroy();
              else socket.end();
            }, 100);
          });
          socket.on('error', () => {});
          socket.on('close', () => resolve());
        }),
    ),
  );
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GET `path` (Connection: close) and parse the JSON answer. */
export async function getJson<T>(port: number, path: string): Promise<T> {
  const connection = await HttpConnection.open(port);
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: chipweb\r\nConnection: close\r\n\r\n`, 'latin1');
  const answer = await connection.exchange(request, 10000);
  connection.end();
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status || answer.error}`);
  return JSON.parse(answer.body) as T;
}

/** What a WebSocket exchange saw. */
export interface WsExchange {
  /** Messages received, in order (text as strings, binary as Buffers). */
  received: (string | Buffer)[];
  /** The close code the client saw, and what went wrong ('' when nothing did). */
  code: number;
  error: string;
}

/**
 * Opens a WebSocket on `path`, waits for `greeting` messages the server
 * sends on its own, then sends each of `messages` and waits for `replies`
 * answers to each before the next (0: none), and closes with 1000.
 * Resolves once the socket is closed, whatever happened; nothing is retried.
 */
export function webSocketExchange(
  port: number,
  path: string,
  options: { messages: (string | Buffer)[]; replies: number; greeting?: number; timeoutMs?: number },
): Promise<WsExchange> {
  return new Promise((resolve) => {
    const result: WsExchange = { received: [], code: 0, error: '' };
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    let next = 0;
    let due = options.greeting ?? 0;
    const timer = setTimeout(() => {
      result.error = `timeout after ${result.received.length} messages`;
      socket.terminate();
    }, options.timeoutMs ?? 20000);
    const sendNext = () => {
      if (next >= options.messages.length) {
        socket.close(1000);
        return;
      }
      due = options.replies;
      socket.send(options.messages[next++]);
      if (due === 0) sendNext();
    };
    socket.on('open', () => {
      if (due === 0) sendNext();
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      result.received.push(isBinary ? data : data.toString('utf8'));
      if (--due === 0) sendNext();
    });
    socket.on('unexpected-response', (_request, response) => {
      result.error = `unexpected response ${response.statusCode}`;
      socket.terminate();
    });
    socket.on('error', (error: Error) => {
      if (!result.error) result.error = error.message;
    });
    socket.on('close', (code: number) => {
      clearTimeout(timer);
      result.code = code;
      resolve(result);
    });
  });
}

/**
 * POSTs `body` to `path` in pieces of the given sizes (cycled), each
 * written when the socket has taken the last, with Content-Length (or
 * chunked, when `chunked`), and returns the answer's status and body.
 */
export async function streamedUpload(
  port: number,
  path: string,
  body: Uint8Array,
  options: { pieces: number[]; chunked?: boolean; headers?: string; timeoutMs?: number },
): Promise<{ status: number; body: string; error: string }> {
  const connection = await HttpConnection.open(port);
  const head =
    `POST ${path} HTTP/1.1\r\nHost: chipweb\r\nConnection: close\r\n${options.headers ?? ''}` +
    (options.chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${body.length}\r\n\r\n`);
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = Math.min(options.pieces[i % options.pieces.length], body.length - at);
    const piece = Buffer.from(body.buffer, body.byteOffset + at, n);
    parts.push(
      options.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece,
    );
    at += n;
  }
  if (options.chunked) parts.push(Buffer.from('0\r\n\r\n'));
  const answer = await connection.upload(Buffer.from(head, 'latin1'), parts, options.timeoutMs ?? 30000);
  connection.end();
  return { status: answer.status, body: answer.body, error: answer.error };
}
