/**
 * XS side of bench/upload.ts: a chipweb Server on the allocation-free bench
 * platform with two streamBody() routes, fed a body piece by piece (a TCP
 * segment each) so the host can count the heap slots each piece leaves
 * behind and time the throughput inside XS:
 *   /hash    the server's streaming path plus a streaming SHA-256
 *   /update  the whole OTA path: OtaSession (SHA-256 + the target) into a
 *            target that only counts (a board's flash writes are native)
 *
 * Commands (first byte): 'o' open an upload (byte 1: 0 hash, 1 update),
 * 'p' deliver one piece, 'n' deliver `count` pieces, 'g' gc().
 *
 * Never: allocate in a measured command outside the code being measured.
 */
import { App } from '../src/app.ts';
import { Sha256 } from '../src/crypto/sha256.ts';
import { streamBody } from '../src/middleware/stream-body.ts';
import { OtaSession } from '../src/ota/session.ts';
import type { OtaTarget } from '../src/platform.ts';
import { Server } from '../src/server.ts';
import { BenchPlatform } from './xs-bench-platform.ts';

declare function gc(): void;
declare const globalThis: Record<string, unknown>;

/** One TCP segment's worth of body per delivery. */
const PIECE = 1460;
/** A body far larger than anything delivered: the upload never ends during the measurement. */
const BODY_LENGTH = 1 << 30;

/** An OTA target that only counts what it is given (the board's flash writes are native code). */
class CountingTarget implements OtaTarget {
  readonly capacity = BODY_LENGTH;
  written = 0;
  begin(): void {
    this.written = 0;
  }
  write(_bytes: Uint8Array, start: number, end: number): void {
    this.written += end - start;
  }
  complete(): void {}
  cancel(): void {}
  restart(): void {}
}

const sha = new Sha256();
const target = new CountingTarget();
const session = new OtaSession(target);
const app = new App();
app.post('/hash', streamBody(), async (c) => {
  sha.reset();
  await c.readBody((bytes, start, end) => {
    sha.update(bytes, start, end);
  });
  c.text('done');
});
app.post('/update', streamBody(), async (c) => {
  await session.receive((onPiece) => c.readBody(onPiece), c.raw.bodyLength, c.header('x-image-sha256'));
  c.text('done');
});

const platform = new BenchPlatform();
const server = new Server(app, platform, { slots: 2, slotSize: 2048, outputSize: 512 });
void server.start().then(() => platform.connect());

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const HASH = '0'.repeat(64);
const heads = [
  ascii(`POST /hash HTTP/1.1\r\nHost: d\r\nContent-Length: ${BODY_LENGTH}\r\n\r\n`),
  ascii(`POST /update HTTP/1.1\r\nHost: d\r\nX-Image-SHA256: ${HASH}\r\nContent-Length: ${BODY_LENGTH}\r\n\r\n`),
];
const piece = new Uint8Array(PIECE);
for (let i = 0; i < PIECE; i++) piece[i] = (i * 7) & 255;
const out = new Float64Array(2);

globalThis.handleCommand = (command: ArrayBuffer): ArrayBuffer => {
  const bytes = new Uint8Array(command);
  const op = bytes[0];
  if (op === 111) {
    platform.hangUp(); // a new upload on a new connection
    platform.connect();
    const head = heads[bytes[1]];
    platform.deliver(head, head.length);
  } else if (op === 112) platform.deliver(piece, PIECE);
  else if (op === 110) {
    const count = bytes[1] | (bytes[2] << 8) | (bytes[3] << 16);
    for (let i = 0; i < count; i++) platform.deliver(piece, PIECE);
  } else if (op === 103) gc();
  out[0] = target.written;
  return out.buffer;
};

globalThis.uploadBench = {
  /** Milliseconds to deliver `count` pieces (timed inside XS). */
  time(count: number): number {
    const t0 = Date.now();
    for (let i = 0; i < count; i++) platform.deliver(piece, PIECE);
    return Date.now() - t0;
  },
  piece: PIECE,
  /** What the last response said, and what the target was given (to check that the upload runs). */
  state(): { written: number; busy: boolean; answer: string } {
    const s = platform.socket;
    let answer = '';
    for (let i = 0; i < s.sinkLength && i < 200; i++) answer += String.fromCharCode(s.sink[i]);
    return { written: target.written, busy: session.busy, answer };
  },
};
