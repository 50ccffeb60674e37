/**
 * request(): an exchange with an App in memory, through the real parser,
 * router, chain and response writer.
 */
import { expect } from 'chai';
import { App, HttpError, serveAssets } from '../../src/index.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, simulate } from '../../host-sim/index.ts';
import example from '../../examples/app.ts';

describe('request() (in-memory exchange for tests)', () => {
  it("answers the README example's routes as a client would see them", async () => {
    const created = await request(example, 'POST /users', { json: { name: 'ada' } });
    expect([created.status, created.json()]).to.deep.equal([201, { created: 'ada' }]);
    expect(created.headers['content-type']).to.equal('application/json');
    const invalid = await request(example, 'POST /users', { json: {} });
    expect([invalid.status, invalid.text()]).to.deep.equal([422, 'name is required\n']);
    const user = await request(example, '/users/7?fields=name');
    expect(user.json()).to.deep.equal({ id: '7', fields: 'name' });
    const denied = await request(example, 'GET /api/v1/led');
    expect(denied.status).to.equal(401);
    const missing = await request(example, 'DELETE /nope');
    expect(missing.json()).to.deep.equal({ error: 'no route for DELETE /nope' });
  });

  it('runs virtual time forward while a handler waits on a platform timer', async () => {
    const slow = await request(example, 'GET /slow');
    expect([slow.status, slow.text()]).to.deep.equal([200, 'done']);
  });

  it('answers HEAD without a body, 405 with Allow, and malformed requests with 400', async () => {
    const app = new App();
    app.get('/x', (c) => c.text('hello'));
    const head = await request(app, 'HEAD /x');
    expect([head.status, head.headers['content-length'], head.bytes.length]).to.deep.equal([200, '5', 0]);
    const put = await request(app, 'PUT /x', { body: 'a' });
    expect([put.status, put.headers.allow]).to.deep.equal([405, 'GET, HEAD']);
    const bad = await request(app, 'GET /x', { headers: { Host: 'local host' } });
    expect(bad.status).to.equal(400);
  });

  it('sends bytes and headers as given, and reads chunked streams', async () => {
    const app = new App();
    app.post('/echo', (c) => c.send(c.body(), c.header('content-type')));
    app.get('/stream', (c) => {
      c.stream('text/plain');
      c.write('a');
      c.write('bc');
      c.end();
    });
    app.get('/fail', () => {
      throw new HttpError(418, 'teapot');
    });
    const echo = await request(app, 'POST /echo', {
      body: new Uint8Array([0, 255, 7]),
      headers: { 'Content-Type': 'application/x-thing' },
    });
    expect([...echo.bytes]).to.deep.equal([0, 255, 7]);
    expect(echo.headers['content-type']).to.equal('application/x-thing');
    const stream = await request(app, '/stream');
    expect([stream.headers['transfer-encoding'], stream.text()]).to.deep.equal(['chunked', 'abc']);
    expect((await request(app, '/fail')).status).to.equal(418);
  });

  it('says so when no answer comes', async () => {
    const app = new App();
    app.get('/never', () => new Promise(() => {}));
    let message = '';
    await request(app, '/never', {}, { wait: 1000 }).catch((error: Error) => {
      message = error.message;
    });
    expect(message).to.include('no complete response to /never within 1000 ms of virtual time');
  });

  it("finds no asset named like Object's own members (constructor, __proto__): 404, not a broken answer", async () => {
    const app = new App();
    app.get('/static/*path', serveAssets());
    const setup = { assets: { 'site.css': new TextEncoder().encode('body{}') } };
    expect((await request(app, '/static/site.css', {}, setup)).status).to.equal(200);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect((await request(app, `/static/${name}`)).status, name).to.equal(404);
  });

  it('serves files from assetDir in the simulator, and a folder there is a 404, not a 500', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chipweb-assetdir-'));
    mkdirSync(join(dir, 'css'));
    writeFileSync(join(dir, 'css', 'site.css'), 'body{}');
    const app = new App();
    app.get('/static/*path', serveAssets());
    const sim = await simulate(app, { port: 0, assetDir: dir, log: () => {} });
    try {
      const file = await fetch(`${sim.url}/static/css/site.css`);
      expect([file.status, await file.text()]).to.deep.equal([200, 'body{}']);
      for (const name of ['css', 'constructor']) {
        const res = await fetch(`${sim.url}/static/${name}`);
        await res.arrayBuffer();
        expect(res.status, name).to.equal(404);
      }
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
