/**
 * Shared request/response cases: raw request bytes in, exact response
 * bytes out. Every host runs them against conformanceApp() and must produce
 * these bytes, byte for byte.
 *
 * Never: contain host-specific expectations.
 */

/** One exchange on one connection (requests may be pipelined in `request`). */
export interface ConformanceCase {
  /** What the case shows. */
  name: string;
  /** Raw request bytes (latin1). */
  request: string;
  /** Exact response bytes (latin1). */
  expect: string;
  /** The server closes the connection after answering. */
  closes: boolean;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function utf8AsLatin1(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
    }
    if (c < 0x80) out += String.fromCharCode(c);
    else if (c < 0x800) out += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out += String.fromCharCode(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

const REASONS: { [code: number]: string } = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  503: 'Service Unavailable',
  413: 'Content Too Large',
  414: 'URI Too Long',
  418: 'Unknown',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/** Builds the exact bytes of a response the server encodes. */
export function response(
  status: number,
  type: string,
  body: string,
  headers = '',
  keepAlive = true,
  head = false,
): string {
  const typeLine = type ? `Content-Type: ${type}\r\n` : '';
  const length = status === 204 || status === 304 ? '' : `Content-Length: ${utf8Length(body)}\r\n`;
  const connection = keepAlive ? 'Connection: keep-alive\r\n' : 'Connection: close\r\n';
  return `HTTP/1.1 ${status} ${REASONS[status]}\r\n${typeLine}${headers}${length}${connection}\r\n${head ? '' : utf8AsLatin1(body)}`;
}

/** The preencoded error responses (always close). */
export function errorResponse(status: number): string {
  const body = `${status} ${REASONS[status]}\n`;
  return `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: ${TEXT}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}

function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: device\r\n${extra}\r\n`;
}

let big = '';
for (let i = 0; i < 2000; i++) big += '0123456789';

// ---- WebSocket (RFC 6455): frames as latin1 strings ----

/** The client's masking key in every case (the RFC 6455 §5.7 example's). */
const MASK = [0x37, 0xfa, 0x21, 0x3d];

/** A frame head's length field (7, 16 or 64 bits); `maskBit` 0x80 for a client frame. */
function lengthField(length: number, maskBit: number): string {
  if (length < 126) return String.fromCharCode(maskBit | length);
  if (length < 0x10000) return String.fromCharCode(maskBit | 126, length >> 8, length & 255);
  let s = String.fromCharCode(maskBit | 127, 0, 0, 0);
  for (let shift = 32; shift >= 0; shift -= 8) s += String.fromCharCode(Math.floor(length / 2 ** shift) & 255);
  return s;
}

/** A masked client frame; `payload` in latin1 (UTF-8 already encoded); `masked` false for the faulty kind. */
export function clientFrame(opcode: number, payload: string, fin = true, masked = true): string {
  let s = String.fromCharCode((fin ? 0x80 : 0) | opcode) + lengthField(payload.length, masked ? 0x80 : 0);
  if (!masked) return s + payload;
  for (let i = 0; i < 4; i++) s += String.fromCharCode(MASK[i]);
  for (let i = 0; i < payload.length; i++) s += String.fromCharCode(payload.charCodeAt(i) ^ MASK[i & 3]);
  return s;
}

/** An (unmasked) server frame. */
export function serverFrame(opcode: number, payload: string): string {
  return String.fromCharCode(0x80 | opcode) + lengthField(payload.length, 0) + payload;
}

/** A Close frame's payload: the code and the reason (ASCII here). */
export function closeBody(code: number, reason = ''): string {
  return String.fromCharCode(code >> 8, code & 255) + reason;
}

/** The upgrade request (the RFC 6455 §1.3 key) for `path`. */
export function upgrade(path: string, extra = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: device\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

/** The 101 answer to upgrade(). */
export function switching(protocol = ''): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
    (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
    '\r\n'
  );
}

/**
 * True when `response` is a 101 followed by server frames, the last a
 * Close: the server closes the socket then (lingering, when it failed the
 * connection, while the client may still send).
 */
export function endsWithServerClose(response: string): boolean {
  if (!response.startsWith('HTTP/1.1 101 ')) return false;
  let p = response.indexOf('\r\n\r\n') + 4;
  let last = -1;
  while (p + 2 <= response.length) {
    last = response.charCodeAt(p) & 15;
    let length = response.charCodeAt(p + 1) & 127;
    p += 2;
    if (length === 126) {
      length = (response.charCodeAt(p) << 8) | response.charCodeAt(p + 1);
      p += 2;
    } else if (length === 127) {
      length = 0;
      for (let i = 0; i < 8; i++) length = length * 256 + response.charCodeAt(p + i);
      p += 8;
    }
    p += length;
  }
  return last === CLOSE_FRAME;
}

const TEXT_FRAME = 1;
const BINARY_FRAME = 2;
const CLOSE_FRAME = 8;
const PING_FRAME = 9;
const PONG_FRAME = 10;
let binary = '';
for (let i = 0; i < 300; i++) binary += String.fromCharCode(i & 255);

/** WebSocket cases: exact frames in, exact frames out. */
const WS_CASES: ConformanceCase[] = [
  {
    name: 'ws: handshake, and the RFC 6455 masked "Hello" echoed',
    request: upgrade('/ws') + '\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58',
    expect: switching() + '\x81\x05Hello',
    closes: false,
  },
  {
    name: 'ws: binary (16-bit length), fragments with a ping between them, the pong first',
    request:
      upgrade('/ws', 'Sec-WebSocket-Protocol: superchat, chat\r\n') +
      clientFrame(BINARY_FRAME, binary) +
      clientFrame(TEXT_FRAME, 'gr', false) +
      clientFrame(PING_FRAME, 'ping?') +
      clientFrame(0, utf8AsLatin1('üße ✓')),
    expect:
      switching('chat') +
      serverFrame(BINARY_FRAME, binary) +
      serverFrame(PONG_FRAME, 'ping?') +
      serverFrame(TEXT_FRAME, utf8AsLatin1('grüße ✓')),
    closes: false,
  },
  {
    name: 'ws: the route params stay readable after frames overwrite the request',
    request: upgrade('/ws/rooms/k%C3%BCche') + clientFrame(TEXT_FRAME, 'hi'),
    expect:
      switching() +
      serverFrame(TEXT_FRAME, utf8AsLatin1('room küche')) +
      serverFrame(TEXT_FRAME, utf8AsLatin1('küche: hi')),
    closes: false,
  },
  {
    name: 'ws: the close handshake echoes the code, and the server closes',
    request: upgrade('/ws') + clientFrame(CLOSE_FRAME, closeBody(1000, 'bye')),
    expect: switching() + serverFrame(CLOSE_FRAME, closeBody(1000)),
    closes: true,
  },
  {
    name: 'ws: a Close without a code is answered with an empty one',
    request: upgrade('/ws') + clientFrame(CLOSE_FRAME, ''),
    expect: switching() + serverFrame(CLOSE_FRAME, ''),
    closes: true,
  },
  {
    name: 'ws: the server closes with a code and a reason (ws.close) and waits for the peer',
    request: upgrade('/ws/bye') + clientFrame(TEXT_FRAME, 'x'),
    expect: switching() + serverFrame(CLOSE_FRAME, closeBody(4000, 'bye')),
    closes: false,
  },
  {
    name: 'ws: a plain GET on a WebSocket route is 426',
    request: get('/ws'),
    expect: response(426, TEXT, '426 Upgrade Required\n', 'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n'),
    closes: false,
  },
  {
    name: 'ws: a key that is not 16 bytes of base64 is 400',
    request: upgrade('/ws').replace('dGhlIHNhbXBsZSBub25jZQ==', 'dG9vIHNob3J0'),
    expect: response(400, TEXT, '400 Bad Request\n'),
    closes: false,
  },
  {
    name: 'ws: group middleware runs before the upgrade and may refuse it',
    request: upgrade('/locked/ws'),
    expect: response(401, TEXT, 'no\n'),
    closes: false,
  },
  {
    name: 'ws: group middleware lets the upgrade through',
    request: upgrade('/locked/ws', 'Authorization: Bearer ok\r\n') + clientFrame(TEXT_FRAME, 'in'),
    expect: switching() + serverFrame(TEXT_FRAME, 'in'),
    closes: false,
  },
  {
    name: 'ws: an unmasked client frame closes with 1002',
    request: upgrade('/ws') + clientFrame(TEXT_FRAME, 'ok') + clientFrame(TEXT_FRAME, 'bare', true, false),
    expect: switching() + serverFrame(TEXT_FRAME, 'ok') + serverFrame(CLOSE_FRAME, closeBody(1002)),
    closes: true,
  },
  {
    name: 'ws: a continuation without a start closes with 1002',
    request: upgrade('/ws') + clientFrame(0, 'lost'),
    expect: switching() + serverFrame(CLOSE_FRAME, closeBody(1002)),
    closes: true,
  },
  {
    name: 'ws: a ping over 125 bytes closes with 1002',
    request: upgrade('/ws') + clientFrame(PING_FRAME, binary.slice(0, 126)),
    expect: switching() + serverFrame(CLOSE_FRAME, closeBody(1002)),
    closes: true,
  },
  {
    name: 'ws: RSV1 without an extension closes with 1002',
    request: upgrade('/ws') + '\xc1' + clientFrame(TEXT_FRAME, 'x').slice(1),
    expect: switching() + serverFrame(CLOSE_FRAME, closeBody(1002)),
    closes: true,
  },
  {
    name: 'ws: invalid UTF-8 in a text message closes with 1007',
    request: upgrade('/ws') + clientFrame(TEXT_FRAME, 'ok\xc3\x28'),
    expect: switching() + serverFrame(CLOSE_FRAME, closeBody(1007)),
    closes: true,
  },
  {
    name: 'ws: a message over the limit closes with 1009 at its head',
    request: upgrade('/ws') + '\x82\xff\x00\x00\x00\x00\x00\x01\x86\xa0\x37\xfa\x21\x3d',
    expect: switching() + serverFrame(CLOSE_FRAME, closeBody(1009)),
    closes: true,
  },
];

/** The cases. */
export const CASES: ConformanceCase[] = [
  { name: 'static text route', request: get('/'), expect: response(200, TEXT, 'hello'), closes: false },
  {
    name: 'static beats param',
    request: get('/users/new'),
    expect: response(200, TEXT, 'new user form'),
    closes: false,
  },
  {
    name: 'param route, JSON',
    request: get('/users/42'),
    expect: response(200, JSON_TYPE, '{"id":"42"}'),
    closes: false,
  },
  {
    name: 'percent-decoded param',
    request: get('/users/a%20b'),
    expect: response(200, JSON_TYPE, '{"id":"a b"}'),
    closes: false,
  },
  {
    name: 'wildcard keeps the leading slash',
    request: get('/files/css/site.css'),
    expect: response(200, TEXT, '/css/site.css'),
    closes: false,
  },
  {
    name: 'query parameter',
    request: get('/query?x=1&q=hello+world%21'),
    expect: response(200, TEXT, 'hello world!'),
    closes: false,
  },
  { name: 'missing query parameter', request: get('/query'), expect: response(200, TEXT, 'none'), closes: false },
  {
    name: 'request header, any case',
    request: get('/header', 'X-TEST: yes\r\n'),
    expect: response(200, TEXT, 'yes'),
    closes: false,
  },
  { name: '404', request: get('/nope'), expect: response(404, TEXT, '404 Not Found\n'), closes: false },
  {
    name: '405 with Allow',
    request: 'POST /users/42 HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n',
    expect: response(405, TEXT, '405 Method Not Allowed\n', 'Allow: GET, HEAD, PUT, DELETE\r\n'),
    closes: false,
  },
  {
    name: 'HEAD answered by GET without body',
    request: 'HEAD /users/42 HTTP/1.1\r\nHost: d\r\n\r\n',
    expect: response(200, JSON_TYPE, '{"id":"42"}', '', true, true),
    closes: false,
  },
  {
    name: 'PUT route',
    request: 'PUT /users/7 HTTP/1.1\r\nHost: d\r\nContent-Length: 2\r\n\r\nhi',
    expect: response(200, TEXT, 'updated 7'),
    closes: false,
  },
  {
    name: 'DELETE answers 204',
    request: 'DELETE /users/7 HTTP/1.1\r\nHost: d\r\n\r\n',
    expect: response(204, '', ''),
    closes: false,
  },
  {
    name: 'POST body echoed',
    request: 'POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 11\r\n\r\nhello world',
    expect: response(200, 'application/octet-stream', 'hello world'),
    closes: false,
  },
  {
    name: 'chunked body decoded',
    request:
      'POST /echo HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n',
    expect: response(200, 'application/octet-stream', 'hello world'),
    closes: false,
  },
  {
    name: 'trailing slash added (301)',
    request: get('/dir?a=1'),
    expect: response(301, '', '', 'Location: /dir/?a=1\r\n'),
    closes: false,
  },
  {
    name: 'trailing slash removed (301)',
    request: get('/users/42/'),
    expect: response(301, '', '', 'Location: /users/42\r\n'),
    closes: false,
  },
  {
    name: 'trailing slash for POST is 308',
    request: 'POST /form HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n',
    expect: response(308, '', '', 'Location: /form/\r\n'),
    closes: false,
  },
  {
    name: 'no redirect when the other variant lacks the method',
    request: 'POST /dir HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n',
    expect: response(404, TEXT, '404 Not Found\n'),
    closes: false,
  },
  {
    name: 'handler throws: 500, connection stays',
    request: get('/throw'),
    expect: response(500, TEXT, '500 Internal Server Error\n'),
    closes: false,
  },
  {
    name: 'HttpError status',
    request: get('/teapot'),
    expect: response(418, TEXT, 'short and stout\n'),
    closes: false,
  },
  { name: 'async handler', request: get('/async'), expect: response(200, TEXT, 'later'), closes: false },
  {
    name: 'headers and status set by handler',
    request: get('/headers'),
    expect: response(201, TEXT, 'h', 'X-One: 1\r\nCache-Control: no-store\r\n'),
    closes: false,
  },
  {
    name: 'redirect helper',
    request: get('/redirect'),
    expect: response(302, '', '', 'Location: /\r\n'),
    closes: false,
  },
  {
    name: 'group middleware adds a header',
    request: get('/api/ping'),
    expect: response(200, JSON_TYPE, '{"pong":true}', 'X-Api: yes\r\n'),
    closes: false,
  },
  {
    name: 'UTF-8 body length in bytes',
    request: get('/utf8'),
    expect: response(200, TEXT, 'grüße ✓ 😀'),
    closes: false,
  },
  { name: 'large body in pieces', request: get('/big'), expect: response(200, TEXT, big), closes: false },
  {
    name: 'pipelined requests answered in order',
    request: get('/') + get('/users/1') + get('/nope'),
    expect:
      response(200, TEXT, 'hello') + response(200, JSON_TYPE, '{"id":"1"}') + response(404, TEXT, '404 Not Found\n'),
    closes: false,
  },
  {
    name: 'Connection: close',
    request: get('/', 'Connection: close\r\n'),
    expect: response(200, TEXT, 'hello', '', false),
    closes: true,
  },
  {
    name: 'HTTP/1.0 closes by default',
    request: 'GET / HTTP/1.0\r\n\r\n',
    expect: response(200, TEXT, 'hello', '', false),
    closes: true,
  },
  {
    name: 'HTTP/1.0 keep-alive on request',
    request: 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    expect: response(200, TEXT, 'hello'),
    closes: false,
  },
  {
    name: 'HTTP/1.0 with a chunked body is answered, then closed (its framing may be faulty)',
    request:
      'POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    expect: response(200, 'application/octet-stream', 'hello', '', false),
    closes: true,
  },
  {
    name: 'asterisk-form with a method other than OPTIONS is 400',
    request: 'GET * HTTP/1.1\r\nHost: d\r\n\r\n',
    expect: errorResponse(400),
    closes: true,
  },
  {
    name: 'missing Host in HTTP/1.1 is 400',
    request: 'GET / HTTP/1.1\r\n\r\n',
    expect: errorResponse(400),
    closes: true,
  },
  {
    name: 'malformed request line is 400',
    request: 'GET/HTTP/1.1\r\nHost: d\r\n\r\n',
    expect: errorResponse(400),
    closes: true,
  },
  { name: 'bare LF is 400', request: 'GET / HTTP/1.1\nHost: d\n\n', expect: errorResponse(400), closes: true },
  {
    name: 'space before colon is 400',
    request: 'GET / HTTP/1.1\r\nHost : d\r\n\r\n',
    expect: errorResponse(400),
    closes: true,
  },
  {
    name: 'obs-fold is 400',
    request: 'GET / HTTP/1.1\r\nHost: d\r\nX: a\r\n b\r\n\r\n',
    expect: errorResponse(400),
    closes: true,
  },
  {
    name: 'two Content-Lengths are 400',
    request: 'POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab',
    expect: errorResponse(400),
    closes: true,
  },
  {
    name: 'Content-Length with Transfer-Encoding is 400',
    request: 'POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    expect: errorResponse(400),
    closes: true,
  },
  {
    name: 'unsupported Transfer-Encoding is 501',
    request: 'POST /echo HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
    expect: errorResponse(501),
    closes: true,
  },
  { name: 'HTTP/2.0 is 505', request: 'GET / HTTP/2.0\r\nHost: d\r\n\r\n', expect: errorResponse(505), closes: true },
  {
    name: 'unknown method is 501',
    request: 'BREW / HTTP/1.1\r\nHost: d\r\n\r\n',
    expect: errorResponse(501),
    closes: true,
  },
  {
    name: 'body larger than the slot is 413',
    request: 'POST /echo HTTP/1.1\r\nHost: d\r\nContent-Length: 100000\r\n\r\n',
    expect: errorResponse(413),
    closes: true,
  },
  ...WS_CASES,
];
