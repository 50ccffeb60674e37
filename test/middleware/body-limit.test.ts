import { expect } from 'chai';
import { App } from '../../src/index.ts';
import { bodyLimit } from '../../src/middleware/index.ts';
import { parseResponses } from '../hostile/responses.ts';
import { settle, start } from './helpers.ts';

describe('middleware: bodyLimit', () => {
  it('answers 413 above the limit, keeps the connection, and passes bodies within it', async () => {
    const a = new App();
    a.post('/small', bodyLimit(8), (c) => c.text('got ' + c.bodyText()));
    const b = await start(a);
    const client = b.platform.connect();
    client.send('POST /small HTTP/1.1\r\nHost: d\r\nContent-Length: 9\r\n\r\n123456789');
    client.send(
      'POST /small HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n',
    );
    client.send('POST /small HTTP/1.1\r\nHost: d\r\nContent-Length: 8\r\n\r\n12345678');
    await settle();
    const got = parseResponses(client.takeText()).responses;
    expect(got.map((r) => r.status)).to.deep.equal([413, 413, 200]);
    expect(got[0].body).to.equal('413 Content Too Large\n');
    expect(got[0].headers.connection).to.equal('keep-alive');
    expect(got[2].body).to.equal('got 12345678');
    client.end();
  });

  it('the server-wide maxBody still answers before reading, and closes', async () => {
    const a = new App();
    a.post('/small', bodyLimit(8), (c) => c.text('x'));
    const b = await start(a, { maxBody: 100 });
    const client = b.platform.connect();
    client.send('POST /small HTTP/1.1\r\nHost: d\r\nContent-Length: 101\r\n\r\n');
    expect(parseResponses(client.takeText()).responses[0].status).to.equal(413);
    expect(client.closed).to.equal(true);
  });
});
