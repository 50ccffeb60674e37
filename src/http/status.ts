/** The body of a 500 answer, the same from the server and from recovery(). */
export const INTERNAL_ERROR_BODY = '500 Internal Server Error\n';

/**
 * HTTP status codes and reason phrases, the one table the encoder and the
 * App share.
 *
 * Never: build status strings per request; callers look up constants.
 */

// Frozen: the core is preloaded on the board, where only frozen objects stay in flash (0 RAM).
const REASONS: { readonly [code: number]: string } = Object.freeze({
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
});

/** The reason phrase for `code`, or "Unknown" for codes not in the table. */
export function reasonPhrase(code: number): string {
  return REASONS[code] || 'Unknown';
}

/** Codes that never carry a body (RFC 9110 §6.4.1). */
export function statusHasBody(code: number): boolean {
  return !(code < 200 || code === 204 || code === 304);
}

/** Every code in the table, ascending; used to preencode status lines at start. */
export function knownStatusCodes(): number[] {
  'cold';
  const codes: number[] = [];
  for (const key in REASONS) codes.push(Number(key));
  return codes.sort((a, b) => a - b);
}
