/**
 * What a WebSocket route's handlers see: the socket (`ws`), a received
 * message (`msg`), and the handler object given to `app.ws()`.
 *
 * The server keeps one socket object and one message object per
 * WebSocket session (at most `wsSlots`, each made at the first upgrade
 * that needs it) and hands the same ones to every connection the session
 * serves next: keep a socket in a list together with its `generation`,
 * and compare before sending later.
 *
 * Never: hold state; these are types only.
 */
import type { Context, Env } from '../context.ts';

/**
 * One WebSocket connection, as its route's handlers see it. `P` names the
 * route's params, so `ws.param()` only takes those.
 */
export interface WebSocket<P extends string = string> {
  /**
   * Sends one message as a single frame: a string as text, bytes as
   * binary, a received message (`msg`) as it came. Returns false when the
   * frame was not queued (the socket is not open, or a long message is
   * still going out: the client is not keeping up), as `c.write()` does.
   * Frames that fit the slot's output area are copied there at once;
   * longer bytes are sent from where they are and must stay unchanged
   * until sent; a longer received message only to its own socket (an echo).
   */
  send(data: string | Uint8Array | WsMessage): boolean;
  /**
   * Starts the closing handshake: sends Close with `code` (default 1000)
   * and `reason` (UTF-8, cut to fit 123 bytes), then waits for the peer's
   * Close (at most `wsPingTimeout`). Throws a TypeError for a code that may
   * not be sent (RFC 6455 §7.4: 1000-1003, 1007-1014, 3000-4999 may).
   * Harmless when the socket is already closing.
   */
  close(code?: number, reason?: string): void;
  /** Sends a Ping (empty); the peer answers with a Pong. False when not queued. */
  ping(): boolean;
  /** True from the upgrade until Close is sent or received. */
  readonly isOpen: boolean;
  /**
   * Changes when this socket closes (its session then serves another
   * connection): keep it with `ws` and compare before sending later.
   */
  readonly generation: number;
  /** A path parameter of the route, percent-decoded; valid for the whole connection. */
  param(name: P): string;
  /** The subprotocol chosen from the route's `protocols` ('' when none). */
  readonly protocol: string;
  /** The peer's address. */
  readonly remoteAddress: string;
  /** Host services: platform, device, the server's counters. */
  readonly env: Env;
  /** Whatever the app keeps with this connection (undefined at open; cleared when it closes). */
  data: unknown;
}

/**
 * A received message, valid only while the `message` handler runs (the
 * slot's next frames overwrite it). Nothing is made unless asked for.
 */
export interface WsMessage {
  /** True for a text message (valid UTF-8, checked on arrival), false for binary. */
  readonly isText: boolean;
  /** Its length in bytes. */
  readonly length: number;
  /** The message decoded as UTF-8 (makes the string). */
  text(): string;
  /** A view of the bytes in the slot (makes the view; valid only during the handler). */
  bytes(): Uint8Array;
  /** Byte `index` of the message, or -1 past its end. */
  byteAt(index: number): number;
  /** Copies the bytes into `target` at `offset` (default 0), as many as fit; returns how many. */
  copyTo(target: Uint8Array, offset?: number): number;
}

/** What `app.ws()` takes: the handlers of a WebSocket route and its options. */
export interface WsHandlers<P extends string = string> {
  /**
   * The upgrade succeeded. `c` is the upgrade request's Context (headers,
   * query, values middleware set), valid only during this call; `ws.send()`
   * may be called here. Synchronous: a promise it returns is not awaited.
   */
  open?(ws: WebSocket<P>, c: Context<P>): unknown;
  /**
   * A whole message arrived (fragments assembled). Synchronous: a promise
   * it returns is not awaited (a rejection is logged). A throw closes the
   * socket with 1011.
   */
  message(ws: WebSocket<P>, msg: WsMessage): unknown;
  /**
   * The connection ended, once per connection: the peer's Close code and
   * reason (1005 when it gave none), the code the server failed it with
   * (1002, 1007, 1009, 1011), or 1006 when it vanished or timed out.
   */
  close?(ws: WebSocket<P>, code: number, reason: string): unknown;
  /** Subprotocols this route speaks (tokens), chosen in the client's order of preference. */
  protocols?: readonly string[];
  /** Largest message accepted, in bytes (more: Close 1009); default and most: what the slot holds. */
  maxMessage?: number;
}
