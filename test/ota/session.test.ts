/**
 * OtaSession (src/ota/session.ts) with the in-memory and the file targets
 * (host-sim/ota-memory.ts, host-sim/ota-file.ts): a 1 MB image in random
 * pieces, raw and as a browser's multipart form, completes and boots after
 * the restart; every failure (wrong hash, no hash, truncated body, a client
 * that vanishes, too large, a second upload while one runs, a failing flash,
 * an image the target rejects, malformed multipart) answers its status,
 * cancels, and leaves the running image the boot image.
 *
 * The reader below stands in for the server's `c.readBody`: it copies each
 * piece into one reused slot (so nothing may keep a reference), awaits what
 * the callback returns, and ends the way readBody does (resolves, or
 * rejects with the callback's error or its own).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HttpError } from '../../src/context.ts';
import { type BodyReader, OtaSession } from '../../src/ota/session.ts';
import { MemoryOtaTarget } from '../../host-sim/ota-memory.ts';
import { FileOtaTarget } from '../../host-sim/ota-file.ts';
import { MemoryPlatform } from '../../host-sim/memory-platform.ts';

const IMAGE = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 131 + (i >> 10)) & 255);
IMAGE[0] = 0xe9;
const HASH = createHash('sha256').update(IMAGE).digest('hex');

/** Deterministic piece sizes between 1 and 2,000 bytes. */
function cuts(length: number, seed: number): number[] {
  const out: number[] = [];
  let x = seed;
  for (let p = 0; p < length; ) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    p += 1 + (x % 2000);
    if (p < length) out.push(p);
  }
  return out;
}

interface ReaderOptions {
  /** Reject after delivering this many bytes, with `error`. */
  stopAt?: number;
  error?: unknown;
  /** Yield to the event loop between pieces (other requests run then). */
  between?: () => Promise<void>;
}

/** A stand-in for c.readBody over `body` cut at `at`. */
function reader(body: Uint8Array, at: number[], options: ReaderOptions = {}): BodyReader {
  return async (onPiece) => {
    const slot = new Uint8Array(4096);
    let from = 0;
    for (const to of [...at, body.length]) {
      let end = to;
      if (options.stopAt !== undefined && end > options.stopAt) end = options.stopAt;
      if (end > from) {
        slot.set(body.subarray(from, end), 10);
        await onPiece(slot, 10, 10 + (end - from));
        slot.fill(0xff);
      }
      if (options.stopAt !== undefined && end === options.stopAt) throw options.error;
      from = end;
      if (options.between) await options.between();
    }
  };
}

/** Expects `promise` to reject with an HttpError of `status` whose message matches `text`. */
async function rejects(promise: Promise<unknown>, status: number, text?: RegExp): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(HttpError);
    expect((error as HttpError).status, (error as HttpError).message).to.equal(status);
    if (text) expect((error as HttpError).message).to.match(text);
    return error as HttpError;
  }
  throw new Error(`expected a ${status}, but it resolved`);
}

function untouched(target: MemoryOtaTarget, original: Uint8Array): void {
  expect(target.receiving, 'the target is left open').to.equal(false);
  expect(target.bootImage).to.equal(original);
  target.restart();
  expect(Buffer.from(target.running).equals(Buffer.from(original)), 'the running image changed').to.equal(true);
}

const BOUNDARY = '----WebKitFormBoundaryq8Xp3lZ0aVd9';
function form(fields: { name: string; filename?: string; data: Uint8Array | string }[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const f of fields) {
    let head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${f.name}"`;
    if (f.filename) head += `; filename="${f.filename}"\r\nContent-Type: application/octet-stream`;
    parts.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(f.data), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Uint8Array.from(Buffer.concat(parts));
}
const FORM_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

describe('OTA: OtaSession', function () {
  this.timeout(20000);

  it('receives a 1 MB image in random pieces, checks its hash, completes, and boots it after the restart', async () => {
    const target = new MemoryOtaTarget();
    const original = target.running;
    const session = new OtaSession(target);
    const result = await session.receive(reader(IMAGE, cuts(IMAGE.length, 7)), IMAGE.length, HASH.toUpperCase());
    expect(result).to.deep.equal({ bytes: IMAGE.length, sha256: HASH });
    expect(target.calls).to.deep.equal([`begin ${IMAGE.length}`, 'complete']);
    expect(target.running, 'nothing boots before the restart').to.equal(original);
    expect(session.busy).to.equal(false);
    const platform = new MemoryPlatform();
    session.restartSoon(platform, 500);
    platform.advance(499);
    expect(target.restarts).to.equal(0);
    platform.advance(1);
    expect(target.restarts).to.equal(1);
    expect(Buffer.from(target.running).equals(Buffer.from(IMAGE))).to.equal(true);
  });

  it('receives a chunked image (size unknown)', async () => {
    const target = new MemoryOtaTarget();
    const session = new OtaSession(target);
    const result = await session.receive(reader(IMAGE, cuts(IMAGE.length, 3)), -1, HASH);
    expect(result.bytes).to.equal(IMAGE.length);
    expect(target.calls[0]).to.equal('begin -1');
    expect(Buffer.from(target.bootImage).equals(Buffer.from(IMAGE))).to.equal(true);
  });

  it('answers a wrong hash with 422, cancels, and keeps the running image', async () => {
    const target = new MemoryOtaTarget();
    const original = target.running;
    const session = new OtaSession(target);
    const wrong = `${HASH.slice(0, 63)}${HASH[63] === '0' ? '1' : '0'}`;
    const error = await rejects(session.receive(reader(IMAGE, cuts(IMAGE.length, 1)), IMAGE.length, wrong), 422);
    expect(error.message).to.contain(HASH).and.to.contain(wrong).and.to.contain('running firmware kept');
    expect(target.calls).to.deep.equal([`begin ${IMAGE.length}`, 'cancel']);
    expect(session.busy).to.equal(false);
    untouched(target, original);
  });

  it('answers a missing or malformed hash with 400 before touching the target', async () => {
    const target = new MemoryOtaTarget();
    const session = new OtaSession(target);
    await rejects(session.receive(reader(IMAGE, []), IMAGE.length, undefined), 400, /X-Image-SHA256/);
    await rejects(session.receive(reader(IMAGE, []), IMAGE.length, HASH.slice(1)), 400, /64 hex digits/);
    await rejects(session.receive(reader(IMAGE, []), IMAGE.length, `${HASH.slice(1)}x`), 400, /64 hex digits/);
    expect(target.calls).to.deep.equal([]);
    expect(session.busy).to.equal(false);
  });

  it('cancels a truncated body (the reader’s 400) and a client that vanishes', async () => {
    const target = new MemoryOtaTarget();
    const original = target.running;
    const session = new OtaSession(target);
    const truncated = reader(IMAGE, cuts(IMAGE.length, 5), {
      stopAt: 600000,
      error: new HttpError(400, 'the body ended early'),
    });
    await rejects(session.receive(truncated, IMAGE.length, HASH), 400, /ended early/);
    expect(target.calls.at(-1)).to.equal('cancel');
    const vanished = reader(IMAGE, cuts(IMAGE.length, 6), { stopAt: 12345, error: new Error('connection reset') });
    try {
      await session.receive(vanished, IMAGE.length, HASH);
      expect.fail('resolved');
    } catch (error) {
      expect((error as Error).message).to.equal('connection reset');
    }
    expect(target.calls).to.deep.equal([`begin ${IMAGE.length}`, 'cancel', `begin ${IMAGE.length}`, 'cancel']);
    expect(session.busy).to.equal(false);
    untouched(target, original);
  });

  it('checks the length itself too: fewer bytes than Content-Length is a 400, more is refused at once', async () => {
    const target = new MemoryOtaTarget();
    const session = new OtaSession(target);
    await rejects(session.receive(reader(IMAGE.subarray(0, 1000), []), 1001, HASH), 400, /1000 of 1001/);
    await rejects(session.receive(reader(IMAGE.subarray(0, 1000), [500]), 999, HASH), 400, /longer than/);
    expect(target.calls).to.deep.equal(['begin 1001', 'cancel', 'begin 999', 'cancel']);
  });

  it('answers an image larger than the update partition with 413 (before or while receiving)', async () => {
    const target = new MemoryOtaTarget({ capacity: 4096 });
    const original = target.running;
    const session = new OtaSession(target);
    await rejects(session.receive(reader(IMAGE, []), IMAGE.length, HASH), 413, /larger than the update partition/);
    expect(target.calls).to.deep.equal([]);
    await rejects(session.receive(reader(IMAGE, cuts(IMAGE.length, 9)), -1, HASH), 413);
    expect(target.calls).to.deep.equal(['begin -1', 'cancel']);
    untouched(target, original);
  });

  it('answers a second upload while one runs with 409, and the first one still completes', async () => {
    const target = new MemoryOtaTarget();
    const session = new OtaSession(target);
    const between = () => new Promise<void>((resolve) => setImmediate(resolve));
    const first = session.receive(reader(IMAGE, cuts(IMAGE.length, 11), { between }), IMAGE.length, HASH);
    expect(session.busy).to.equal(true);
    await new Promise((resolve) => setImmediate(resolve)); // the first upload is under way
    expect(session.progress).to.be.greaterThan(0);
    await rejects(session.receive(reader(IMAGE, []), IMAGE.length, HASH), 409, /already being received/);
    await rejects(session.receiveForm(reader(IMAGE, []), FORM_TYPE, undefined), 409);
    expect(session.busy).to.equal(true);
    expect((await first).sha256).to.equal(HASH);
    expect(target.calls).to.deep.equal([`begin ${IMAGE.length}`, 'complete']);
  });

  it('answers 501 where the board has no OTA target', async () => {
    const session = new OtaSession(undefined);
    expect(session.available).to.equal(false);
    await rejects(session.receive(reader(IMAGE, []), IMAGE.length, HASH), 501, /cannot update itself/);
    await rejects(session.receiveForm(reader(IMAGE, []), FORM_TYPE, undefined), 501);
  });

  it('cancels when the flash fails, and when the target rejects the image at complete()', async () => {
    const target = new MemoryOtaTarget();
    const original = target.running;
    const session = new OtaSession(target);
    target.failWriteAt = 300000;
    await rejects(session.receive(reader(IMAGE, cuts(IMAGE.length, 2)), IMAGE.length, HASH), 500, /flash write failed/);
    expect(target.calls.at(-1)).to.equal('cancel');
    target.failWriteAt = -1;
    target.rejectOnComplete = 'image validation failed';
    await rejects(session.receive(reader(IMAGE, cuts(IMAGE.length, 4)), IMAGE.length, HASH), 422, /validation failed/);
    untouched(target, original);
  });

  describe('multipart/form-data uploads (the dashboard’s file picker)', () => {
    const hashed = form([
      { name: 'sha256', data: HASH },
      { name: 'firmware', filename: 'chipweb-esp32.bin', data: IMAGE },
    ]);

    it('takes the hash from a field before or after the file, or from the header', async () => {
      const after = form([
        { name: 'note', data: 'x' },
        { name: 'firmware', filename: 'fw.bin', data: IMAGE },
        { name: 'sha256', data: ` ${HASH} ` },
      ]);
      const bare = form([{ name: 'firmware', filename: 'fw.bin', data: IMAGE }]);
      for (const [body, header] of [
        [hashed, undefined],
        [after, undefined],
        [bare, HASH],
      ] as const) {
        const target = new MemoryOtaTarget();
        const session = new OtaSession(target);
        const result = await session.receiveForm(reader(body, cuts(body.length, 13)), FORM_TYPE, header);
        expect(result).to.deep.equal({ bytes: IMAGE.length, sha256: HASH });
        expect(target.calls).to.deep.equal(['begin -1', 'complete']);
        expect(Buffer.from(target.bootImage).equals(Buffer.from(IMAGE))).to.equal(true);
      }
    });

    it('answers a wrong hash field with 422 and keeps the running image', async () => {
      const target = new MemoryOtaTarget();
      const original = target.running;
      const body = form([
        { name: 'sha256', data: '0'.repeat(64) },
        { name: 'firmware', filename: 'fw.bin', data: IMAGE },
      ]);
      await rejects(new OtaSession(target).receiveForm(reader(body, cuts(body.length, 17)), FORM_TYPE, undefined), 422);
      expect(target.calls).to.deep.equal(['begin -1', 'cancel']);
      untouched(target, original);
    });

    it('answers malformed forms with 400, 415 or 431, and cancels what was begun', async () => {
      const cases: [string, Uint8Array, string | undefined, number, RegExp][] = [
        ['no boundary', hashed, 'multipart/form-data', 400, /no valid boundary/],
        ['not multipart', hashed, 'application/octet-stream', 415, /not multipart/],
        ['no closing boundary', hashed.subarray(0, hashed.length - 30), FORM_TYPE, 400, /closing boundary/],
        ['no file field', form([{ name: 'sha256', data: HASH }]), FORM_TYPE, 400, /no file field named "firmware"/],
        ['no hash', form([{ name: 'firmware', filename: 'a', data: IMAGE }]), FORM_TYPE, 400, /SHA-256/],
        ['bad hash field', form([{ name: 'sha256', data: 'abc' }]), FORM_TYPE, 400, /64 hex digits/],
        [
          'two files',
          form([
            { name: 'firmware', filename: 'a', data: IMAGE.subarray(0, 100) },
            { name: 'firmware', filename: 'b', data: IMAGE.subarray(0, 100) },
          ]),
          FORM_TYPE,
          400,
          /more than one/,
        ],
        [
          'part headers over the limit',
          Uint8Array.from(
            Buffer.from(
              `--${BOUNDARY}\r\nContent-Disposition: form-data; name="x"\r\nX-Pad: ${'p'.repeat(600)}\r\n\r\n`,
            ),
          ),
          FORM_TYPE,
          431,
          /over the size limit/,
        ],
      ];
      for (const [name, body, type, status, text] of cases) {
        const target = new MemoryOtaTarget();
        const original = target.running;
        const session = new OtaSession(target);
        const error = await rejects(
          session.receiveForm(reader(body, cuts(body.length, 19)), type, undefined),
          status,
          text,
        );
        expect(error.status, name).to.equal(status);
        if (target.calls.length > 0) expect(target.calls.at(-1), name).to.equal('cancel');
        expect(session.busy, name).to.equal(false);
        untouched(target, original);
      }
    });
  });

  describe('the simulator’s file target', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'chipweb-ota-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('replaces the image file only in complete(), and calls onRestart', async () => {
      const image = join(dir, 'firmware.bin');
      writeFileSync(image, 'old image');
      let restarts = 0;
      const target = new FileOtaTarget({ image, onRestart: () => restarts++ });
      const session = new OtaSession(target);
      let seenMidway = '';
      const between = async () => {
        seenMidway ||= readFileSync(image, 'latin1');
      };
      await session.receive(reader(IMAGE, cuts(IMAGE.length, 23), { between }), IMAGE.length, HASH);
      expect(seenMidway).to.equal('old image');
      expect(createHash('sha256').update(readFileSync(image)).digest('hex')).to.equal(HASH);
      expect(existsSync(target.staging)).to.equal(false);
      target.restart();
      expect(restarts).to.equal(1);
    });

    it('leaves the image file as it was, and no staging file, after a wrong hash or a vanished client', async () => {
      const image = join(dir, 'firmware.bin');
      writeFileSync(image, 'old image');
      const session = new OtaSession(new FileOtaTarget({ image }));
      await rejects(session.receive(reader(IMAGE, cuts(IMAGE.length, 29)), IMAGE.length, '0'.repeat(64)), 422);
      expect(readFileSync(image, 'latin1')).to.equal('old image');
      expect(existsSync(`${image}.staging`)).to.equal(false);
      const vanished = reader(IMAGE, cuts(IMAGE.length, 31), { stopAt: 70000, error: new Error('gone') });
      await session.receive(vanished, IMAGE.length, HASH).catch(() => undefined);
      expect(readFileSync(image, 'latin1')).to.equal('old image');
      expect(existsSync(`${image}.staging`)).to.equal(false);
    });
  });
});
