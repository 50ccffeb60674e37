/**
 * The WebSocket protocol layer on the real XS engine (xsnap): the handshake
 * and the echo of every frame case give the same bytes as on Node (and as
 * the `ws` package frames them), and none of them leaves a heap slot
 * behind after warm-up: 0 slots per handshake and per frame. The same echo
 * through the real server (app.ws on the bench platform): the same bytes
 * after the 101, 0 slots per frame and per whole connection, and no live
 * heap growth over thousands of frames. The timings are in
 * `npm run bench:xs-ws`, not here.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { XsWorker } from '../../host-sim/xs/worker.ts';
import { slotsPerCommand } from '../../host-sim/xs/measure.ts';
import { startWsBench, UPGRADE_REQUEST, WS_FRAME_CASES, WS_SERVER_CASES } from '../../bench/xs-ws.ts';
import { runParser, wsInternals } from './frames.ts';
import { OP_BINARY, OP_CLOSE, OP_PONG, OP_TEXT } from '../../src/ws/codes.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** What the server must send back for a frame case: data echoed, pong for ping, close 1000 (or the peer's code). */
function expectedEcho(bytes: Uint8Array): string {
  const { Sender } = wsInternals;
  const run = runParser(bytes, [], 4096);
  const out: Buffer[] = [];
  for (const event of run.events) {
    const data = Buffer.from(event.hex, 'hex');
    if (event.kind === 'text' || event.kind === 'binary')
      out.push(...Sender.frame(data, { fin: true, opcode: event.kind === 'text' ? OP_TEXT : OP_BINARY, mask: false }));
    else if (event.kind === 'ping') out.push(...Sender.frame(data, { fin: true, opcode: OP_PONG, mask: false }));
    else if (event.kind === 'close') {
      const code = event.code === 1005 ? 1000 : (event.code ?? 1000);
      out.push(...Sender.frame(Buffer.of(code >> 8, code & 255), { fin: true, opcode: OP_CLOSE, mask: false }));
    }
  }
  return Buffer.concat(out).toString('hex');
}

describe('ws: on XS', function () {
  this.timeout(60000);
  let worker: XsWorker;
  const noop = Uint8Array.of(110, 0);
  const reply = async () => worker.evaluateJson<number[]>('wsBench.reply()');
  const output = async (n: number) => Buffer.from(await worker.evaluateJson<number[]>(`wsBench.output(${n})`));

  before(async () => {
    worker = await startWsBench();
  });
  after(async () => {
    await worker.close();
  });

  it('computes Sec-WebSocket-Accept and the 101 head as node:crypto does', async () => {
    await worker.command(Uint8Array.of(97, 0));
    const [end] = await reply();
    const accept = createHash('sha1').update(`dGhlIHNhbXBsZSBub25jZQ==${GUID}`).digest('base64');
    expect(accept).to.equal('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect((await output(end)).toString('latin1')).to.equal(accept);
    expect(UPGRADE_REQUEST).to.contain('chat, superchat');
    await worker.command(Uint8Array.of(104, 0));
    const [length] = await reply();
    expect((await output(length)).toString('latin1')).to.equal(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`,
    );
  });

  it('echoes every frame case with the bytes `ws` would send', async () => {
    for (let i = 0; i < WS_FRAME_CASES.length; i++) {
      await worker.command(Uint8Array.of(101, i));
      const [result, length, events] = await reply();
      expect(result, WS_FRAME_CASES[i].name).to.equal(0);
      expect(events, WS_FRAME_CASES[i].name).to.be.greaterThan(0);
      expect((await output(length)).toString('hex'), WS_FRAME_CASES[i].name).to.equal(
        expectedEcho(WS_FRAME_CASES[i].bytes),
      );
    }
  });

  it('leaves 0 heap slots per handshake and per echoed frame', async () => {
    const ops: [string, Uint8Array][] = [
      ['Sec-WebSocket-Accept', Uint8Array.of(97, 0)],
      ['handshake', Uint8Array.of(104, 0)],
      ...WS_FRAME_CASES.map((c, i): [string, Uint8Array] => [c.name, Uint8Array.of(101, i)]),
    ];
    for (const [name, op] of ops) {
      for (let k = 0; k < 5; k++) await worker.command(op);
      const count = await slotsPerCommand(worker, op, noop, { times: 10 });
      expect(count.slots, name).to.equal(0);
    }
  });

  it('echoes every frame case through the real server with the same bytes, the 101 first', async () => {
    await worker.command(Uint8Array.of(117, 0));
    const sink = async () => Buffer.from(await worker.evaluateJson<number[]>('wsBench.sink()'));
    const head = (await sink()).toString('latin1');
    expect(head).to.match(/^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*Sec-WebSocket-Protocol: chat\r\n\r\n$/);
    for (const c of WS_SERVER_CASES) {
      await worker.command(Uint8Array.of(115, c.index));
      expect((await sink()).toString('hex'), c.name).to.equal(expectedEcho(c.bytes));
    }
    await worker.command(Uint8Array.of(119, 0));
    const whole = (await sink()).toString('latin1');
    expect(whole.startsWith('HTTP/1.1 101 ')).to.equal(true);
    expect(Buffer.from(whole.slice(whole.indexOf('\r\n\r\n') + 4), 'latin1').toString('hex')).to.equal('880203e8');
    expect(await worker.evaluateJson<boolean>('wsBench.closed()')).to.equal(true);
    const stats = await worker.evaluateJson<{ slotsInUse: number; webSockets: number; errors: number }>(
      'wsBench.stats()',
    );
    expect([stats.slotsInUse, stats.webSockets, stats.errors]).to.deep.equal([0, 0, 0]);
  });

  it('leaves 0 heap slots per frame and per connection through the server, and the live heap does not grow', async () => {
    for (let k = 0; k < 5; k++) await worker.command(Uint8Array.of(119, 0));
    expect((await slotsPerCommand(worker, Uint8Array.of(119, 0), noop, { times: 10 })).slots, 'connection').to.equal(0);
    await worker.command(Uint8Array.of(117, 0));
    for (const c of WS_SERVER_CASES) {
      const op = Uint8Array.of(115, c.index);
      for (let k = 0; k < 5; k++) await worker.command(op);
      expect((await slotsPerCommand(worker, op, noop, { times: 10 })).slots, c.name).to.equal(0);
    }
    const many = Uint8Array.of(77, 0, 0xd0, 0x07, 0); // 2,000 echoes
    const collect = async () => (await worker.command(Uint8Array.of(103, 0))).heapCount; // gc() from a command
    await worker.command(many);
    const warm = await collect();
    await worker.command(many);
    expect(await collect()).to.equal(warm);
    const stats = await worker.evaluateJson<{ webSockets: number; errors: number }>('wsBench.stats()');
    expect([stats.webSockets, stats.errors]).to.deep.equal([1, 0]);
  });
});
