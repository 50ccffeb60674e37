/**
 * Router matching: every route of the four shared route sets, precedence and
 * backtracking, params as offsets, '?', raw bytes, 404/405/allowed methods,
 * HEAD, "*" routes, trailing-slash hints, method tokens, long labels.
 * Never: time anything (benchmarks live in bench/router.ts).
 */
import { expect } from 'chai';
import {
  compileRoutes,
  matchRoute,
  allowedMethods,
  methodName,
  methodCode,
  paramNames,
  MATCH_NOT_FOUND,
  MATCH_METHOD_NOT_ALLOWED,
  MATCH_ADD_SLASH,
  MATCH_REMOVE_SLASH,
  METHOD_GET,
  METHOD_HEAD,
  METHOD_POST,
  METHOD_PUT,
  METHOD_DELETE,
  METHOD_OPTIONS,
} from '../../src/router/index.ts';
import type { RouteSpec } from '../../src/router/index.ts';
import { ROUTE_SET_NAMES, bytesOf, concretePath, loadRouteSet, lookup } from './helpers.ts';

/** Names of the methods in an allowedMethods bitmap. */
function allowed(table: Uint8Array, path: string): string[] {
  const bytes = bytesOf(path);
  const bits = allowedMethods(table, bytes, 0, bytes.length);
  const names: string[] = [];
  for (let code = 0; code < 32; code++) if (bits & (1 << code)) names.push(methodName(table, code));
  return names;
}

describe('router: route sets', () => {
  for (const name of ROUTE_SET_NAMES) {
    it(`resolves every route of ${name} with its params`, () => {
      const routes = loadRouteSet(name);
      const table = compileRoutes(routes);
      routes.forEach(([method, pattern], index) => {
        const { path, values } = concretePath(pattern, index);
        const found = lookup(table, method, path, values.length);
        expect(found, `${method} ${path}`).to.deep.equal({ route: index, params: values });
        // The pattern's own text is a valid request too (':x' is just a segment value).
        if (!pattern.includes('*')) {
          const literal = lookup(table, method, pattern, values.length);
          expect(literal.route, `${method} ${pattern}`).to.equal(index);
        }
      });
    });
  }
});

describe('router: matching', () => {
  const routes: RouteSpec[] = [
    ['GET', '/'], // 0
    ['GET', '/users/new'], // 1
    ['GET', '/users/:id'], // 2
    ['POST', '/users'], // 3
    ['GET', '/files/:id/raw'], // 4
    ['GET', '/files/*path'], // 5
    ['DELETE', '/users/:id'], // 6
    ['GET', '/static/*filepath'], // 7
    ['GET', '/docs/'], // 8
    ['HEAD', '/users/new'], // 9
    ['*', '/any'], // 10
    ['POST', '/any'], // 11
    ['PROPFIND', '/dav/:file'], // 12
    ['GET', '/users/:id/posts/:post'], // 13
    ['PUT', '/users/new'], // 14
    ['GET', '/a/:x/c'], // 15
    ['GET', '/a/b/d'], // 16
    ['GET', '/g/:x/:y'], // 17
    ['GET', '/g/*rest'], // 18
  ];
  const table = compileRoutes(routes);

  it('prefers static over param over wildcard', () => {
    expect(lookup(table, 'GET', '/users/new', 0).route).to.equal(1);
    expect(lookup(table, 'GET', '/users/newer', 1)).to.deep.equal({ route: 2, params: ['newer'] });
    expect(lookup(table, 'GET', '/users/ne', 1)).to.deep.equal({ route: 2, params: ['ne'] });
    expect(lookup(table, 'GET', '/files/7/raw', 1)).to.deep.equal({ route: 4, params: ['7'] });
  });

  it('backtracks out of a static branch and out of a param', () => {
    // /a/b/d is static, but /a/b/c only exists through :x.
    expect(lookup(table, 'GET', '/a/b/c', 1)).to.deep.equal({ route: 15, params: ['b'] });
    expect(lookup(table, 'GET', '/a/b/d', 0).route).to.equal(16);
    // :id matched '7' but '/zip' follows: back out of the param into the wildcard.
    expect(lookup(table, 'GET', '/files/7/zip', 1)).to.deep.equal({ route: 5, params: ['/7/zip'] });
    expect(lookup(table, 'GET', '/g/1/2', 2)).to.deep.equal({ route: 17, params: ['1', '2'] });
    expect(lookup(table, 'GET', '/g/1/2/3', 1)).to.deep.equal({ route: 18, params: ['/1/2/3'] });
    expect(lookup(table, 'GET', '/g/1', 1)).to.deep.equal({ route: 18, params: ['/1'] });
  });

  it('treats each method as its own tree: a route of another method never hides one', () => {
    // /users/new has GET, HEAD and PUT routes; DELETE only exists through :id.
    expect(lookup(table, 'DELETE', '/users/new', 1)).to.deep.equal({ route: 6, params: ['new'] });
  });

  it('captures the rest of the path with its leading slash in a wildcard', () => {
    expect(lookup(table, 'GET', '/static/css/a.css', 1)).to.deep.equal({ route: 7, params: ['/css/a.css'] });
    expect(lookup(table, 'GET', '/static/', 1)).to.deep.equal({ route: 7, params: ['/'] });
    expect(lookup(table, 'GET', '/static//x', 1)).to.deep.equal({ route: 7, params: ['//x'] });
    expect(lookup(table, 'GET', '/static', 0).route).to.equal(MATCH_ADD_SLASH);
  });

  it("writes absolute param offsets into the caller's array", () => {
    const bytes = bytesOf('GET /users/42/posts/7 HTTP/1.1');
    const params = new Int32Array(4).fill(-9);
    expect(matchRoute(table, METHOD_GET, bytes, 4, 21, params)).to.equal(13);
    expect(Array.from(params)).to.deep.equal([11, 13, 20, 21]);
  });

  it('stops at "?" and does not match the query', () => {
    expect(lookup(table, 'GET', '/users/42?x=/y', 1)).to.deep.equal({ route: 2, params: ['42'] });
    expect(lookup(table, 'GET', '/users/new?x', 0).route).to.equal(1);
    expect(lookup(table, 'GET', '/static/a?b/c', 1)).to.deep.equal({ route: 7, params: ['/a'] });
    expect(lookup(table, 'GET', '/?', 0).route).to.equal(0);
    expect(lookup(table, 'GET', '/docs?x', 0).route).to.equal(MATCH_ADD_SLASH);
  });

  it('matches percent-encoded bytes raw', () => {
    expect(lookup(table, 'GET', '/users/a%2Fb', 1)).to.deep.equal({ route: 2, params: ['a%2Fb'] });
    expect(lookup(table, 'GET', '/users/%6Eew', 1)).to.deep.equal({ route: 2, params: ['%6Eew'] });
  });

  it('never matches a param on an empty segment', () => {
    expect(lookup(table, 'GET', '/users//posts/1', 0).route).to.equal(MATCH_NOT_FOUND);
    expect(lookup(table, 'GET', '/a//c', 0).route).to.equal(MATCH_NOT_FOUND);
    expect(lookup(table, 'GET', '//', 0).route).to.equal(MATCH_REMOVE_SLASH); // '/' exists
  });

  it('answers 404 for unknown paths', () => {
    expect(lookup(table, 'GET', '/nope', 0).route).to.equal(MATCH_NOT_FOUND);
    expect(lookup(table, 'GET', '', 0).route).to.equal(MATCH_ADD_SLASH);
    expect(lookup(table, 'GET', 'users', 0).route).to.equal(MATCH_NOT_FOUND);
    expect(lookup(table, 'PROPFIND', '/users/1', 0).route).to.equal(MATCH_METHOD_NOT_ALLOWED);
  });

  it('answers 405 with the allowed methods when the path exists for other methods', () => {
    expect(lookup(table, 'POST', '/users/7', 0).route).to.equal(MATCH_METHOD_NOT_ALLOWED);
    expect(allowed(table, '/users/7')).to.deep.equal(['GET', 'HEAD', 'DELETE']);
    expect(allowed(table, '/users/new')).to.deep.equal(['GET', 'HEAD', 'PUT', 'DELETE']);
    expect(allowed(table, '/users/new?q')).to.deep.equal(['GET', 'HEAD', 'PUT', 'DELETE']);
    expect(lookup(table, 'GET', '/users', 0).route).to.equal(MATCH_METHOD_NOT_ALLOWED);
    expect(allowed(table, '/users')).to.deep.equal(['POST']);
    expect(lookup(table, 'OPTIONS', '/dav/x', 0).route).to.equal(MATCH_METHOD_NOT_ALLOWED);
    expect(allowed(table, '/dav/x')).to.deep.equal(['PROPFIND']);
    expect(allowed(table, '/nope')).to.deep.equal([]);
  });

  it('lets HEAD fall back to GET, and prefers a HEAD route', () => {
    expect(lookup(table, 'HEAD', '/users/9', 1)).to.deep.equal({ route: 2, params: ['9'] });
    expect(lookup(table, 'HEAD', '/users/new', 0).route).to.equal(9);
    expect(lookup(table, 'HEAD', '/', 0).route).to.equal(0);
    expect(lookup(table, 'HEAD', '/users', 0).route).to.equal(MATCH_METHOD_NOT_ALLOWED);
  });

  it('serves every method from a "*" route, explicit methods first, never 405', () => {
    expect(lookup(table, 'GET', '/any', 0).route).to.equal(10);
    expect(lookup(table, 'POST', '/any', 0).route).to.equal(11);
    expect(lookup(table, 'PROPFIND', '/any', 0).route).to.equal(10);
    expect(lookup(table, 'BREW', '/any', 0).route).to.equal(10); // unknown to the table: code -1
    expect(allowed(table, '/any')).to.deep.equal([
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'DELETE',
      'PATCH',
      'OPTIONS',
      'PROPFIND',
    ]);
  });

  it('suggests the other trailing-slash variant for the same method', () => {
    expect(lookup(table, 'GET', '/docs', 0).route).to.equal(MATCH_ADD_SLASH);
    expect(lookup(table, 'GET', '/users/new/', 0).route).to.equal(MATCH_REMOVE_SLASH);
    expect(lookup(table, 'GET', '/users/5/', 0).route).to.equal(MATCH_REMOVE_SLASH);
    expect(lookup(table, 'POST', '/users/', 0).route).to.equal(MATCH_REMOVE_SLASH);
    expect(lookup(table, 'GET', '/users/', 0).route).to.equal(MATCH_NOT_FOUND);
    expect(lookup(table, 'DELETE', '/docs', 0).route).to.equal(MATCH_NOT_FOUND); // only /docs/ has routes
    expect(lookup(table, 'DELETE', '/docs/', 0).route).to.equal(MATCH_METHOD_NOT_ALLOWED);
    expect(lookup(table, 'GET', '/', 0).route).to.equal(0);
    expect(lookup(table, 'GET', '/files/1/raw/', 0).route).to.equal(5); // the wildcard takes it
  });

  it('adds a slash through a param or a wildcard', () => {
    const t = compileRoutes([
      ['GET', '/u/:id/'],
      ['GET', '/s/*rest'],
    ]);
    expect(lookup(t, 'GET', '/u/5', 0).route).to.equal(MATCH_ADD_SLASH);
    expect(lookup(t, 'GET', '/s', 0).route).to.equal(MATCH_ADD_SLASH);
    expect(lookup(t, 'POST', '/u/5', 0).route).to.equal(MATCH_NOT_FOUND);
  });

  it('reads the method token from bytes', () => {
    for (const [name, code] of [
      ['GET', METHOD_GET],
      ['HEAD', METHOD_HEAD],
      ['POST', METHOD_POST],
      ['PUT', METHOD_PUT],
      ['DELETE', METHOD_DELETE],
      ['OPTIONS', METHOD_OPTIONS],
    ] as const) {
      const bytes = bytesOf(` ${name} `);
      expect(methodCode(table, bytes, 1, bytes.length - 1)).to.equal(code);
      expect(methodName(table, code)).to.equal(name);
    }
    const dav = bytesOf('PROPFIND');
    expect(methodCode(table, dav, 0, dav.length)).to.equal(7);
    expect(methodName(table, 7)).to.equal('PROPFIND');
    const lower = bytesOf('get');
    expect(methodCode(table, lower, 0, 3)).to.equal(-1);
    expect(methodCode(table, bytesOf('PROPFINE'), 0, 8)).to.equal(-1);
    expect(() => methodName(table, 8)).to.throw(RangeError);
  });

  it('handles long static labels and wide fan-out', () => {
    const long = '/' + 'x'.repeat(600);
    const wide: RouteSpec[] = [];
    for (let c = 33; c < 127; c++) {
      const ch = String.fromCharCode(c);
      if ('/?#:*'.includes(ch)) continue;
      wide.push(['GET', `/w/${ch}`]);
    }
    const t = compileRoutes([['GET', long], ['GET', long + '/:id'], ...wide]);
    expect(lookup(t, 'GET', long, 0).route).to.equal(0);
    expect(lookup(t, 'GET', long + '/7', 1)).to.deep.equal({ route: 1, params: ['7'] });
    expect(lookup(t, 'GET', long.slice(0, 400), 0).route).to.equal(MATCH_NOT_FOUND);
    wide.forEach(([, path], i) => expect(lookup(t, 'GET', path, 0).route, path).to.equal(2 + i));
    expect(lookup(t, 'GET', '/w/ab', 0).route).to.equal(MATCH_NOT_FOUND);
  });

  it('names params in path order, wildcard included', () => {
    expect(paramNames('/repos/:owner/:repo')).to.deep.equal(['owner', 'repo']);
    expect(paramNames('/static/*filepath')).to.deep.equal(['filepath']);
    expect(paramNames('/')).to.deep.equal([]);
  });
});
