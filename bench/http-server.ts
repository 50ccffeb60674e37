/**
 * One server of bench:http, run in its own process:
 *   node --import tsx bench/http-server.ts <chipweb|node|fastify|hono|express> <port>
 * Every server answers the same two routes with the same bytes' worth of
 * work: GET / -> "Hello World!" (text/plain) and GET /users/:id -> "User <id>".
 * Prints "ready" on stdout once listening.
 *
 * Never: add middleware or logging to one server that the others lack.
 */
import * as http from 'node:http';
import { type FastifyFactory, type HonoApp, type HonoServe, peer } from './peers.ts';

const kind = process.argv[2];
const port = Number(process.argv[3]);
const ready = () => process.stdout.write('ready\n');
// Exit cleanly on SIGTERM/SIGINT so that --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

if (kind === 'chipweb') {
  const { simulate } = await import('../host-sim/index.ts');
  const { App } = await import('../src/index.ts');
  const app = new App();
  app.get('/', (c) => c.text('Hello World!'));
  app.get('/users/:id', (c) => c.text('User ' + c.param('id')));
  // Slots above the benchmark's connection count: the bench measures throughput, not overflow.
  await simulate(app, { port, slots: 128, idleTimeout: 30000, log: () => {} });
  ready();
} else if (kind === 'node') {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Hello World!');
    } else if (path.startsWith('/users/') && path.indexOf('/', 7) < 0 && path.length > 7) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('User ' + decodeURIComponent(path.slice(7)));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  server.keepAliveTimeout = 30000;
  server.listen(port, '127.0.0.1', ready);
} else if (kind === 'fastify') {
  const { default: Fastify } = await peer<{ default: FastifyFactory }>('fastify');
  const app = Fastify({ logger: false });
  app.get('/', (_req, reply) => {
    reply.type('text/plain; charset=utf-8').send('Hello World!');
  });
  app.get('/users/:id', (req, reply) => {
    reply.type('text/plain; charset=utf-8').send('User ' + req.params.id);
  });
  await app.listen({ port, host: '127.0.0.1' });
  ready();
} else if (kind === 'hono') {
  const { Hono } = await peer<{ Hono: new () => HonoApp }>('hono');
  const { serve } = await peer<{ serve: HonoServe }>('@hono/node-server');
  const app = new Hono();
  app.get('/', (c) => c.text('Hello World!'));
  app.get('/users/:id', (c) => c.text('User ' + c.req.param('id')));
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, ready);
} else if (kind === 'express') {
  const { default: express } = await peer<{ default: () => ExpressApp }>('express');
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.get('/', (_req, res) => {
    res.type('text/plain').send('Hello World!');
  });
  app.get('/users/:id', (req, res) => {
    res.type('text/plain').send('User ' + req.params.id);
  });
  app.listen(port, '127.0.0.1', ready);
} else {
  console.error(`unknown server ${kind}`);
  process.exit(2);
}

/** The little of Express's API used here. */
interface ExpressApp {
  disable(setting: string): void;
  get(
    path: string,
    handler: (req: { params: { [k: string]: string } }, res: { type(t: string): { send(body: string): void } }) => void,
  ): void;
  listen(port: number, host: string, callback: () => void): void;
}
