/**
 * The numbers of RFC 6455: frame opcodes (which double as the frame
 * parser's event codes) and close status codes, with the check of which
 * codes may travel in a Close frame (§7.4).
 *
 * Never: hold state; these are constants and one pure function.
 */

/** Opcode of a continuation frame (the second and later frames of a fragmented message). */
export const OP_CONTINUATION = 0;
/** Opcode of a text frame (UTF-8 payload); also the parser's "text message" event. */
export const OP_TEXT = 1;
/** Opcode of a binary frame; also the parser's "binary message" event. */
export const OP_BINARY = 2;
/** Opcode of a Close frame; also the parser's "close received" event. */
export const OP_CLOSE = 8;
/** Opcode of a Ping frame; also the parser's "ping received" event. */
export const OP_PING = 9;
/** Opcode of a Pong frame; also the parser's "pong received" event. */
export const OP_PONG = 10;

/** Most payload bytes a control frame (close, ping, pong) may carry (§5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** 1000: normal closure. */
export const CLOSE_NORMAL = 1000;
/** 1001: the endpoint is going away (server shutting down, page left). */
export const CLOSE_GOING_AWAY = 1001;
/** 1002: protocol error (malformed or forbidden framing). */
export const CLOSE_PROTOCOL_ERROR = 1002;
/** 1003: a data type the endpoint cannot accept. */
export const CLOSE_UNSUPPORTED_DATA = 1003;
/** 1005: reported when a Close frame had no code; never sent in a frame. */
export const CLOSE_NO_STATUS = 1005;
/** 1006: reported when the connection dropped without a Close frame; never sent in a frame. */
export const CLOSE_ABNORMAL = 1006;
/** 1007: a text message (or close reason) was not valid UTF-8. */
export const CLOSE_INVALID_DATA = 1007;
/** 1008: the message violates the endpoint's policy. */
export const CLOSE_POLICY_VIOLATION = 1008;
/** 1009: the message is larger than the endpoint accepts. */
export const CLOSE_TOO_BIG = 1009;
/** 1011: the server hit an unexpected condition (a handler threw). */
export const CLOSE_INTERNAL_ERROR = 1011;

/**
 * True when `code` may be sent in a Close frame (RFC 6455 §7.4, with the
 * IANA registry's 1012-1014): 1000-1003, 1007-1014, and 3000-4999
 * (registered and private codes). 1004 is reserved; 1005, 1006 and 1015
 * only describe what happened and must never appear on the wire.
 * Non-integers are never valid.
 */
export function isValidCloseCode(code: number): boolean {
  if (code !== (code | 0)) return false;
  if (code >= 3000 && code <= 4999) return true;
  if (code < 1000 || code > 1014) return false;
  return code <= 1003 || code >= 1007;
}
