/**
 * The dashboard's over-the-air update route (firmware/app/update.ts)
 * through the whole server: a 1 MB image, raw or as a browser's multipart
 * form, in memory and over real sockets; and every way it can fail, each
 * with its status and the running image untouched.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { MemoryOtaTarget } from '../../host-sim/ota-memory.ts';
import { simulate } from '../../host-sim/simulate.ts';
import { createDashboard } from '../../firmware/app/main.ts';
import { ADMIN_PASSWORD_KEY } from '../../firmware/app/update.ts';
import { settle, startOnMemory } from '../support/memory-server.ts';
import { until } from '../support/until.ts';

const IMAGE = new Uint8Array(randomBytes(1024 * 1024));
const SHA = createHash('sha256').update(IMAGE).digest('hex');
const AUTH = 'Basic ' + Buffer.from('admin:correct horse').toString('base64');

function head(path: string, length: number, extra = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: chipweb.local\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

function multipart(image: Uint8Array, boundary = '----WebKitFormBoundaryx7Yq2'): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n${SHA}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="firmware"; filename="fw.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    Buffer.from(image),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

async function memoryBoard() {
  const ota = new MemoryOtaTarget();
  const { platform, server } = await startOnMemory(
    createDashboard(),
    { slots: 4, slotSize: 2048, outputSize: 1024, tick: 50 },
    {},
    { ota },
  );
  platform.storeSet(ADMIN_PASSWORD_KEY, 'correct horse');
  return { ota, platform, server };
}

/** Sends `bytes` on a new memory client in pieces of up to 1460 bytes (a TCP segment), and returns the answer. */
async function upload(platform: Awaited<ReturnType<typeof memoryBoard>>['platform'], bytes: Uint8Array) {
  const client = platform.connect();
  for (let p = 0; p < bytes.length; p += 1460) {
    client.send(bytes.subarray(p, p + 1460));
    if (p % (64 * 1460) === 0) await settle(2);
  }
  await settle();
  const text = client.takeText();
  return { status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4), client };
}

function concat(a: string, b: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from(a, 'latin1'), Buffer.from(b)]));
}

describe('dashboard: over-the-air update', () => {
  it('takes a 1 MB raw image, checks its hash, completes and restarts (in memory)', async () => {
    const { ota, platform } = await memoryBoard();
    const r = await upload(
      platform,
      concat(head('/api/update', IMAGE.length, `Authorization: ${AUTH}\r\nX-Image-SHA256: ${SHA}\r\n`), IMAGE),
    );
    expect([r.status, JSON.parse(r.body)]).to.deep.equal([
      200,
      { ok: true, bytes: IMAGE.length, sha256: SHA, restarting: true },
    ]);
    expect(Buffer.from(ota.bootImage).equals(Buffer.from(IMAGE))).to.equal(true);
    platform.advance(1500);
    expect(ota.restarts).to.equal(1);
  });

  it("takes a browser's multipart form with the hash as a field", async () => {
    const { ota, platform } = await memoryBoard();
    const form = multipart(IMAGE);
    const r = await upload(
      platform,
      concat(
        head(
          '/api/update',
          form.length,
          `Authorization: ${AUTH}\r\nContent-Type: multipart/form-data; boundary=----WebKitFormBoundaryx7Yq2\r\n`,
        ),
        form,
      ),
    );
    expect(r.status, r.body).to.equal(200);
    expect(Buffer.from(ota.bootImage).equals(Buffer.from(IMAGE))).to.equal(true);
  });

  it('refuses, and leaves the running image, for every bad upload', async () => {
    const cases: [string, string, Uint8Array, number][] = [
      ['no password', `X-Image-SHA256: ${SHA}\r\n`, IMAGE.subarray(0, 1000), 401],
      ['wrong password', `Authorization: Basic ${Buffer.from('admin:nope').toString('base64')}\r\n`, IMAGE, 401],
      ['wrong hash', `Authorization: ${AUTH}\r\nX-Image-SHA256: ${'0'.repeat(64)}\r\n`, IMAGE, 422],
      ['no hash', `Authorization: ${AUTH}\r\n`, IMAGE.subarray(0, 5000), 400],
      [
        'boundary missing',
        `Authorization: ${AUTH}\r\nContent-Type: multipart/form-data\r\nX-Image-SHA256: ${SHA}\r\n`,
        new Uint8Array(500),
        400,
      ],
      [
        'part header over the limit',
        `Authorization: ${AUTH}\r\nContent-Type: multipart/form-data; boundary=b\r\n`,
        new Uint8Array(
          Buffer.from(`--b\r\nContent-Disposition: form-data; name="firmware"; filename="${'x'.repeat(2000)}"\r\n\r\n`),
        ),
        431,
      ],
    ];
    for (const [name, extra, body, status] of cases) {
      const { ota, platform, server } = await memoryBoard();
      const r = await upload(platform, concat(head('/api/update', body.length, extra), body));
      expect(r.status, `${name}: ${r.body}`).to.equal(status);
      expect(ota.bootImage, name).to.equal(ota.running);
      r.client.end();
      await settle();
      expect(server.stats().slotsInUse, name).to.equal(0);
    }
  });

  it('answers 413 for a body over the limit before reading it, and 409 while an upload runs', async () => {
    const { ota, platform } = await memoryBoard();
    const big = await upload(
      platform,
      new TextEncoder().encode(head('/api/update', 5_000_000, `Authorization: ${AUTH}\r\nX-Image-SHA256: ${SHA}\r\n`)),
    );
    expect(big.status).to.equal(413);
    const first = platform.connect();
    first.send(head('/api/update', IMAGE.length, `Authorization: ${AUTH}\r\nX-Image-SHA256: ${SHA}\r\n`));
    first.send(IMAGE.subarray(0, 100_000));
    await settle();
    const second = await upload(
      platform,
      concat(head('/api/update', 10, `Authorization: ${AUTH}\r\nX-Image-SHA256: ${SHA}\r\n`), new Uint8Array(10)),
    );
    expect(second.status).to.equal(409);
    first.send(IMAGE.subarray(100_000));
    await settle();
    expect(first.takeText().slice(9, 12)).to.equal('200'); // the refused one did not end the running one
    expect(Buffer.from(ota.bootImage).equals(Buffer.from(IMAGE))).to.equal(true);
  });

  it('cancels when the client vanishes halfway: the running image boots, the slot comes back', async () => {
    const { ota, platform, server } = await memoryBoard();
    const client = platform.connect();
    client.send(head('/api/update', IMAGE.length, `Authorization: ${AUTH}\r\nX-Image-SHA256: ${SHA}\r\n`));
    client.send(IMAGE.subarray(0, 500_000));
    await settle();
    client.end();
    await settle();
    expect(ota.calls).to.include('cancel');
    expect(ota.bootImage).to.equal(ota.running);
    expect(server.stats().slotsInUse).to.equal(0);
  });

  it('sets the admin password once freely, then only with the current one', async () => {
    const ota = new MemoryOtaTarget();
    const { platform } = await startOnMemory(createDashboard(), { slots: 2, slotSize: 2048 }, {}, { ota });
    const send = async (body: string, auth = '') => {
      const client = platform.connect();
      client.send(head('/api/password', body.length, auth ? `Authorization: ${auth}\r\n` : '') + body);
      await settle();
      const status = client.takeText().slice(9, 12);
      client.end();
      return status;
    };
    expect(await send('{"password":"short"}')).to.equal('400');
    expect(await send('{"password":"correct horse"}')).to.equal('200');
    expect(platform.storeGet(ADMIN_PASSWORD_KEY)).to.equal('correct horse');
    expect(await send('{"password":"another one"}')).to.equal('401');
    expect(await send('{"password":"another one"}', AUTH)).to.equal('200');
    expect(platform.storeGet(ADMIN_PASSWORD_KEY)).to.equal('another one');
  });

  it('takes a 1 MB image over a real socket (Node platform, lwIP-sized send buffer)', async () => {
    const ota = new MemoryOtaTarget();
    const sim = await simulate(createDashboard(), {
      port: 0,
      slots: 4,
      slotSize: 2048,
      outputSize: 1024,
      ota,
      log: () => {},
    });
    try {
      sim.platform.storeSet(ADMIN_PASSWORD_KEY, 'correct horse');
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(sim.port, '127.0.0.1');
        let text = '';
        socket.on('data', (d) => {
          text += d.toString('latin1');
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
        socket.write(
          head(
            '/api/update',
            IMAGE.length,
            `Authorization: ${AUTH}\r\nX-Image-SHA256: ${SHA}\r\nConnection: close\r\n`,
          ),
        );
        socket.end(Buffer.from(IMAGE));
      });
      expect(answer.slice(9, 12), answer.slice(0, 300)).to.equal('200');
      expect(Buffer.from(ota.bootImage).equals(Buffer.from(IMAGE))).to.equal(true);
      await until(() => sim.stats().slotsInUse === 0, 'the slot back');
    } finally {
      await sim.close(100);
    }
  });
});
