/**
 * simulate(): serve an App on real sockets on 127.0.0.1 with the board's
 * pool sizes and limits, for tests and the `chipweb sim` command.
 *
 * Never: change the app's behaviour; only the host differs from the board.
 */
import type { App } from '../src/app.ts';
import { Server } from '../src/server.ts';
import type { ServerOptions } from '../src/server.ts';
import type { ServerStats } from '../src/stats.ts';
import type { RouterMode } from '../src/router/index.ts';
import { NodePlatform } from './node-platform.ts';
import { loadMatcher } from './matcher.ts';
import type { NodePlatformOptions } from './node-platform.ts';

/** Options of simulate(): the server's and the Node platform's. */
export interface SimulateOptions extends ServerOptions, NodePlatformOptions {
  /**
   * 'code' (default): route with the generated matcher, as a board built
   * with `chipweb build` does; 'table': walk the table, as `--router table`.
   * Ignored when `routeMatcher` is given.
   */
  router?: RouterMode;
}

/** A running simulation. */
export interface Simulation {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** The server (for its pool and counters). */
  readonly server: Server;
  /** The platform (for its store and assets). */
  readonly platform: NodePlatform;
  /** Live counters. */
  stats(): ServerStats;
  /** Stops the server: in-flight requests get `graceMs` to finish. */
  close(graceMs?: number): Promise<void>;
}

/** Starts `app` on 127.0.0.1 (port 8080 unless `port` is given; 0 picks a free one). */
export async function simulate(app: App, options: SimulateOptions = {}): Promise<Simulation> {
  const platform = new NodePlatform(options);
  // A simulated device keeps its Wi-Fi settings in this platform's store, as the board's does in Preference.
  const device = options.device as { attach?: (platform: NodePlatform) => unknown } | null | undefined;
  if (device && typeof device.attach === 'function') device.attach(platform);
  // Route as the board does: with the generated matcher, unless told otherwise.
  const routeMatcher =
    options.routeMatcher ??
    (options.router === 'table' ? undefined : loadMatcher(app.compile(options.routeTable).table));
  const server = new Server(app, platform, { host: '127.0.0.1', ...options, routeMatcher });
  await server.start();
  const port = server.listeningPort;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    platform,
    stats: () => server.stats(),
    close: (graceMs = 1000) => server.stop(graceMs),
  };
}
