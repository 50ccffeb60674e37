import { expect } from 'chai';
import { App } from '../../src/index.ts';
import { basicAuth } from '../../src/middleware/index.ts';
import { start } from './helpers.ts';

const auth = (user: string, pass: string) =>
  'Authorization: Basic ' + Buffer.from(`${user}:${pass}`, 'utf8').toString('base64') + '\r\n';

describe('middleware: basicAuth', () => {
  async function bench() {
    const a = new App();
    a.get('/open', (c) => c.text('open'));
    const admin = a.group(
      '/admin',
      basicAuth({
        users: [
          { username: 'admin', password: 's3cret' },
          { username: 'jörg', password: 'pässword✓' },
        ],
        realm: 'Board',
      }),
    );
    admin.get('/', (c) => c.text('hello ' + c.get<string>('user')));
    return start(a);
  }

  it('admits the right credentials and names the user', async () => {
    const b = await bench();
    const res = await b.get('/admin/', auth('admin', 's3cret'));
    expect(res.status).to.equal(200);
    expect(res.body).to.equal('hello admin');
    const body = (await b.get('/admin/', auth('jörg', 'pässword✓'))).body;
    expect(Buffer.from(body, 'latin1').toString('utf8')).to.equal('hello jörg');
  });

  it('answers 401 with WWW-Authenticate for missing, wrong, malformed credentials', async () => {
    const b = await bench();
    const cases = [
      '',
      auth('admin', 'wrong'),
      auth('admin', 's3cre'),
      auth('admin', 's3cretX'),
      auth('nobody', 's3cret'),
      'Authorization: Bearer abc\r\n',
      'Authorization: Basic\r\n',
      'Authorization: Basic !!!!\r\n',
    ];
    for (const header of cases) {
      const res = await b.get('/admin/', header);
      expect(res.status, header).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Basic realm="Board", charset="UTF-8"');
    }
    expect((await b.get('/open')).status).to.equal(200);
  });

  it('accepts any case of the scheme and surrounding spaces', async () => {
    const b = await bench();
    const token = Buffer.from('admin:s3cret').toString('base64');
    expect((await b.get('/admin/', `Authorization: basic   ${token}  \r\n`)).status).to.equal(200);
    expect((await b.get('/admin/', `Authorization: BASIC ${token}\r\n`)).status).to.equal(200);
  });

  it('takes users from a function: a changed password applies at once, none admits nobody', async () => {
    let users: { username: string; password: string }[] = [];
    let calls = 0;
    const a = new App();
    a.get(
      '/p',
      basicAuth({
        users: () => {
          calls++;
          return users;
        },
      }),
      (c) => c.text('in'),
    );
    const b = await start(a);
    expect((await b.get('/p', auth('admin', 'one'))).status).to.equal(401);
    users = [{ username: 'admin', password: 'one' }];
    expect((await b.get('/p', auth('admin', 'one'))).status).to.equal(200);
    users = [{ username: 'admin', password: 'two' }];
    expect((await b.get('/p', auth('admin', 'one'))).status).to.equal(401);
    expect((await b.get('/p', auth('admin', 'two'))).status).to.equal(200);
    expect(calls).to.equal(4); // once per request
  });

  it("leaves out the Basic challenge for a page's own script (X-Requested-With): no login dialog", async () => {
    const b = await bench();
    const res = await b.get('/admin/', 'X-Requested-With: XMLHttpRequest\r\n');
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.equal(undefined);
  });

  it('refuses bad configuration', () => {
    expect(() => basicAuth({})).to.throw(/username/);
    expect(() => basicAuth({ username: 'a:b', password: 'x' })).to.throw(/':'/);
  });
});
