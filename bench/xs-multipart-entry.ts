/**
 * XS side of the multipart parser's heap check (test/core/multipart-xs.test.ts):
 * one parser, one slot and a browser-style upload body (a field and a file
 * of 8 KiB) made once; the host counts the heap slots each command leaves
 * behind. Commands (first byte):
 *   'b'  begin a body (parse the Content-Type)
 *   'p'  feed the next piece (second byte: piece size / 16) through step(),
 *        copying it into the slot first, as the server's reads do
 *   'n'  nothing (the baseline)
 *   'g'  a full garbage collection
 * `mpBench.run(size)` parses the whole body in pieces of `size` and returns
 * [parts, data bytes, finish()].
 *
 * Never: allocate in a measured command outside the code being measured.
 */
import { MP_DATA, MP_MORE, MP_PART, MultipartParser } from '../src/http/multipart.ts';

declare function gc(): void;
declare const globalThis: Record<string, unknown>;

const BOUNDARY = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function ascii(s: string, out: number[]): void {
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

const source: number[] = [];
ascii(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n${'ab'.repeat(32)}\r\n`, source);
ascii(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="firmware"; filename="fw.bin"\r\n`, source);
ascii('Content-Type: application/octet-stream\r\n\r\n', source);
for (let i = 0; i < 8192; i++) source.push(i % 97 === 0 ? 13 : (i * 37) & 255);
ascii(`\r\n--${BOUNDARY}--\r\n`, source);
const body = new Uint8Array(source);
const typeBytes = new Uint8Array(TYPE.length);
for (let i = 0; i < TYPE.length; i++) typeBytes[i] = TYPE.charCodeAt(i);

const parser = new MultipartParser();
const slot = new Uint8Array(4096);
const reply = new Int32Array(4);
let at = 0;

/** Copies the next piece of the body into the slot and runs step() over it; wraps to a new body at the end. */
function piece(size: number): void {
  if (at >= body.length) {
    parser.begin(typeBytes, 0, typeBytes.length);
    at = 0;
  }
  const end = Math.min(body.length, at + size);
  for (let i = at; i < end; i++) slot[i - at] = body[i];
  let p = 0;
  const stop = end - at;
  for (;;) {
    const event = parser.step(slot, p, stop);
    p = parser.pos;
    if (event === MP_DATA) reply[1] += parser.dataEnd - parser.dataStart;
    else if (event === MP_PART) reply[0]++;
    else if (event === MP_MORE || event < 0) break;
  }
  at = end;
}

globalThis.handleCommand = (command: ArrayBuffer): ArrayBuffer => {
  const bytes = new Uint8Array(command);
  const op = bytes[0];
  if (op === 98) {
    parser.begin(typeBytes, 0, typeBytes.length);
    at = 0;
  } else if (op === 112) piece(bytes[1] * 16);
  else if (op === 103) gc();
  return reply.buffer;
};

globalThis.mpBench = {
  run(size: number): number[] {
    reply[0] = 0;
    reply[1] = 0;
    parser.begin(typeBytes, 0, typeBytes.length);
    at = 0;
    while (at < body.length) piece(size);
    return [reply[0], reply[1], parser.finish()];
  },
};
