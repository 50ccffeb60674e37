/**
 * src/middleware/assets.ts: serveAsset() and serveAssets() over real
 * sockets: gzip detection, strong ETags, If-None-Match forms, HEAD, 404,
 * and that a large asset goes out from its own bytes (never copied).
 */
import { expect } from 'chai';
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { App } from '../../src/app.ts';
import type { Context, SlotContext } from '../../src/context.ts';
import { assetType, describeAsset, serveAsset, serveAssets } from '../../src/middleware/assets.ts';
import { simulate } from '../../host-sim/simulate.ts';
import type { Simulation } from '../../host-sim/simulate.ts';

function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('assets middleware', () => {
  const big = new Uint8Array(randomBytes(100_000)); // incompressible: stored raw, far larger than a slot
  const css = new Uint8Array(gzipSync(Buffer.from('body{color:red}'.repeat(50))));
  let sentBytes: Uint8Array | undefined;
  let sim: Simulation;

  before(async () => {
    const app = new App();
    app.use((c: Context) => {
      const r = c.next();
      sentBytes = (c as SlotContext).res.bodyBytes; // internal: which bytes the server was handed
      return r;
    });
    app.get('/big', serveAsset('big.bin', { cacheControl: 'max-age=60' }));
    app.get('/missing', serveAsset('nope.txt'));
    app.get('/static/*path', serveAssets());
    sim = await simulate(app, { port: 0, assets: { 'big.bin': big, 'css/site.css': css }, log: () => {} });
  });
  after(() => sim.close(100));

  it('sends a large raw asset from its own bytes, with its type, length and ETag', async () => {
    const r = await get(sim.url + '/big');
    expect(r.status).to.equal(200);
    expect(Buffer.compare(r.body, Buffer.from(big))).to.equal(0);
    expect(r.headers['content-type']).to.equal('application/octet-stream');
    expect(r.headers['content-encoding']).to.equal(undefined);
    expect(r.headers['cache-control']).to.equal('max-age=60');
    expect(r.headers.etag).to.equal(describeAsset('big.bin', big).etag);
    expect(sentBytes).to.equal(big); // the very same array: not copied
  });

  it('serves gzipped assets under a wildcard with Content-Encoding and their type', async () => {
    const r = await get(sim.url + '/static/css/site.css');
    expect(r.status).to.equal(200);
    expect(r.headers['content-type']).to.equal('text/css; charset=utf-8');
    expect(r.headers['content-encoding']).to.equal('gzip');
    expect(Buffer.compare(r.body, Buffer.from(css))).to.equal(0);
    const cached = await get(sim.url + '/static/css/site.css', { 'If-None-Match': r.headers.etag! });
    expect(cached.status).to.equal(304);
    expect((await get(sim.url + '/static/css/site.css', { 'If-None-Match': '*' })).status).to.equal(304);
    expect((await get(sim.url + '/static/css/other.css')).status).to.equal(404);
    expect((await get(sim.url + '/missing')).status).to.equal(404);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const r = await get(sim.url + '/big', {}, 'HEAD');
    expect(r.status).to.equal(200);
    expect(r.body.length).to.equal(0);
    expect(r.headers['content-length']).to.equal(String(big.length));
  });

  it('makes different strong ETags for different bytes, and types by extension', () => {
    const a = describeAsset('a.txt', new Uint8Array([1, 2, 3]));
    const b = describeAsset('a.txt', new Uint8Array([1, 2, 4]));
    expect(a.etag).to.not.equal(b.etag);
    expect(a.etag.startsWith('"')).to.equal(true);
    const g1 = describeAsset('x.html', new Uint8Array(gzipSync(Buffer.from('<p>one</p>'))));
    const g2 = describeAsset('x.html', new Uint8Array(gzipSync(Buffer.from('<p>two</p>'))));
    expect(g1.gzip).to.equal(true);
    expect(g1.etag).to.not.equal(g2.etag);
    expect(describeAsset('archive.gz', css).gzip).to.equal(false); // a .gz file is content, not an encoding
    expect(assetType('INDEX.HTML')).to.equal('text/html; charset=utf-8');
    expect(assetType('app.js')).to.equal('text/javascript; charset=utf-8');
    expect(assetType('noext')).to.equal('application/octet-stream');
  });
});
