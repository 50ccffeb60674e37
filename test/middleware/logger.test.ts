import { expect } from 'chai';
import { App } from '../../src/index.ts';
import { logger } from '../../src/middleware/index.ts';
import type { LogEntry } from '../../src/middleware/index.ts';
import { settle, start } from './helpers.ts';

describe('middleware: logger', () => {
  it('records method, path, status, address and duration, newest first', async () => {
    const log = logger({ size: 8 });
    const a = new App();
    a.use(log);
    a.get('/users/:id', (c) => c.text(c.param('id')));
    a.post('/make', (c) => c.text('made', 201));
    const b = await start(a);
    await b.get('/users/7?x=1', '', '10.0.0.9');
    b.platform.advance(3);
    await b.request('POST /make HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n');
    await b.get('/missing');
    const e = log.entries();
    expect(e.map((x) => [x.seq, x.method, x.path, x.status])).to.deep.equal([
      [3, 'GET', '/missing', 404],
      [2, 'POST', '/make', 201],
      [1, 'GET', '/users/7', 200],
    ]);
    expect(e[2].address).to.equal('10.0.0.9');
    expect(e[2].time).to.equal(0);
    expect(e[1].time).to.equal(3);
    expect(e[0].duration).to.equal(0);
    expect(log.count).to.equal(3);
    expect(log.total).to.equal(3);
  });

  it('keeps only the last `size` entries and reads into a reused object', async () => {
    const log = logger({ size: 3 });
    const a = new App();
    a.use(log);
    a.get('/:n', (c) => c.text('n'));
    const b = await start(a);
    for (let i = 1; i <= 7; i++) await b.get('/' + i);
    expect(log.count).to.equal(3);
    expect(log.total).to.equal(7);
    const into: LogEntry = { seq: 0, time: 0, method: '', path: '', status: 0, duration: 0, address: '' };
    const paths: string[] = [];
    for (let i = 0; log.read(i, into); i++) paths.push(into.path);
    expect(paths).to.deep.equal(['/7', '/6', '/5']);
    expect(log.read(3, into)).to.equal(false);
    expect(log.read(-1, into)).to.equal(false);
  });

  it('truncates long paths, marks them, and shows running requests with status 0', async () => {
    const log = logger({ size: 4, pathBytes: 8 });
    const a = new App();
    a.use(log);
    let release: () => void = () => {};
    a.get('/slow', async (c) => {
      await new Promise<void>((r) => (release = r));
      c.text('done');
    });
    a.get('/*rest', (c) => c.text('x'));
    const b = await start(a);
    await b.get('/abcdefghijklmnop');
    expect(log.entries()[0].path).to.equal('/abcdefg…');
    const client = b.platform.connect();
    client.send('GET /slow HTTP/1.1\r\nHost: d\r\n\r\n');
    await settle();
    expect(log.entries()[0]).to.include({ path: '/slow', status: 0, duration: -1 });
    b.platform.advance(40);
    release();
    await settle();
    expect(log.entries()[0]).to.include({ path: '/slow', status: 200, duration: 40 });
    expect(client.takeText()).to.contain('done');
  });

  it('records 500 for an error that escapes it, and skips what `skip` says', async () => {
    const log = logger({ skip: (c) => c.path === '/poll' });
    const a = new App();
    a.use(log);
    a.get('/boom', () => {
      throw new Error('boom');
    });
    a.get('/poll', log.handler);
    const b = await start(a);
    await b.get('/boom');
    const res = await b.get('/poll');
    const entries = JSON.parse(res.body);
    expect(entries).to.have.length(1);
    expect(entries[0]).to.include({ path: '/boom', status: 500 });
  });

  it('prints one line per request when asked', async () => {
    const a = new App();
    a.use(logger({ print: true }));
    a.get('/', (c) => c.text('hi'));
    const b = await start(a);
    await b.get('/');
    expect(b.platform.logs).to.have.length(1);
    expect(b.platform.logs[0]).to.match(/200 .*ms 127\.0\.0\.1 GET \/$/);
  });

  it('clear() forgets everything', async () => {
    const log = logger();
    const a = new App();
    a.use(log);
    a.get('/', (c) => c.text('hi'));
    const b = await start(a);
    await b.get('/');
    log.clear();
    expect(log.count).to.equal(0);
    expect(log.entries()).to.deep.equal([]);
  });
});
