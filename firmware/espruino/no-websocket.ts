/**
 * The WebSocket session and accept hasher of an Espruino build whose app
 * has no WebSocket route: `chipweb build --target espruino` serves this
 * module in place of src/ws/session.ts and src/ws/accept.ts then. The
 * server makes sessions only for an app with WebSocket routes, so these
 * are never made; the frame parser and writer, SHA-1 and base64 stay out
 * of the boot code (about 450 of the board's variables).
 *
 * Never: be used by a build whose app has a WebSocket route (the build
 * decides from the app's routes); fail silently if made anyway.
 */

const MISSING =
  'this build has no WebSocket routes (chipweb build found none in the app): build again after adding app.ws()';

/** Stands in for the core's WsSession; never made. */
export class WsSession {
  /** Throws: a session exists only in a build with WebSocket routes. */
  constructor() {
    throw new Error(MISSING);
  }
}

/** Stands in for the core's AcceptHasher; never made. */
export class AcceptHasher {
  /** Throws: the hasher exists only in a build with WebSocket routes. */
  constructor() {
    throw new Error(MISSING);
  }
}
