/**
 * The Espruino over-the-air image in Node: packed by the toolchain
 * (toolchain/espruino/ota-image.ts), read back by the board's streaming
 * reader (firmware/espruino/ota-image.ts) split at every point and at
 * random points, and the images the reader refuses, with what it says.
 * The board side runs in test/espruino/engine/ota.espruino.ts.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ImageFile, ImageReader, type ImageSink, MAX_HEADER } from '../../firmware/espruino/ota-image.ts';
import { buildEspruino } from '../../toolchain/espruino/build.ts';
import { packImage } from '../../toolchain/espruino/ota-image.ts';

/** A sink that rebuilds the files from the pieces, checking each lands inside its file. */
function collector() {
  let list: ImageFile[] = [];
  const files: Uint8Array[] = [];
  const sink: ImageSink = {
    files(l) {
      list = l;
      for (const [, size] of l) files.push(new Uint8Array(size).fill(0xff));
    },
    data(index, offset, bytes, start, end) {
      expect(offset + (end - start), `piece of ${list[index][0]} past its size`).to.be.at.most(list[index][1]);
      files[index].set(bytes.subarray(start, end), offset);
    },
  };
  return { sink, files, names: () => list.map((f) => f[0]) };
}

/** Feeds `image` to a new reader in pieces ending at `cuts`. */
function read(image: Uint8Array, cuts: number[]) {
  const reader = new ImageReader();
  const c = collector();
  let from = 0;
  for (const cut of [...cuts, image.length]) {
    reader.push(image, from, cut, c.sink);
    from = cut;
  }
  return { reader, ...c };
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

const FILES = [
  { name: 'routes.bin', bytes: new Uint8Array([1, 2, 3, 0, 255, 10]) },
  { name: 'index.html.gz', bytes: new Uint8Array(700).map((_v, i) => (i * 31) & 255) },
  { name: '.bootcde', bytes: bytes('print("new app")\n') },
];

describe('espruino: the over-the-air image', () => {
  it('reads back every file whole, split at every point', () => {
    const image = packImage(FILES);
    for (let cut = 0; cut <= image.length; cut++) {
      const { reader, files } = read(image, [cut]);
      expect(reader.done, `split at ${cut}`).to.equal(true);
      expect(files.map((f) => Buffer.from(f).toString('hex'))).to.deep.equal(
        FILES.map((f) => Buffer.from(f.bytes).toString('hex')),
      );
    }
  });

  it('reads back every file whole in random small pieces', () => {
    const image = packImage(FILES);
    for (let run = 0; run < 200; run++) {
      const cuts: number[] = [];
      for (let at = 0; at < image.length; at += 1 + Math.floor(Math.random() * 40)) cuts.push(at);
      const { reader, files } = read(image, cuts);
      expect(reader.done).to.equal(true);
      expect(Buffer.from(files[1]).equals(Buffer.from(FILES[1].bytes))).to.equal(true);
    }
  });

  it('is not done when the image stops early', () => {
    const image = packImage(FILES);
    const { reader } = read(image.subarray(0, image.length - 1), []);
    expect(reader.done).to.equal(false);
  });

  it('refuses bytes after the last file', () => {
    const image = packImage(FILES);
    const longer = new Uint8Array(image.length + 1);
    longer.set(image, 0);
    expect(() => read(longer, [])).to.throw('the image goes on after its last file');
  });

  it('refuses what is not a chipweb Espruino image, saying so', () => {
    expect(() => read(bytes('\x7fELF...'), [])).to.throw('not a chipweb Espruino image');
    expect(() => read(bytes('chipweb-espruino 1\n{nope\n'), [])).to.throw("the image's file list is not JSON");
    expect(() => read(bytes('chipweb-espruino 1\n[["routes.bin",3]]\nabc'), [])).to.throw(
      'the image has no .bootcde (not an Espruino build)',
    );
    expect(() => read(bytes('chipweb-espruino 1\n[[".cwota.commit",3],[".bootcde",1]]\n'), [])).to.throw(
      'may not hold a file named .cwota.commit',
    );
    expect(() => read(bytes('chipweb-espruino 1\n[[".bootcde",0]]\n'), [])).to.throw('no size above 0');
    expect(() => read(bytes(`chipweb-espruino 1\n[["${'x'.repeat(29)}",1],[".bootcde",1]]\n`), [])).to.throw(
      'no Storage name of 1 to 28 characters',
    );
    expect(() => read(bytes('chipweb-espruino 1\n[[".bootcde",1],[".bootcde",1]]\n'), [])).to.throw(
      'holds .bootcde twice',
    );
    expect(() => read(bytes(`chipweb-espruino 1\n${' '.repeat(MAX_HEADER)}`), [])).to.throw(
      `header is longer than ${MAX_HEADER} bytes`,
    );
  });

  it('packImage refuses what the board would refuse', () => {
    expect(() => packImage([{ name: 'routes.bin', bytes: new Uint8Array(1) }])).to.throw('no .bootcde');
    expect(() => packImage([{ name: '.bootcde', bytes: new Uint8Array(0) }])).to.throw('no size above 0');
  });

  it('chipweb build --target espruino writes update.bin: every Storage file, in upload order, with its SHA-256', async function () {
    this.timeout(60000);
    const tmp = mkdtempSync(join(tmpdir(), 'chipweb-espruino-image-'));
    try {
      const entry = resolve(import.meta.dirname, 'fixtures/conformance-entry.ts');
      const built = await buildEspruino({ entry, out: join(tmp, 'out'), assets: null, env: {}, projectDir: tmp });
      const image = readFileSync(built.image.path);
      expect(built.image.bytes).to.equal(image.length);
      expect(built.image.sha256).to.equal(createHash('sha256').update(image).digest('hex'));
      const { reader, files, names } = read(new Uint8Array(image), [100, 5000]);
      expect(reader.done).to.equal(true);
      expect(names()).to.deep.equal(built.files.map((f) => f.name));
      built.files.forEach((f, i) => {
        expect(Buffer.from(files[i]).equals(readFileSync(join(built.out, f.path))), f.name).to.equal(true);
      });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
