/**
 * WebSocket routes through the real server on the in-memory platform:
 * exact bytes in and out, virtual time for the idle, ping, close and write
 * timeouts, backpressure by hand, and the slot coming back every time.
 */
import { expect } from 'chai';
import { App, HttpError } from '../../src/index.ts';
import type { WebSocket, WsHandlers } from '../../src/index.ts';
import type { ServerOptions } from '../../src/server.ts';
import type { MemoryClient, MemoryPlatform } from '../../host-sim/memory-platform.ts';
import { errorResponse, response } from '../conformance/cases.ts';
import { settle, startOnMemory } from '../support/memory-server.ts';
import { clientFrame, closePayload, concat, serverFrames, switchingProtocols, upgradeRequest, utf8 } from './frames.ts';
import type { ServerFrame } from './frames.ts';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from '../../src/ws/codes.ts';
import { largestMessage } from '../../src/ws/frame-parser.ts';

const TEXT = 'text/plain; charset=utf-8';
const SLOT = 1024;
const OUTPUT = 256;

function start(app: App, options: ServerOptions = {}, platformOptions = {}) {
  return startOnMemory(
    app,
    // wsSlots: every slot may hold a socket (the default is half the slots; 'wsSlots' below tests it).
    { slots: 2, wsSlots: 2, slotSize: SLOT, outputSize: OUTPUT, tick: 10, wsIdleTimeout: 1000, wsPingTimeout: 300 },
    options,
    platformOptions,
  );
}

/** What the handlers of the echo app saw. */
interface Seen {
  opened: string[];
  messages: string[];
  closes: [number, string][];
}

/** An app with an echo route at /echo and /rooms/:room, recording what its handlers see. */
function echoApp(extra: Partial<WsHandlers> = {}): { app: App; seen: Seen } {
  const seen: Seen = { opened: [], messages: [], closes: [] };
  const handlers: WsHandlers<string> = {
    open: (ws, c) => {
      seen.opened.push(`${c.path} ${c.header('x-who') ?? ''} ${ws.protocol}`);
    },
    message: (ws, msg) => {
      seen.messages.push(msg.isText ? msg.text() : `bytes ${msg.length}`);
      ws.send(msg);
    },
    close: (_ws, code, reason) => {
      seen.closes.push([code, reason]);
    },
    ...extra,
  };
  const app = new App();
  app.ws('/echo', handlers);
  app.ws('/rooms/:room', {
    ...handlers,
    open: (ws) => {
      ws.send(`room ${ws.param('room')}`);
    },
    message: (ws, msg) => {
      ws.send(`${ws.param('room')}: ${msg.text()}`);
    },
  });
  app.get('/', (c) => c.text('hi'));
  return { app, seen };
}

/** Opens a WebSocket on `path`; checks the 101 and returns the client. */
function connectWs(platform: MemoryPlatform, path = '/echo', extra = '', frames?: Uint8Array): MemoryClient {
  const client = platform.connect();
  const request = Buffer.from(upgradeRequest(path, extra), 'latin1');
  client.send(frames ? concat([request, frames]) : request);
  return client;
}

/** Takes what the server sent after the 101 (which must come first, when `head`) as frames. */
function framesOf(client: MemoryClient, head = ''): ServerFrame[] {
  const bytes = client.take();
  const prefix = Buffer.from(bytes.subarray(0, head.length)).toString('latin1');
  expect(prefix).to.equal(head);
  return serverFrames(bytes.subarray(head.length));
}

const frame = (opcode: number, payload: Uint8Array | string, fin = true) => ({
  fin,
  opcode,
  payload: typeof payload === 'string' ? utf8(payload) : payload,
  masked: false,
});
const text = (s: string, fin = true) => clientFrame({ opcode: OP_TEXT, payload: utf8(s), fin });
const closeFrame = (code: number, reason = '') =>
  clientFrame({ opcode: OP_CLOSE, payload: closePayload(code, reason) });

describe('ws: WebSocket routes in the server (memory platform)', () => {
  describe('handshake', () => {
    it('answers 101, runs open with the request, and echoes a frame sent along with the upgrade', async () => {
      const { app, seen } = echoApp();
      const { platform, server } = await start(app);
      const client = connectWs(platform, '/echo', 'X-Who: ada\r\n', text('Hello'));
      expect(framesOf(client, switchingProtocols())).to.deep.equal([frame(OP_TEXT, 'Hello')]);
      expect(seen.opened).to.deep.equal(['/echo ada ']);
      expect(seen.messages).to.deep.equal(['Hello']);
      expect(server.stats().webSockets).to.equal(1);
      expect(server.stats().responses[1]).to.equal(1);
      client.end();
      expect(seen.closes).to.deep.equal([[1006, '']]);
      expect(server.stats().slotsInUse).to.equal(0);
      expect(server.stats().webSockets).to.equal(0);
    });

    it('keeps the route params readable for the whole connection (the request bytes are gone)', async () => {
      const { app } = echoApp();
      const { platform } = await start(app);
      const client = connectWs(platform, '/rooms/k%C3%BCche');
      expect(framesOf(client, switchingProtocols())).to.deep.equal([frame(OP_TEXT, 'room küche')]);
      // A message as long as the slot allows overwrites everything after the params.
      const long = 'x'.repeat(largestMessage(SLOT - 'k%C3%BCche'.length) - 20);
      client.send(text(long));
      expect(framesOf(client).map((f) => Buffer.from(f.payload).toString())).to.deep.equal([`küche: ${long}`]);
      client.send(text('again'));
      expect(framesOf(client)).to.deep.equal([frame(OP_TEXT, 'küche: again')]);
    });

    it('answers a plain GET with 426 and the headers that say how to upgrade; HEAD too, without a body', async () => {
      const { app, seen } = echoApp();
      const { platform, server } = await start(app);
      const client = platform.connect();
      client.send('GET /echo HTTP/1.1\r\nHost: a\r\n\r\nHEAD /echo HTTP/1.1\r\nHost: a\r\n\r\n');
      const upgrade = 'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n';
      expect(client.takeText()).to.equal(
        response(426, TEXT, '426 Upgrade Required\n', upgrade) +
          response(426, TEXT, '426 Upgrade Required\n', upgrade, true, true),
      );
      expect(client.closed).to.equal(false);
      expect(seen.opened).to.deep.equal([]);
      expect(server.stats().webSockets).to.equal(0);
    });

    it('answers 400 to a bad handshake and 426 to a version other than 13', async () => {
      const { app } = echoApp();
      const { platform } = await start(app);
      const bad = (request: string) => {
        const client = platform.connect();
        client.send(request);
        const answer = client.takeText();
        client.end();
        return answer.slice(0, answer.indexOf('\r\n'));
      };
      const ok = upgradeRequest('/echo');
      expect(bad(ok.replace('dGhlIHNhbXBsZSBub25jZQ==', 'c2hvcnQ='))).to.equal('HTTP/1.1 400 Bad Request');
      expect(bad(ok.replace('Connection: Upgrade', 'Connection: keep-alive'))).to.equal('HTTP/1.1 400 Bad Request');
      expect(bad(ok.replace('HTTP/1.1', 'HTTP/1.0'))).to.equal('HTTP/1.1 400 Bad Request');
      expect(bad(ok.replace('Version: 13', 'Version: 8'))).to.equal('HTTP/1.1 426 Upgrade Required');
      expect(bad(ok.replace('GET /echo', 'POST /echo'))).to.equal('HTTP/1.1 405 Method Not Allowed');
    });

    it('chooses a subprotocol in the client’s order of preference', async () => {
      const { app } = echoApp({ protocols: ['v2', 'v1'] });
      const { platform } = await start(app);
      const client = connectWs(platform, '/echo', 'Sec-WebSocket-Protocol: v1, v2\r\n');
      expect(framesOf(client, switchingProtocols('v1'))).to.deep.equal([]);
      const none = connectWs(platform, '/echo', 'Sec-WebSocket-Protocol: v3\r\n');
      expect(framesOf(none, switchingProtocols())).to.deep.equal([]);
    });

    it('runs group middleware before the upgrade: one that answers stops it, an async one delays it', async () => {
      const app = new App();
      const opened: string[] = [];
      const api = app.group('/api', async (c) => {
        await Promise.resolve();
        if (c.header('authorization') !== 'Bearer ok') throw new HttpError(401, 'who are you');
        c.set('user', 'ada');
        return c.next();
      });
      api.ws('/ws', (c) => c.next(), {
        open: (ws, c) => {
          opened.push(c.get<string>('user') ?? '');
          ws.send('welcome');
        },
        message: () => {},
      });
      const { platform } = await start(app);
      const refused = connectWs(platform, '/api/ws');
      await settle();
      expect(refused.takeText()).to.equal(response(401, TEXT, 'who are you\n'));
      const client = connectWs(platform, '/api/ws', 'Authorization: Bearer ok\r\n');
      await settle();
      expect(framesOf(client, switchingProtocols())).to.deep.equal([frame(OP_TEXT, 'welcome')]);
      expect(opened).to.deep.equal(['ada']);
    });

    it('upgrades behind middleware that chainNesting runs from promise jobs (as on Espruino)', async () => {
      const app = new App();
      const order: string[] = [];
      for (const name of ['a', 'b', 'c'])
        app.use(async (c) => {
          order.push(`${name} in`);
          await c.next();
          order.push(`${name} out ${c.statusCode}`);
        });
      app.ws('/ws', {
        open: (ws) => {
          order.push('open');
          ws.send('welcome');
        },
        message: (ws, msg) => ws.send(`echo ${msg.text()}`),
      });
      const { platform } = await start(app, { chainNesting: 1 });
      const client = connectWs(platform, '/ws', '', text('hi'));
      await settle();
      expect(framesOf(client, switchingProtocols())).to.deep.equal([
        frame(OP_TEXT, 'welcome'),
        frame(OP_TEXT, 'echo hi'),
      ]);
      expect(order).to.deep.equal(['a in', 'b in', 'c in', 'c out 101', 'b out 101', 'a out 101', 'open']);
    });

    it('answers 400 and closes when a middleware answers 101 itself on a request that is no upgrade', async () => {
      const app = new App();
      const opened: string[] = [];
      app.ws('/ws', (c) => (c.header('x-shortcut') ? c.empty(101) : c.next()), {
        open: () => void opened.push('open'),
        message: () => {},
      });
      const { platform, server } = await start(app);
      const client = platform.connect();
      client.send('GET /ws HTTP/1.1\r\nHost: a\r\nX-Shortcut: 1\r\n\r\n');
      expect(client.takeText()).to.equal(errorResponse(400));
      expect(client.closed).to.equal(true);
      expect(opened).to.deep.equal([]);
      expect(server.stats().slotsInUse).to.equal(0);
    });

    it('checks the handlers at registration', () => {
      const app = new App();
      expect(() => app.ws('/a', {} as WsHandlers)).to.throw(TypeError, /message\(ws, msg\) handler is required/);
      expect(() => app.ws('/b', { message: () => {}, protocols: ['bad name'] })).to.throw(TypeError, /not a token/);
      expect(() => app.ws('/c', { message: () => {}, maxMessage: 1.5 })).to.throw(TypeError, /maxMessage/);
    });
  });

  describe('frames', () => {
    it('echoes text and binary, assembles fragments with a ping between, answers pings, ignores pongs', async () => {
      const { app, seen } = echoApp();
      const { platform } = await start(app);
      const client = connectWs(platform);
      framesOf(client, switchingProtocols());
      const binary = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
      client.send(
        concat([
          clientFrame({ opcode: OP_BINARY, payload: binary }),
          text('frag', false),
          clientFrame({ opcode: OP_PING, payload: utf8('are you there') }),
          clientFrame({ opcode: OP_CONTINUATION, payload: utf8('men'), fin: false }),
          clientFrame({ opcode: OP_PONG, payload: utf8('unasked') }),
          clientFrame({ opcode: OP_CONTINUATION, payload: utf8('ted ✓') }),
        ]),
      );
      expect(framesOf(client)).to.deep.equal([
        frame(OP_BINARY, binary),
        frame(OP_PONG, 'are you there'),
        frame(OP_TEXT, 'fragmented ✓'),
      ]);
      expect(seen.messages).to.deep.equal(['bytes 300', 'fragmented ✓']);
    });

    it('reads frames split at every byte', async () => {
      const { app, seen } = echoApp();
      const { platform } = await start(app);
      const client = connectWs(platform);
      framesOf(client, switchingProtocols());
      const stream = concat([text('one'), clientFrame({ opcode: OP_PING, payload: utf8('p') }), text('two')]);
      for (const b of stream) client.send(Uint8Array.of(b));
      expect(framesOf(client)).to.deep.equal([frame(OP_TEXT, 'one'), frame(OP_PONG, 'p'), frame(OP_TEXT, 'two')]);
      expect(seen.messages).to.deep.equal(['one', 'two']);
    });

    it('answers the peer’s Close with its code, reports code and reason, closes, and frees the slot', async () => {
      const { app, seen } = echoApp();
      const { platform, server } = await start(app);
      const client = connectWs(platform, '/echo', '', concat([text('last'), closeFrame(4001, 'done ✓')]));
      expect(framesOf(client, switchingProtocols())).to.deep.equal([
        frame(OP_TEXT, 'last'),
        frame(OP_CLOSE, closePayload(4001)),
      ]);
      expect(client.closed).to.equal(true);
      expect(seen.closes).to.deep.equal([[4001, 'done ✓']]);
      expect(server.stats().slotsInUse).to.equal(0);
      // A Close without a code is answered with an empty one; the handler hears 1005.
      const other = connectWs(platform, '/echo', '', clientFrame({ opcode: OP_CLOSE, payload: new Uint8Array(0) }));
      expect(framesOf(other, switchingProtocols())).to.deep.equal([frame(OP_CLOSE, new Uint8Array(0))]);
      expect(seen.closes[1]).to.deep.equal([1005, '']);
      expect(server.stats().slotsInUse).to.equal(0);
    });

    const failures: [string, Uint8Array, number][] = [
      ['an unmasked frame', clientFrame({ opcode: OP_TEXT, payload: utf8('x'), masked: false }), 1002],
      ['RSV1 set', clientFrame({ opcode: OP_TEXT, payload: utf8('x'), rsv: 4 }), 1002],
      ['a reserved opcode', clientFrame({ opcode: 3, payload: utf8('x') }), 1002],
      ['a continuation without a start', clientFrame({ opcode: OP_CONTINUATION, payload: utf8('x') }), 1002],
      ['a ping over 125 bytes', clientFrame({ opcode: OP_PING, payload: new Uint8Array(126) }), 1002],
      ['a fragmented ping', clientFrame({ opcode: OP_PING, payload: utf8('x'), fin: false }), 1002],
      ['a Close with code 1005', closeFrame(1005), 1002],
      ['bad UTF-8 in a text frame', clientFrame({ opcode: OP_TEXT, payload: Uint8Array.of(0x61, 0xff) }), 1007],
      ['bad UTF-8 in a Close reason', clientFrame({ opcode: OP_CLOSE, payload: Uint8Array.of(3, 232, 0xc3) }), 1007],
      [
        'a message over the slot’s limit',
        clientFrame({ opcode: OP_BINARY, payload: new Uint8Array(largestMessage(SLOT) + 1) }).subarray(0, 20),
        1009,
      ],
      [
        'fragments that add up to more than the limit',
        concat([
          clientFrame({ opcode: OP_TEXT, payload: utf8('a'.repeat(600)), fin: false }),
          clientFrame({ opcode: OP_CONTINUATION, payload: utf8('a'.repeat(600)) }),
        ]),
        1009,
      ],
      [
        'a 64-bit length of 2^40',
        clientFrame({ opcode: OP_BINARY, payload: new Uint8Array(0), declaredLength: 2 ** 40 }),
        1009,
      ],
    ];
    for (const [name, bytes, code] of failures) {
      it(`closes with ${code} on ${name}, and frees the slot`, async () => {
        const { app, seen } = echoApp();
        const { platform, server } = await start(app);
        const client = connectWs(platform, '/echo', '', concat([text('before'), bytes, text('after')]));
        expect(framesOf(client, switchingProtocols())).to.deep.equal([
          frame(OP_TEXT, 'before'),
          frame(OP_CLOSE, closePayload(code)),
        ]);
        expect(client.closed).to.equal(true);
        expect(seen.messages).to.deep.equal(['before']);
        expect(seen.closes).to.deep.equal([[code, '']]);
        expect(server.stats().slotsInUse).to.equal(0);
        expect(server.stats().webSockets).to.equal(0);
      });
    }

    it('takes a route’s maxMessage as its limit: 1009 above it', async () => {
      const { app, seen } = echoApp({ maxMessage: 10 });
      const { platform } = await start(app);
      const client = connectWs(platform, '/echo', '', concat([text('0123456789'), text('0123456789a')]));
      expect(framesOf(client, switchingProtocols())).to.deep.equal([
        frame(OP_TEXT, '0123456789'),
        frame(OP_CLOSE, closePayload(1009)),
      ]);
      expect(seen.closes).to.deep.equal([[1009, '']]);
    });

    it('counts and logs a message handler whose promise rejects, and the socket stays open', async () => {
      const { app } = echoApp({
        message: (_ws, msg) => (msg.text() === 'late' ? Promise.reject(new Error('late failure')) : undefined),
      });
      const { platform, server } = await start(app);
      const client = connectWs(platform, '/echo', '', text('late'));
      await settle();
      expect(server.stats().errors).to.equal(1);
      expect(platform.logs.join('\n')).to.match(/WebSocket handler rejected: Error: late failure/);
      expect(framesOf(client, switchingProtocols()), 'no Close frame').to.deep.equal([]);
    });

    it('closes with 1011 when a handler throws, logs it, and the server goes on', async () => {
      const { app, seen } = echoApp({
        message: (_ws, msg) => {
          if (msg.text() === 'boom') throw new Error('handler failed');
        },
      });
      const { platform, server } = await start(app);
      const client = connectWs(platform, '/echo', '', concat([text('ok'), text('boom'), text('never')]));
      expect(framesOf(client, switchingProtocols())).to.deep.equal([frame(OP_CLOSE, closePayload(1011))]);
      expect(seen.closes).to.deep.equal([[1011, '']]);
      expect(server.stats().errors).to.equal(1);
      expect(platform.logs.join('\n')).to.match(/WebSocket handler error on \/echo: Error: handler failed/);
      const next = platform.connect();
      next.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(next.takeText()).to.equal(response(200, TEXT, 'hi'));
    });
  });

  describe('closing from the server, timeouts', () => {
    it('ws.close(code, reason) sends Close, waits for the peer’s, then closes; the handler hears the peer’s code', async () => {
      let socket: WebSocket | null = null;
      const { app, seen } = echoApp({ open: (ws) => void (socket = ws) });
      const { platform, server } = await start(app);
      const client = connectWs(platform);
      framesOf(client, switchingProtocols());
      socket!.close(4000, 'bye');
      expect(socket!.isOpen).to.equal(false);
      expect(socket!.send('late')).to.equal(false);
      expect(framesOf(client)).to.deep.equal([frame(OP_CLOSE, closePayload(4000, 'bye'))]);
      expect(client.closed).to.equal(false);
      socket!.close(); // already closing: nothing more
      client.send(concat([text('in flight'), closeFrame(4000)]));
      expect(framesOf(client)).to.deep.equal([]); // no echo after our Close, no second Close
      expect(client.closed).to.equal(true);
      expect(seen.messages).to.deep.equal(['in flight']);
      expect(seen.closes).to.deep.equal([[4000, '']]);
      expect(server.stats().slotsInUse).to.equal(0);
      expect(() => socket!.close(1005)).to.throw(TypeError, /1005 may not be sent/);
    });

    it('drops a peer that does not answer the Close within wsPingTimeout (1006)', async () => {
      let socket: WebSocket | null = null;
      const { app, seen } = echoApp({ open: (ws) => void (socket = ws) });
      const { platform, server } = await start(app);
      const client = connectWs(platform);
      framesOf(client, switchingProtocols());
      socket!.close();
      platform.advance(290);
      expect(client.closed).to.equal(false);
      platform.advance(30);
      expect(client.closed).to.equal(true);
      expect(seen.closes).to.deep.equal([[1006, '']]);
      expect(server.stats().slotsInUse).to.equal(0);
    });

    it('pings an idle peer; one that answers is never dropped, one that does not is (1006)', async () => {
      const { app, seen } = echoApp();
      const { platform, server } = await start(app);
      const alive = connectWs(platform);
      const silent = connectWs(platform);
      framesOf(alive, switchingProtocols());
      framesOf(silent, switchingProtocols());
      /** Moves the clock on in ticks until `client` gets a frame; returns when it came. */
      const nextFrame = (client: MemoryClient): { at: number; frames: ServerFrame[] } => {
        for (let i = 0; i < 1000; i++) {
          platform.advance(10);
          const frames = framesOf(client);
          if (frames.length > 0) return { at: platform.now(), frames };
        }
        throw new Error('no frame came');
      };
      const first = nextFrame(alive);
      expect(first.frames).to.deep.equal([frame(OP_PING, '')]);
      expect(first.at).to.equal(1000);
      expect(framesOf(silent)).to.deep.equal([frame(OP_PING, '')]);
      let answered = platform.now();
      alive.send(clientFrame({ opcode: OP_PONG, payload: new Uint8Array(0) }));
      // An hour of pings answered: never dropped, a ping a second after each answer.
      for (let round = 0; round < 3600; round++) {
        const next = nextFrame(alive);
        expect(next.frames, `round ${round}`).to.deep.equal([frame(OP_PING, '')]);
        expect(next.at - answered, `round ${round}`).to.be.within(1000, 1010); // noted at the next tick
        platform.advance(100); // the answer takes a while
        answered = platform.now();
        alive.send(clientFrame({ opcode: OP_PONG, payload: new Uint8Array(0) }));
      }
      expect(silent.closed).to.equal(true);
      expect(alive.closed).to.equal(false);
      expect(seen.closes).to.deep.equal([[1006, '']]);
      expect(server.stats().timeouts).to.equal(1);
      expect(server.stats().slotsInUse).to.equal(1);
      expect(server.stats().webSockets).to.equal(1);
    });

    it('drops a client that stops reading (write timeout) and one that vanishes mid-frame', async () => {
      let socket: WebSocket | null = null;
      const { app, seen } = echoApp({ open: (ws) => void (socket = ws) });
      const { platform, server } = await start(app, { writeTimeout: 200 }, { sendBufferSize: 512 });
      const stuck = platform.connect('127.0.0.1', false);
      stuck.send(upgradeRequest('/echo'));
      stuck.takeSome(switchingProtocols().length);
      const big = new Uint8Array(2000);
      expect(socket!.send(big)).to.equal(true); // head in the output area, the bytes straight from `big`
      expect(socket!.send('more')).to.equal(false); // still going out
      platform.advance(250);
      expect(stuck.closed).to.equal(true);
      expect(seen.closes).to.deep.equal([[1006, '']]);

      const vanishing = connectWs(platform);
      framesOf(vanishing, switchingProtocols());
      vanishing.send(text('x'.repeat(200)).subarray(0, 50));
      vanishing.end();
      expect(seen.closes).to.deep.equal([
        [1006, ''],
        [1006, ''],
      ]);
      expect(server.stats().slotsInUse).to.equal(0);
    });

    it('stops cleanly when a close handler calls stop() for a client that vanished: the other socket hears 1001', async () => {
      let server: Awaited<ReturnType<typeof start>>['server'] | null = null;
      let thrown: unknown = null;
      let stopped = false;
      const { app } = echoApp({
        close: () => {
          // The vanished client's session is being ended here; stop() must skip it, not throw.
          if (server === null || stopped) return;
          stopped = true;
          server.stop(1000).catch((error: unknown) => void (thrown = error));
        },
      });
      const started = await start(app);
      server = started.server;
      const vanishing = connectWs(started.platform);
      framesOf(vanishing, switchingProtocols());
      const staying = connectWs(started.platform);
      framesOf(staying, switchingProtocols());
      vanishing.end();
      await settle();
      expect(thrown).to.equal(null);
      expect(stopped).to.equal(true);
      expect(framesOf(staying)).to.deep.equal([frame(OP_CLOSE, closePayload(1001))]);
    });

    it('says goodbye (1001) when the server stops, and stop() waits for the Close to come back', async () => {
      const { app, seen } = echoApp();
      const { platform, server } = await start(app);
      const client = connectWs(platform);
      framesOf(client, switchingProtocols());
      let stopped = false;
      const stopping = server.stop(5000).then(() => {
        stopped = true;
      });
      expect(framesOf(client)).to.deep.equal([frame(OP_CLOSE, closePayload(1001))]);
      await settle();
      expect(stopped).to.equal(false);
      client.send(closeFrame(1001));
      await stopping;
      expect(seen.closes).to.deep.equal([[1001, '']]);
    });
  });

  describe('sending', () => {
    it('sends text and bytes longer than the output area whole, as a slow client reads them', async () => {
      let socket: WebSocket | null = null;
      const { app } = echoApp({ open: (ws) => void (socket = ws) });
      const { platform } = await start(app, {}, { sendBufferSize: 300 });
      const client = platform.connect('127.0.0.1', false);
      client.send(upgradeRequest('/echo'));
      const long = 'ünïcödé '.repeat(200);
      const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 255);
      expect(socket!.send(long)).to.equal(true);
      expect(socket!.send('queued behind it')).to.equal(false);
      const got: Uint8Array[] = [];
      while (client.blocked) got.push(client.takeSome(100));
      expect(socket!.send(bytes)).to.equal(true);
      expect(socket!.send('x')).to.equal(false);
      while (client.blocked) got.push(client.takeSome(77));
      got.push(client.take());
      const all = concat(got);
      expect(Buffer.from(all.subarray(0, switchingProtocols().length)).toString('latin1')).to.equal(
        switchingProtocols(),
      );
      expect(serverFrames(all.subarray(switchingProtocols().length))).to.deep.equal([
        frame(OP_TEXT, long),
        frame(OP_BINARY, bytes),
      ]);
    });

    it('echoes a message longer than the output area from the slot, reading no frame until it is out', async () => {
      const { app, seen } = echoApp();
      const { platform } = await start(app, {}, { sendBufferSize: 200 });
      const client = platform.connect('127.0.0.1', false);
      client.send(upgradeRequest('/echo'));
      const first = 'a'.repeat(700);
      client.send(concat([text(first), text('second')]));
      expect(seen.messages).to.deep.equal([first]); // 'second' waits: the echo of the first is still in the slot
      const got: Uint8Array[] = [];
      while (client.blocked) got.push(client.takeSome(64));
      got.push(client.take());
      const all = concat(got);
      expect(serverFrames(all.subarray(switchingProtocols().length))).to.deep.equal([
        frame(OP_TEXT, first),
        frame(OP_TEXT, 'second'),
      ]);
      expect(seen.messages).to.deep.equal([first, 'second']);
    });

    it('keeps sockets in a list by generation: a closed one is skipped, its slot serves the next', async () => {
      const list: { ws: WebSocket; generation: number }[] = [];
      const app = new App();
      app.ws('/chat', {
        open: (ws) => void list.push({ ws, generation: ws.generation }),
        message: (_ws, msg) => {
          const line = msg.text();
          let sent = 0;
          for (const entry of list) if (entry.ws.generation === entry.generation && entry.ws.send(line)) sent++;
          _ws.data = sent;
        },
      });
      const { platform, server } = await start(app, { slots: 1, wsSlots: 1 });
      const first = connectWs(platform, '/chat');
      framesOf(first, switchingProtocols());
      first.end();
      expect(server.stats().slotsInUse).to.equal(0);
      const second = connectWs(platform, '/chat', '', text('hello'));
      expect(list).to.have.length(2);
      expect(list[0].ws).to.equal(list[1].ws); // the same session object, given back and taken again
      expect(framesOf(second, switchingProtocols())).to.deep.equal([frame(OP_TEXT, 'hello')]); // once, not twice
    });

    it('broadcasts a received message to other sockets without making a string', async () => {
      const sockets: WebSocket[] = [];
      const app = new App();
      app.ws('/all', {
        open: (ws) => void sockets.push(ws),
        message: (_ws, msg) => {
          for (const ws of sockets) ws.send(msg);
        },
      });
      const { platform } = await start(app, { slots: 3, wsSlots: 3 });
      const clients = [connectWs(platform, '/all'), connectWs(platform, '/all'), connectWs(platform, '/all')];
      for (const c of clients) framesOf(c, switchingProtocols());
      clients[1].send(clientFrame({ opcode: OP_BINARY, payload: Uint8Array.of(1, 2, 3) }));
      for (const c of clients) expect(framesOf(c)).to.deep.equal([frame(OP_BINARY, Uint8Array.of(1, 2, 3))]);
    });
  });

  describe('wsSlots: WebSocket sessions for a bounded number of connections', () => {
    const SERVICE_UNAVAILABLE =
      'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\n' +
      'Retry-After: 1\r\nConnection: close\r\n\r\n503 Service Unavailable\n';

    it('an upgrade beyond wsSlots gets 503 with Retry-After, HTTP is still served, and a closed socket gives its session to the next upgrade in another slot', async () => {
      const generations: number[] = [];
      const { app, seen } = echoApp({
        open: (ws) => {
          generations.push(ws.generation); // /echo's open (/rooms has its own)
        },
      });
      const { platform, server } = await start(app, { slots: 3, wsSlots: 1 });
      const first = connectWs(platform, '/echo', '', text('one'));
      expect(framesOf(first, switchingProtocols())).to.deep.equal([frame(OP_TEXT, 'one')]);
      const refused = connectWs(platform, '/echo', '', text('two'));
      expect(refused.takeText()).to.equal(SERVICE_UNAVAILABLE);
      expect(generations).to.have.length(1); // open never ran for the refused one
      expect(server.stats().responses[5]).to.equal(1);
      const http = platform.connect();
      http.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(http.takeText()).to.equal(response(200, TEXT, 'hi'));

      // The first socket closes: its session serves the next upgrade, which lands in a slot of its own.
      first.send(closeFrame(1000));
      expect(framesOf(first)).to.deep.equal([frame(OP_CLOSE, closePayload(1000))]);
      await settle();
      expect(server.stats().webSockets).to.equal(0);
      const next = connectWs(platform, '/rooms/k%C3%BCche', '', text('three'));
      expect(framesOf(next, switchingProtocols())).to.deep.equal([
        frame(OP_TEXT, 'room küche'),
        frame(OP_TEXT, 'küche: three'),
      ]);
      expect(server.stats().slotsInUse).to.equal(2); // the HTTP keep-alive connection and this socket
      const again = connectWs(platform, '/echo');
      expect(again.takeText()).to.equal(SERVICE_UNAVAILABLE);
      next.end();
      await settle();
      const last = connectWs(platform, '/echo', '', text('four'));
      expect(framesOf(last, switchingProtocols())).to.deep.equal([frame(OP_TEXT, 'four')]);
      // Reused twice: ws.generation moved on with each close, so a socket kept from before reads as gone.
      expect(generations).to.deep.equal([generations[0], generations[0] + 2]);
      expect(seen.closes.map(([code]) => code)).to.deep.equal([1000, 1006]);
    });

    it('defaults to half the slots (at least 1), and must be 1 to slots when the app has WebSocket routes', async () => {
      const { app } = echoApp();
      const four = await start(app, { slots: 4, wsSlots: undefined });
      const open = [connectWs(four.platform), connectWs(four.platform)];
      for (const client of open) framesOf(client, switchingProtocols());
      expect(connectWs(four.platform).takeText()).to.equal(SERVICE_UNAVAILABLE);
      const one = await start(app, { slots: 1, wsSlots: undefined });
      framesOf(connectWs(one.platform), switchingProtocols());
      for (const wsSlots of [0, 3, 1.5])
        await start(app, { slots: 2, wsSlots }).then(
          () => expect.fail(`wsSlots ${wsSlots} was accepted`),
          (error: Error) =>
            expect(error.message).to.equal(
              `server: wsSlots must be a whole number from 1 to slots (2), got ${wsSlots}`,
            ),
        );
      // An app without WebSocket routes holds no session, whatever wsSlots says.
      const plain = new App();
      plain.get('/', (c) => c.text('hi'));
      await start(plain, { slots: 2, wsSlots: 3 });
    });

    it('refuses at start a slot too small for a WebSocket session, though sessions are made at the first upgrades', async () => {
      const { app } = echoApp();
      await start(app, { slotSize: 256 }).then(
        () => expect.fail('a 256-byte slot was accepted for WebSocket routes'),
        (error: Error) =>
          expect(error.message).to.match(/^server: WebSocket routes need slotSize of at least \d+ bytes, got 256$/),
      );
      // Without WebSocket routes the same slot serves HTTP.
      const plain = new App();
      plain.get('/', (c) => c.text('hi'));
      const { platform } = await start(plain, { slotSize: 256 });
      const http = platform.connect();
      http.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(http.takeText()).to.equal(response(200, TEXT, 'hi'));
    });
  });

  describe('slots and the overflow policy', () => {
    it('WebSockets hold their slots: a newcomer waits and gets 503; an idle HTTP connection is evicted, never a socket', async () => {
      const { app } = echoApp();
      const { platform, server } = await start(app, { overflow: 'queue', queueTimeout: 100, pressureIdle: 50 });
      const a = connectWs(platform);
      const b = connectWs(platform);
      platform.advance(500); // idle for long: still not evictable
      const waiting = platform.connect();
      waiting.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      platform.advance(150);
      expect(waiting.takeText()).to.match(/^HTTP\/1\.1 503 /);
      expect(a.closed || b.closed).to.equal(false);
      expect(server.stats().rejected).to.equal(1);

      // evict-idle: the HTTP keep-alive connection goes, the socket stays.
      const evicting = await start(app, { overflow: 'evict-idle' });
      const socket = connectWs(evicting.platform);
      const http = evicting.platform.connect();
      http.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      http.take();
      evicting.platform.advance(100);
      const newcomer = evicting.platform.connect();
      newcomer.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
      expect(newcomer.takeText()).to.equal(response(200, TEXT, 'hi'));
      expect(http.closed).to.equal(true);
      expect(socket.closed).to.equal(false);
      expect(evicting.server.stats().evicted).to.equal(1);
    });
  });
});
