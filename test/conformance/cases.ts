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
];
