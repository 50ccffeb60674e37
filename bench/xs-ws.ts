/**
 * The WebSocket protocol layer (src/ws/) on the real XS engine: heap slots
 * per handshake and per echoed frame (target 0), live heap after 10,000
 * and 20,000 echoed frames against after warm-up (target: no growth), and
 * time per handshake and per frame, measured inside XS; then the same
 * echo through the real server (a WebSocket route whose handler sends
 * each message back, on the allocation-free bench platform): heap slots
 * per frame and per whole connection, and live heap after 10,000 frames. XS side:
 * bench/xs-ws-entry.ts. Part of `npm run bench:xs`; alone:
 * `npm run bench:xs-ws` (`--json` for JSON).
 *
 * The times are absolute figures of this machine's XS (xsnap), not ratios:
 * no peer runs this code path on XS. Node's own SHA-1 (native) is printed
 * beside the handshake as a reference point, not as a peer.
 *
 * Never: assert (test/ws/xs.test.ts holds the assertions); never time
 * anything on the Node side except the labelled Node reference.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { XsWorker } from '../host-sim/xs/worker.ts';
import { bundleForXs, REPO_ROOT } from '../host-sim/xs/bundle.ts';
import { slotsPerCommand } from '../host-sim/xs/measure.ts';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_TEXT } from '../src/ws/codes.ts';
import { clientFrame, concat } from '../test/ws/frames.ts';

/** The upgrade request every handshake parses (a browser's, trimmed). */
export const UPGRADE_REQUEST =
  'GET /ws HTTP/1.1\r\nHost: device.local\r\nUser-Agent: Mozilla/5.0\r\nUpgrade: websocket\r\n' +
  'Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n';

const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31) & 255);
const textBytes = (n: number) => new TextEncoder().encode('héllo wörld € '.repeat(Math.ceil(n / 17))).subarray(0, n);

/** A frame case: a name, the client bytes, and how many frames they hold. */
export interface WsFrameCase {
  name: string;
  bytes: Uint8Array;
  frames: number;
}

/** The frame cases, each echoed whole by one 'e' command. */
export const WS_FRAME_CASES: WsFrameCase[] = [
  {
    name: 'text "Hello" (RFC 6455 example)',
    bytes: Uint8Array.of(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58),
    frames: 1,
  },
  { name: 'binary 125 B', bytes: clientFrame({ opcode: OP_BINARY, payload: pattern(125) }), frames: 1 },
  {
    name: 'text 1,000 B UTF-8 (16-bit length)',
    bytes: clientFrame({ opcode: OP_TEXT, payload: textBytes(1000) }),
    frames: 1,
  },
  { name: 'binary 3,900 B', bytes: clientFrame({ opcode: OP_BINARY, payload: pattern(3900) }), frames: 1 },
  { name: 'ping 4 B -> pong', bytes: clientFrame({ opcode: OP_PING, payload: pattern(4) }), frames: 1 },
  {
    name: 'text in 3 fragments, a ping between',
    bytes: concat([
      clientFrame({ opcode: OP_TEXT, fin: false, payload: textBytes(100) }),
      clientFrame({ opcode: OP_PING, payload: pattern(8) }),
      clientFrame({ opcode: OP_CONTINUATION, fin: false, payload: textBytes(100) }),
      clientFrame({ opcode: OP_CONTINUATION, payload: textBytes(100) }),
    ]),
    frames: 4,
  },
  {
    name: 'close 1000 "bye" -> close',
    bytes: clientFrame({ opcode: OP_CLOSE, payload: Uint8Array.of(0x03, 0xe8, 0x62, 0x79, 0x65) }),
    frames: 1,
  },
];

/** What the benchmark measured. */
export interface WsFigures {
  /** Heap slots one Sec-WebSocket-Accept computation leaves behind. */
  acceptSlots: number;
  /** Heap slots one whole handshake leaves behind. */
  handshakeSlots: number;
  /** Nanoseconds per Sec-WebSocket-Accept (SHA-1 of 60 bytes + base64) on XS. */
  acceptNs: number;
  /** Nanoseconds per whole handshake on XS. */
  handshakeNs: number;
  /** Nanoseconds of it that copying the request in and parseHead take (paid by every HTTP request). */
  parseNs: number;
  /** Node's native SHA-1 + base64 of the same 60 bytes, ns (a reference point, not a peer). */
  nodeAcceptNs: number;
  cases: { name: string; frames: number; bytes: number; slots: number; ns: number; copyNs: number }[];
  /** Live heap slots after gc(): after warm-up, +10,000 echoed frames, +10,000 more. */
  warmLive: number;
  afterLive: number;
  afterLive2: number;
  /** Frames echoed by each of the two runs. */
  framesPerRun: number;
  /** The echo through the real server (app.ws, the frame pump, ws.send, the socket write). */
  server: {
    /** Per frame case (the socket stays open): heap slots and time per case. */
    cases: { name: string; frames: number; bytes: number; slots: number; ns: number }[];
    /** Heap slots one whole connection leaves (upgrade, 101, Close echoed, slot released). */
    connectionSlots: number;
    /** Time per whole connection, ns. */
    connectionNs: number;
    warmLive: number;
    afterLive: number;
    afterLive2: number;
    framesPerRun: number;
  };
}

/** Index of the frame case that closes the socket (the server cases are the others). */
const CLOSE_CASE = WS_FRAME_CASES.findIndex((c) => c.name.startsWith('close'));
/** The frame cases the server echoes with the socket kept open. */
export const WS_SERVER_CASES = WS_FRAME_CASES.map((c, i) => ({ ...c, index: i })).filter((c) => c.index !== CLOSE_CASE);

/** Best time per run of `op` on `index`, in ns, over a few batches of ~100 ms each, timed in XS. */
async function timeOnXs(worker: XsWorker, op: number, index: number): Promise<number> {
  const time = (count: number) => worker.evaluateJson<number>(`wsBench.time(${op}, ${index}, ${count})`);
  let count = 1;
  for (;;) {
    const ms = await time(count);
    if (ms > 20) {
      count = Math.max(1, Math.round((count * 100) / ms));
      break;
    }
    count *= 4;
  }
  let best = Infinity;
  for (let b = 0; b < 5; b++) best = Math.min(best, (await time(count)) / count);
  return best * 1e6;
}

/** Starts an XS worker with the entry loaded and set up; the caller closes it. */
export async function startWsBench(): Promise<XsWorker> {
  const { code } = await bundleForXs(join(REPO_ROOT, 'bench', 'xs-ws-entry.ts'));
  const worker = await XsWorker.start();
  try {
    await worker.evaluate(code);
    const key = await worker.evaluateJson<number>(
      `wsBench.setup(${JSON.stringify([...latin1(UPGRADE_REQUEST)])}, ${JSON.stringify(WS_FRAME_CASES.map((c) => [...c.bytes]))})`,
    );
    if (key < 0) throw new Error(`ws bench: the upgrade request was refused (${key})`);
    await worker.evaluate(`wsBench.setupServer(${CLOSE_CASE})`);
    return worker;
  } catch (error) {
    worker.terminate();
    throw error;
  }
}

/** Runs the WebSocket measurements in a fresh XS worker. */
export async function benchWsOnXs(): Promise<WsFigures> {
  const worker = await startWsBench();
  try {
    const noop = Uint8Array.of(110, 0);
    const warm = async (op: number, index: number) => {
      for (let k = 0; k < 20; k++) await worker.command(Uint8Array.of(op, index));
    };
    await warm(97, 0);
    await warm(104, 0);
    const acceptSlots = (await slotsPerCommand(worker, Uint8Array.of(97, 0), noop, { times: 10 })).slots;
    const handshakeSlots = (await slotsPerCommand(worker, Uint8Array.of(104, 0), noop, { times: 10 })).slots;
    const cases: WsFigures['cases'] = [];
    for (let i = 0; i < WS_FRAME_CASES.length; i++) {
      await warm(101, i);
      const slots = (await slotsPerCommand(worker, Uint8Array.of(101, i), noop, { times: 10 })).slots;
      const ns = await timeOnXs(worker, 101, i);
      const copyNs = await timeOnXs(worker, 99, i);
      const c = WS_FRAME_CASES[i];
      cases.push({ name: c.name, frames: c.frames, bytes: c.bytes.length, slots, ns, copyNs });
    }
    const acceptNs = await timeOnXs(worker, 97, 0);
    const handshakeNs = await timeOnXs(worker, 104, 0);
    const parseNs = await timeOnXs(worker, 112, 0);

    /**
     * Live heap after gc(): after a warm-up run of `op` echoing ~10,000 frames
     * cycling through `cases`, and after two more such runs.
     */
    const growth = async (op: number, cases: WsFrameCase[]) => {
      const framesPerPass = cases.reduce((n, c) => n + c.frames, 0);
      const echoes = Math.ceil(10000 / framesPerPass) * cases.length;
      const many = () => worker.command(Uint8Array.of(op, 0, echoes & 255, (echoes >> 8) & 255, echoes >> 16));
      const collect = async () => (await worker.command(Uint8Array.of(103, 0))).heapCount;
      const live: number[] = [];
      for (let run = 0; run < 3; run++) {
        await many();
        live.push(await collect());
      }
      return { live, framesPerRun: (echoes / cases.length) * framesPerPass };
    };
    const layer = await growth(109, WS_FRAME_CASES);
    const [warmLive, afterLive, afterLive2] = layer.live;

    // Through the real server: a whole connection first (it leaves the socket closed), then frames on an open one.
    for (let k = 0; k < 20; k++) await worker.command(Uint8Array.of(119, 0));
    const connectionSlots = (await slotsPerCommand(worker, Uint8Array.of(119, 0), noop, { times: 10 })).slots;
    const connectionNs = await timeOnXs(worker, 119, 0);
    await worker.command(Uint8Array.of(117, 0));
    const serverCases: WsFigures['server']['cases'] = [];
    for (const c of WS_SERVER_CASES) {
      await warm(115, c.index);
      const slots = (await slotsPerCommand(worker, Uint8Array.of(115, c.index), noop, { times: 10 })).slots;
      const ns = await timeOnXs(worker, 115, c.index);
      serverCases.push({ name: c.name, frames: c.frames, bytes: c.bytes.length, slots, ns });
    }
    const server = await growth(77, WS_SERVER_CASES);
    const [serverWarm, serverAfter, serverAfter2] = server.live;

    // Node's native SHA-1 + base64 of the same input, for scale.
    const input = Buffer.from('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11', 'latin1');
    let nodeBest = Infinity;
    for (let b = 0; b < 5; b++) {
      const n = 20000;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) createHash('sha1').update(input).digest('base64');
      nodeBest = Math.min(nodeBest, Number(process.hrtime.bigint() - t0) / n);
    }
    return {
      acceptSlots,
      handshakeSlots,
      acceptNs,
      handshakeNs,
      parseNs,
      nodeAcceptNs: nodeBest,
      cases,
      warmLive,
      afterLive,
      afterLive2,
      framesPerRun: layer.framesPerRun,
      server: {
        cases: serverCases,
        connectionSlots,
        connectionNs,
        warmLive: serverWarm,
        afterLive: serverAfter,
        afterLive2: serverAfter2,
        framesPerRun: server.framesPerRun,
      },
    };
  } finally {
    await worker.close();
  }
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const pad = (text: string | number, width: number) => String(text).padStart(width);
const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** Prints the figures as bench:xs does. */
export function printWs(ws: WsFigures): void {
  console.log('\nWebSocket protocol layer (src/ws/) on XS, slot 4,096 bytes:');
  console.log(
    `  handshake, Sec-WebSocket-Accept only (SHA-1 + base64)  ${pad(n(ws.acceptNs), 8)} ns   ${ws.acceptSlots} slots   target 0  ${met(ws.acceptSlots === 0)}`,
  );
  console.log(
    `  handshake, whole (parse + checks + protocol + 101 head) ${pad(n(ws.handshakeNs), 8)} ns   ${ws.handshakeSlots} slots   target 0  ${met(ws.handshakeSlots === 0)}`,
  );
  console.log(
    `    of which copying the ${n(UPGRADE_REQUEST.length)}-byte request in and parseHead: ${n(ws.parseNs)} ns; checks and 101 head without the accept: ${n(ws.handshakeNs - ws.parseNs - ws.acceptNs)} ns`,
  );
  console.log(`  (Node's native SHA-1 + base64 of the same 60 bytes, for scale: ${n(ws.nodeAcceptNs)} ns on V8)`);
  console.log('  echo of a frame case (parse in place + server frame written), per case:');
  console.log('    case                                   frames   bytes   ns/case  (copy in)   slots  target');
  for (const c of ws.cases) {
    console.log(
      `    ${c.name.padEnd(38)} ${pad(c.frames, 6)} ${pad(n(c.bytes), 7)} ${pad(n(c.ns - c.copyNs), 9)}  (${pad(n(c.copyNs), 7)})   ${pad(c.slots, 5)}  0 ${met(c.slots === 0)}`,
    );
  }
  const big = ws.cases.find((c) => c.name.startsWith('binary 3,900'));
  if (big)
    console.log(
      `    unmask + copy out of a 3,900 B frame: ${((big.bytes * 1000) / (big.ns - big.copyNs)).toFixed(1)} MB/s`,
    );
  const growth1 = ws.afterLive - ws.warmLive;
  const growth2 = ws.afterLive2 - ws.afterLive;
  console.log(
    `  live heap (slots, after gc()): warm ${n(ws.warmLive)}, +${n(ws.framesPerRun)} frames ${n(ws.afterLive)} (${growth1 >= 0 ? '+' : ''}${growth1}), ` +
      `+${n(ws.framesPerRun)} more ${n(ws.afterLive2)} (${growth2 >= 0 ? '+' : ''}${growth2})   target: no growth  ${met(growth1 <= 0 && growth2 <= 0)}`,
  );
  const s = ws.server;
  console.log(
    '\nWebSocket echo through the real server on XS (app.ws, message: (ws, msg) => ws.send(msg); slot 4,096, output 1,024):',
  );
  console.log('    case                                   frames   bytes   ns/case   slots  target');
  for (const c of s.cases) {
    console.log(
      `    ${c.name.padEnd(38)} ${pad(c.frames, 6)} ${pad(n(c.bytes), 7)} ${pad(n(c.ns), 9)}   ${pad(c.slots, 5)}  0 ${met(c.slots === 0)}`,
    );
  }
  console.log(
    `  a whole connection (upgrade, 101, Close echoed, slot released): ${n(s.connectionNs)} ns, ${s.connectionSlots} slots   target 0  ${met(s.connectionSlots === 0)}`,
  );
  const g1 = s.afterLive - s.warmLive;
  const g2 = s.afterLive2 - s.afterLive;
  console.log(
    `  live heap (slots, after gc()): warm ${n(s.warmLive)}, +${n(s.framesPerRun)} frames ${n(s.afterLive)} (${g1 >= 0 ? '+' : ''}${g1}), ` +
      `+${n(s.framesPerRun)} more ${n(s.afterLive2)} (${g2 >= 0 ? '+' : ''}${g2})   target: no growth  ${met(g1 <= 0 && g2 <= 0)}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchWsOnXs();
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures, null, 2));
  else printWs(figures);
}
