/**
 * The generated matcher (src/router/generate.ts) against the table walk it
 * replaces: on the four route sets, every route's own path and its near
 * misses must give the same route, params, 405 and trailing-slash answers,
 * for every method; and the server refuses code generated from another table.
 * (oracle.test.ts runs both matchers against find-my-way on random routes.)
 */
import { expect } from 'chai';
import { App } from '../../src/app.ts';
import { Server } from '../../src/server.ts';
import { compileRoutes, generateMatcher, MAX_GENERATED_NESTING, RouteError } from '../../src/router/index.ts';
import type { RouteSpec } from '../../src/router/index.ts';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';
import { loadMatcher } from '../../host-sim/matcher.ts';
import { concretePath, loadRouteSet, lookup, ROUTE_SET_NAMES } from './helpers.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PURGE'];

/** A route's concrete path and its near misses: trailing slash added or cut, cut short, extended, with a query. */
function probes(pattern: string, salt: number): string[] {
  const { path } = concretePath(pattern, salt);
  return [
    path,
    `${path}/`,
    path.slice(0, -1),
    `${path}x`,
    `${path}?a=/b/c`,
    `${path}/extra`,
    path.slice(0, path.length >> 1),
    path.replace(/\/[^/]*$/, '/'),
    path.replace(/\/[^/]*\//, '//'),
  ];
}

/** Every method on every path: the walk's and the generated code's answers, side by side. */
function compare(routes: RouteSpec[], paths: string[]): { checked: number; differences: string[] } {
  const table = compileRoutes(routes);
  const matcher = loadMatcher(table);
  if (!matcher) throw new Error('no generated matcher for this route set');
  const differences: string[] = [];
  let checked = 0;
  for (const path of paths) {
    for (const method of METHODS) {
      const walk = lookup(table, method, path, table[3]);
      const generated = lookup(table, method, path, table[3], matcher);
      checked++;
      if (JSON.stringify(walk) !== JSON.stringify(generated)) {
        differences.push(`${method} ${path}: walk ${JSON.stringify(walk)}, generated ${JSON.stringify(generated)}`);
      }
    }
  }
  return { checked, differences };
}

describe('router: generated matcher', () => {
  for (const name of ROUTE_SET_NAMES) {
    it(`answers as the table walk does on the ${name} set, near misses included`, () => {
      const routes = loadRouteSet(name);
      const paths = routes.flatMap(([, pattern], i) => probes(pattern, i));
      const { checked, differences } = compare(routes, paths);
      expect(differences.slice(0, 5)).to.deep.equal([]);
      expect(checked).to.equal(paths.length * METHODS.length);
    });
  }

  it('answers as the table walk does for "*" routes, explicit HEAD, custom methods, a root wildcard and chained labels', () => {
    const long = 'x'.repeat(300);
    const routes: RouteSpec[] = [
      ['GET', '/'],
      ['*', '/any/:id'],
      ['GET', '/any/:id'],
      ['HEAD', '/head'],
      ['GET', '/head'],
      ['PURGE', '/cache/*path'],
      ['GET', `/${long}/:p/${long}`],
      ['POST', '/a/:b/c/:d/e/:f'],
      ['GET', '/a/:b/c/:d/e/'],
      ['GET', '/files/*rest'],
      ['GET', '/files/new'],
      ['GET', '/*all'],
    ];
    const paths = [
      '/',
      '/any/1',
      '/any/',
      '/head',
      '/cache/',
      '/cache',
      '/cache/a/b?x',
      `/${long}/v/${long}`,
      `/${long}/v/${long.slice(1)}`,
      '/a/1/c/2/e/3',
      '/a/1/c/2/e/',
      '/a/1/c/2/e',
      '/files/new',
      '/files/old',
      '/files',
      '/nothing/here',
      '',
      '?',
      '//',
    ];
    const { differences } = compare(routes, paths);
    expect(differences).to.deep.equal([]);
  });

  it('is one expression of plain code: one method, no closures, labels or regular expressions', () => {
    const source = generateMatcher(compileRoutes(loadRouteSet('github')));
    expect(source.startsWith('{hash:')).to.equal(true);
    expect(source.split('search(m,b,s,e,p){').length - 1).to.equal(1);
    expect(source).not.to.include('function');
    expect(source).not.to.include('=>');
    // The only colon is the hash property's: no labels, no ternaries.
    expect(source.split(':').length - 1).to.equal(1);
    // No '/' at all: no regular expression literals, no comments.
    expect(source).not.to.include('/');
  });

  it('is not generated for a route tree nesting too deep for parsers; the walk still answers', () => {
    const routes: RouteSpec[] = [];
    for (let i = 1; i <= 700; i++) routes.push(['GET', `/${'a'.repeat(i)}`]);
    const table = compileRoutes(routes);
    expect(() => generateMatcher(table)).to.throw(
      RouteError,
      new RegExp(`more than ${MAX_GENERATED_NESTING} nested blocks.*--router table`),
    );
    expect(loadMatcher(table)).to.equal(undefined);
    expect(lookup(table, 'GET', `/${'a'.repeat(700)}`).route).to.equal(699);
    expect(lookup(table, 'GET', `/${'a'.repeat(701)}`).route).to.equal(-1);
  });

  it('is refused by the server when generated from another route table', () => {
    const app = new App();
    app.get('/a', (c) => c.text('a'));
    const other = loadMatcher(compileRoutes([['GET', '/b']]))!;
    expect(() => new Server(app, new MemoryPlatform(), { routeMatcher: other })).to.throw(
      /generated from another route table.*chipweb build/,
    );
    const own = loadMatcher(compileRoutes(app.routes()))!;
    expect(() => new Server(app, new MemoryPlatform(), { routeMatcher: own })).not.to.throw();
  });
});
