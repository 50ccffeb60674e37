/**
 * The dashboard's JSON API under /api/ (documented in docs/dashboard.md):
 * status, LED, Wi-Fi, recent requests, about, and the live updates (a
 * WebSocket at /api/ws, an event stream at /api/events). The page uses
 * nothing else; everything but the WebSocket works with curl too.
 *
 * Never: send the Wi-Fi password back; accept credentials that
 * wifiCredentialsProblem() rejects; let a bad body reach the device (it gets
 * a 400 with a message instead).
 */
import { HttpError } from 'chipweb';
import type { App, Context, Device, Logger } from 'chipweb';
import { WIFI_SSID_KEY, wifiCredentialsProblem } from 'chipweb';
import type { LiveHub } from './events.ts';
import { recentRequests } from './requests.ts';
import { statusSnapshot } from './status.ts';
import { aboutInfo } from './about.ts';

function device(c: Context): Device {
  const d = c.env.device;
  if (d === null) throw new HttpError(503, 'this host has no device (LED, Wi-Fi)');
  return d;
}

/** The members each route reads from its body: no other name becomes an XS key (see chipweb's src/json.ts). */
const LED_KEYS = ['on'];
const WIFI_KEYS = ['ssid', 'password'];

/** The JSON body (members of the names `keys`) as an object, or a 400. */
function bodyObject(c: Context, keys: readonly string[]): { [key: string]: unknown } {
  const body = c.bodyJson<unknown>(keys);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'the body must be a JSON object');
  return body as { [key: string]: unknown };
}

/** Answers an error as JSON: `{ "error": message }`. */
export function jsonError(c: Context, status: number, message: string): void {
  'cold'; // on errors: kept in flash on Espruino until called (toolchain/espruino/cold.ts)
  c.json({ error: message }, status);
}

/** The API is never cached. */
function noStore(c: Context): void {
  c.setHeader('Cache-Control', 'no-store');
}

/** Registers the /api/ routes on `app`. */
export function registerApi(app: App, hub: LiveHub, log: Logger): void {
  'cold';
  // Each handler says no-store and answers what it throws as JSON (answerError), itself: not a group
  // middleware, since on Espruino every handler in a chain costs about 2 KB of the board's 25 KB of C stack
  // (docs/espruino.md), and not a wrapper made per route, which costs the board 7 variables a route.
  const api = app.group('/api');

  api.get('/status', (c) => {
    noStore(c);
    try {
      c.json(statusSnapshot(c.env, hub.meter, hub.subscribers(), hub.limit(c.env)));
    } catch (error) {
      answerError(error, c);
    }
  });

  // Bound, not wrapped in an arrow: a call level less on Espruino's C stack. subscribe() says no-store.
  api.get('/events', hub.subscribe.bind(hub));

  // The same live updates over a WebSocket, which also takes LED commands; 503 before the upgrade when full.
  api.ws(
    '/ws',
    (c) => {
      noStore(c);
      return hub.admit(c);
    },
    {
      open: (ws) => hub.join(ws),
      message: (ws, msg) => hub.command(ws, msg),
      close: (ws) => hub.leave(ws),
    },
  );

  api.get('/led', (c) => {
    noStore(c);
    try {
      c.json({ on: device(c).led() });
    } catch (error) {
      answerError(error, c);
    }
  });

  api.post('/led', (c) => {
    noStore(c);
    try {
      const d = device(c);
      const body = bodyObject(c, LED_KEYS);
      if (typeof body.on !== 'boolean') throw new HttpError(400, 'give {"on": true} or {"on": false}');
      d.setLed(body.on);
      const on = d.led();
      hub.broadcast('led', { on });
      c.json({ on });
    } catch (error) {
      answerError(error, c);
    }
  });

  api.get('/wifi', (c) => {
    noStore(c);
    try {
      const d = device(c);
      const saved = c.env.platform.storeGet(WIFI_SSID_KEY);
      c.json({ name: d.name, saved: saved === undefined ? '' : saved, ...d.wifi() });
    } catch (error) {
      answerError(error, c);
    }
  });

  api.post('/wifi', (c) => {
    noStore(c);
    try {
      c.json(saveWifi(c));
    } catch (error) {
      answerError(error, c);
    }
  });

  api.get('/requests', (c) => {
    noStore(c);
    try {
      c.json(recentRequests(log, c.env, log.size));
    } catch (error) {
      answerError(error, c);
    }
  });

  api.get('/about', (c) => {
    noStore(c);
    try {
      c.json(aboutInfo(c.env));
    } catch (error) {
      answerError(error, c);
    }
  });
}

/** POST /api/wifi: checks and stores the credentials in the body, and says what the device does now. */
function saveWifi(c: Context): { saved: boolean; ssid: string; wifi: ReturnType<Device['wifi']> } {
  'cold'; // at setup: kept in flash on Espruino until called
  const d = device(c);
  const body = bodyObject(c, WIFI_KEYS);
  const ssid = typeof body.ssid === 'string' ? body.ssid : '';
  const password = body.password === undefined ? '' : body.password;
  if (typeof password !== 'string') throw new HttpError(400, 'the password is not text');
  const problem = wifiCredentialsProblem(ssid, password);
  if (problem !== '') throw new HttpError(400, problem);
  try {
    d.configureWifi(ssid, password);
  } catch (error) {
    if (error instanceof RangeError) throw new HttpError(400, error.message);
    throw error;
  }
  return { saved: true, ssid, wifi: d.wifi() };
}

/** Turns a thrown error into a JSON answer (HttpError keeps its status; anything else is a 500). */
export function answerError(error: unknown, c: Context): void {
  'cold';
  if (error instanceof HttpError) jsonError(c, error.status, error.message);
  else {
    c.env.platform.log('dashboard: ' + (error instanceof Error ? error.message : String(error)));
    jsonError(c, 500, 'internal error');
  }
}
