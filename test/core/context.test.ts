/**
 * Context accessors and helpers, through requests on the in-memory platform.
 */
import { expect } from 'chai';
import { App } from '../../src/index.ts';
import type { Context } from '../../src/index.ts';
import { Server } from '../../src/server.ts';
import type { ServerOptions } from '../../src/server.ts';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import { describeError } from '../../src/context.ts';

async function call(
  app: App,
  request: string,
  options: ServerOptions = {},
  platform = new MemoryPlatform(),
): Promise<string> {
  const server = new Server(app, platform, { slots: 1, slotSize: 1024, outputSize: 512, ...options });
  await server.start();
  const client = platform.connect();
  client.send(request);
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return Buffer.from(client.take()).toString('utf8');
}

function bodyOf(response: string): string {
  return response.slice(response.indexOf('\r\n\r\n') + 4);
}

describe('context', () => {
  it('decodes params, queries and headers on demand', async () => {
    const app = new App();
    app.get('/repos/:owner/:repo/*rest', (c) =>
      c.json({
        owner: c.param('owner'),
        repo: c.param('repo'),
        rest: c.param('rest'),
        q: c.query('q'),
        empty: c.query('e'),
        missing: c.query('m') ?? null,
        enc: c.query('a b'),
        ua: c.header('USER-AGENT'),
        path: c.path,
        qs: c.queryString,
        method: c.method,
      }),
    );
    const out = await call(
      app,
      'GET /repos/j%C3%BCrgen/web/a/b%2Fc?q=1%2B1&e&a+b=%E2%9C%93 HTTP/1.1\r\nHost: h\r\nUser-Agent: test/1\r\n\r\n',
    );
    expect(JSON.parse(bodyOf(out))).to.deep.equal({
      owner: 'jürgen',
      repo: 'web',
      rest: '/a/b/c',
      q: '1+1',
      empty: '',
      missing: null,
      enc: '✓',
      ua: 'test/1',
      path: '/repos/j%C3%BCrgen/web/a/b%2Fc',
      qs: 'q=1%2B1&e&a+b=%E2%9C%93',
      method: 'GET',
    });
  });

  it('gives the body as bytes, text and JSON; bad JSON is 400', async () => {
    const app = new App();
    app.post('/j', (c) =>
      c.json({ got: c.bodyJson<{ n: number }>().n + 1, bytes: c.body().length, text: c.bodyText() }),
    );
    const ok = await call(app, 'POST /j HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n{"n":1}');
    expect(JSON.parse(bodyOf(ok))).to.deep.equal({ got: 2, bytes: 7, text: '{"n":1}' });
    const bad = await call(app, 'POST /j HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n{x}');
    expect(bad).to.match(/^HTTP\/1.1 400 Bad Request/);
    expect(bodyOf(bad)).to.equal('request body is not valid JSON\n');
  });

  it('passes values along the chain with set/get and runs middleware around the handler', async () => {
    const app = new App();
    const order: string[] = [];
    app.use(async (c) => {
      order.push('outer in');
      c.set('user', 'ada');
      await c.next();
      order.push('outer out');
      c.setHeader('X-After', c.statusCode.toString());
    });
    app.get('/', async (c) => {
      order.push('handler');
      await Promise.resolve();
      c.text('hello ' + c.get<string>('user'));
    });
    const out = await call(app, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(order).to.deep.equal(['outer in', 'handler', 'outer out']);
    expect(out).to.contain('X-After: 200\r\n');
    expect(bodyOf(out)).to.equal('hello ada');
  });

  it('keeps the first answer: later helpers are ignored', async () => {
    const app = new App();
    app.get('/', (c) => {
      c.text('first');
      c.json({ second: true }, 500);
    });
    const out = await call(app, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(out).to.match(/^HTTP\/1.1 200 OK/);
    expect(bodyOf(out)).to.equal('first');
  });

  it('answers 200 with an empty body when the chain sends nothing (as Gin)', async () => {
    const app = new App();
    app.get('/', () => undefined);
    const out = await call(app, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(out).to.equal('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n');
  });

  it('lets onError answer for a throwing handler', async () => {
    const app = new App();
    app.get('/', () => {
      throw new Error('nope');
    });
    app.onError((error, c) => c.json({ error: (error as Error).message }, 503));
    const out = await call(app, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(out).to.match(/^HTTP\/1.1 503 /);
    expect(bodyOf(out)).to.equal('{"error":"nope"}');
  });

  it('uses a custom notFound behind the global middleware', async () => {
    const app = new App();
    app.use((c) => {
      c.setHeader('X-Seen', '1');
      return c.next();
    });
    app.notFound((c) => c.text('nothing at ' + c.path, 404));
    const out = await call(app, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(out).to.contain('X-Seen: 1\r\n');
    expect(bodyOf(out)).to.equal('nothing at /x');
  });

  it('uses a custom methodNotAllowed behind the global middleware, with Allow on its 405', async () => {
    const app = new App();
    app.use((c) => {
      c.setHeader('X-Seen', '1');
      return c.next();
    });
    app.get('/x', (c) => c.text('x'));
    app.post('/x', (c) => c.text('x'));
    app.methodNotAllowed((c) => c.json({ error: `${c.method} is not allowed here` }, 405));
    const out = await call(app, 'DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(out).to.match(/^HTTP\/1.1 405 /);
    expect(out).to.contain('Allow: GET, HEAD, POST\r\n').and.contain('X-Seen: 1\r\n');
    expect(bodyOf(out)).to.equal('{"error":"DELETE is not allowed here"}');
    // A handler that answers something else gets no Allow header.
    const other = new App();
    other.get('/x', (c) => c.text('x'));
    other.methodNotAllowed((c) => c.text('fine', 200));
    const ok = await call(other, 'PUT /x HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(ok).to.match(/^HTTP\/1.1 200 /);
    expect(ok).to.not.contain('Allow:');
  });

  it('nests groups: prefixes concatenate, middleware is inherited', async () => {
    const app = new App();
    const tag = (name: string) => (c: Context) => {
      c.setHeader('X-' + name, '1');
      return c.next();
    };
    const v1 = app.group('/v1', tag('v1'));
    const admin = v1.group('/admin', tag('admin'));
    admin.get('/users/:id', (c) => c.text(c.param('id')));
    expect(app.routes()).to.deep.equal([['GET', '/v1/admin/users/:id']]);
    const out = await call(app, 'GET /v1/admin/users/9 HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(out).to.contain('X-v1: 1\r\n');
    expect(out).to.contain('X-admin: 1\r\n');
    expect(bodyOf(out)).to.equal('9');
  });

  it('lists the same routes and hash after compile(), which holds only what some routes have', () => {
    const app = new App();
    app.get('/', (c) => c.text('root'));
    app.all('/any/*rest', (c) => c.text('any'));
    app.on('PURGE', '/cache/:key', (c) => c.text('purged'));
    app.ws('/live', { message: () => undefined });
    const before = app.routes();
    const hash = app.routesHash();
    const compiled = app.compile();
    expect(app.routes()).to.deep.equal(before);
    expect(app.routesHash()).to.equal(hash);
    expect(before).to.deep.equal([
      ['GET', '/'],
      ['*', '/any/*rest'],
      ['PURGE', '/cache/:key'],
      ['GET', '/live'],
    ]);
    // Only what some routes have is held: params for two, a WebSocket for one.
    expect(Object.keys(compiled.params)).to.deep.equal(['1', '2']);
    expect(Object.keys(compiled.wsRoutes)).to.deep.equal(['3']);
    expect(() => app.get('/late', (c) => c.text('late'))).to.throw(/registered after the server started/);
  });

  it('answers any method with all() and custom methods with on()', async () => {
    const app = new App();
    app.all('/any', (c) => c.text(c.method));
    app.on('PROPFIND', '/dav', (c) => c.text('dav ' + c.method));
    expect(bodyOf(await call(app, 'PATCH /any HTTP/1.1\r\nHost: h\r\n\r\n'))).to.equal('PATCH');
    expect(bodyOf(await call(app, 'PROPFIND /dav HTTP/1.1\r\nHost: h\r\n\r\n'))).to.equal('dav PROPFIND');
  });

  it('refuses a route table compiled from other routes', () => {
    const a = new App();
    a.get('/a', (c) => c.text('a'));
    const b = new App();
    b.get('/b', (c) => c.text('b'));
    const table = b.compile().table;
    expect(() => a.compile(table)).to.throw(
      /registered routes do not match the route table compiled by 'chipweb build'/,
    );
  });

  describe('chainNesting: handlers past it run from a promise job', () => {
    /** Five async middleware around a handler; `deepest` is the most handlers that were on the stack at once. */
    function layered() {
      const app = new App();
      const order: string[] = [];
      const probe = { nested: 0, deepest: 0 };
      const enter = () => {
        probe.nested++;
        probe.deepest = Math.max(probe.deepest, probe.nested);
      };
      for (let i = 0; i < 5; i++) {
        app.use(async (c) => {
          enter();
          order.push(`in ${i}`);
          const rest = c.next();
          probe.nested--;
          await rest;
          order.push(`out ${i}`);
          if (i === 0) c.setHeader('X-Outer', c.statusCode.toString());
        });
      }
      app.get('/', (c) => {
        enter();
        order.push('handler');
        probe.nested--;
        c.text('deep');
      });
      return { app, order, probe };
    }
    const inOrder = ['in 0', 'in 1', 'in 2', 'in 3', 'in 4', 'handler', 'out 4', 'out 3', 'out 2', 'out 1', 'out 0'];

    it('runs every handler in the same order, at most chainNesting of them nested', async () => {
      const nested = layered();
      const flat = layered();
      const outNested = await call(nested.app, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', { chainNesting: 2 });
      const outFlat = await call(flat.app, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      expect(nested.order).to.deep.equal(inOrder);
      expect(flat.order).to.deep.equal(inOrder);
      expect(nested.probe.deepest).to.equal(2);
      expect(flat.probe.deepest).to.equal(6);
      expect(outNested).to.equal(outFlat);
      expect(outNested).to.contain('X-Outer: 200\r\n');
      expect(bodyOf(outNested)).to.equal('deep');
    });

    it('hands an error thrown in a job to the middleware awaiting it, else answers 500', async () => {
      const app = new App();
      const order: string[] = [];
      app.use(async (c) => {
        const rest = c.next();
        order.push('next returned');
        try {
          await rest;
        } catch (error) {
          c.text(`caught ${(error as Error).message}`, 418);
        }
      });
      app.get('/caught', () => {
        order.push('handler');
        throw new Error('boom');
      });
      const bare = new App();
      bare.use((c) => c.next());
      bare.get('/', () => {
        throw new Error('boom');
      });
      const caught = await call(app, 'GET /caught HTTP/1.1\r\nHost: h\r\n\r\n', { chainNesting: 1 });
      expect(order).to.deep.equal(['next returned', 'handler']);
      expect(caught).to.match(/^HTTP\/1.1 418 /);
      expect(bodyOf(caught)).to.equal('caught boom');
      const escaped = await call(bare, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', { chainNesting: 1 });
      expect(escaped).to.match(/^HTTP\/1.1 500 /);
    });

    it('cancels the next handler when a middleware drops c.next(), and says why', async () => {
      const app = new App();
      const ran: string[] = [];
      app.use((c) => {
        c.next(); // neither returned nor awaited
      });
      app.get('/', (c) => {
        ran.push('handler');
        c.text('late');
      });
      const platform = new MemoryPlatform();
      const out = await call(app, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', { chainNesting: 1 }, platform);
      expect(out).to.equal('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n');
      expect(ran).to.deep.equal([]);
      expect(platform.logs).to.include(
        'chipweb: the chain of GET / ended before its next handler ran: a middleware must return or await c.next() (chainNesting)',
      );
    });

    it('refuses a chainNesting that is not a whole number', () => {
      for (const chainNesting of [-1, 2.5, Number.NaN])
        expect(() => new Server(new App(), new MemoryPlatform(), { chainNesting })).to.throw(
          RangeError,
          /chainNesting must be a whole number \(0: no limit\)/,
        );
    });

    it('does not run a handler once its context has moved on to the next request', async () => {
      const app = new App();
      const ran: string[] = [];
      app.use((c) => c.next());
      app.use((c) => {
        if (c.path !== '/a') return c.next();
        // Answers, then starts the rest without waiting for it: the job finds the context serving /b.
        c.text('a');
        c.next();
        return undefined;
      });
      app.get('/a', () => {
        ran.push('a');
      });
      app.get('/b', (c) => {
        ran.push('b');
        c.text('b');
      });
      const out = await call(app, 'GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n', {
        chainNesting: 2,
      });
      expect(ran).to.deep.equal(['b']);
      expect(out.split('HTTP/1.1 200 OK').length).to.equal(3);
      expect(out.endsWith('\r\n\r\nb')).to.equal(true);
    });
  });
});

describe('describeError', () => {
  it('logs the stack, and puts the name and message in front when the stack lacks them (Espruino)', () => {
    const v8 = new Error('boom');
    expect(describeError(v8)).to.equal(v8.stack);
    const espruino = new Error('boom');
    espruino.stack = '    at 0 (:1:15)';
    expect(describeError(espruino)).to.equal('Error: boom\n    at 0 (:1:15)');
    const bare = new TypeError('no stack');
    bare.stack = '';
    expect(describeError(bare)).to.equal('TypeError: no stack');
    expect(describeError('thrown text')).to.equal('thrown text');
    const nameless = new Error('boom');
    Object.defineProperty(nameless, 'name', { value: undefined });
    nameless.stack = '    at 0 (:1:15)';
    expect(describeError(nameless)).to.equal('Error: boom\n    at 0 (:1:15)');
  });
});
