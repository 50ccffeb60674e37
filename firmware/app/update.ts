/**
 * Over-the-air update and the admin password, for the dashboard's Update
 * and Admin password panels (docs/ota.md):
 *
 *   GET  /api/update    whether this board can update itself, whether an
 *                       upload runs and how far it is, whether a password is set
 *   POST /api/update    the new image (raw, with X-Image-SHA256, or a
 *                       multipart form with a `firmware` file), streamed into
 *                       the update partition and checked before it completes;
 *                       then the board restarts into it. Basic auth as
 *                       "admin" with the admin password
 *   POST /api/password  sets the admin password: the first time freely, then
 *                       only with the current one (Basic auth)
 *
 * The password lives in the platform's store (Preference on the board), so
 * it survives updates; `chipweb build` can seed it from CHIPWEB_ADMIN_PASSWORD.
 *
 * Never: take an image without the password; answer before the image was
 * checked; log or return the password.
 */
import { ADMIN_PASSWORD_KEY, basicAuth, HttpError, OtaSession, SHA256_HEADER, streamBody } from 'chipweb';
import type { App, Context, Handler } from 'chipweb';
import { answerError, jsonError } from './api.ts';

/** The user name of the admin account. */
export const ADMIN_USER = 'admin';
/** Store key of the admin password (from 'chipweb'; the board seeds it from the build's CHIPWEB_ADMIN_PASSWORD). */
export { ADMIN_PASSWORD_KEY };
/** Shortest admin password accepted. */
export const MIN_PASSWORD = 8;
/** Largest image the route reads (the update partition is smaller on every board). */
export const MAX_IMAGE = 4 * 1024 * 1024;
/** Milliseconds between the answer and the restart, for the answer to leave. */
const RESTART_MS = 1000;

/** The one member POST /api/password reads: no other name becomes an XS key (chipweb's src/json.ts). */
const PASSWORD_KEYS = ['password'];
const NO_USERS: readonly { username: string; password: string }[] = Object.freeze([]);

/** Registers the update and password routes on `app`. */
export function registerUpdate(app: App): void {
  'cold';
  let session: OtaSession | null = null;
  const sessionOf = (c: Context): OtaSession => {
    if (session === null) session = new OtaSession(c.env.platform.ota);
    return session;
  };
  const admin = basicAuth({
    users: (c) => {
      const password = c.env.platform.storeGet(ADMIN_PASSWORD_KEY);
      return password ? [{ username: ADMIN_USER, password }] : NO_USERS;
    },
    realm: 'device admin',
  });
  /**
   * 403 until an admin password exists (an update must never be open to
   * anyone), then the admin's Basic auth. One handler, not two: on Espruino
   * each handler in a chain costs two call levels of the board's 25 KB C
   * stack (docs/espruino.md, "The C stack").
   */
  const adminOnly: Handler = (c) => {
    if (c.env.platform.storeGet(ADMIN_PASSWORD_KEY)) return admin(c);
    jsonError(
      c,
      403,
      'set an admin password first (the Admin password panel, or CHIPWEB_ADMIN_PASSWORD at build time)',
    );
    return undefined;
  };

  app.get('/api/update', (c) => {
    c.setHeader('Cache-Control', 'no-store');
    const s = sessionOf(c);
    c.json({
      available: s.available,
      busy: s.busy,
      received: s.progress,
      passwordSet: !!c.env.platform.storeGet(ADMIN_PASSWORD_KEY),
    });
  });

  app.post('/api/update', adminOnly, streamBody(), (c) => {
    c.setHeader('Cache-Control', 'no-store');
    if (!c.limitBody(MAX_IMAGE)) {
      c.text('413 Content Too Large\n', 413); // as bodyLimit() answers, without its call levels
      return;
    }
    const s = sessionOf(c);
    const type = c.header('content-type') ?? '';
    const hash = c.header(SHA256_HEADER);
    const read = (onPiece: Parameters<Context['readBody']>[0]) => c.readBody(onPiece);
    // The upload runs from a promise job once the chain has returned, from the bottom of the stack, and
    // without try/catch around an await (lowered for Espruino, each costs two call levels): the OTA
    // module's loading and the pieces take more C stack than an ESP32 has left under the handlers.
    return Promise.resolve()
      .then(() =>
        type.toLowerCase().startsWith('multipart/form-data')
          ? s.receiveForm(read, type, hash)
          : s.receive(read, c.raw.bodyLength, hash),
      )
      .then(
        (result) => {
          c.json({ ok: true, bytes: result.bytes, sha256: result.sha256, restarting: true });
          s.restartSoon(c.env.platform, RESTART_MS);
        },
        (error: unknown) => answerError(error, c),
      );
  });

  app.post(
    '/api/password',
    (c) => {
      c.setHeader('Cache-Control', 'no-store');
      if (!c.env.platform.storeGet(ADMIN_PASSWORD_KEY)) return setPassword(c);
      return admin(c); // then setPassword, as the next handler
    },
    setPassword,
  );
}

/** Stores the password in the body ({"password": "…"}). */
function setPassword(c: Context): void {
  try {
    const body = c.bodyJson<{ password?: unknown }>(PASSWORD_KEYS);
    const password = body !== null && typeof body === 'object' ? body.password : undefined;
    if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > 64)
      throw new HttpError(400, `the password must be ${MIN_PASSWORD} to 64 characters`);
    if (password.indexOf(':') >= 0) throw new HttpError(400, "the password must not contain ':'");
    c.env.platform.storeSet(ADMIN_PASSWORD_KEY, password);
    c.json({ ok: true });
  } catch (error) {
    answerError(error, c);
  }
}
