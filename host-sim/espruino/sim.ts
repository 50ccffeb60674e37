/**
 * `chipweb sim --engine espruino`: builds the app for Espruino exactly as
 * `chipweb build --target espruino` does (lowered, route table, gzipped
 * assets), writes the Storage files into the flash file of an Espruino
 * Linux binary ($ESPRUINO) and boots it: the app and the whole HTTP engine
 * run inside Espruino, on real sockets.
 *
 * Never: serve anything from Node; hide a failure to start (the board's
 * own message is the error, e.g. a taken port).
 */
import { mkdirSync } from 'node:fs';
import * as net from 'node:net';
import { join, resolve } from 'node:path';
import { buildEspruino, type EspruinoBuildResult } from '../../toolchain/espruino/build.ts';
import { EspruinoProcess, espruinoBinary, installStorage } from './engine.ts';

/** How to run. */
export interface EspruinoSimOptions {
  /** TCP port (0: a free one, found before boot: Espruino cannot tell which it bound). */
  port?: number;
  /** Folder for the build and the flash file (default .chipweb/espruino). */
  dir?: string;
  /** Asset folder; null for none; undefined for the default (the UI next to the entry). */
  assets?: string | null;
  /** Budget file (default firmware/espruino/budget.json). */
  budget?: string;
  /** The Espruino binary (default: $ESPRUINO, checked). */
  binary?: string;
  /** Environment ($ESPRUINO; credentials). */
  env?: NodeJS.ProcessEnv;
  /** Each console line of the board (default: dropped). */
  log?: (line: string) => void;
  /** Run the boot code from RAM instead of flash (see EspruinoProcess.bootFromRam; BOARD=LINUX builds). */
  codeInRam?: boolean;
  /** Minify the boot code (default true; false is `chipweb build --no-minify`). */
  minify?: boolean;
}

/** A running Espruino simulation. */
export interface EspruinoSimulation {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  /** The Espruino process (its console lines). */
  readonly process: EspruinoProcess;
  /** What the build produced (size report …). */
  readonly build: EspruinoBuildResult;
  /** Stops the process. */
  close(): Promise<void>;
}

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolvePort(port));
    });
  });
}

/** Builds, installs and boots `entry` in Espruino; rejects with the board's message when it does not serve. */
export async function serveOnEspruino(entry: string, options: EspruinoSimOptions = {}): Promise<EspruinoSimulation> {
  const env = options.env ?? process.env;
  const binary = options.binary ?? espruinoBinary(env);
  const dir = resolve(options.dir ?? join('.chipweb', 'espruino'));
  const port = options.port === undefined ? 8080 : options.port === 0 ? await freePort() : options.port;
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'build');
  const build = await buildEspruino({
    entry,
    out,
    port,
    assets: options.assets,
    budget: options.budget,
    env,
    projectDir: process.cwd(),
    minify: options.minify,
  });
  const flashDir = join(dir, 'flash');
  await installStorage(binary, flashDir, out);
  const board = options.codeInRam
    ? EspruinoProcess.bootFromRam(binary, flashDir, join(out, 'storage', '.bootcde'), options.log)
    : EspruinoProcess.boot(binary, flashDir, options.log);
  let line: string;
  try {
    line = await board.waitFor(/^chipweb: (serving|stopped)/, 30000);
  } catch (error) {
    await board.close();
    throw error;
  }
  if (line.startsWith('chipweb: stopped')) {
    await board.close();
    throw new Error(line.replace(/^chipweb: stopped: /, ''));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: board,
    build,
    close: () => board.close(),
  };
}
