import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { App, HttpError, serveAsset } from '../../src/index.ts';
import { cors, recovery } from '../../src/middleware/index.ts';
import { parseResponses } from '../hostile/responses.ts';
import { startOnMemory } from '../support/memory-server.ts';
import { settle, start } from './helpers.ts';

const PREFLIGHT = (path: string, origin: string, extra = '') =>
  `OPTIONS ${path} HTTP/1.1\r\nHost: d\r\nOrigin: ${origin}\r\nAccess-Control-Request-Method: PUT\r\n${extra}\r\n`;

describe('middleware: cors', () => {
  it('adds Access-Control-Allow-Origin: * to simple requests and nothing without Origin', async () => {
    const a = new App();
    a.use(cors());
    a.get('/data', (c) => c.text('d'));
    const b = await start(a);
    const res = await b.get('/data', 'Origin: http://example.com\r\n');
    expect(res.status).to.equal(200);
    expect(res.headers['access-control-allow-origin']).to.equal('*');
    expect(res.headers.vary).to.equal(undefined);
    const plain = await b.get('/data');
    expect(plain.headers['access-control-allow-origin']).to.equal(undefined);
  });

  it('answers a preflight with 204 even where no OPTIONS route exists (405 chain)', async () => {
    const a = new App();
    a.use(cors({ maxAge: 600 }));
    a.put('/items/:id', (c) => c.text('put'));
    const b = await start(a);
    const res = await b.request(
      PREFLIGHT('/items/1', 'http://x.test', 'Access-Control-Request-Headers: content-type, x-token\r\n'),
    );
    expect(res.status).to.equal(204);
    expect(res.headers['access-control-allow-origin']).to.equal('*');
    expect(res.headers['access-control-allow-methods']).to.equal('GET, HEAD, PUT, POST, DELETE, PATCH');
    expect(res.headers['access-control-allow-headers']).to.equal('content-type, x-token');
    expect(res.headers['access-control-max-age']).to.equal('600');
    expect(res.headers.allow).to.equal(undefined);
  });

  it('with an origin list: echoes an allowed origin with Vary, refuses others', async () => {
    const a = new App();
    a.use(
      cors({
        origin: ['http://a.test', 'http://b.test'],
        credentials: true,
        exposeHeaders: ['X-Count'],
        allowHeaders: ['Content-Type'],
      }),
    );
    a.get('/data', (c) => c.text('d'));
    const b = await start(a);
    const ok = await b.get('/data', 'Origin: http://b.test\r\n');
    expect(ok.headers['access-control-allow-origin']).to.equal('http://b.test');
    expect(ok.headers['access-control-allow-credentials']).to.equal('true');
    expect(ok.headers['access-control-expose-headers']).to.equal('X-Count');
    expect(ok.headers.vary).to.equal('Origin');
    const other = await b.get('/data', 'Origin: http://evil.test\r\n');
    expect(other.status).to.equal(200); // same-origin-style requests still work; the browser withholds the body
    expect(other.headers['access-control-allow-origin']).to.equal(undefined);
    const pre = await b.request(PREFLIGHT('/data', 'http://evil.test'));
    expect(pre.status).to.equal(403);
    const good = await b.request(PREFLIGHT('/data', 'http://a.test'));
    expect(good.status).to.equal(204);
    expect(good.headers['access-control-allow-headers']).to.equal('Content-Type');
  });

  it('asks a function for the origin', async () => {
    const a = new App();
    a.use(cors({ origin: (o) => (o.endsWith('.local') ? o : null) }));
    a.get('/data', (c) => c.text('d'));
    const b = await start(a);
    expect((await b.get('/data', 'Origin: http://chip.local\r\n')).headers['access-control-allow-origin']).to.equal(
      'http://chip.local',
    );
    expect((await b.get('/data', 'Origin: http://chip.com\r\n')).headers['access-control-allow-origin']).to.equal(
      undefined,
    );
  });

  it('passes a plain OPTIONS request (no Access-Control-Request-Method) to the route', async () => {
    const a = new App();
    a.use(cors());
    a.options('/x', (c) => c.text('own options'));
    const b = await start(a);
    const res = await b.request('OPTIONS /x HTTP/1.1\r\nHost: d\r\nOrigin: http://a\r\n\r\n');
    expect(res.body).to.equal('own options');
  });

  it("refuses credentials with origin '*'", () => {
    expect(() => cors({ credentials: true })).to.throw(/credentials/);
  });

  it("keeps its headers on an error answer, the server's or recovery()'s, so a browser can read the error", async () => {
    const a = new App();
    a.use(cors({ origin: 'http://a.example' }));
    a.post('/items', () => {
      throw new HttpError(422, 'name is required');
    });
    a.post('/broken', () => {
      throw new Error('boom');
    });
    const guarded = a.group('/guarded', recovery());
    guarded.post('/items', (c) => {
      c.setHeader('X-Half', '1'); // set by the failing handler: it goes
      throw new Error('boom');
    });
    const b = await start(a);
    for (const [path, status] of [
      ['/items', 422],
      ['/broken', 500],
      ['/guarded/items', 500],
    ] as const) {
      const res = await b.request(
        `POST ${path} HTTP/1.1\r\nHost: d\r\nOrigin: http://a.example\r\nContent-Length: 0\r\n\r\n`,
      );
      expect(res.status, path).to.equal(status);
      expect(res.headers['access-control-allow-origin'], path).to.equal('http://a.example');
      expect(res.headers.vary, path).to.equal('Origin');
      expect(res.headers['x-half'], path).to.equal(undefined);
    }
  });

  it('adds to Vary what serveAsset adds (Accept-Encoding), neither replacing the other', async () => {
    const a = new App();
    a.use(cors({ origin: ['http://a.example', 'http://b.example'] }));
    a.get('/', serveAsset('page.html'));
    const { platform } = await startOnMemory(
      a,
      { slots: 2, slotSize: 2048, outputSize: 1024 },
      {},
      {
        assets: { 'page.html': new Uint8Array(gzipSync('<p>page</p>')) },
      },
    );
    const client = platform.connect();
    client.send('GET / HTTP/1.1\r\nHost: d\r\nOrigin: http://a.example\r\n\r\n');
    await settle();
    const res = parseResponses(client.takeText()).responses[0];
    expect(res.headers['access-control-allow-origin']).to.equal('http://a.example');
    expect(res.headers['content-encoding']).to.equal('gzip');
    expect(res.headers.vary).to.equal('Origin, Accept-Encoding');
  });
});
