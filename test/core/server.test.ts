/**
 * The server's state machine on the in-memory platform: virtual time,
 * exact bytes, backpressure by hand.
 */
import { expect } from 'chai';
import { App } from '../../src/index.ts';
import { answerBlockSize, writeAnswerBlock } from '../../src/http/response.ts';
import { Server } from '../../src/server.ts';
import type { ServerOptions } from '../../src/server.ts';
import { errorResponse, response } from '../conformance/cases.ts';
import { settle, startOnMemory } from '../support/memory-server.ts';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';

const TEXT = 'text/plain; charset=utf-8';

function start(app: App, options: ServerOptions = {}, platformOptions = {}) {
  return startOnMemory(app, { slots: 2, slotSize: 1024, outputSize: 256, tick: 10 }, options, platformOptions);
}

function helloApp(): App {
  const app = new App();
  app.get('/', (c) => c.text('hi'));
  return app;
}

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
const HI = response(200, TEXT, 'hi');

describe('server state machine', () => {
  it('keeps a connection alive across requests and closes it after the idle timeout', async () => {
    const { platform, server } = await start(helloApp(), { idleTimeout: 100 });
    const client = platform.connect();
    client.send(GET);
    client.send(GET);
    expect(client.takeText()).to.equal(HI + HI);
    platform.advance(90);
    expect(client.closed).to.equal(false);
    platform.advance(30);
    expect(client.closed).to.equal(true);
    expect(client.takeText()).to.equal('');
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('answers 408 when a started head does not complete in time (slowloris)', async () => {
    const { platform, server } = await start(helloApp(), { headerTimeout: 100 });
    const client = platform.connect();
    client.send('GET / HTTP/1.1\r\nHo');
    platform.advance(50);
    client.send('s');
    platform.advance(60);
    expect(client.takeText()).to.equal(errorResponse(408));
    expect(client.closed).to.equal(true);
    expect(server.stats().timeouts).to.equal(1);
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('answers 408 when the body does not arrive in time', async () => {
    const app = new App();
    app.post('/', (c) => c.text('got ' + c.bodyText()));
    const { platform } = await start(app, { bodyTimeout: 100 });
    const client = platform.connect();
    client.send('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345');
    platform.advance(150);
    expect(client.takeText()).to.equal(errorResponse(408));
  });

  it('accepts a body that arrives in pieces', async () => {
    const app = new App();
    app.post('/', (c) => c.text('got ' + c.bodyText()));
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345');
    expect(client.takeText()).to.equal('');
    client.send('67890');
    expect(client.takeText()).to.equal(response(200, TEXT, 'got 1234567890'));
  });

  it('sends 100 Continue before reading an expected body', async () => {
    const app = new App();
    app.post('/', (c) => c.text(c.bodyText()));
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
    expect(client.takeText()).to.equal('HTTP/1.1 100 Continue\r\n\r\n');
    client.send('ok');
    expect(client.takeText()).to.equal(response(200, TEXT, 'ok'));
  });

  it('answers 413 at once when the announced body cannot fit, without a 100 Continue', async () => {
    const { platform } = await start(helloApp(), { maxBody: 100 });
    const client = platform.connect();
    client.send('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n');
    expect(client.takeText()).to.equal(errorResponse(413));
    expect(client.closed).to.equal(true);
  });

  it('answers pipelined requests in order, also when the response waits for the socket', async () => {
    const app = new App();
    const big = 'x'.repeat(3000);
    app.get('/big', (c) => c.text(big));
    app.get('/', (c) => c.text('hi'));
    const { platform } = await start(app, {}, { sendBufferSize: 512 });
    const client = platform.connect('127.0.0.1', false);
    client.send('GET /big HTTP/1.1\r\nHost: a\r\n\r\n' + GET);
    expect(client.blocked).to.equal(true);
    let received = '';
    while (client.blocked) received += String.fromCharCode(...client.takeSome(100));
    received += client.takeText();
    expect(received).to.equal(response(200, TEXT, big) + HI);
  });

  it('streams a large byte body straight from its source under backpressure', async () => {
    const asset = new Uint8Array(50000);
    for (let i = 0; i < asset.length; i++) asset[i] = i & 255;
    const app = new App();
    app.get('/asset', (c) => c.send(asset, 'application/octet-stream'));
    const { platform } = await start(app, {}, { sendBufferSize: 1000 });
    const client = platform.connect('127.0.0.1', false);
    client.send('GET /asset HTTP/1.1\r\nHost: a\r\n\r\n');
    const parts: Uint8Array[] = [];
    let guard = 0;
    while (client.blocked && guard++ < 1000) parts.push(client.takeSome(700));
    parts.push(client.take());
    const all = Buffer.concat(parts);
    const headEnd = all.indexOf('\r\n\r\n') + 4;
    expect(all.subarray(0, headEnd).toString('latin1')).to.contain('Content-Length: 50000');
    expect(Buffer.from(all.subarray(headEnd)).equals(Buffer.from(asset))).to.equal(true);
  });

  it('closes a client that stops reading after the write timeout', async () => {
    const app = new App();
    app.get('/big', (c) => c.text('y'.repeat(5000)));
    const { platform, server } = await start(app, { writeTimeout: 100 }, { sendBufferSize: 256 });
    const client = platform.connect('127.0.0.1', false);
    client.send('GET /big HTTP/1.1\r\nHost: a\r\n\r\n');
    platform.advance(150);
    expect(client.closed).to.equal(true);
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('keeps writing to a client that reads slowly but steadily, however long the whole response takes', async () => {
    const app = new App();
    app.get('/big', (c) => c.text('y'.repeat(5000)));
    const { platform, server } = await start(app, { writeTimeout: 100 }, { sendBufferSize: 256 });
    const client = platform.connect('127.0.0.1', false);
    client.send('GET /big HTTP/1.1\r\nHost: a\r\n\r\n');
    const parts: Uint8Array[] = [];
    // 256 bytes every 60 ms: about 1.3 s in all, each wait shorter than the write timeout.
    for (let guard = 0; client.blocked && guard < 100; guard++) {
      platform.advance(60);
      parts.push(client.takeSome(256));
    }
    parts.push(client.take());
    const all = Buffer.concat(parts).toString('latin1');
    const body = all.slice(all.indexOf('\r\n\r\n') + 4);
    expect(body.length).to.equal(5000);
    expect(body).to.equal('y'.repeat(5000));
    expect(client.closed).to.equal(false);
    expect(server.stats().slotsInUse).to.equal(1);
  });

  it('closes a client that only trickles (less than an output area per write timeout): a slow-read attack on a slot', async () => {
    const app = new App();
    app.get('/big', (c) => c.text('y'.repeat(5000)));
    const { platform, server } = await start(app, { writeTimeout: 100 }, { sendBufferSize: 256 });
    const client = platform.connect('127.0.0.1', false);
    client.send('GET /big HTTP/1.1\r\nHost: a\r\n\r\n');
    // 16 bytes every 30 ms: it never stops, but 256 bytes take longer than the 100 ms timeout.
    for (let t = 0; t < 10 && !client.closed; t++) {
      platform.advance(30);
      client.takeSome(16);
    }
    expect(client.closed).to.equal(true);
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('rejects with a preencoded 503 when every slot is busy (reject policy)', async () => {
    const { platform, server } = await start(helloApp(), { overflow: 'reject' });
    const a = platform.connect();
    const b = platform.connect();
    a.send(GET);
    b.send(GET);
    const c = platform.connect();
    const text = c.takeText();
    expect(text).to.match(/^HTTP\/1.1 503 Service Unavailable\r\n/);
    expect(text).to.contain('Retry-After: 1\r\n');
    expect(text).to.contain('Connection: close\r\n');
    expect(c.closed).to.equal(true);
    expect(server.stats().rejected).to.equal(1);
    expect(a.closed).to.equal(false);
  });

  it('answers from an answer block made at build time (options.answers, in flash on Espruino) as from its own', async () => {
    const block = writeAnswerBlock(new Uint8Array(answerBlockSize()));
    const { platform } = await start(helloApp(), { answers: block });
    const bad = platform.connect();
    bad.send('GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n');
    expect(bad.takeText()).to.equal(errorResponse(400));
    // The bytes sent are the block's own: a block with another body shows through.
    const at = Buffer.from(block).indexOf('Bad Request\n');
    const changed = block.slice();
    changed[at] = 0x62; // 'b'
    const other = await start(helloApp(), { answers: changed });
    const client = other.platform.connect();
    client.send('GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n');
    expect(client.takeText()).to.equal(errorResponse(400).replace('Bad Request\n', 'bad Request\n'));
  });

  it('refuses an answer block that is not one (a stale file), saying to rebuild', () => {
    const block = writeAnswerBlock(new Uint8Array(answerBlockSize()));
    for (const broken of [new Uint8Array(0), block.subarray(0, block.length - 1), new Uint8Array(block.length)])
      expect(() => new Server(helloApp(), new MemoryPlatform(), { answers: broken })).to.throw(
        /the preencoded answers \(\d+ bytes\) are not an answer block of 10 answers; rebuild with 'chipweb build'/,
      );
  });

  it('evicts the least recently used idle keep-alive connection (evict-idle policy)', async () => {
    const { platform, server } = await start(helloApp(), { overflow: 'evict-idle' });
    const a = platform.connect();
    a.send(GET);
    platform.advance(10);
    const b = platform.connect();
    b.send(GET);
    const c = platform.connect();
    expect(a.closed).to.equal(true);
    expect(b.closed).to.equal(false);
    c.send(GET);
    expect(c.takeText()).to.equal(HI);
    expect(server.stats().evicted).to.equal(1);
  });

  it('falls back to 503 when no connection is idle', async () => {
    const { platform } = await start(helloApp(), { overflow: 'evict-idle' });
    platform.connect().send('GET / HTTP/1.1\r\n');
    platform.connect().send('GET / HTTP/1.1\r\n');
    expect(platform.connect().takeText()).to.match(/^HTTP\/1.1 503 /);
  });

  it('keeps the slot of an async handler whose client left until the handler settles', async () => {
    const app = new App();
    let finish = () => {};
    app.get('/slow', async (c) => {
      await new Promise<void>((resolve) => (finish = resolve));
      c.text('done');
    });
    const { platform, server } = await start(app);
    const client = platform.connect();
    client.send('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
    client.end();
    expect(server.stats().slotsInUse).to.equal(1);
    finish();
    await settle();
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('abandons a slow chain: answers now, serves the next request, drops the late write', async () => {
    const app = new App();
    let finish = () => {};
    const late: { wrote: boolean } = { wrote: false };
    app.get('/slow', async (c) => {
      await new Promise<void>((resolve) => (finish = resolve));
      c.text('late');
      late.wrote = c.responded;
    });
    app.get('/', (c) => c.text('hi'));
    const { platform, server } = await start(app, { spareContexts: 1 });
    const client = platform.connect();
    client.send('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
    await settle();
    const running = (
      server as unknown as { engine: { connections: { ctx: { abandon(s: number, b: string): boolean } }[] } }
    ).engine.connections[0].ctx;
    expect(running.abandon(503, 'slow')).to.equal(true);
    client.send(GET);
    expect(client.takeText()).to.equal(response(503, TEXT, 'slow') + HI);
    finish();
    await settle();
    expect(client.takeText()).to.equal('');
    expect(late.wrote).to.equal(true); // the write happened on a detached context, and went nowhere
  });

  it('streams a chunked response and goes on with keep-alive after end()', async () => {
    const app = new App();
    app.get('/events', (c) => {
      c.stream('text/event-stream');
      c.write('data: 1\n\n');
      c.write('data: 2\n\n');
      c.end();
    });
    app.get('/', (c) => c.text('hi'));
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('GET /events HTTP/1.1\r\nHost: a\r\n\r\n' + GET);
    expect(client.takeText()).to.equal(
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n' +
        '9\r\ndata: 1\n\n\r\n9\r\ndata: 2\n\n\r\n0\r\n\r\n' +
        HI,
    );
  });

  it('stops: refuses new connections, finishes in-flight requests, then frees every slot', async () => {
    const app = new App();
    let finish = () => {};
    app.get('/slow', async (c) => {
      await new Promise<void>((resolve) => (finish = resolve));
      c.text('done');
    });
    const { platform, server } = await start(app);
    const idle = platform.connect();
    const busy = platform.connect();
    busy.send('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
    const stopped = server.stop(1000);
    expect(idle.closed).to.equal(true);
    expect(() => platform.connect()).to.throw(/nothing is listening/);
    finish();
    await settle();
    expect(busy.takeText()).to.equal(response(200, TEXT, 'done', '', false));
    await stopped;
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('stop() closes what is still running after the grace period', async () => {
    const app = new App();
    app.get('/never', () => new Promise(() => {}));
    const { platform, server } = await start(app);
    const client = platform.connect();
    client.send('GET /never HTTP/1.1\r\nHost: a\r\n\r\n');
    const stopped = server.stop(500);
    platform.advance(600);
    expect(client.closed).to.equal(true);
    let done = false;
    stopped.then(() => (done = true));
    await settle();
    // The never-settling handler keeps its context; the slot is held until it settles, so stop waits.
    expect(done).to.equal(false);
  });

  it('says clearly when the port is taken', async () => {
    const { platform } = await start(helloApp());
    const second = new Server(helloApp(), platform, { port: 8080 });
    let message = '';
    await second.start().catch((error: Error) => (message = error.message));
    expect(message).to.match(/port 8080 is already in use/);
  });

  it('never lets a stale chain write to the next connection of its slot', async () => {
    const app = new App();
    let resume = () => {};
    app.get('/events', async (c) => {
      c.stream('text/event-stream');
      c.write('x'.repeat(200)); // more than the send buffer: the connection waits in WRITE
      await new Promise<void>((resolve) => (resume = resolve));
      c.text('stale answer from the old chain');
    });
    app.get('/', (c) => c.text('hi'));
    const { platform, server } = await start(app, { slots: 1 }, { sendBufferSize: 150 });
    const a = platform.connect('127.0.0.1', false);
    a.send('GET /events HTTP/1.1\r\nHost: a\r\n\r\n');
    a.end();
    // The chain still holds the slot's context: the slot is not handed out yet.
    expect(server.stats().slotsInUse).to.equal(1);
    resume();
    await settle();
    expect(server.stats().slotsInUse).to.equal(0);
    const b = platform.connect();
    b.send(GET);
    expect(b.takeText()).to.equal(HI);
  });

  it('closes a stream whose handler throws, and frees its slot', async () => {
    const app = new App();
    app.get('/s', (c) => {
      c.stream('text/event-stream');
      c.write('data: 1\n\n');
      throw new Error('broken stream');
    });
    const { platform, server } = await start(app);
    const client = platform.connect();
    client.send('GET /s HTTP/1.1\r\nHost: a\r\n\r\n');
    const text = client.takeText();
    expect(text).to.contain('9\r\ndata: 1\n\n\r\n');
    expect(text).to.not.contain('0\r\n\r\n'); // no last chunk: the client sees the stream fail
    expect(client.closed).to.equal(true);
    expect(server.stats().slotsInUse).to.equal(0);
    expect(platform.logs.join('\n')).to.contain('broken stream');
  });

  it('answers HEAD on a streamed route with the head only, and goes on', async () => {
    const app = new App();
    app.get('/s', (c) => {
      c.stream('text/event-stream');
      c.write('data: 1\n\n');
      c.end();
    });
    app.get('/', (c) => c.text('hi'));
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('HEAD /s HTTP/1.1\r\nHost: a\r\n\r\n' + GET);
    expect(client.takeText()).to.equal(
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n' +
        HI,
    );
  });

  it('streams to an HTTP/1.0 client without chunked encoding and closes at the end', async () => {
    const app = new App();
    app.get('/s', (c) => {
      c.stream('text/plain');
      c.write('hello ');
      c.write('world');
      c.end();
    });
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('GET /s HTTP/1.0\r\n\r\n');
    expect(client.takeText()).to.equal(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nhello world',
    );
    expect(client.closed).to.equal(true);
  });

  it('sends no body with 204 and 304, whatever the handler gave', async () => {
    const app = new App();
    app.get('/a', (c) => c.text('xyz', 204));
    app.get('/b', (c) => c.text('abc', 304));
    app.get('/', (c) => c.text('hi'));
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n' + GET);
    expect(client.takeText()).to.equal(
      'HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n' +
        'HTTP/1.1 304 Not Modified\r\nConnection: keep-alive\r\n\r\n' +
        HI,
    );
  });

  it('streams no body with 204 and 304, and no chunked framing, and goes on', async () => {
    const app = new App();
    const wrote: boolean[] = [];
    for (const [path, status] of [
      ['/a', 204],
      ['/b', 304],
    ] as const)
      app.get(path, (c) => {
        c.stream('text/plain', status);
        wrote.push(c.write('body!'));
        c.end();
      });
    app.get('/', (c) => c.text('hi'));
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n' + GET);
    expect(client.takeText()).to.equal(
      'HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n' +
        'HTTP/1.1 304 Not Modified\r\nConnection: keep-alive\r\n\r\n' +
        HI,
    );
    expect(wrote).to.deep.equal([true, true]);
  });

  it('answers a streamed response with an invalid head with a logged 500, not a stream without a head', async () => {
    const app = new App();
    app.get('/s', (c) => {
      c.setHeader('X-Bad', 'a\r\nb');
      c.stream('text/plain');
      c.write('data1');
      c.end();
    });
    app.get('/', (c) => c.text('hi'));
    const { platform, server } = await start(app);
    const client = platform.connect();
    client.send('GET /s HTTP/1.1\r\nHost: a\r\n\r\n' + GET);
    expect(client.takeText()).to.equal(
      'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
    expect(client.closed).to.equal(true);
    expect(platform.logs.join('\n')).to.contain('the response head for GET /s is invalid');
    expect(server.stats().errors).to.equal(1);
  });

  it('throws a RangeError that says to split a stream chunk longer than the output area', async () => {
    const app = new App();
    let message = '';
    app.get('/s', (c) => {
      c.stream('text/plain');
      expect(c.write('y'.repeat(240))).to.equal(true); // outputSize 256 less 16 of framing
      try {
        c.write('y'.repeat(241));
      } catch (error) {
        message = (error as Error).message;
      }
      c.end();
    });
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('GET /s HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(client.takeText()).to.contain(`f0\r\n${'y'.repeat(240)}\r\n0\r\n\r\n`);
    expect(message).to.equal(
      'c.write(): a chunk of 241 bytes is more than a stream takes at once (240, outputSize less the chunk framing): write it in smaller pieces',
    );
  });

  it('refuses header values with CR/LF (response splitting) and bad header names: 500', async () => {
    const app = new App();
    app.get('/v', (c) => c.setHeader('X-Name', c.query('n') ?? '').text('v'));
    app.get('/r', (c) => c.redirect(c.query('to') ?? '/'));
    app.get('/n', (c) => c.setHeader('Bad Name', 'x').text('n'));
    const { platform } = await start(app);
    for (const target of ['/v?n=a%0D%0ASet-Cookie:%20evil=1', '/r?to=/%0D%0AX:1', '/n']) {
      const client = platform.connect();
      client.send(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
      const text = client.takeText();
      expect(text, target).to.match(/^HTTP\/1.1 500 Internal Server Error\r\n/);
      expect(text, target).to.not.contain('evil');
      client.end();
    }
    expect(platform.logs.length).to.equal(3);
  });

  it('answers a logged 500 for a status that is not a final one (1xx, or outside 100-599), as a stream too', async () => {
    const app = new App();
    app.get('/s/:code', (c) => c.text('s', Number(c.param('code'))));
    app.get('/stream/:code', (c) => {
      c.stream('text/plain', Number(c.param('code')));
      c.write('x');
      c.end();
    });
    const { platform } = await start(app);
    const targets = ['/s/100', '/s/199', '/s/600', '/s/99', '/s/200.5', '/stream/101'];
    for (const target of targets) {
      const client = platform.connect();
      client.send(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
      expect(client.takeText(), target).to.equal(
        'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      expect(client.closed, target).to.equal(true);
    }
    expect(platform.logs.filter((line) => line.includes('a status outside 200-599')).length).to.equal(targets.length);
  });

  it('gives no trailing-slash redirect that a browser would follow to another site (//host, /\\host)', async () => {
    const app = new App();
    app.get('/:name', (c) => c.text(c.param('name')));
    app.get('/files/*path', (c) => c.text(c.param('path')));
    const { platform } = await start(app);
    for (const target of ['/\\evil.com/', '//evil.com/', '/files//evil.com/']) {
      const client = platform.connect();
      client.send(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
      const text = client.takeText();
      expect(text, target).to.not.match(/Location: \/[\\/]/);
      client.end();
    }
    // An ordinary one still redirects.
    const client = platform.connect();
    client.send('GET /alice/ HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(client.takeText()).to.match(/^HTTP\/1.1 301 Moved Permanently\r\nLocation: \/alice\r\n/);
  });

  it('stop() called twice resolves both calls once every slot is free', async () => {
    const app = new App();
    let finish = () => {};
    app.get('/slow', async (c) => {
      await new Promise<void>((resolve) => (finish = resolve));
      c.text('done');
    });
    const { platform, server } = await start(app);
    platform.connect().send('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n');
    let first = false;
    let second = false;
    server.stop(60000).then(() => (first = true));
    server.stop(60000).then(() => (second = true));
    finish();
    await settle();
    expect([first, second]).to.deep.equal([true, true]);
  });

  it('serves 10,000 keep-alive requests with the same pool buffers and Context objects', async () => {
    const app = new App();
    app.get('/users/:id', (c) => c.text(c.param('id')));
    const { platform, server } = await start(app, { slots: 1 });
    const internals = (
      server as unknown as {
        engine: { connections: { ctx: object; input: Uint8Array; output: Uint8Array; head: object }[] };
      }
    ).engine;
    const before = internals.connections.map((c) => [c.ctx, c.input, c.output, c.head]);
    const memory = server.pool.memory;
    const client = platform.connect();
    const request = 'GET /users/7 HTTP/1.1\r\nHost: a\r\n\r\n';
    const expected = response(200, TEXT, '7');
    for (let i = 0; i < 10000; i++) {
      client.send(request);
      if (i % 1000 === 0) expect(client.takeText()).to.equal(expected);
      else client.take();
    }
    client.take();
    const after = internals.connections.map((c) => [c.ctx, c.input, c.output, c.head]);
    expect(server.stats().requests).to.equal(10000);
    for (let i = 0; i < before.length; i++) for (let k = 0; k < 4; k++) expect(after[i][k]).to.equal(before[i][k]);
    expect(server.pool.memory).to.equal(memory);
    expect(server.stats().slotsInUse).to.equal(1);
    client.end();
    expect(server.stats().slotsInUse).to.equal(0);
  });
});
