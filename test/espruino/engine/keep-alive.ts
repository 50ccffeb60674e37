/**
 * One keep-alive connection that sends GET requests one after another and
 * collects each response body (framed by Content-Length), for the Espruino
 * tests and the Espruino benchmark.
 *
 * Never: pipeline (each request waits for the previous response); accept a
 * response without a Content-Length or one that closes the connection.
 */
import * as net from 'node:net';

/** The header lines Chromium sends with a fetch() from the dashboard, after Host (12 more, 600 bytes). */
export const BROWSER_HEADERS =
  'Connection: keep-alive\r\n' +
  'sec-ch-ua: "Chromium";v="120", "Not?A_Brand";v="8"\r\n' +
  'sec-ch-ua-mobile: ?0\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n' +
  'sec-ch-ua-platform: "Linux"\r\n' +
  'Accept: */*\r\n' +
  'Sec-Fetch-Site: same-origin\r\n' +
  'Sec-Fetch-Mode: cors\r\n' +
  'Sec-Fetch-Dest: empty\r\n' +
  'Referer: http://127.0.0.1/\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Accept-Language: en-US,en;q=0.9\r\n';

/**
 * Sends `count` GETs of `path` on one connection; resolves to the bodies
 * (latin1), in order. `headers`: more header lines after Host, each ending
 * in CRLF.
 */
export function keepAliveGet(port: number, path: string, count: number, headers = ''): Promise<string[]> {
  if (count < 1) return Promise.reject(new RangeError(`keepAliveGet: count must be at least 1, not ${count}`));
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`, 'latin1');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const bodies: string[] = [];
    let buffer: Buffer = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        const headEnd = buffer.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffer.subarray(0, headEnd).toString('latin1');
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!length) return fail(new Error(`response ${bodies.length + 1} has no Content-Length:\n${head}`));
        if (!/\r\nconnection: keep-alive/i.test(head))
          return fail(new Error(`response ${bodies.length + 1} does not keep the connection:\n${head}`));
        const end = headEnd + 4 + Number(length[1]);
        if (buffer.length < end) return;
        bodies.push(buffer.subarray(headEnd + 4, end).toString('latin1'));
        buffer = buffer.subarray(end);
        if (bodies.length === count) {
          socket.end();
          return resolve(bodies);
        }
        socket.write(request);
      }
    });
    socket.on('error', fail);
    socket.on('close', () => {
      if (bodies.length < count) fail(new Error(`the connection closed after ${bodies.length} of ${count} responses`));
    });
  });
}
