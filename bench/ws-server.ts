/**
 * One server of bench:ws, run in its own process:
 *   node --import tsx bench/ws-server.ts <chipweb|ws|fastify> <port>
 * Every server has one WebSocket route, /echo, that sends each message
 * back as it came (text as text, binary as binary), and nothing else: no
 * compression (permessage-deflate off), no logging. chipweb runs in the
 * simulator (Node sockets, the board's pool: 4,096-byte slots, 1,024-byte
 * output areas, 8,192-byte send buffers per socket) with slots above the
 * benchmark's socket count; `ws` is the package's own WebSocketServer;
 * fastify is Fastify with @fastify/websocket (which uses `ws` inside).
 * Prints "ready" on stdout once listening; answers the message 'cpu' (over
 * the IPC channel) with its CPU time so far in µs.
 *
 * Never: give one server work or options the others lack.
 */
import { WebSocketServer } from 'ws';
import type { WebSocket as WsSocket } from 'ws';
import { type FastifyFactory, peer } from './peers.ts';

const kind = process.argv[2];
const port = Number(process.argv[3]);
const ready = () => process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
// The bench asks for this process's CPU time (user + system, µs) around each measured window.
process.on('message', (m) => {
  if (m === 'cpu' && process.send) {
    const { user, system } = process.cpuUsage();
    process.send(user + system);
  }
});

/** The `ws` echo: what both peers run per connection. */
function echo(socket: WsSocket): void {
  socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
}

if (kind === 'chipweb') {
  const { simulate } = await import('../host-sim/index.ts');
  const { App } = await import('../src/index.ts');
  const app = new App();
  app.ws('/echo', {
    message: (ws, msg) => {
      ws.send(msg);
    },
  });
  await simulate(app, {
    port,
    slots: 40,
    slotSize: 4096,
    outputSize: 1024,
    wsIdleTimeout: 0,
    log: () => {},
  });
  ready();
} else if (kind === 'ws') {
  const server = new WebSocketServer({ port, host: '127.0.0.1', path: '/echo', perMessageDeflate: false });
  server.on('connection', echo);
  server.on('listening', ready);
} else if (kind === 'fastify') {
  const { default: Fastify } = await peer<{ default: FastifyFactory }>('fastify');
  const { default: websocket } = await peer<{ default: unknown }>('@fastify/websocket');
  const app = Fastify({ logger: false }) as unknown as FastifyWs;
  await app.register(websocket, { options: { perMessageDeflate: false } });
  await app.register(async (scope: FastifyWs) => {
    scope.get('/echo', { websocket: true }, (socket: WsSocket) => echo(socket));
  });
  await app.listen({ port, host: '127.0.0.1' });
  ready();
} else {
  console.error(`unknown server ${kind}`);
  process.exit(2);
}

/** The little of Fastify with @fastify/websocket used here. */
interface FastifyWs {
  register(plugin: unknown, options?: unknown): Promise<unknown>;
  get(path: string, options: { websocket: true }, handler: (socket: WsSocket) => void): void;
  listen(options: { port: number; host: string }): Promise<unknown>;
}
