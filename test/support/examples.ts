/**
 * The examples as a user meets them, told the same way to every engine:
 * the requests examples/app.ts answers, the WebSocket echo of
 * examples/echo.ts, and the slider story of examples/slider.ts. Each
 * function takes the base URL of a running app and returns what it saw;
 * a test runs it against the Node simulator and against an engine
 * (Espruino, mcsim) and compares. Never: compare what differs by nature
 * (timing headers), or leave a socket open.
 */
import WebSocket from 'ws';

/** One request: method, path, optional body and headers. */
export type Ask = [method: string, path: string, body?: string, headers?: Record<string, string>];

/** What examples/app.ts is asked: routes, params, query, JSON bodies, group middleware, errors, async handlers. */
export const APP_ASKS: readonly Ask[] = [
  ['GET', '/'],
  ['GET', '/users/42?fields=name'],
  ['GET', '/users/7'],
  ['POST', '/users', '{"name":"ann"}', { 'Content-Type': 'application/json' }],
  ['POST', '/users', '{}', { 'Content-Type': 'application/json' }],
  ['POST', '/users', '{bad', { 'Content-Type': 'application/json' }],
  ['GET', '/files/a/b.txt'],
  ['GET', '/api/v1/led'],
  ['GET', '/api/v1/led', undefined, { Authorization: 'Bearer secret' }],
  ['PUT', '/api/v1/led?on=1', undefined, { Authorization: 'Bearer secret' }],
  ['GET', '/api/v1/led', undefined, { Authorization: 'Bearer secret' }],
  ['GET', '/slow'],
  ['GET', '/nope'],
  ['DELETE', '/'],
];

const ADMIN = { Authorization: `Basic ${Buffer.from('admin:change me').toString('base64')}` };
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** What examples/middleware.ts is asked: every built-in middleware of its chains, the deepest eight handlers long. */
export const MIDDLEWARE_ASKS: readonly Ask[] = [
  ['GET', '/healthz'],
  ['OPTIONS', '/admin/config', undefined, { Origin: 'http://phone.local', 'Access-Control-Request-Method': 'POST' }],
  ['POST', '/admin/config', '{"led":true}', JSON_TYPE],
  ['POST', '/admin/config', '{"led":true}', { ...JSON_TYPE, ...ADMIN }],
  ['POST', '/admin/config', `{"pad":"${'x'.repeat(600)}"}`, { ...JSON_TYPE, ...ADMIN }],
  ['GET', '/nope'],
];

/** Status, Content-Type and body of one request on a new connection. */
export async function answer(base: string, [method, path, body, headers]: Ask): Promise<string> {
  const response = await fetch(base + path, { method, body, headers: { Connection: 'close', ...headers } });
  return `${response.status} ${response.headers.get('content-type') ?? '-'} ${await response.text()}`;
}

/** Every answer of examples/app.ts to APP_ASKS, in order. */
export async function appStory(base: string): Promise<string[]> {
  const answers: string[] = [];
  for (const ask of APP_ASKS) answers.push(await answer(base, ask));
  return answers;
}

/**
 * Every answer of examples/middleware.ts to MIDDLEWARE_ASKS (with the
 * headers its middleware add), then what the logger recorded of them:
 * method, path and status (its times and addresses differ by nature).
 */
export async function middlewareStory(base: string): Promise<string[]> {
  const answers: string[] = [];
  for (const [method, path, body, headers] of MIDDLEWARE_ASKS) {
    // An engine that runs out of stack drops the socket's handler: fail in seconds, naming the request.
    const response = await fetch(base + path, {
      method,
      body,
      headers: { Connection: 'close', ...headers },
      signal: AbortSignal.timeout(10000),
    }).catch((error: Error) => {
      throw new Error(`${method} ${path}: no answer (${error.message})`);
    });
    const added = ['access-control-allow-origin', 'access-control-allow-methods', 'www-authenticate']
      .map((name) => response.headers.get(name))
      .filter((value) => value !== null);
    answers.push([response.status, ...added, await response.text()].join(' ').trimEnd());
  }
  const log = (await (await fetch(`${base}/api/requests`, { headers: { Connection: 'close' } })).json()) as {
    method: string;
    path: string;
    status: number;
  }[];
  for (const entry of log.slice(1).reverse()) answers.push(`logged ${entry.method} ${entry.path} ${entry.status}`);
  return answers;
}

/** A WebSocket on `base` + `path` with the messages it received (text, or bytes listed). */
async function open(base: string, path: string): Promise<{ ws: WebSocket; got: string[] }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}${path}`);
  const got: string[] = [];
  ws.on('message', (data: Buffer, binary: boolean) =>
    got.push(binary ? `bytes ${[...data].join(',')}` : data.toString()),
  );
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, got };
}

/** Waits (up to 2 s) until `what` holds. */
async function until(what: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !what(); i++) await new Promise((r) => setTimeout(r, 20));
}

/** examples/echo.ts: its page, then a text and a binary message echoed. */
export async function echoStory(base: string): Promise<string[]> {
  const page = await answer(base, ['GET', '/']);
  const { ws, got } = await open(base, '/echo');
  ws.send('hello');
  ws.send(Buffer.from([0, 1, 254, 255]));
  await until(() => got.length === 2);
  ws.close();
  return [page, ...got];
}

/**
 * examples/slider.ts: its page, two sockets that get the value, a move
 * one of them sends broadcast to both, the value over HTTP, a bad value
 * closing its sender with 1003, and the value set back to 50 (the app's
 * start, so the story can be told again).
 */
export async function sliderStory(base: string): Promise<unknown[]> {
  const page = await answer(base, ['GET', '/']);
  const a = await open(base, '/slider');
  const b = await open(base, '/slider');
  await until(() => a.got.length === 1 && b.got.length === 1);
  a.ws.send('73');
  await until(() => a.got.length === 2 && b.got.length === 2);
  const value = await answer(base, ['GET', '/value']);
  const closed = new Promise<number>((resolve) => b.ws.once('close', (code: number) => resolve(code)));
  b.ws.send('abc');
  const code = await closed;
  a.ws.send('50');
  await until(() => a.got.length === 3);
  a.ws.close();
  return [page, value, a.got, b.got, code];
}
