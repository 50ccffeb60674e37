/**
 * Hostile clients over real sockets, for any server on 127.0.0.1: a
 * client that sends its request in pieces, slowly, or drops the
 * connection part way, and hears what comes back (test/hostile on Node,
 * test/espruino/engine/hostile.espruino.ts on Espruino).
 *
 * Never: connect anywhere but 127.0.0.1.
 */
import * as net from 'node:net';

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a hostile client heard: the bytes, whether the server closed, and the socket's error. */
export interface Outcome {
  text: string;
  closed: boolean;
  error: string | null;
}

/**
 * Opens a connection, sends `pieces` (pausing `gap` ms between them), and
 * collects what comes back until the server closes or `wait` ms of quiet
 * after the last piece. `dropAfter` destroys the socket after that many pieces.
 */
export function converse(
  port: number,
  pieces: Buffer[],
  options: { gap?: number; wait?: number; dropAfter?: number } = {},
): Promise<Outcome> {
  const gap = options.gap ?? 0;
  const wait = options.wait ?? 1500;
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    let timer: NodeJS.Timeout | null = null;
    const finish = (closed: boolean, error: string | null) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, error });
    };
    const quiet = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => finish(false, null), wait);
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      quiet();
    });
    socket.on('close', () => finish(true, null));
    socket.on('error', (e) => finish(true, (e as NodeJS.ErrnoException).code ?? String(e)));
    socket.on('connect', async () => {
      for (let i = 0; i < pieces.length; i++) {
        if (done) return;
        if (options.dropAfter !== undefined && i >= options.dropAfter) return finish(true, 'dropped');
        if (i > 0 && gap > 0) await sleep(gap);
        if (done || socket.destroyed) return;
        socket.write(pieces[i]);
      }
      if (options.dropAfter !== undefined && pieces.length >= options.dropAfter) return finish(true, 'dropped');
      quiet();
    });
  });
}

/** A GET request for `path`, with `extra` header lines. */
export const GET = (path: string, extra = ''): Buffer =>
  Buffer.from(`GET ${path} HTTP/1.1\r\nHost: d\r\n${extra}\r\n`, 'latin1');
