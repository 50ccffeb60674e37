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

  it('types a WebSocket route’s params the same way, on the socket and in open’s Context', () => {
    const app = new App();
    const rooms = app.group('/rooms/:room');
    rooms.ws(
      '/users/:user',
      (c) => {
        c.param('room');
        // @ts-expect-error 'id' is not a param of /rooms/:room/users/:user
        c.param('id');
        return c.next();
      },
      {
        open: (ws, c) => {
          ws.send(c.param('user') + ws.param('room'));
          // @ts-expect-error 'id' is not a param of /rooms/:room/users/:user
          ws.param('id');
        },
        message: (ws, msg) => {
          ws.send(ws.param('user') + msg.length);
          // @ts-expect-error 'name' is not a param of /rooms/:room/users/:user
          ws.param('name');
        },
      },
    );
    expect(app.routes()).to.deep.equal([['GET', '/rooms/:room/users/:user']]);
  });
});
