/**
 * Param names in the path literal type c.param(): checked by `tsc` in
 * `npm test` (the @ts-expect-error lines fail the type-check if a wrong
 * name ever compiles), and run here so the routes really exist.
 */
import { expect } from 'chai';
import { App } from '../../src/index.ts';
import type { PathParams } from '../../src/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const check = <T extends true>(value: T) => value;

describe('typed params', () => {
  it('derives param names from the path', () => {
    check<Equal<PathParams<'/repos/:owner/:repo'>, 'owner' | 'repo'>>(true);
    check<Equal<PathParams<'/static/*path'>, 'path'>>(true);
    check<Equal<PathParams<'/plain'>, never>>(true);
    const app = new App();
    app.get('/users/:id', (c) => {
      c.text(c.param('id'));
      // @ts-expect-error 'name' is not a param of /users/:id
      c.param('name');
    });
    const api = app.group('/orgs/:org');
    api.get('/members/:member', (c) => {
      c.text(c.param('org') + c.param('member'));
      // @ts-expect-error 'id' is not a param of /orgs/:org/members/:member
      c.param('id');
    });
    expect(app.routes().length).to.equal(2);
  });
});
