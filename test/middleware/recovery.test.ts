import { expect } from 'chai';
import { App, HttpError } from '../../src/index.ts';
import { logger, recovery, RECOVERY_BODY } from '../../src/middleware/index.ts';
import { start } from './helpers.ts';

describe('middleware: recovery', () => {
  function app(): App {
    const a = new App();
    const log = logger({ size: 4 });
    a.use(log, recovery());
    a.get('/sync', () => {
      throw new Error('sync boom');
    });
    a.get('/async', async () => {
      await Promise.resolve();
      throw new Error('async boom');
    });
    a.get('/teapot', () => {
      throw new HttpError(418, 'short and stout');
    });
    a.get('/half', (c) => {
      c.setHeader('X-Half', '1');
      c.text('never sent');
      throw new Error('after answering');
    });
    a.get('/ok', (c) => c.text('fine'));
    a.get('/log', (c) => c.json(log.entries().map((e) => `${e.method} ${e.path} ${e.status}`)));
    return a;
  }

  it('answers 500 with the short body for a sync throw, logs once and counts the error', async () => {
    const b = await start(app());
    const res = await b.get('/sync');
    expect(res.status).to.equal(500);
    expect(res.body).to.equal(RECOVERY_BODY);
    expect(b.platform.logs.filter((l) => l.includes('sync boom'))).to.have.length(1);
    expect(b.server.stats().errors).to.equal(1);
  });

  it('answers 500 for a rejected async chain, and the connection stays open', async () => {
    const b = await start(app());
    const res = await b.get('/async');
    expect(res.status).to.equal(500);
    expect(res.headers.connection).to.equal('keep-alive');
    expect(b.platform.logs.filter((l) => l.includes('async boom'))).to.have.length(1);
  });

  it('keeps HttpError statuses and does not log them', async () => {
    const b = await start(app());
    const res = await b.get('/teapot');
    expect(res.status).to.equal(418);
    expect(res.body).to.equal('short and stout\n');
    expect(b.platform.logs).to.have.length(0);
    expect(b.server.stats().errors).to.equal(0);
  });

  it('discards the half-built response of the failing handler', async () => {
    const b = await start(app());
    const res = await b.get('/half');
    expect(res.status).to.equal(500);
    expect(res.headers['x-half']).to.equal(undefined);
  });

  it('lets middleware before it (logger) see the 500', async () => {
    const b = await start(app());
    await b.get('/sync');
    await b.get('/async');
    await b.get('/ok');
    const res = await b.get('/log');
    expect(JSON.parse(res.body)).to.deep.equal(['GET /log 0', 'GET /ok 200', 'GET /async 500', 'GET /sync 500']);
  });

  it('uses a custom handler, and falls back to 500 when it fails', async () => {
    const a = new App();
    let calls = 0;
    a.use(
      recovery({
        handler: (error, c) => {
          calls++;
          if (String(error).includes('bad')) throw new Error('handler bad');
          c.json({ error: 'oops' }, 500);
        },
      }),
    );
    a.get('/x', () => {
      throw new Error('x');
    });
    a.get('/bad', () => {
      throw new Error('bad');
    });
    const b = await start(a);
    const x = await b.get('/x');
    expect(x.status).to.equal(500);
    expect(x.body).to.equal('{"error":"oops"}');
    const bad = await b.get('/bad');
    expect(bad.status).to.equal(500);
    expect(bad.body).to.equal(RECOVERY_BODY);
    expect(calls).to.equal(2);
  });

  it('without recovery, the server answers the same 500 itself', async () => {
    const a = new App();
    a.get('/sync', () => {
      throw new Error('sync boom');
    });
    const b = await start(a);
    const res = await b.get('/sync');
    expect(res.status).to.equal(500);
    expect(res.body).to.equal(RECOVERY_BODY);
    expect(b.platform.logs).to.have.length(1);
  });
});
