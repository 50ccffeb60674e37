/**
 * `chipweb ota` against a small node:http server on 127.0.0.1 that checks
 * what arrives: the exact image, its SHA-256 header, the credentials, the
 * expectation; and every answer the device can give (200, 401 before the
 * body, 409, 413, 422, 501), a missing file, bad options and a host where
 * nothing listens, each with its message and exit code.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ota } from '../../cli/ota.ts';

interface Seen {
  method?: string;
  url?: string;
  headers?: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the server read the body at all. */
  read: boolean;
}

/** A device stand-in: `answer` decides from the head whether to read the body and what to reply. */
async function device(
  answer: (request: http.IncomingMessage) => { status: number; body: string; readBody: boolean },
): Promise<{ port: number; seen: Seen; close: () => Promise<void> }> {
  const seen: Seen = { body: Buffer.alloc(0), read: false };
  const server = http.createServer();
  const respond = (request: http.IncomingMessage, response: http.ServerResponse) => {
    seen.method = request.method;
    seen.url = request.url;
    seen.headers = request.headers;
    const plan = answer(request);
    const reply = () => {
      response.writeHead(plan.status, { 'Content-Type': 'application/json', Connection: 'close' });
      response.end(plan.body);
    };
    if (!plan.readBody) return reply();
    seen.read = true;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.body = Buffer.concat(chunks);
      reply();
    });
  };
  server.on('request', respond);
  server.on('checkContinue', (request, response) => {
    const plan = answer(request);
    if (plan.readBody) response.writeContinue();
    respond(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  return {
    out,
    err,
    progress,
    io: {
      log: (l: string) => out.push(l),
      error: (l: string) => err.push(l),
      progress: (l: string) => progress.push(l),
    },
  };
}

describe('cli: chipweb ota', function () {
  this.timeout(20000);
  let dir: string;
  let file: string;
  const image = Buffer.from(Uint8Array.from({ length: 200000 }, (_, i) => (i * 13 + (i >> 8)) & 255));
  const hash = createHash('sha256').update(image).digest('hex');

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chipweb-ota-cli-'));
    file = join(dir, 'xs_esp32.bin');
    writeFileSync(file, image);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads the image with its SHA-256 and credentials, shows progress, and prints the result', async () => {
    const d = await device(() => ({ status: 200, body: `{"ok":true,"bytes":${image.length}}`, readBody: true }));
    const c = capture();
    try {
      const code = await ota(
        ['--host', `127.0.0.1:${d.port}`, '--user', 'admin', '--password', 's3cret', file],
        {},
        c.io,
      );
      expect(code, c.err.join('\n')).to.equal(0);
    } finally {
      await d.close();
    }
    expect(d.seen.method).to.equal('POST');
    expect(d.seen.url).to.equal('/api/update');
    expect(d.seen.headers?.['x-image-sha256']).to.equal(hash);
    expect(d.seen.headers?.['content-type']).to.equal('application/octet-stream');
    expect(d.seen.headers?.['content-length']).to.equal(String(image.length));
    expect(d.seen.headers?.expect).to.equal('100-continue');
    expect(d.seen.headers?.authorization).to.equal(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
    expect(d.seen.body.equals(image)).to.equal(true);
    expect(c.out[0]).to.contain(hash).and.to.contain('200,000 bytes');
    expect(c.out.at(-1)).to.match(/done: the device checked the image and restarts into it/);
    expect(c.progress.at(-1)).to.match(/100%\s+200,000 of 200,000 bytes/);
    expect(c.progress.length).to.be.greaterThan(3);
    expect(c.out.join('\n') + c.progress.join('\n')).to.not.contain('s3cret');
  });

  it('takes the password from CHIPWEB_ADMIN_PASSWORD and a custom --path', async () => {
    const d = await device(() => ({ status: 200, body: '{}', readBody: true }));
    const c = capture();
    try {
      const code = await ota(
        ['--host', `http://127.0.0.1:${d.port}/`, '--user', 'u', '--path', '/update', file],
        { CHIPWEB_ADMIN_PASSWORD: 'pw' },
        c.io,
      );
      expect(code).to.equal(0);
    } finally {
      await d.close();
    }
    expect(d.seen.url).to.equal('/update');
    expect(d.seen.headers?.authorization).to.equal(`Basic ${Buffer.from('u:pw').toString('base64')}`);
  });

  it("logs in as the default app's admin when only a password is given", async () => {
    const d = await device(() => ({ status: 200, body: '{}', readBody: true }));
    const c = capture();
    try {
      expect(await ota(['--host', `127.0.0.1:${d.port}`, '--password', 'pw', file], {}, c.io)).to.equal(0);
    } finally {
      await d.close();
    }
    expect(d.seen.headers?.authorization).to.equal(`Basic ${Buffer.from('admin:pw').toString('base64')}`);
  });

  const refusals: [number, string, RegExp][] = [
    [401, '401 Unauthorized\n', /wants credentials \(401\): give --user and --password/],
    [
      409,
      '{"error":"an update is already being received"}',
      /another update is running.*\(409\).*already being received/,
    ],
    [413, '{"error":"too big"}', /larger than the device’s update slot \(413\): too big/],
    // The server's own answer: no route at --path reads a body that large.
    [413, '413 Payload Too Large\n', /refused a body this large \(413\): it has no update route at \/api\/update/],
    [
      501,
      '{"error":"this board cannot update itself over the air"}',
      /cannot update over the air \(501\): flash it by cable/,
    ],
  ];
  for (const [status, body, message] of refusals) {
    const whose = body.startsWith('{') || status !== 413 ? '' : ' by the server itself (no route)';
    it(`says what a ${status} answered${whose} means, refused before the image is sent`, async () => {
      const d = await device(() => ({ status, body, readBody: false }));
      const c = capture();
      try {
        expect(await ota(['--host', `127.0.0.1:${d.port}`, file], {}, c.io)).to.equal(1);
      } finally {
        await d.close();
      }
      expect(d.seen.read).to.equal(false);
      expect(c.err.join('\n')).to.match(message);
    });
  }

  it('says the device rejected the image on a 422, with the device’s reason', async () => {
    const d = await device(() => ({
      status: 422,
      body: '{"error":"the image\'s SHA-256 is abc, not def: the update was cancelled and the running firmware kept"}',
      readBody: true,
    }));
    const c = capture();
    try {
      expect(await ota(['--host', `127.0.0.1:${d.port}`, '--user', 'a', '--password', 'b', file], {}, c.io)).to.equal(
        1,
      );
    } finally {
      await d.close();
    }
    expect(d.seen.body.length).to.equal(image.length);
    expect(c.err.join('\n')).to.match(/rejected the image \(422\).*running firmware kept/);
  });

  it('says the credentials were refused when they were given', async () => {
    const d = await device(() => ({ status: 401, body: '', readBody: false }));
    const c = capture();
    try {
      expect(
        await ota(['--host', `127.0.0.1:${d.port}`, '--user', 'a', '--password', 'wrong', file], {}, c.io),
      ).to.equal(1);
    } finally {
      await d.close();
    }
    expect(c.err.join('\n')).to.match(/refused these credentials \(401\)/);
  });

  it('says when nothing listens at the host', async () => {
    const d = await device(() => ({ status: 200, body: '', readBody: true }));
    const port = d.port;
    await d.close();
    const c = capture();
    expect(await ota(['--host', `127.0.0.1:${port}`, file], {}, c.io)).to.equal(1);
    expect(c.err.join('\n')).to.match(/cannot reach 127\.0\.0\.1:\d+ \(nothing listens there\)/);
  });

  it('says what is wrong with a missing file or bad options, before connecting', async () => {
    const cases: [string[], RegExp][] = [
      [['--host', 'x', join(dir, 'nope.bin')], /nope\.bin does not exist.*xs_esp32\.bin/],
      [[file], /give --host and one image file/],
      [['--host', 'x'], /give --host and one image file/],
      [['--host', 'x:99999', file], /invalid port/],
      [['--host', 'https://x', file], /plain HTTP/],
      [['--host', 'x', '--timeout', 'soon', file], /--timeout must be a number/],
      [['--frobnicate'], /Unknown option/],
    ];
    for (const [args, message] of cases) {
      const c = capture();
      expect(await ota(args, {}, c.io), args.join(' ')).to.equal(2);
      expect(c.err.join('\n'), args.join(' ')).to.match(message);
    }
  });
});
