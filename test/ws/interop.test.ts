/**
 * Interoperability with the `ws` package as a real client over 127.0.0.1
 * (the simulator, Node sockets): every frame type, fragmentation,
 * ping/pong both ways, the close handshake and its codes both ways, bad
 * UTF-8, messages at and over the limit, subprotocols, refusals before the
 * upgrade, the pool bound, the server's pings, and clients that vanish
 * mid-frame or stop answering. The slot always comes back.
 */
import * as net from 'node:net';
import { expect } from 'chai';
import WebSocket from 'ws';
import { App } from '../../src/index.ts';
import type { WebSocket as ChipSocket } from '../../src/index.ts';
import { simulate } from '../../host-sim/index.ts';
import type { Simulation } from '../../host-sim/index.ts';
import { largestMessage } from '../../src/ws/frame-parser.ts';
import { until } from '../support/until.ts';
import { clientFrame, upgradeRequest, utf8 } from './frames.ts';
import { OP_TEXT } from '../../src/ws/codes.ts';

const SLOT = 4096;
const LIMIT = largestMessage(SLOT);

/** What the server's handlers heard. */
const closes: [string, number, string][] = [];

function interopApp(): App {
  const app = new App();
  app.ws('/echo', {
    protocols: ['chat'],
    message: (ws, msg) => {
      ws.send(msg);
    },
    close: (_ws, code, reason) => void closes.push(['/echo', code, reason]),
  });
  // Commands: "close <code> <reason>", "ping", "send <n>" (n bytes of text back), "throw".
  app.ws('/commands', {
    message: (ws, msg) => {
      const [command, a, ...rest] = msg.text().split(' ');
      if (command === 'close') ws.close(Number(a), rest.join(' '));
      else if (command === 'ping') ws.send(String(ws.ping()));
      else if (command === 'send') ws.send('y'.repeat(Number(a)));
      else if (command === 'throw') throw new Error('asked to');
    },
    close: (_ws, code, reason) => void closes.push(['/commands', code, reason]),
  });
  const locked = app.group('/locked', (c) =>
    c.header('authorization') === 'Bearer ok' ? c.next() : c.text('no', 401),
  );
  locked.ws('/ws', { message: (ws, msg) => void ws.send(msg) });
  return app;
}

/** Opens a `ws` client and waits until it is open. */
function connect(sim: Simulation, path: string, protocols?: string[], options = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${sim.port}${path}`, protocols, options);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`unexpected response ${response.statusCode}`)),
    );
  });
}

/** The next message a client receives. */
function nextMessage(socket: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) =>
    socket.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })),
  );
}

/** The close a client sees: code and reason. */
function closed(socket: WebSocket): Promise<[number, string]> {
  return new Promise((resolve) =>
    socket.once('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])),
  );
}

describe('ws: interop with the `ws` package over 127.0.0.1', function () {
  this.timeout(20000);
  let sim: Simulation;
  before(async () => {
    sim = await simulate(interopApp(), {
      port: 0,
      slots: 4,
      wsSlots: 4, // every slot may hold a socket: the test is about the slots
      slotSize: SLOT,
      outputSize: 1024,
      wsIdleTimeout: 150,
      wsPingTimeout: 300,
      queueTimeout: 200,
      tick: 50,
      log: () => {},
    });
  });
  after(() => sim.close(100));
  afterEach(async () => {
    await until(() => sim.stats().slotsInUse === 0, 'every slot free after the test');
    closes.length = 0;
  });

  it('echoes text and binary of every size up to the limit, and empty messages', async () => {
    const socket = await connect(sim, '/echo');
    for (const size of [0, 1, 125, 126, 1000, 65535 > LIMIT ? LIMIT : 65535]) {
      const text = 'é'.repeat(Math.floor(size / 2)) + (size % 2 ? 'x' : '');
      const echo = nextMessage(socket);
      socket.send(text);
      const got = await echo;
      expect(got.isBinary, `text ${size}`).to.equal(false);
      expect(got.data.toString(), `text ${size}`).to.equal(text);
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 13) & 255));
      const binary = nextMessage(socket);
      socket.send(bytes);
      const b = await binary;
      expect(b.isBinary).to.equal(true);
      expect(b.data.equals(bytes), `binary ${size}`).to.equal(true);
    }
    const done = closed(socket);
    socket.close();
    expect(await done).to.deep.equal([1005, '']);
    await until(() => closes.length === 1, 'the close handler');
    expect(closes).to.deep.equal([['/echo', 1005, '']]);
  });

  it('takes a message of exactly the limit, and closes with 1009 one byte over it', async () => {
    const socket = await connect(sim, '/echo');
    const exact = Buffer.alloc(LIMIT, 7);
    const echo = nextMessage(socket);
    socket.send(exact);
    expect((await echo).data.equals(exact)).to.equal(true);
    const done = closed(socket);
    socket.send(Buffer.alloc(LIMIT + 1, 7));
    expect((await done)[0]).to.equal(1009);
    await until(() => closes.length === 1, 'the close handler');
    expect(closes).to.deep.equal([['/echo', 1009, '']]);
  });

  it('assembles fragmented messages, with pings and pongs between the fragments', async () => {
    const socket = await connect(sim, '/echo');
    const pong = new Promise<Buffer>((resolve) => socket.once('pong', resolve));
    const echo = nextMessage(socket);
    socket.send('frag', { fin: false });
    socket.ping('between');
    socket.pong('unasked');
    socket.send('men', { fin: false });
    socket.send('ted ✓', { fin: true });
    expect((await pong).toString()).to.equal('between');
    expect((await echo).data.toString()).to.equal('fragmented ✓');
    const binary = nextMessage(socket);
    socket.send(Buffer.from([1, 2]), { fin: false, binary: true });
    socket.send(Buffer.from([3]), { fin: true, binary: true });
    const b = await binary;
    expect([b.isBinary, [...b.data]]).to.deep.equal([true, [1, 2, 3]]);
    socket.terminate();
  });

  it('completes the close handshake with the client’s code and reason', async () => {
    const socket = await connect(sim, '/echo');
    const done = closed(socket);
    socket.close(4000, 'done ✓');
    expect(await done).to.deep.equal([4000, '']);
    await until(() => closes.length === 1, 'the close handler');
    expect(closes).to.deep.equal([['/echo', 4000, 'done ✓']]);
  });

  it('closes from the server with a code and a reason; pings from the server are answered', async () => {
    const socket = await connect(sim, '/commands');
    const pinged = new Promise<void>((resolve) => socket.once('ping', () => resolve()));
    const answer = nextMessage(socket);
    socket.send('ping');
    expect((await answer).data.toString()).to.equal('true');
    await pinged;
    const done = closed(socket);
    socket.send('close 4001 bye now');
    expect(await done).to.deep.equal([4001, 'bye now']);
    await until(() => closes.length === 1, 'the close handler');
    expect(closes).to.deep.equal([['/commands', 4001, 'bye now']]); // what the client's Close said: `ws` echoes the reason
  });

  it('sends long messages whole while the client reads them', async () => {
    const socket = await connect(sim, '/commands');
    for (const n of [1023, 1024, 5000, 70000, 200000]) {
      const message = nextMessage(socket);
      socket.send(`send ${n}`);
      expect((await message).data.toString(), String(n)).to.equal('y'.repeat(n));
    }
    socket.terminate();
  });

  it('closes with 1007 on invalid UTF-8, and 1011 when the handler throws', async () => {
    const socket = await connect(sim, '/echo');
    const done = closed(socket);
    socket.send(Buffer.from([0x6f, 0x6b, 0xc3, 0x28]), { binary: false });
    expect((await done)[0]).to.equal(1007);
    const other = await connect(sim, '/commands');
    const done2 = closed(other);
    other.send('throw');
    expect((await done2)[0]).to.equal(1011);
    await until(() => closes.length === 2, 'both close handlers');
    expect(closes.map((c) => c[1]).sort()).to.deep.equal([1007, 1011]);
  });

  it('chooses the subprotocol, refuses before the upgrade when middleware answers, and 426 for plain GET', async () => {
    const socket = await connect(sim, '/echo', ['v2', 'chat']);
    expect(socket.protocol).to.equal('chat');
    socket.terminate();
    const refused = await connect(sim, '/locked/ws').catch((error: Error) => error.message);
    expect(refused).to.equal('unexpected response 401');
    const allowed = await connect(sim, '/locked/ws', undefined, { headers: { Authorization: 'Bearer ok' } });
    const echo = nextMessage(allowed);
    allowed.send('in');
    expect((await echo).data.toString()).to.equal('in');
    allowed.terminate();
    const plain = await fetch(`${sim.url}/echo`);
    expect(plain.status).to.equal(426);
    expect(plain.headers.get('upgrade')).to.equal('websocket');
    expect(plain.headers.get('sec-websocket-version')).to.equal('13');
  });

  it('holds one slot per socket: a fifth client waits and is refused with 503, then one fits again', async () => {
    const sockets = await Promise.all([1, 2, 3, 4].map(() => connect(sim, '/echo')));
    expect(sim.stats().webSockets).to.equal(4);
    expect(sim.stats().slotsInUse).to.equal(4);
    const fifth = await connect(sim, '/echo').catch((error: Error) => error.message);
    expect(fifth).to.equal('unexpected response 503');
    const done = closed(sockets[0]);
    sockets[0].close(1000);
    await done;
    const again = await connect(sim, '/echo');
    expect(sim.stats().webSockets).to.equal(4);
    for (const s of [...sockets.slice(1), again]) s.terminate();
  });

  it('keeps a socket that answers pings for many idle periods, and drops one that does not (1006)', async () => {
    const answering = await connect(sim, '/echo');
    let pings = 0;
    answering.on('ping', () => pings++);
    // A raw client that completes the handshake and then never answers.
    const silent = net.connect(sim.port, '127.0.0.1');
    silent.write(upgradeRequest('/commands'));
    silent.on('data', () => {});
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    await until(() => pings >= 6, 'six pings answered', 15000);
    await silentClosed;
    expect(answering.readyState).to.equal(WebSocket.OPEN);
    const echo = nextMessage(answering);
    answering.send('still here');
    expect((await echo).data.toString()).to.equal('still here');
    expect(closes).to.deep.equal([['/commands', 1006, '']]);
    answering.terminate();
  });

  it('frees the slot of a client that vanishes mid-frame (the handler hears 1006)', async () => {
    const raw = net.connect(sim.port, '127.0.0.1');
    raw.write(upgradeRequest('/echo'));
    await new Promise((resolve) => raw.once('data', resolve));
    const frame = clientFrame({ opcode: OP_TEXT, payload: utf8('x'.repeat(2000)) });
    raw.write(frame.subarray(0, 700));
    await until(() => sim.stats().webSockets === 1, 'the socket open');
    raw.destroy();
    await until(() => closes.length === 1, 'the close handler');
    expect(closes).to.deep.equal([['/echo', 1006, '']]);
    expect(sim.stats().webSockets).to.equal(0);
  });

  it('lets handlers keep sockets in a list by generation', async () => {
    const app = new App();
    const members: { ws: ChipSocket; generation: number }[] = [];
    app.ws('/room', {
      open: (ws) => void members.push({ ws, generation: ws.generation }),
      message: (_ws, msg) => {
        for (const m of members) if (m.ws.generation === m.generation) m.ws.send(msg);
      },
    });
    const room = await simulate(app, { port: 0, slots: 2, wsSlots: 2, log: () => {} });
    try {
      const first = await connect(room, '/room');
      const done = closed(first);
      first.close();
      await done;
      await until(() => room.stats().slotsInUse === 0, 'the first slot free');
      const a = await connect(room, '/room');
      const b = await connect(room, '/room');
      const atB = nextMessage(b);
      const atA = nextMessage(a);
      a.send('hello');
      expect((await atA).data.toString()).to.equal('hello');
      expect((await atB).data.toString()).to.equal('hello');
      expect(members).to.have.length(3);
      a.terminate();
      b.terminate();
      await until(() => room.stats().slotsInUse === 0, 'every slot free');
    } finally {
      await room.close(100);
    }
  });
});
