/**
 * Streamed request bodies (streamBody() + c.readBody()) on the in-memory
 * platform: bodies many times the slot, in any split, Content-Length and
 * chunked, with backpressure, limits, timeouts, vanishing clients and
 * early answers; the slot always comes back.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { App, bodyLimit, HttpError, streamBody } from '../../src/index.ts';
import type { Context } from '../../src/index.ts';
import { settle, startOnMemory } from '../support/memory-server.ts';

const SLOT = 1024;

/** An app whose /upload hashes the streamed body and answers the digest and the piece count. */
function uploadApp(onPiece?: (bytes: Uint8Array, start: number, end: number) => unknown): App {
  const app = new App();
  app.post('/upload', bodyLimit(4_000_000), streamBody(), async (c: Context) => {
    const hash = createHash('sha256');
    let pieces = 0;
    let largest = 0;
    await c.readBody((bytes, start, end) => {
      hash.update(bytes.subarray(start, end));
      pieces++;
      if (end - start > largest) largest = end - start;
      return onPiece ? onPiece(bytes, start, end) : undefined;
    });
    c.json({ sha256: hash.digest('hex'), pieces, largest, path: c.path, header: c.header('x-tag') ?? null });
  });
  app.get('/', (c) => c.text('hi'));
  return app;
}

function start(app: App, options = {}) {
  return startOnMemory(app, { slots: 2, slotSize: SLOT, outputSize: 512, tick: 10 }, options);
}

/** Sends `bytes` in pieces of random sizes (a fixed seed), letting async work settle between them. */
async function sendInPieces(send: (b: Uint8Array) => void, bytes: Uint8Array, seed = 7): Promise<void> {
  let x = seed;
  for (let p = 0; p < bytes.length; ) {
    x = (x * 1103515245 + 12345) >>> 0;
    const n = 1 + (x % 3000);
    send(bytes.subarray(p, p + n));
    p += n;
    await settle(4);
  }
}

function chunked(body: Uint8Array, seed = 3): Uint8Array {
  const parts: Buffer[] = [];
  let x = seed;
  for (let p = 0; p < body.length; ) {
    x = (x * 1103515245 + 12345) >>> 0;
    const n = Math.min(1 + (x % 5000), body.length - p);
    parts.push(Buffer.from(`${n.toString(16)};ext=1\r\n`), Buffer.from(body.subarray(p, p + n)), Buffer.from('\r\n'));
    p += n;
  }
  parts.push(Buffer.from('0\r\nTrailer: x\r\n\r\n'));
  return new Uint8Array(Buffer.concat(parts));
}

function parse(text: string): { status: number; body: string; closed?: boolean } {
  const status = Number(text.slice(9, 12));
  return { status, body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

describe('streamed request bodies', () => {
  it('runs the chain without the streamBody() marker, which has done its work once the route is compiled', () => {
    const compiled = uploadApp().compile();
    const route = compiled.streamsBody.indexOf(true);
    expect(route).to.be.at.least(0);
    // bodyLimit and the handler: the marker (a c.next() that only costs a call level) is gone.
    expect(compiled.chains[route]).to.have.length(2);
    expect(compiled.chains[route]).not.to.include(streamBody());
    const plain = compiled.chains.findIndex((_, i) => compiled.streamsBody[i] !== true);
    expect(compiled.chains[plain]).to.have.length(1);
    // Only the streaming route has an entry (a hole costs Espruino no variable).
    expect(Object.keys(compiled.streamsBody)).to.deep.equal([String(route)]);
  });

  it('takes a Content-Length body 200 times the slot in any split, as spans, and keeps the connection', async () => {
    const { platform, server } = await start(uploadApp());
    const body = new Uint8Array(randomBytes(200 * SLOT));
    const client = platform.connect();
    const head = `POST /upload HTTP/1.1\r\nHost: a\r\nX-Tag: t1\r\nContent-Length: ${body.length}\r\n\r\n`;
    client.send(head);
    await sendInPieces((b) => client.send(b), body);
    await settle();
    const answer = parse(client.takeText());
    expect(answer.status).to.equal(200);
    const got = JSON.parse(answer.body);
    expect(got.sha256).to.equal(createHash('sha256').update(body).digest('hex'));
    expect(got.largest).to.be.at.most(SLOT);
    expect(got.pieces).to.be.greaterThan(200);
    expect([got.path, got.header]).to.deep.equal(['/upload', 't1']); // the head stays readable
    // Same connection, next request.
    client.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(parse(client.takeText())).to.deep.equal({ status: 200, body: 'hi' });
    client.end();
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('takes a chunked body (extensions, trailers) and then a pipelined request', async () => {
    const { platform } = await start(uploadApp());
    const body = new Uint8Array(randomBytes(150_000));
    const client = platform.connect();
    const raw = Buffer.concat([
      Buffer.from('POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'),
      Buffer.from(chunked(body)),
      Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'),
    ]);
    await sendInPieces((b) => client.send(b), new Uint8Array(raw), 11);
    await settle();
    const text = client.takeText();
    const first = text.slice(0, text.indexOf('HTTP/1.1', 10));
    expect(JSON.parse(parse(first).body).sha256).to.equal(createHash('sha256').update(body).digest('hex'));
    expect(text.endsWith('\r\n\r\nhi')).to.equal(true);
  });

  it('waits for a piece that returns a promise before reading on (backpressure)', async () => {
    let inFlight = 0;
    let most = 0;
    const app = uploadApp(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
    });
    const { platform } = await start(app);
    const body = new Uint8Array(randomBytes(50 * SLOT));
    const client = platform.connect();
    client.send(`POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`);
    await sendInPieces((b) => client.send(b), body);
    for (let i = 0; i < 200 && client.unread > 0; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    const answer = parse(client.takeText());
    expect(JSON.parse(answer.body).sha256).to.equal(createHash('sha256').update(body).digest('hex'));
    expect(most).to.equal(1);
  });

  it('answers 413 at once for a Content-Length over bodyLimit, before any 100 Continue, and closes', async () => {
    const { platform, server } = await start(uploadApp());
    const client = platform.connect();
    client.send('POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000000\r\n\r\n');
    await settle();
    const text = client.takeText();
    expect(text.startsWith('HTTP/1.1 413 ')).to.equal(true);
    expect(text).to.not.include('100 Continue');
    expect(client.closed).to.equal(true);
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('ends a chunked body that grows past bodyLimit with 413', async () => {
    const app = new App();
    app.post('/small', bodyLimit(3000), streamBody(), async (c) => {
      await c.readBody(() => undefined);
      c.text('took it');
    });
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('POST /small HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');
    await sendInPieces((b) => client.send(b), chunked(new Uint8Array(10_000)));
    await settle();
    expect(parse(client.takeText()).status).to.equal(413);
    expect(client.closed).to.equal(true);
  });

  it('sends 100 Continue only when the handler reads, so a refusal comes first', async () => {
    const app = new App();
    app.post('/gated', streamBody(), async (c) => {
      if (c.header('authorization') !== 'yes') return c.text('no', 401);
      await c.readBody(() => undefined);
      c.text('ok');
    });
    const { platform } = await start(app);
    const refused = platform.connect();
    refused.send('POST /gated HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n');
    await settle();
    const text = refused.takeText();
    expect(text.startsWith('HTTP/1.1 401 ')).to.equal(true);
    expect(text).to.include('Connection: close');
    expect(refused.closed).to.equal(true);
    const allowed = platform.connect();
    allowed.send(
      'POST /gated HTTP/1.1\r\nHost: a\r\nAuthorization: yes\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n',
    );
    await settle();
    expect(allowed.takeText()).to.equal('HTTP/1.1 100 Continue\r\n\r\n');
    allowed.send('abc');
    await settle();
    expect(parse(allowed.takeText())).to.deep.equal({ status: 200, body: 'ok' });
  });

  it("ends readBody with what a piece throws: the handler's HttpError is the answer", async () => {
    const app = new App();
    app.post('/picky', streamBody(), async (c) => {
      await c.readBody((bytes, start) => {
        if (bytes[start] !== 0x7b) throw new HttpError(422, 'not JSON');
      });
      c.text('fine');
    });
    const { platform, server } = await start(app);
    const client = platform.connect();
    client.send('POST /picky HTTP/1.1\r\nHost: a\r\nContent-Length: 9000\r\n\r\nxxxx');
    await settle();
    expect(parse(client.takeText())).to.deep.equal({ status: 422, body: 'not JSON\n' });
    expect(client.closed).to.equal(true);
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('answers 400 for a malformed chunked body, and 408 for one that stops arriving', async () => {
    const { platform } = await start(uploadApp(), { bodyTimeout: 100 });
    const bad = platform.connect();
    bad.send('POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nZZ\r\n');
    await settle();
    expect(parse(bad.takeText()).status).to.equal(400);
    const slow = platform.connect();
    slow.send('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\nabc');
    await settle();
    platform.advance(150);
    await settle();
    expect(parse(slow.takeText()).status).to.equal(408);
    expect(slow.closed).to.equal(true);
  });

  it('frees the slot when the client vanishes mid-body', async () => {
    let rejected = '';
    const app = new App();
    app.post('/up', streamBody(), async (c) => {
      try {
        await c.readBody(() => undefined);
      } catch (error) {
        rejected = (error as Error).message;
        throw error;
      }
    });
    const { platform, server } = await start(app);
    const client = platform.connect();
    client.send('POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(3000));
    await settle();
    expect(server.stats().slotsInUse).to.equal(1);
    client.end();
    await settle();
    expect(rejected).to.include('went away');
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('on a route without streamBody(), hands the body over as one piece', async () => {
    const app = new App();
    app.post('/small', async (c) => {
      const seen: number[] = [];
      await c.readBody((_bytes, start, end) => {
        seen.push(end - start);
      });
      c.json(seen);
    });
    const { platform } = await start(app);
    const client = platform.connect();
    client.send('POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello');
    await settle();
    expect(parse(client.takeText()).body).to.equal('[5]');
  });
});
