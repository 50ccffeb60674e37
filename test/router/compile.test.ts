/**
 * Route compiler: table header and size, routesHash, each compile error and
 * each limit, with the exact messages users will read.
 * Never: time anything.
 */
import { expect } from 'chai';
import {
  compileRoutes,
  routesHash,
  tableHash,
  routeCount,
  paramCount,
  maxParams,
  RouteError,
  MAX_PARAMS,
  MAX_BACKTRACK_DEPTH,
} from '../../src/router/index.ts';
import type { RouteSpec } from '../../src/router/index.ts';
import { ROUTE_SET_NAMES, loadRouteSet, lookup } from './helpers.ts';

function compileError(routes: RouteSpec[]): string {
  try {
    compileRoutes(routes);
  } catch (error) {
    expect(error).to.be.instanceOf(RouteError);
    return (error as Error).message;
  }
  throw new Error('expected a RouteError');
}

describe('router: compiler', () => {
  it('keeps the GitHub table within 4,096 bytes', () => {
    expect(compileRoutes(loadRouteSet('github')).length).to.be.at.most(4096);
  });

  it('writes the header: magic, counts, hash', () => {
    for (const name of ROUTE_SET_NAMES) {
      const routes = loadRouteSet(name);
      const table = compileRoutes(routes);
      expect(String.fromCharCode(table[0], table[1])).to.equal('CW');
      expect(table[2]).to.equal(2);
      expect(table[10] | (table[11] << 8)).to.equal(table.length);
      expect(routeCount(table)).to.equal(routes.length);
      expect(tableHash(table)).to.equal(routesHash(routes));
      const most = Math.max(...routes.map(([, path]) => (path.match(/[:*]/g) ?? []).length));
      expect(maxParams(table)).to.equal(most);
      routes.forEach(([, path], index) => {
        expect(paramCount(table, index), path).to.equal((path.match(/[:*]/g) ?? []).length);
      });
      expect(paramCount(table, routes.length)).to.equal(-1);
    }
  });

  it('hashes the route list so a changed route changes the hash', () => {
    const routes: RouteSpec[] = [
      ['GET', '/a'],
      ['POST', '/b/:id'],
    ];
    expect(routesHash(routes)).to.equal(
      routesHash([
        ['GET', '/a'],
        ['POST', '/b/:id'],
      ]),
    );
    expect(routesHash(routes)).to.not.equal(
      routesHash([
        ['GET', '/a'],
        ['POST', '/b/:ID'],
      ]),
    );
    expect(routesHash(routes)).to.not.equal(
      routesHash([
        ['POST', '/b/:id'],
        ['GET', '/a'],
      ]),
    );
    expect(routesHash([])).to.equal(0x811c9dc5);
  });

  it('produces the same bytes for the same routes, whatever was compiled before', () => {
    const routes = loadRouteSet('parse');
    expect(compileRoutes(routes)).to.deep.equal(compileRoutes(routes));
  });

  it('compiles an empty route list into a table that finds nothing', () => {
    const table = compileRoutes([]);
    expect(routeCount(table)).to.equal(0);
    expect(lookup(table, 'GET', '/', 0).route).to.equal(-1);
  });

  it('rejects a duplicate route, naming both', () => {
    expect(
      compileError([
        ['GET', '/a'],
        ['GET', '/users/:id'],
        ['GET', '/users/:id'],
      ]),
    ).to.equal('duplicate route GET /users/:id (routes 1 and 2)');
    expect(
      compileError([
        ['*', '/a'],
        ['*', '/a'],
      ]),
    ).to.equal('duplicate route * /a (routes 0 and 1)');
  });

  it('rejects a wildcard that is not the last segment', () => {
    expect(compileError([['GET', '/a/*rest/b']])).to.equal(
      "wildcard '*rest' must be the last segment in GET /a/*rest/b (route 0)",
    );
  });

  it('rejects different param names at the same position, naming both routes', () => {
    expect(
      compileError([
        ['GET', '/users/:id'],
        ['GET', '/x'],
        ['PUT', '/users/:name/x'],
      ]),
    ).to.equal(
      "different param names at the same position: ':id' in GET /users/:id (route 0) and ':name' in PUT /users/:name/x (route 2)",
    );
    expect(
      compileError([
        ['GET', '/f/*a'],
        ['POST', '/f/*b'],
      ]),
    ).to.equal(
      "different wildcard names at the same position: '*a' in GET /f/*a (route 0) and '*b' in POST /f/*b (route 1)",
    );
  });

  it('rejects empty param and wildcard names', () => {
    expect(compileError([['GET', '/users/:']])).to.equal('empty param name in GET /users/: (route 0)');
    expect(
      compileError([
        ['GET', '/a'],
        ['GET', '/files/*'],
      ]),
    ).to.equal('empty wildcard name in GET /files/* (route 1)');
  });

  it('rejects malformed paths and methods', () => {
    expect(compileError([['GET', 'users']])).to.equal("path must start with '/': GET users (route 0)");
    expect(compileError([['GET', '/a//b']])).to.equal("empty segment ('//') in GET /a//b (route 0)");
    expect(compileError([['GET', '/a b']])).to.match(/printable ASCII.*" " at 2 in GET \/a b \(route 0\)/);
    expect(compileError([['GET', '/a?b']])).to.match(/"\?" at 2/);
    expect(compileError([['GET', '/caf\u00e9']])).to.match(/printable ASCII/);
    expect(compileError([['GET', '/user_:id']])).to.equal(
      "':' and '*' may only start a segment: 'user_:id' in GET /user_:id (route 0)",
    );
    expect(compileError([['GET', '/:a:b']])).to.equal("one param per segment: ':a:b' in GET /:a:b (route 0)");
    expect(compileError([['G ET', '/']])).to.equal('method must be an HTTP token or "*": "G ET" in G ET / (route 0)');
    expect(compileError([['', '/']])).to.match(/method must be an HTTP token/);
  });

  it('rejects routes beyond the limits, naming the route', () => {
    const manyParams = '/' + Array.from({ length: MAX_PARAMS + 1 }, (_, i) => `:p${i}`).join('/');
    expect(
      compileError([
        ['GET', '/'],
        ['GET', manyParams],
      ]),
    ).to.equal(`too many params: ${MAX_PARAMS + 1} in GET ${manyParams} (route 1) (limit ${MAX_PARAMS})`);

    const methods: RouteSpec[] = Array.from({ length: 26 }, (_, i) => [`M${i}`, '/m'] as RouteSpec);
    expect(compileError(methods)).to.equal(
      'too many methods: M25 in M25 /m (route 25) would be code 32 (limit 32 codes per table)',
    );

    const deep: RouteSpec[] = [];
    for (let depth = 0; depth <= MAX_BACKTRACK_DEPTH; depth++) {
      deep.push(['GET', '/' + Array.from({ length: depth }, (_, i) => `:p${i}/`).join('') + 's']);
      deep.push(['GET', '/' + Array.from({ length: depth + 1 }, (_, i) => `:p${i}`).join('/')]);
    }
    expect(compileError(deep)).to.match(
      new RegExp(
        `too many branch points \\(${MAX_BACKTRACK_DEPTH + 1}, limit ${MAX_BACKTRACK_DEPTH}\\) on the path of GET /:p0/`,
      ),
    );

    const big: RouteSpec[] = Array.from({ length: 300 }, (_, i) => ['GET', `/${i}/${'y'.repeat(250)}`] as RouteSpec);
    expect(compileError(big)).to.match(/^route table too large: \d+ bytes for 300 routes \(limit 65535\)/);

    const tooMany = { length: 70000 } as unknown as RouteSpec[];
    expect(compileError(tooMany)).to.equal('too many routes: 70000 (limit 65535)');
  });

  it('accepts the deepest allowed nesting and still matches through it', () => {
    const deep: RouteSpec[] = [];
    for (let depth = 0; depth < MAX_BACKTRACK_DEPTH; depth++) {
      deep.push(['GET', '/' + Array.from({ length: depth }, (_, i) => `:p${i}/`).join('') + 's']);
      deep.push(['GET', '/' + Array.from({ length: depth + 1 }, (_, i) => `:p${i}`).join('/')]);
    }
    const table = compileRoutes(deep);
    const path = '/' + Array.from({ length: MAX_BACKTRACK_DEPTH }, (_, i) => `v${i}`).join('/');
    expect(lookup(table, 'GET', path, MAX_BACKTRACK_DEPTH).route).to.equal(2 * MAX_BACKTRACK_DEPTH - 1);
  });
});
