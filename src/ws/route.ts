/**
 * A WebSocket route as registered by `app.ws()`: its handlers and options,
 * checked once at registration, and the handler that ends its middleware
 * chain. That handler checks the upgrade request (RFC 6455 §4.2.1) where
 * it lies in the slot and either answers it (426 for a plain request, 400
 * for a bad handshake) or answers 101, which the server turns into the
 * upgrade once the chain has finished (so middleware such as auth runs
 * first, and one that answers stops it).
 *
 * Never: run per request beyond the handshake check; allocate per request.
 */
import type { Context, Handler, SlotContext } from '../context.ts';
import { isTokenByte } from '../http/parser.ts';
import { checkUpgrade } from './handshake.ts';
import type { WebSocket, WsHandlers, WsMessage } from './socket.ts';

/** Longest subprotocol name a route may list (the 101 head must fit the output area). */
const MAX_PROTOCOL = 64;

/** The body of the 426 answer to a plain request on a WebSocket route. */
const UPGRADE_REQUIRED_BODY = '426 Upgrade Required\n';
/** The body of the 400 answer to a bad handshake. */
const BAD_HANDSHAKE_BODY = '400 Bad Request\n';

/** A WebSocket route, fixed at registration. */
export class WsRoute {
  /** The index of its GET route in the route table. */
  readonly index: number;
  /** The route's path, for log lines. */
  readonly path: string;
  readonly open: ((ws: WebSocket, c: Context) => unknown) | null;
  readonly message: (ws: WebSocket, msg: WsMessage) => unknown;
  readonly close: ((ws: WebSocket, code: number, reason: string) => unknown) | null;
  /** Subprotocols, checked to be tokens. */
  readonly protocols: readonly string[];
  /** Largest message (0: what the slot holds). */
  readonly maxMessage: number;

  /** Checks `handlers`; throws a clear error for anything the server could not honour. */
  constructor(index: number, path: string, handlers: WsHandlers) {
    const where = `app.ws('${path}')`;
    if (handlers === null || typeof handlers !== 'object')
      throw new TypeError(`${where}: give the handlers as an object: { open?, message, close? }`);
    if (typeof handlers.message !== 'function') throw new TypeError(`${where}: a message(ws, msg) handler is required`);
    if (handlers.open !== undefined && typeof handlers.open !== 'function')
      throw new TypeError(`${where}: open must be a function`);
    if (handlers.close !== undefined && typeof handlers.close !== 'function')
      throw new TypeError(`${where}: close must be a function`);
    const protocols = handlers.protocols ?? [];
    for (let i = 0; i < protocols.length; i++) {
      const name = protocols[i];
      if (!isToken(name) || name.length > MAX_PROTOCOL)
        throw new TypeError(`${where}: protocol ${JSON.stringify(name)} is not a token of 1 to ${MAX_PROTOCOL} chars`);
    }
    const maxMessage = handlers.maxMessage ?? 0;
    if (!(maxMessage >= 0 && maxMessage === Math.floor(maxMessage)))
      throw new TypeError(`${where}: maxMessage must be a whole number of bytes`);
    this.index = index;
    this.path = path;
    this.open = handlers.open ?? null;
    this.message = handlers.message;
    this.close = handlers.close ?? null;
    this.protocols = Object.freeze(protocols.slice());
    this.maxMessage = maxMessage;
  }
}

/** True when `s` is an HTTP token (RFC 9110 §5.6.2). */
function isToken(s: unknown): boolean {
  if (typeof s !== 'string' || s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenByte(s.charCodeAt(i))) return false;
  return true;
}

/**
 * The handler that ends a WebSocket route's chain: answers 426 (with
 * `Upgrade: websocket` and `Sec-WebSocket-Version: 13`) when the request
 * is not an upgrade, 400 when the handshake is bad, and otherwise 101 with
 * nothing more: the server sees a 101 on a WebSocket route and hands the
 * connection to its session, which writes the real 101 head.
 */
export function upgradeHandler(): Handler {
  'cold';
  return (c: Context) => {
    const ctx = c as SlotContext;
    if (ctx.res.committed) return;
    const key = ctx.isHead ? -426 : checkUpgrade(ctx.bytes, ctx.head);
    if (key >= 0) {
      ctx.res.status = 101;
      ctx.res.committed = true;
    } else if (key === -426) {
      ctx.setHeader('Upgrade', 'websocket').setHeader('Sec-WebSocket-Version', '13');
      ctx.text(UPGRADE_REQUIRED_BODY, 426);
    } else ctx.text(BAD_HANDSHAKE_BODY, 400);
  };
}
