import { expect } from 'chai';
import { App } from '../../src/index.ts';
import { logger, timeout } from '../../src/middleware/index.ts';
import { parseResponses } from '../hostile/responses.ts';
import { sendGet, settle, start } from './helpers.ts';

describe('middleware: timeout', () => {
  function slowApp(log = logger()) {
    const a = new App();
    const releases: (() => void)[] = [];
    let lateWrites = 0;
    a.use(log, timeout(100));
    a.get('/slow', async (c) => {
      await new Promise<void>((r) => releases.push(r));
      lateWrites++;
      c.setHeader('X-Late', '1');
      c.text('too late', 200);
    });
    a.get('/fast', async (c) => {
      await Promise.resolve();
      c.text('fast');
    });
    a.get('/sync', (c) => c.text('sync'));
    return { app: a, releases, log, lateWrites: () => lateWrites };
  }

  it('answers 503 when the chain is late, serves the next request on the same connection, and drops the late write', async () => {
    const t = slowApp();
    const b = await start(t.app, { slots: 2 });
    const client = b.platform.connect();
    sendGet(client, '/slow');
    await settle();
    expect(client.takeText()).to.equal('');
    b.platform.advance(100);
    await settle();
    let got = parseResponses(client.takeText()).responses;
    expect(got).to.have.length(1);
    expect(got[0].status).to.equal(503);
    expect(got[0].headers.connection).to.equal('keep-alive');
    // The same connection serves on while the late handler still runs.
    sendGet(client, '/fast');
    await settle();
    got = parseResponses(client.takeText()).responses;
    expect(got.map((r) => r.body)).to.deep.equal(['fast']);
    // The late handler finishes: nothing reaches the client.
    t.releases[0]();
    await settle();
    expect(t.lateWrites()).to.equal(1);
    expect(client.takeText()).to.equal('');
    expect(client.closed).to.equal(false);
    client.end();
    expect(b.server.stats().slotsInUse).to.equal(0);
    expect(b.server.stats().responses[5]).to.equal(1);
  });

  it('lets the logger see 503 once the late chain ends', async () => {
    const t = slowApp();
    const b = await start(t.app);
    const client = b.platform.connect();
    sendGet(client, '/slow');
    await settle();
    b.platform.advance(150);
    await settle();
    t.releases[0]();
    await settle();
    expect(t.log.entries()[0]).to.include({ path: '/slow', status: 503 });
    client.end();
  });

  it('does not fire for fast or synchronous chains, and leaves no timer behind', async () => {
    const t = slowApp();
    const b = await start(t.app);
    expect((await b.get('/fast')).body).to.equal('fast');
    expect((await b.get('/sync')).body).to.equal('sync');
    b.platform.advance(1000);
    await settle();
    expect(b.server.stats().responses[5]).to.equal(0);
  });

  it('survives more late requests than spare contexts: answers 503 and closes, slots come back', async () => {
    const t = slowApp();
    const b = await start(t.app, { slots: 4, spareContexts: 1 });
    const clients = [b.platform.connect(), b.platform.connect(), b.platform.connect()];
    for (const c of clients) sendGet(c, '/slow');
    await settle();
    b.platform.advance(100);
    await settle();
    for (const c of clients) expect(parseResponses(c.takeText()).responses[0].status).to.equal(503);
    expect(clients.filter((c) => c.closed)).to.have.length(2); // no spare context left for them
    for (const r of t.releases) r();
    await settle();
    for (const c of clients) c.end();
    expect(b.server.stats().slotsInUse).to.equal(0);
    // Everything still works afterwards.
    expect((await b.get('/fast')).body).to.equal('fast');
  });

  it("gives the late chain an empty request once the slot serves another: never the next client's header, body or params", async () => {
    const a = new App();
    const releases: (() => void)[] = [];
    const seen: unknown[] = [];
    a.use(timeout(100));
    a.post('/save/:id', async (c) => {
      await new Promise<void>((r) => releases.push(r));
      seen.push(c.header('authorization'), c.bodyText(), c.param('id'), c.path, c.queryString);
      throw new Error('late failure');
    });
    a.post('/login/:id', (c) => c.text(`login ${c.param('id')} ${c.bodyText()}`));
    const b = await start(a, { slots: 1, spareContexts: 1 });
    const alice = b.platform.connect();
    alice.send(
      'POST /save/alice?x=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer alice\r\nContent-Length: 5\r\n\r\nalice',
    );
    await settle();
    b.platform.advance(100);
    await settle();
    expect(parseResponses(alice.takeText()).responses.map((r) => r.status)).to.deep.equal([503]);
    alice.send(
      'POST /login/bob HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer BOB-SECRET\r\nContent-Length: 8\r\n\r\nbob-pass',
    );
    await settle();
    expect(parseResponses(alice.takeText()).responses.map((r) => r.body)).to.deep.equal(['login bob bob-pass']);
    releases[0]();
    await settle();
    expect(seen).to.deep.equal([undefined, '', '', '', '']);
    // Its failure after the answer is still logged and counted.
    expect(b.platform.logs.join('\n')).to.include(
      'chipweb: handler error after timeout() answered POST: Error: late failure',
    );
    expect(b.server.stats().errors).to.equal(1);
    alice.end();
  });

  it('serves the next request with a spare context that keeps chainNesting', async () => {
    const a = new App();
    const releases: (() => void)[] = [];
    const probe = { nested: 0, deepest: 0 };
    a.use(timeout(100));
    for (let i = 0; i < 3; i++)
      a.use((c) => {
        probe.nested++;
        probe.deepest = Math.max(probe.deepest, probe.nested);
        const rest = c.next();
        probe.nested--;
        return rest;
      });
    a.get('/slow', () => new Promise<void>((r) => releases.push(r)));
    a.get('/deep', (c) => {
      probe.deepest = Math.max(probe.deepest, probe.nested + 1);
      c.text('deep');
    });
    const b = await start(a, { slots: 1, spareContexts: 1, chainNesting: 2 });
    const client = b.platform.connect();
    sendGet(client, '/slow');
    await settle();
    b.platform.advance(100);
    await settle();
    expect(parseResponses(client.takeText()).responses.map((r) => r.status)).to.deep.equal([503]);
    // The slot's own context still runs the late chain: the spare serves /deep.
    probe.deepest = 0;
    sendGet(client, '/deep');
    await settle();
    expect(parseResponses(client.takeText()).responses.map((r) => r.body)).to.deep.equal(['deep']);
    expect(probe.deepest).to.equal(2); // of the three middleware and the handler, two at a time
    releases[0]();
    await settle();
    client.end();
    expect(b.server.stats().slotsInUse).to.equal(0);
  });

  it('lets a late rejection through to middleware before it without a second answer', async () => {
    const a = new App();
    a.use(timeout(50));
    a.get('/fail', async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('late failure');
    });
    const b = await start(a);
    const client = b.platform.connect();
    sendGet(client, '/fail');
    await settle();
    b.platform.advance(50);
    await settle();
    await new Promise((r) => setTimeout(r, 10));
    await settle();
    const got = parseResponses(client.takeText()).responses;
    expect(got.map((r) => r.status)).to.deep.equal([503]);
    client.end();
    expect(b.server.stats().slotsInUse).to.equal(0);
  });
});
