/**
 * The board entry's helper: starts a chipweb App on a Moddable board with
 * the budget `chipweb build` took from the target's manifest template.
 *
 * The entry `chipweb build` generates imports the user's app and this file,
 * embeds the board's budget (deep-frozen, so it stays in flash) and
 * default-exports a main function that calls startBoard(): the Moddable
 * runtime calls it after setup, at run time, while everything above it was
 * preloaded at build time.
 *
 * Before serving, it checks that the app's registered routes are exactly the
 * ones the route table in flash was compiled from, and stops with a clear
 * message if not (a stale table would send requests to the wrong handlers).
 *
 * Never: do I/O at module load; let an exception escape (a release build only
 * prints "XS abort"); choose sizes itself (they come from the template).
 */
import type { App } from '../../src/app.ts';
import { Server } from '../../src/server.ts';
import type { ServerOptions } from '../../src/server.ts';
import { routesHash, tableHash } from '../../src/router/index.ts';
import { BoardDevice } from './device.ts';
import type { BoardWifiOptions } from './device.ts';
import type { LedDriver } from './led.ts';
import { ModdablePlatform, describe } from './platform.ts';
import type { AssetEntry } from './platform.ts';

/** Name of the route table resource `chipweb build` links into the firmware. */
export const ROUTE_TABLE_RESOURCE = 'routes.bin';

/** The board's budget and settings, generated from the manifest template. */
export interface BoardConfig {
  /** Target name, e.g. "esp32". */
  target: string;
  /** Server options (port, pool, limits) from the template. */
  server: ServerOptions;
  /** Socket staging bytes. */
  staging: number;
  /** XS RAM budget in bytes, reported as memory().total. */
  ramBudget: number;
  /** Device settings from the template. */
  device: {
    name: string;
    led: { pin: number; activeLow: boolean } | null;
    mdns: boolean;
    wifi: Omit<BoardWifiOptions, 'ssid' | 'password'> | null;
  };
  /** Web assets linked in as resources. */
  assets: ReadonlyArray<AssetEntry>;
}

/** What the runtime provides: mc/config and the LED driver (absent in the desktop simulator). */
export interface BoardRuntime {
  /** The manifest's config (ssid, password, deviceName, ledPin; mcconfig key=value overrides). */
  config: { readonly [key: string]: unknown };
  /** Makes the LED driver; undefined when the target has no GPIO. */
  makeLed?: (pin: number, activeLow: boolean) => LedDriver;
}

/** What startBoard() set up, for tests and for apps that want to look. */
export interface Board {
  platform: ModdablePlatform;
  device: BoardDevice;
  server: Server;
  /** Settles once the server listens (or failed to). */
  started: Promise<boolean>;
}

/**
 * Starts `app` on the board. Returns undefined, after logging why, when it
 * cannot (no App, missing or stale route table, bad settings).
 */
export function startBoard(app: App, board: BoardConfig, runtime: BoardRuntime): Board | undefined {
  let platform: ModdablePlatform;
  try {
    platform = new ModdablePlatform({ staging: board.staging, ramBudget: board.ramBudget, assets: board.assets });
  } catch (error) {
    trace(`chipweb: stopped: the platform could not start: ${describe(error)}\n`);
    return undefined;
  }
  const stop = (why: string): undefined => {
    platform.log(`chipweb: stopped: ${why}`);
    return undefined;
  };
  try {
    if (!app || typeof (app as { routes?: unknown }).routes !== 'function') {
      return stop("the app module's default export is not a chipweb App (export default app)");
    }
    const table = platform.asset(ROUTE_TABLE_RESOURCE);
    if (!table) {
      return stop(`the route table resource "${ROUTE_TABLE_RESOURCE}" is missing from the firmware: build with 'chipweb build' and flash the manifest it writes`);
    }
    const routes = app.routes();
    const expected = routesHash(routes);
    const found = tableHash(table);
    if (found !== expected) {
      return stop(
        `the app's ${routes.length} registered routes do not match the route table compiled by 'chipweb build' ` +
          `(routes hash ${expected}, table hash ${found}): the firmware was built from a different version of the app. ` +
          "Run 'chipweb build' again and flash it.",
      );
    }

    const config = runtime.config;
    const settings = board.device;
    let led: LedDriver | undefined;
    if (settings.led && runtime.makeLed) {
      const pin = typeof config.ledPin === 'number' ? config.ledPin : settings.led.pin;
      try {
        led = runtime.makeLed(pin, settings.led.activeLow);
      } catch (error) {
        platform.log(`chipweb: no LED on pin ${pin}: ${describe(error)}`);
      }
    }
    const name = typeof config.deviceName === 'string' && config.deviceName ? config.deviceName : settings.name;
    const wifi: BoardWifiOptions | undefined = settings.wifi
      ? {
          ...settings.wifi,
          ssid: typeof config.ssid === 'string' ? config.ssid : '',
          password: typeof config.password === 'string' ? config.password : '',
        }
      : undefined;
    const port = board.server.port ?? 80;
    const device = new BoardDevice(platform, { name, led, wifi, mdns: settings.mdns, port });

    const server = new Server(app, platform, { ...board.server, routeTable: table, device });
    // Listen first: the listener works on every interface, whichever comes up.
    const started = server.start().then(
      () => {
        platform.log(`chipweb: serving ${routes.length} routes on port ${server.listeningPort} (${board.target}, ${board.server.slots} slots)`);
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

/**
 * Freezes an object and everything it holds, at build time (preload), so
 * XS keeps it in flash with no RAM alias pointers.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

declare function trace(text: string): void;
