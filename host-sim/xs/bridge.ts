/**
 * `chipweb sim --engine xs`: the app and the whole HTTP engine run inside
 * the XS engine (an xsnap worker); Node only listens with node:net, moves
 * bytes between its sockets and the engine, keeps the engine's virtual
 * clock in step with real time (so its timers run), and answers the
 * engine's calls for assets, the store and memory figures with the same
 * NodePlatform code the Node engine uses.
 *
 * Never: parse or answer HTTP on the Node side; every response byte comes
 * out of XS.
 */
import * as net from 'node:net';
import { resolve } from 'node:path';
import { NodePlatform } from '../node-platform.ts';
import type { SimulateOptions } from '../simulate.ts';
import { XsEngine } from './engine.ts';
import type { XsEvent } from './engine.ts';

/** A running XS simulation. */
export interface XsSimulation {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** The engine (for stats and heap figures). */
  readonly engine: XsEngine;
  /** Stops listening, drops the connections and ends the XS worker. */
  close(): Promise<void>;
}

/** Server options that can cross into XS (plain values). */
const SERVER_OPTION_NAMES = [
  'slots',
  'slotSize',
  'outputSize',
  'maxRequestLine',
  'maxHeaderBytes',
  'maxHeaders',
  'maxBody',
  'headerTimeout',
  'bodyTimeout',
  'idleTimeout',
  'writeTimeout',
  'overflow',
  'tick',
] as const;

/** How often the virtual clock catches up with real time when no bytes arrive. */
const CLOCK_INTERVAL_MS = 50;
/** Bytes per XS slot on a 64-bit host (16 on the 32-bit boards). */
const SLOT_BYTES = 32;

/**
 * Bundles `entry` (a module whose default export is a chipweb App) with
 * the XS driver, starts it in an XS worker and serves it on
 * `options.host`:`options.port` (127.0.0.1:8080 by default; port 0 picks one).
 */
export async function serveOnXs(entry: string, options: SimulateOptions = {}): Promise<XsSimulation> {
  const services = new NodePlatform(options);
  const log = options.log ?? ((message: string) => console.log(message));
  const serverOptions: Record<string, unknown> = {};
  for (const name of SERVER_OPTION_NAMES) if (options[name] !== undefined) serverOptions[name] = options[name];

  let started: XsEngine | null = null;
  const xs = await XsEngine.start({
    setup: [
      `import app from ${JSON.stringify(resolve(entry))};`,
      `import { Server } from './src/server.ts';`,
      `import { HostedPlatform } from './host-sim/xs/hosted-platform.ts';`,
      `import { loadMatcher } from './host-sim/matcher.ts';`,
      `import { SimDevice } from './host-sim/device.ts';`,
      `installDriver(async () => {`,
      `  if (!app || typeof app.compile !== 'function') throw new Error('the entry must export a chipweb App as its default export');`,
      `  const platform = new HostedPlatform({ sendBufferSize: ${JSON.stringify(options.sendBufferSize ?? 8192)} });`,
      // The simulated device runs in XS too; its LED changes reach the host's log.
      options.device === undefined || options.device === null
        ? `  const device = null;`
        : `  const device = new SimDevice({ name: ${JSON.stringify(options.device.name)}, onLed: (on) => platform.log('chipweb sim: LED ' + (on ? 'on' : 'off')) }, platform);`,
      // Routed by the generated matcher, as on a board built by chipweb build.
      `  const routeMatcher = ${options.router === 'table' ? 'undefined' : 'loadMatcher(app.compile().table)'};`,
      `  const server = new Server(app, platform, { ...${JSON.stringify(serverOptions)}, routeMatcher, device });`,
      `  await server.start();`,
      `  return { platform, server };`,
      `});`,
    ].join('\n'),
    onPrint: (line) => log(`[xs] ${line}`),
    onCommand: (bytes) =>
      answerHost(services, bytes, () => ({
        used: (started?.heapCount ?? 0) * SLOT_BYTES,
        total: started?.allocated ?? 0,
      })),
  });
  started = xs;

  const sockets = new Map<number, net.Socket>();
  let last = performance.now();
  let stopped = false;

  const apply = (events: XsEvent[]) => {
    for (const event of events) {
      if (event.kind === 'log') log(event.line);
      else if (event.kind === 'data') sockets.get(event.id)?.write(event.bytes);
      else {
        const socket = sockets.get(event.id);
        sockets.delete(event.id);
        socket?.end();
      }
    }
  };
  const failed = (error: unknown) => {
    if (!stopped) log(`chipweb sim (xs): ${error instanceof Error ? error.message : String(error)}`);
  };
  /** Queues a clock catch-up when real time moved on; commands run in call order. */
  const tick = () => {
    const now = performance.now();
    const elapsed = Math.floor(now - last);
    if (elapsed < 1) return;
    last += elapsed;
    xs.advance(elapsed).then(apply, failed);
  };
  const track = <T>(promise: Promise<T>) => {
    promise.catch(() => {});
    return promise;
  };

  const server = net.createServer({ noDelay: true }, (socket) => {
    tick();
    const remote = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const id = track(xs.connect(remote));
    id.then((n) => sockets.set(n, socket), failed);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      id.then((n) => {
        if (!sockets.has(n)) return;
        sockets.delete(n);
        return xs.end(n).then(apply);
      }).catch(failed);
    };
    socket.on('data', (chunk: Buffer) => {
      tick();
      id.then((n) => xs.send(n, chunk)).then(apply, (error: unknown) => {
        failed(error);
        socket.destroy();
      });
    });
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', () => {});
  });

  const clock = setInterval(tick, CLOCK_INTERVAL_MS);
  clock.unref();

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolvePort, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new Error(
            `port ${options.port ?? 8080} is already in use: stop the other server or choose another port (--port)`,
          ),
        );
      else reject(error);
    });
    server.listen(options.port ?? 8080, host, () => resolvePort((server.address() as net.AddressInfo).port));
  }).catch(async (error: unknown) => {
    clearInterval(clock);
    await xs.close();
    throw error;
  });

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    engine: xs,
    close: async () => {
      stopped = true;
      clearInterval(clock);
      await new Promise<void>((done) => {
        server.close(() => done());
        for (const socket of sockets.values()) socket.destroy();
      });
      await xs.close();
    },
  };
}

/** Answers one host call from hosted-platform.ts. */
function answerHost(
  services: NodePlatform,
  bytes: Uint8Array,
  memory: () => { used: number; total: number },
): Uint8Array {
  const op = bytes[0];
  const text = Buffer.from(bytes.subarray(1)).toString('utf8');
  const found = (value: Uint8Array | undefined) => {
    if (value === undefined) return new Uint8Array([0]);
    const out = new Uint8Array(1 + value.length);
    out[0] = 1;
    out.set(value, 1);
    return out;
  };
  if (op === 0x61) return found(services.asset(text));
  if (op === 0x67) {
    const value = services.storeGet(text);
    return found(value === undefined ? undefined : Buffer.from(value, 'utf8'));
  }
  if (op === 0x73) {
    const split = text.indexOf('\0');
    services.storeSet(text.slice(0, split), text.slice(split + 1));
    return new Uint8Array(0);
  }
  if (op === 0x64) {
    services.storeDelete(text);
    return new Uint8Array(0);
  }
  if (op === 0x6d) return Buffer.from(JSON.stringify(memory()), 'utf8');
  return new Uint8Array(0);
}
