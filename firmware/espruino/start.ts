/**
 * The board entry's helper on Espruino: starts a chipweb App with the
 * budget `chipweb build --target espruino` embedded (firmware/espruino/
 * budget.json), the route table it wrote to Storage, and the server's
 * own answers (400, 503, ...), which it also wrote there: the server reads
 * them in place from flash, so they take no RAM.
 *
 * Before serving, it checks that the app's registered routes are exactly
 * the ones the route table was compiled from, and stops with a clear
 * message if not. The table is copied into RAM once (a few hundred bytes):
 * every request reads it, and reading flash costs more than the copy.
 *
 * Never: let an exception escape (it would stop the board's boot code);
 * choose sizes itself (they come from the budget).
 */
import type { App } from '../../src/app.ts';
import { routesHash, tableHash } from '../../src/router/index.ts';
import type { GeneratedMatcher } from '../../src/router/index.ts';
import { Server } from '../../src/server.ts';
import type { ServerOptions } from '../../src/server.ts';
import { EspruinoDevice, type EspruinoWifiOptions } from './device.ts';
import { OTA_MODULE_FILE } from './ota-boot.ts';
import { describe, EspruinoPlatform } from './platform.ts';
import { espruino } from './types/espruino.ts';

/** Storage file of the route table `chipweb build` writes. */
export const ROUTES_FILE = 'routes.bin';
/** Storage file of the server's preencoded answers (writeAnswerBlock) `chipweb build` writes. */
export const ANSWERS_FILE = 'answers.bin';

/** The board's budget and settings, as `chipweb build --target espruino` embeds them. */
export interface EspruinoBoardConfig {
  /** Server options (port, pool, limits). */
  server: ServerOptions;
  /** Most bytes in flight per socket. */
  inFlight: number;
  /** Device settings. */
  device: { name: string; ledPin: number; ledActiveLow: boolean; wifi: EspruinoWifiOptions };
  /** Web assets in Storage: name as apps ask for it -> Storage file. */
  assets: ReadonlyArray<{ readonly name: string; readonly file: string }>;
}

/** What startBoard() set up, for tests and apps that want to look. */
export interface EspruinoBoard {
  platform: EspruinoPlatform;
  device: EspruinoDevice;
  server: Server;
  /** Settles once the server listens (true) or failed to (false). */
  started: Promise<boolean>;
}

/** Starts `app`; returns undefined, after logging why, when it cannot. */
export function startBoard(
  app: App,
  board: EspruinoBoardConfig,
  matcher: GeneratedMatcher | undefined,
): EspruinoBoard | undefined {
  'cold';
  // Over the air where the build put the OTA module in Storage (firmware/espruino/ota.ts).
  const ota = espruino.require('Storage').read(OTA_MODULE_FILE) !== undefined;
  const platform = new EspruinoPlatform({ inFlight: board.inFlight, assets: board.assets, ota });
  const stop = (why: string): undefined => {
    platform.log(`chipweb: stopped: ${why}`);
    return undefined;
  };
  try {
    if (!app || typeof (app as { routes?: unknown }).routes !== 'function')
      return stop("the app module's default export is not a chipweb App (export default app)");
    const stored = espruino.require('Storage').readArrayBuffer(ROUTES_FILE);
    if (stored === undefined)
      return stop(
        `the route table "${ROUTES_FILE}" is not in Storage: run 'chipweb build --target espruino' and 'chipweb flash --target espruino'`,
      );
    // Read in place, as the answers are: the table stays in flash.
    const table = new Uint8Array(stored);
    const routes = app.routes();
    const expected = routesHash(routes);
    const found = tableHash(table);
    if (found !== expected)
      return stop(
        `the app's ${routes.length} routes do not match the route table in Storage (routes hash ${expected}, table hash ${found}): ` +
          "run 'chipweb build --target espruino' and 'chipweb flash --target espruino' again",
      );
    const answers = espruino.require('Storage').readArrayBuffer(ANSWERS_FILE);
    if (answers === undefined)
      return stop(
        `the server's answers "${ANSWERS_FILE}" are not in Storage: run 'chipweb build --target espruino' and 'chipweb flash --target espruino'`,
      );
    const device = new EspruinoDevice(platform, board.device);
    const server = new Server(app, platform, {
      ...board.server,
      routeTable: table,
      answers: new Uint8Array(answers),
      routeMatcher: matcher,
      device,
    });
    const started = server.start().then(
      () => {
        platform.log(
          `chipweb: serving ${routes.length} routes on port ${server.listeningPort} (espruino, ${board.server.slots} slots, --router ${server.router})`,
        );
        return true;
      },
      (error: unknown) => {
        platform.log(`chipweb: stopped: ${describe(error)}`);
        return false;
      },
    );
    device.start();
    return { platform, device, server, started };
  } catch (error) {
    return stop(describe(error));
  }
}
