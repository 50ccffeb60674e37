/**
 * A strict reader of what the server sent on one connection: a sequence of
 * complete HTTP/1.1 responses (Content-Length or chunked bodies), possibly
 * followed by the start of one more when the client left early. Used by the
 * middleware tests and the fuzz harness to say "well-formed".
 *
 * Never: accept a response the server should not produce (no status line,
 * bad framing, bytes after `Connection: close`).
 */

/** One parsed response. */
export interface ParsedResponse {
  status: number;
  /** Header names in lower case; a repeated name keeps the last value. */
  headers: { [name: string]: string };
  body: string;
}

/** What a connection's bytes hold. */
export interface ParsedStream {
  responses: ParsedResponse[];
  /** Bytes after the last complete response (a response cut short). */
  rest: string;
}

/**
 * Parses `text` (latin1) as consecutive responses. Throws with a reason when
 * the bytes are not well-formed; with `allowPartial`, an incomplete last
 * response is left in `rest` instead.
 */
export function parseResponses(text: string, allowPartial = false, headRequests = 0): ParsedStream {
  const responses: ParsedResponse[] = [];
  let p = 0;
  while (p < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', p);
    if (headEnd < 0) {
      if (allowPartial && (text.startsWith('HTTP/1.1 ', p) || 'HTTP/1.1 '.startsWith(text.slice(p))))
        return { responses, rest: text.slice(p) };
      throw new Error(`malformed response at ${p}: ${JSON.stringify(text.slice(p, p + 60))}`);
    }
    const lines = text.slice(p, headEnd).split('\r\n');
    const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(lines[0]);
    if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
    const status = Number(m[1]);
    const headers: { [name: string]: string } = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(lines[i])}`);
      headers[lines[i].slice(0, colon).toLowerCase()] = lines[i].slice(colon + 1).trim();
    }
    let q = headEnd + 4;
    let body = '';
    const noBody =
      status === 204 ||
      status === 304 ||
      (status >= 100 && status < 200) ||
      (headRequests > 0 && responses.length < headRequests);
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const lineEnd = text.indexOf('\r\n', q);
        if (lineEnd < 0) {
          if (allowPartial) return { responses, rest: text.slice(p) };
          throw new Error('chunked body cut short');
        }
        const size = parseInt(text.slice(q, lineEnd), 16);
        if (!(size >= 0)) throw new Error(`bad chunk size ${JSON.stringify(text.slice(q, lineEnd))}`);
        q = lineEnd + 2;
        if (q + size + 2 > text.length) {
          if (allowPartial) return { responses, rest: text.slice(p) };
          throw new Error('chunk cut short');
        }
        if (text.slice(q + size, q + size + 2) !== '\r\n') throw new Error('chunk not followed by CRLF');
        body += text.slice(q, q + size);
        q += size + 2;
        if (size === 0) break;
      }
    } else if (!noBody && headers['content-length'] === undefined && headers.connection === 'close') {
      // Close-delimited (RFC 9112 6.3): a stream answered to an HTTP/1.0 client, which cannot take chunked.
      body = text.slice(q);
      q = text.length;
    } else if (!noBody) {
      if (headers['content-length'] === undefined) throw new Error(`status ${status} without Content-Length`);
      const length = Number(headers['content-length']);
      if (!(length >= 0)) throw new Error('bad Content-Length');
      if (q + length > text.length) {
        if (allowPartial) return { responses, rest: text.slice(p) };
        throw new Error(`body cut short: ${text.length - q} of ${length}`);
      }
      body = text.slice(q, q + length);
      q += length;
    }
    responses.push({ status, headers, body });
    p = q;
    if (status !== 100 && headers.connection === 'close' && p < text.length)
      throw new Error('bytes after Connection: close');
  }
  return { responses, rest: '' };
}
