/**
 * The overflow policy 'queue' (the default) on the in-memory platform:
 * a connection that finds every slot taken waits, unread; while it waits
 * every answer says Connection: close (the pool-pressure veto) and the
 * freed slot goes to the oldest waiting connection (from a timer, on an
 * empty stack); it gets a 503 when it waited too long or the queue is
 * full; keep-alive connections idle long enough make room; a waiting
 * client that leaves is forgotten.
 */
import { expect } from 'chai';
import { App } from '../../src/index.ts';
import { Server } from '../../src/server.ts';
import type { ServerOptions } from '../../src/server.ts';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import { response } from '../conformance/cases.ts';

const TEXT = 'text/plain; charset=utf-8';
const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
const HI = response(200, TEXT, 'hi');
const HI_CLOSE = response(200, TEXT, 'hi', '', false);

async function start(options: ServerOptions = {}): Promise<{ platform: MemoryPlatform; server: Server }> {
  const app = new App();
  app.get('/', (c) => c.text('hi'));
  const platform = new MemoryPlatform();
  const server = new Server(app, platform, { slots: 2, slotSize: 1024, outputSize: 256, tick: 10, ...options });
  await server.start();
  return { platform, server };
}

describe("overflow 'queue': wait, announce the close, pass the slot on", () => {
  it('a newcomer waits unread; the next answer on a busy connection says Connection: close and its slot goes to the newcomer', async () => {
    const { platform, server } = await start({ pressureIdle: 10000 });
    const a = platform.connect();
    const b = platform.connect();
    a.send(GET);
    b.send(GET);
    expect(a.takeText()).to.equal(HI);
    const c = platform.connect();
    c.send(GET);
    expect(c.takeText(), 'the newcomer is not answered yet').to.equal('');
    expect(server.stats().queued).to.equal(1);
    a.send(GET);
    expect(a.takeText(), 'announced, not evicted').to.equal(HI_CLOSE);
    expect(a.closed).to.equal(true);
    expect(c.takeText(), 'not on top of the request that freed the slot').to.equal('');
    platform.advance(0);
    expect(c.takeText(), 'served from the freed slot, with what it sent while waiting').to.equal(HI);
    expect(server.stats().pressureCloses).to.equal(1);
    expect(server.stats().rejected).to.equal(0);
    expect(server.stats().evicted).to.equal(0);
  });

  for (const queueSize of [2, 1]) {
    it(`a newcomer that comes while a freed slot waits for its timer queues behind those already waiting (queue of ${queueSize})`, async () => {
      const { platform, server } = await start({ slots: 1, queueSize, pressureIdle: 10000 });
      const a = platform.connect();
      a.send(GET);
      const b = platform.connect();
      b.send(GET);
      a.send(GET);
      expect(a.takeText(), 'the veto closes a').to.equal(HI + HI_CLOSE);
      const c = platform.connect(); // the slot is free, b's timer not yet run
      c.send(GET);
      expect(b.takeText(), 'b first, closed for c who waits').to.equal(HI_CLOSE);
      expect(c.takeText(), 'then c, on the slot b left').to.equal(HI);
      expect(server.stats().queued).to.equal(2);
      expect(server.stats().evicted).to.equal(0);
    });
  }

  it('keep-alive again once nobody waits', async () => {
    const { platform } = await start({ pressureIdle: 10000 });
    const a = platform.connect();
    const b = platform.connect();
    a.send(GET);
    b.send(GET);
    const c = platform.connect();
    a.send(GET);
    expect(a.takeText()).to.equal(HI + HI_CLOSE);
    platform.advance(0);
    c.send(GET);
    c.send(GET);
    expect(c.takeText()).to.equal(HI + HI);
    expect(c.closed).to.equal(false);
  });

  it('a keep-alive connection idle for pressureIdle makes room at once; a busier one does not', async () => {
    const { platform, server } = await start({ pressureIdle: 100 });
    const a = platform.connect();
    const b = platform.connect();
    a.send(GET);
    b.send(GET);
    platform.advance(50);
    const c = platform.connect();
    expect(a.closed || b.closed, 'idle for 50 ms only: nobody is evicted').to.equal(false);
    platform.advance(60);
    expect(a.closed && b.closed, 'the tick closes one, the least recently used').to.equal(false);
    expect(a.closed || b.closed).to.equal(true);
    c.send(GET);
    expect(c.takeText()).to.equal(HI);
    expect(server.stats().evicted).to.equal(1);
  });

  it('answers 503 (Retry-After: 1) after queueTimeout, and at once when the queue is full', async () => {
    const { platform, server } = await start({ queueSize: 1, queueTimeout: 200, pressureIdle: 10000 });
    const a = platform.connect();
    const b = platform.connect();
    a.send('GET / HTTP/1.1\r\n'); // heads that keep their slots
    b.send('GET / HTTP/1.1\r\n');
    const waiting = platform.connect();
    const full = platform.connect();
    expect(full.takeText()).to.match(/^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*Retry-After: 1\r\n/);
    expect(waiting.takeText()).to.equal('');
    platform.advance(210);
    expect(waiting.takeText()).to.match(/^HTTP\/1\.1 503 /);
    expect(server.stats().rejected).to.equal(2);
    expect(server.stats().responses[5]).to.equal(2);
  });

  it('forgets a waiting client that leaves, and serves the next one', async () => {
    const { platform, server } = await start({ pressureIdle: 10000 });
    const a = platform.connect();
    const b = platform.connect();
    a.send(GET);
    b.send(GET);
    const gone = platform.connect();
    const next = platform.connect();
    next.send(GET);
    gone.end();
    a.send(GET);
    expect(a.takeText()).to.equal(HI + HI_CLOSE);
    platform.advance(0);
    expect(next.takeText()).to.equal(HI);
    expect(server.stats().slotsInUse).to.equal(2);
  });

  it('serves a long queue in a loop from a timer, not by recursion, when every answer frees its slot at once', async () => {
    const app = new App();
    const depths: number[] = [];
    app.get('/', (c) => {
      depths.push((new Error().stack ?? '').split('\n').length);
      c.text('hi');
    });
    const platform = new MemoryPlatform();
    const server = new Server(app, platform, {
      slots: 1,
      slotSize: 1024,
      outputSize: 256,
      queueSize: 200,
      pressureIdle: 10000,
    });
    await server.start();
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 10000;
    const first = platform.connect();
    first.send('GET / HTTP/1.1\r\n');
    const clients = Array.from({ length: 200 }, () => {
      const client = platform.connect();
      client.send(GET);
      return client;
    });
    first.send('Host: a\r\n\r\n');
    platform.advance(0);
    for (const client of clients.slice(0, -1)) expect(client.takeText()).to.equal(HI_CLOSE);
    Error.stackTraceLimit = limit;
    expect(clients[clients.length - 1].takeText(), 'nobody waits behind the last one').to.equal(HI);
    expect(server.stats().queued).to.equal(200);
    // Each served connection frees its slot inside the previous one's close: the stack must not grow with the queue.
    expect(Math.max(...depths) - Math.min(...depths), 'stack frames added along the queue').to.be.below(30);
    // Nor does a waiting connection's request run on top of the one that freed its slot (a board's C stack holds one).
    // Served from a timer, its handler has a frame or two of the timer's under it, not the first request's path
    // (from the first one's close it had 7 more frames here).
    expect(Math.max(...depths.slice(1)) - depths[0], 'frames beyond the first handler').to.be.at.most(3);
  });
});
