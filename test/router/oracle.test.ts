/**
 * Differential property test: chipweb's router against find-my-way on random
 * route sets and random request paths.
 *
 * Translation for the oracle: `:name` becomes `:name(^.+$)` (find-my-way lets
 * a param match an empty segment; Gin and chipweb do not), `*name` becomes `*`
 * and chipweb's value is '/' + find-my-way's (chipweb, like Gin, keeps the
 * leading slash), and HEAD gets the GET route of every path without a HEAD
 * route (find-my-way's exposeHeadRoutes, as Fastify uses it). Request paths
 * avoid '%' (find-my-way decodes params, chipweb hands them over raw).
 * Both of chipweb's matchers run: the table walk and the generated code.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import FindMyWay from 'find-my-way';
import {
  compileRoutes,
  allowedMethods,
  methodName,
  paramNames,
  MATCH_ADD_SLASH,
  MATCH_METHOD_NOT_ALLOWED,
  MATCH_NOT_FOUND,
  MATCH_REMOVE_SLASH,
} from '../../src/router/index.ts';
import type { RouteSpec } from '../../src/router/index.ts';
import { loadMatcher } from '../../host-sim/matcher.ts';
import { bytesOf, lookup } from './helpers.ts';

const METHODS = ['GET', 'POST', 'PUT', 'HEAD'] as const;
const WORDS = ['a', 'b', 'ab', 'users', 'new', 'x'];

type Piece = { kind: 'static'; text: string } | { kind: 'param' } | { kind: 'wildcard' };

const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...WORDS).map((text) => ({ kind: 'static', text }) as Piece) },
  { weight: 3, arbitrary: fc.constant({ kind: 'param' } as Piece) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wildcard' } as Piece) },
);

/** A route path: segments, a wildcard only last, params named by position so names never conflict. */
const pathArb = fc.tuple(fc.array(pieceArb, { minLength: 0, maxLength: 4 }), fc.boolean()).map(([pieces, slash]) => {
  const segments: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (piece.kind === 'static') segments.push(piece.text);
    else if (piece.kind === 'param') segments.push(`:p${i}`);
    else {
      segments.push('*w');
      break;
    }
  }
  const last = segments[segments.length - 1] ?? '';
  const trailing = slash && !last.startsWith('*') && segments.length > 0 ? '/' : '';
  return '/' + segments.join('/') + trailing;
});

const routesArb = fc.uniqueArray(fc.tuple(fc.constantFrom(...METHODS), pathArb), {
  minLength: 1,
  maxLength: 14,
  selector: ([method, path]) => `${method} ${path}`,
});

/** Request paths: segments from the same words plus strangers, sometimes '//', a trailing '/', a query. */
const requestArb = fc
  .tuple(
    fc.constantFrom(...METHODS, 'DELETE'),
    fc.array(fc.constantFrom(...WORDS, 'zz', 'a:b', ''), { minLength: 0, maxLength: 5 }),
    fc.boolean(),
    fc.constantFrom('', '', '', '?q=/a', '?'),
  )
  .map(([method, segments, slash, query]) => [method, '/' + segments.join('/') + (slash ? '/' : '') + query] as const);

function fmwPath(path: string): string {
  return path
    .split('/')
    .map((s) => (s.startsWith(':') ? `${s}(^.+$)` : s.startsWith('*') ? '*' : s))
    .join('/');
}

function buildOracle(routes: RouteSpec[]) {
  const router = FindMyWay();
  const explicitHead = new Set(routes.filter(([m]) => m === 'HEAD').map(([, p]) => p));
  routes.forEach(([method, path], index) => {
    router.on(method as 'GET', fmwPath(path), () => undefined, { index });
    if (method === 'GET' && !explicitHead.has(path)) router.on('HEAD', fmwPath(path), () => undefined, { index });
  });
  return (method: string, path: string): { route: number; params: string[] } | null => {
    const found = router.find(method as 'GET', path);
    if (!found) return null;
    const index = (found.store as { index: number }).index;
    const params = found.params as Record<string, string | undefined>;
    const values = paramNames(routes[index][1]).map((name) =>
      name === 'w' ? '/' + params['*'] : (params[name] as string),
    );
    return { route: index, params: values };
  };
}

describe('router: differential test against find-my-way', () => {
  it('finds the same route, params, 404/405, allowed methods and trailing-slash hints', () => {
    fc.assert(
      fc.property(routesArb, fc.array(requestArb, { minLength: 1, maxLength: 25 }), (routeList, requests) => {
        const routes = routeList as RouteSpec[];
        const table = compileRoutes(routes);
        const oracle = buildOracle(routes);
        // Concrete paths of the routes themselves, so matches are frequent.
        const all: (readonly [string, string])[] = requests.slice();
        for (const [method, path] of routes) {
          all.push([method, path.replace(/:p\d+/g, 'new').replace('*w', 'a/b')] as const);
        }
        const generated = loadMatcher(table);
        if (!generated) throw new Error(`no generated matcher for ${JSON.stringify(routes)}`);
        for (const [method, target] of all)
          for (const matcher of [undefined, generated]) {
            const path = target.split('?')[0];
            const got = lookup(table, method, target, 8, matcher);
            const want = oracle(method, target);
            const what = `${matcher ? 'generated' : 'table walk'}: ${method} ${target} in ${JSON.stringify(routes)}`;
            if (want) {
              expect({ route: got.route, params: got.params.slice(0, want.params.length) }, what).to.deep.equal(want);
              continue;
            }
            let expected = MATCH_NOT_FOUND;
            if (
              path.length > 1 && path.endsWith('/')
                ? oracle(method, path.slice(0, -1))
                : !path.endsWith('/') && oracle(method, path + '/')
            ) {
              expected = path.endsWith('/') ? MATCH_REMOVE_SLASH : MATCH_ADD_SLASH;
            } else if (METHODS.some((m) => oracle(m, path))) {
              expected = MATCH_METHOD_NOT_ALLOWED;
            }
            expect(got.route, what).to.equal(expected);
            const bytes = bytesOf(target);
            const bits = allowedMethods(table, bytes, 0, bytes.length);
            const names = [];
            for (let code = 0; code < 32; code++) if (bits & (1 << code)) names.push(methodName(table, code));
            expect(names.sort(), what).to.deep.equal(METHODS.filter((m) => oracle(m, path)).sort());
          }
      }),
      { numRuns: 300 },
    );
  });
});
