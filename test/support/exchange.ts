/**
 * A raw HTTP exchange over a real socket on 127.0.0.1, for tests that
 * compare responses byte for byte.
 */
import * as net from 'node:net';

/**
 * Sends raw bytes, reads until the server closes or `expected` bytes arrived
 * and it stays quiet for `settleMs` (a close that follows the answer shows
 * in that time: on Moddable's runtime a lingering close takes up to a few
 * hundred ms).
 */
export function exchange(
  port: number,
  request: string | Buffer,
  expectedLength: number,
  settleMs = 50,
): Promise<{ response: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      socket.destroy();
      resolve({ response: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const guard = setTimeout(() => done(false), 5000 + settleMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      // Give a close that follows the response a moment to arrive.
      if (received >= expectedLength) setTimeout(() => done(false), settleMs);
    });
    socket.on('end', () => done(true));
    socket.on('close', () => done(true));
    socket.on('error', (error) => (settled ? undefined : reject(error)));
    socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}
