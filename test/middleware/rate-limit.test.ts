import { expect } from 'chai';
import { App } from '../../src/index.ts';
import { rateLimit } from '../../src/middleware/index.ts';
import { start } from './helpers.ts';

describe('middleware: rateLimit', () => {
  it('lets a burst through, then answers 429 with Retry-After, then refills at `rate`', async () => {
    const limiter = rateLimit({ rate: 2, burst: 3 });
    const a = new App();
    a.use(limiter);
    a.get('/', (c) => c.text('ok'));
    const b = await start(a);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await b.get('/')).status);
    expect(statuses).to.deep.equal([200, 200, 200, 429]);
    const limited = await b.get('/');
    expect(limited.status).to.equal(429);
    expect(limited.headers['retry-after']).to.equal('1');
    expect(limited.body).to.equal('429 Too Many Requests\n');
    expect(limiter.limited).to.equal(2);
    b.platform.advance(500); // one token back
    expect((await b.get('/')).status).to.equal(200);
    expect((await b.get('/')).status).to.equal(429);
  });

  it('keeps one bucket per client address', async () => {
    const a = new App();
    a.use(rateLimit({ rate: 1, burst: 1 }));
    a.get('/', (c) => c.text('ok'));
    const b = await start(a);
    expect((await b.get('/', '', '10.0.0.1')).status).to.equal(200);
    expect((await b.get('/', '', '10.0.0.1')).status).to.equal(429);
    expect((await b.get('/', '', '10.0.0.2')).status).to.equal(200);
  });

  it('shares one bucket in global mode', async () => {
    const a = new App();
    a.use(rateLimit({ rate: 1, burst: 2, by: 'global' }));
    a.get('/', (c) => c.text('ok'));
    const b = await start(a);
    expect((await b.get('/', '', '10.0.0.1')).status).to.equal(200);
    expect((await b.get('/', '', '10.0.0.2')).status).to.equal(200);
    expect((await b.get('/', '', '10.0.0.3')).status).to.equal(429);
  });

  it('gives the Retry-After a slow rate needs', async () => {
    const a = new App();
    a.use(rateLimit({ rate: 0.1, burst: 1 }));
    a.get('/', (c) => c.text('ok'));
    const b = await start(a);
    await b.get('/');
    expect((await b.get('/')).headers['retry-after']).to.equal('10');
  });

  it('reuses the least recently seen entry when the table is full, without growing', async () => {
    const limiter = rateLimit({ rate: 1, burst: 1, tableSize: 2 });
    const a = new App();
    a.use(limiter);
    a.get('/', (c) => c.text('ok'));
    const b = await start(a);
    await b.get('/', '', 'a');
    await b.get('/', '', 'b');
    expect(limiter.tokens('a')).to.equal(0);
    b.platform.advance(1);
    await b.get('/', '', 'b'); // b is now the most recent; a is the oldest
    await b.get('/', '', 'c'); // takes a's entry
    expect(limiter.tokens('a')).to.equal(1); // unknown again: a full bucket
    expect((await b.get('/', '', 'b')).status).to.equal(429);
    expect((await b.get('/', '', 'c')).status).to.equal(429);
  });

  it('rejects nonsense options', () => {
    expect(() => rateLimit({ rate: 0 })).to.throw(RangeError);
    expect(() => rateLimit({ burst: 0.5 })).to.throw(RangeError);
    expect(() => rateLimit({ tableSize: 0 })).to.throw(RangeError);
  });
});
