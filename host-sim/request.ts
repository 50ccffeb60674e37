/**
 * request(): one HTTP exchange with an App in memory, for tests, as Hono's
 * `app.request()` is. The request goes through the real parser, router,
 * middleware chain and response writer on the in-memory platform, so what
 * comes back is exactly what a client would receive (status, headers, body
 * bytes), with no socket and no port.
 *
 *   const res = await request(app, 'POST /users', { json: { name: 'ada' } });
 *   res.status; res.headers['content-type']; res.json();
 *
 * Time is virtual: while the handler waits on a platform timer, the clock
 * jumps to the next timer, so a handler that sleeps 5 s answers at once.
 *
 * Never: answer anything the server did not write; hide a malformed response.
 */
import type { App } from '../src/app.ts';
import type { Device } from '../src/device.ts';
import { Server } from '../src/server.ts';
import type { ServerOptions } from '../src/server.ts';
import { MemoryPlatform } from './memory-platform.ts';

/** What to send. */
export interface RequestInit {
  /** Request headers (Host and Content-Length are added when missing). */
  headers?: Record<string, string>;
  /** The body, as text (UTF-8) or bytes. */
  body?: string | Uint8Array;
  /** A value to send as a JSON body (sets Content-Type: application/json). */
  json?: unknown;
}

/** How the in-memory server is set up; one server per App and setup is reused. */
export interface RequestSetup extends ServerOptions {
  /** The device handlers see as `c.env.device` (e.g. a SimDevice). */
  device?: Device | null;
  /** Assets served from "flash", by name. */
  assets?: { [name: string]: Uint8Array };
  /** Most virtual milliseconds to wait for the answer (default 60000). */
  wait?: number;
}

/** What came back. */
export interface TestResponse {
  /** The status code. */
  status: number;
  /** Response headers, names in lower case (repeated ones joined with ", "). */
  headers: Record<string, string>;
  /** The body bytes (chunked framing removed). */
  bytes: Uint8Array;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

interface Harness {
  platform: MemoryPlatform;
  server: Server;
  ready: Promise<void>;
}

const harnesses = new WeakMap<App, Harness>();

/**
 * Sends `target` ("POST /users", or "/users" for a GET) to `app` and
 * resolves with the response. `setup` is used when this App has no server
 * yet; later calls reuse it, so state kept by the app carries over.
 */
export async function request(
  app: App,
  target: string,
  init: RequestInit = {},
  setup: RequestSetup = {},
): Promise<TestResponse> {
  const space = target.indexOf(' ');
  const method = space > 0 ? target.slice(0, space).toUpperCase() : 'GET';
  const path = space > 0 ? target.slice(space + 1) : target;
  if (!path.startsWith('/') && path !== '*') throw new TypeError(`request: "${target}" needs a path starting with /`);

  let harness = harnesses.get(app);
  if (harness === undefined) {
    const platform = new MemoryPlatform({ assets: setup.assets });
    const server = new Server(app, platform, { port: 80, ...setup });
    harness = { platform, server, ready: server.start() };
    harnesses.set(app, harness);
  }
  await harness.ready;

  const body =
    init.json !== undefined
      ? new TextEncoder().encode(JSON.stringify(init.json))
      : typeof init.body === 'string'
        ? new TextEncoder().encode(init.body)
        : (init.body ?? new Uint8Array(0));
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  if (!has('host')) headers.Host = 'localhost';
  if (init.json !== undefined && !has('content-type')) headers['Content-Type'] = 'application/json';
  if (
    (body.length > 0 || method === 'POST' || method === 'PUT' || method === 'PATCH') &&
    !has('content-length') &&
    !has('transfer-encoding')
  ) {
    headers['Content-Length'] = String(body.length);
  }
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const name of Object.keys(headers)) head += `${name}: ${headers[name]}\r\n`;
  const bytes = new Uint8Array(head.length + 2 + body.length);
  bytes.set(new TextEncoder().encode(`${head}\r\n`), 0);
  bytes.set(body, head.length + 2);

  const { platform } = harness;
  const client = platform.connect('127.0.0.1');
  client.send(bytes);
  const wait = setup.wait ?? 60000;
  const started = platform.now();
  let received: Uint8Array = new Uint8Array(0);
  for (;;) {
    received = concat(received, client.take());
    const response = parseResponse(received, method === 'HEAD', client.closed);
    if (response !== null) {
      client.end();
      return response;
    }
    if (client.closed) {
      throw new Error(
        `request: the server closed the connection after ${received.length} bytes of a response to ${target}`,
      );
    }
    // Let promises settle first; only when nothing moved, jump to the next timer.
    await new Promise((resolve) => setImmediate(resolve));
    const more = client.take();
    if (more.length > 0) {
      received = concat(received, more);
      continue;
    }
    const at = platform.nextTimerAt();
    if (at < 0 || at - started > wait) {
      client.end();
      throw new Error(`request: no complete response to ${target} within ${wait} ms of virtual time`);
    }
    platform.advance(Math.max(at - platform.now(), 0));
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The response in `bytes` once it is complete, else null. */
function parseResponse(bytes: Uint8Array, isHead: boolean, closed: boolean): TestResponse | null {
  const text = new TextDecoder('latin1').decode(bytes);
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const lines = text.slice(0, headEnd).split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3}) /.exec(lines[0] + ' ');
  if (statusLine === null) throw new Error(`request: malformed status line ${JSON.stringify(lines[0])}`);
  const status = Number(statusLine[1]);
  if (status === 100) return parseResponse(bytes.subarray(headEnd + 4), isHead, closed);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const start = headEnd + 4;
  let body: Uint8Array;
  if (isHead || status === 204 || status === 304) body = new Uint8Array(0);
  else if (headers['transfer-encoding'] === 'chunked') {
    const parts: Uint8Array[] = [];
    let p = start;
    for (;;) {
      const lineEnd = text.indexOf('\r\n', p);
      if (lineEnd < 0) return null;
      const size = Number.parseInt(text.slice(p, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error('request: malformed chunk size');
      if (size === 0) {
        if (text.indexOf('\r\n', lineEnd + 2) < 0) return null;
        break;
      }
      if (bytes.length < lineEnd + 2 + size + 2) return null;
      parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
      p = lineEnd + 2 + size + 2;
    }
    body = parts.reduce(concat, new Uint8Array(0));
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (bytes.length < start + length) return null;
    body = bytes.slice(start, start + length);
  } else {
    if (!closed) return null; // delimited by the close
    body = bytes.slice(start);
  }
  return {
    status,
    headers,
    bytes: body,
    text: () => new TextDecoder().decode(body),
    json: <T>() => JSON.parse(new TextDecoder().decode(body)) as T,
  };
}
