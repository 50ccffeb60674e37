/**
 * XS side of the WebSocket benchmark (bundled into one IIFE and evaluated in
 * an xsnap worker by bench/xs-ws.ts and test/ws/xs.test.ts): the protocol
 * layer of src/ws/ on a slot and an output buffer made once, so the host
 * can count the heap slots each operation leaves behind and time it in XS:
 *   'a'  Sec-WebSocket-Accept alone (SHA-1 + base64) for the key in the slot
 *   'p'  copy the upgrade request into the slot and parseHead it (the
 *        part of 'h' every HTTP request pays anyway)
 *   'h'  the whole handshake as the server will do it: parseHead of the
 *        upgrade request, checkUpgrade, chooseProtocol, the 101 head
 *   'c'  copy frame case `index` into the slot (the baseline of 'e')
 *   'e'  copy frame case `index` into the slot, parse every frame, and
 *        write the echo the server will send (data echoed, ping -> pong,
 *        close -> close) into the output
 *   'm'  `count` echoes cycling through the cases
 *   'g'  a full garbage collection
 * and the same echo through the real server (a chipweb Server with one
 * WebSocket route, `message: (ws, msg) => ws.send(msg)`, on the
 * allocation-free bench platform), so the whole path is counted: the
 * socket read, the frame pump, the handler call, the send and the write:
 *   'u'  a new connection: the upgrade request delivered (101, open)
 *   's'  frame case `index` delivered to the open WebSocket (data and
 *        ping cases only: the socket stays open)
 *   'w'  a whole connection: the upgrade with a Close frame after it
 *        (101, open, Close echoed, socket closed, slot released)
 *   'M'  `count` server echoes cycling through the data and ping cases
 *
 * Never: allocate in a measured command outside the code being measured
 * (every command answers with the same preallocated buffer).
 */
import { HEAD_INCOMPLETE, parseHead, RequestHead } from '../src/http/parser.ts';
import type { HeadLimits } from '../src/http/parser.ts';
import { AcceptHasher } from '../src/ws/accept.ts';
import { CLOSE_NO_STATUS, CLOSE_NORMAL, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from '../src/ws/codes.ts';
import { FrameParser, WS_MORE } from '../src/ws/frame-parser.ts';
import { writeCloseFrame, writeControlFrame, writeFrameHead } from '../src/ws/frame-writer.ts';

/** Where the encoder leaves its position (a connection's own, in the server). */
const END = { encodeEnd: 0 };
import { checkUpgrade, chooseProtocol, writeSwitchingProtocols } from '../src/ws/handshake.ts';
import { App } from '../src/app.ts';
import { Server } from '../src/server.ts';
import { BenchPlatform } from './xs-bench-platform.ts';

declare const performance: { now(): number };
declare function gc(): void;
declare const globalThis: Record<string, unknown>;

/** Slot size of the benchmark (a board's typical 4 KiB). */
const SLOT_SIZE = 4096;
const slot = new Uint8Array(SLOT_SIZE);
const output = new Uint8Array(SLOT_SIZE + 16);
const limits: HeadLimits = { maxRequestLine: 1024, maxHeaderBytes: 2048, maxHeaders: 32 };
const head = new RequestHead(limits.maxHeaders);
const parser = new FrameParser(SLOT_SIZE);
const PROTOCOLS = ['chat', 'superchat'];
/** Computes Sec-WebSocket-Accept (the server makes one at start). */
const accept = new AcceptHasher();
/** Reply of every command: [result, output bytes, events, 0]. */
const reply = new Int32Array(4);

/** The upgrade request (parsed in place in a region of the slot that frames do not use during 'h'). */
let upgrade = new Uint8Array(0);
let keyStart = 0;
let keyEnd = 0;
/** Each frame case: the raw client bytes of one or more frames. */
let cases: Uint8Array[] = [];

/** Stores the upgrade request and the frame cases (bytes as arrays of numbers). */
function setup(request: number[], frameCases: number[][]): number {
  upgrade = new Uint8Array(request);
  cases = frameCases.map((c) => new Uint8Array(c));
  const parsed = parseUpgrade();
  if (parsed < 0) return parsed;
  keyStart = head.headers[parsed * 4 + 2];
  keyEnd = head.headers[parsed * 4 + 3];
  return parsed;
}

/** Copies the upgrade request into the slot and parses its head; parseHead's result. */
function parseRequest(): number {
  const n = upgrade.length;
  for (let i = 0; i < n; i++) slot[i] = upgrade[i];
  head.reset();
  return parseHead(slot, n, SLOT_SIZE, head, limits);
}

/** parseRequest, then checkUpgrade: the key's header index or a negative status. */
function parseUpgrade(): number {
  const end = parseRequest();
  if (end === HEAD_INCOMPLETE || end < 0) return end === HEAD_INCOMPLETE ? -1 : end;
  return checkUpgrade(slot, head);
}

/** The handshake as the server will run it; the length of the 101 head written. */
function handshake(): number {
  const key = parseUpgrade();
  if (key < 0) return key;
  const chosen = chooseProtocol(slot, head, PROTOCOLS);
  const h = head.headers;
  return writeSwitchingProtocols(
    accept,
    slot,
    h[key * 4 + 2],
    h[key * 4 + 3],
    chosen >= 0 ? PROTOCOLS[chosen] : null,
    output,
    0,
  );
}

/** Copies case `index` into the slot; its length. */
function load(index: number): number {
  const src = cases[index];
  const n = src.length;
  for (let i = 0; i < n; i++) slot[i] = src[i];
  return n;
}

/** Parses case `index` and writes the server's echo; fills `reply`. */
function echo(index: number): void {
  const filled = load(index);
  parser.reset(0, 0);
  let out = 0;
  let events = 0;
  let result = 0;
  for (;;) {
    const event = parser.parse(slot, filled);
    if (event === WS_MORE) break;
    if (event < 0) {
      result = event;
      break;
    }
    events++;
    const start = parser.start;
    const end = parser.end;
    if (event === OP_TEXT || event === OP_BINARY) {
      out = writeFrameHead(output, out, event, true, end - start);
      for (let i = start; i < end; i++) output[out++] = slot[i];
    } else if (event === OP_PING) out = writeControlFrame(output, out, OP_PONG, slot, start, end);
    else if (event === OP_CLOSE) {
      out = writeCloseFrame(
        output,
        out,
        parser.closeCode === CLOSE_NO_STATUS ? CLOSE_NORMAL : parser.closeCode,
        '',
        END,
      );
      break;
    }
  }
  reply[0] = result;
  reply[1] = out;
  reply[2] = events;
}

// ---- the same through the real server ----

const app = new App();
app.ws('/ws', {
  message: (ws, msg) => {
    ws.send(msg);
  },
  protocols: PROTOCOLS,
});
const platform = new BenchPlatform();
const server = new Server(app, platform, { slots: 2, slotSize: SLOT_SIZE, outputSize: 1024 });
void server.start().then(() => platform.connect());
/** Indexes of the frame cases that leave the socket open (all but the Close). */
let serverCases: number[] = [];
/** The upgrade request followed by a Close frame: a whole connection. */
let connection = new Uint8Array(0);

/** Opens a new WebSocket on the bench platform's connection; the 101 is in the sink. */
function open(): void {
  platform.hangUp(); // the previous WebSocket's client leaves; the next delivery connects anew
  platform.deliver(upgrade, upgrade.length);
}

/** Delivers frame case `index` to the open WebSocket (the echo is in the sink). */
function serverEcho(index: number): void {
  const bytes = cases[index];
  platform.deliver(bytes, bytes.length);
}

/** The server side's setup: which cases keep the socket open, and a whole connection's bytes. */
function setupServer(closeCase: number): void {
  serverCases = [];
  for (let i = 0; i < cases.length; i++) if (i !== closeCase) serverCases.push(i);
  const close = cases[closeCase];
  connection = new Uint8Array(upgrade.length + close.length);
  connection.set(upgrade, 0);
  connection.set(close, upgrade.length);
}

/** Runs command `op` on case `index` once. */
function run(op: number, index: number): void {
  if (op === 97) reply[0] = accept.write(upgrade, keyStart, keyEnd, output, 0);
  else if (op === 112) reply[0] = parseRequest();
  else if (op === 104) reply[0] = handshake();
  else if (op === 99) reply[0] = load(index);
  else if (op === 101) echo(index);
  else if (op === 117) open();
  else if (op === 115) serverEcho(index);
  else if (op === 119) {
    platform.hangUp();
    platform.deliver(connection, connection.length);
  }
}

globalThis.wsBench = {
  setup,
  /** Output bytes [0, n) as an array (for checking; allocates, never measured). */
  output: (n: number) => Array.from(output.subarray(0, n)),
  reply: () => Array.from(reply),
  setupServer,
  /** What the server wrote for the last delivery (allocates; never measured). */
  sink: () => Array.from(platform.socket.sink.subarray(0, platform.socket.sinkLength)),
  /** The server's counters and log (allocates; never measured). */
  stats: () => server.stats(),
  logged: () => platform.logged,
  /** True when the bench connection is closed. */
  closed: () => platform.socket.closed,
  /** Milliseconds for `count` runs of command `op` on case `index`, timed in XS. */
  time: (op: number, index: number, count: number) => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) run(op, index);
    return performance.now() - t0;
  },
};

/** Commands: [op, index, count (u24, for 'm')]; see the file comment. */
globalThis.handleCommand = (command: ArrayBuffer): ArrayBuffer => {
  const bytes = new Uint8Array(command);
  const op = bytes[0];
  const index = bytes[1];
  if (op === 103) gc();
  else if (op === 109) {
    const count = bytes[2] | (bytes[3] << 8) | (bytes[4] << 16);
    for (let i = 0; i < count; i++) echo(i % cases.length);
  } else if (op === 77) {
    const count = bytes[2] | (bytes[3] << 8) | (bytes[4] << 16);
    for (let i = 0; i < count; i++) serverEcho(serverCases[i % serverCases.length]);
  } else run(op, index);
  return reply.buffer;
};
