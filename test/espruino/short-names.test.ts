/**
 * Short property names in the Espruino build (toolchain/espruino/short-names.ts):
 * which names are shortened and which are kept, and that the boot code and
 * the OTA module, lowered apart, use the same short names.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildEspruino, standIns } from '../../toolchain/espruino/build.ts';
import { lowerForEspruino } from '../../toolchain/espruino/lower.ts';
import { shortNamesFor } from '../../toolchain/espruino/short-names.ts';
import { detokenise } from '../../toolchain/espruino/pretokenise.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('espruino: short property names', function () {
  this.timeout(60000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'chipweb-short-names-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("shortens the core's class members, and keeps what the app, data shapes, strings and built-ins name", () => {
    const root = join(tmp, 'package');
    mkdirSync(join(root, 'src'), { recursive: true });
    mkdirSync(join(root, 'firmware/espruino/types'), { recursive: true });
    writeFileSync(
      join(root, 'src/core.ts'),
      [
        'export interface Stats { requests: number; answered(): void }',
        'export class Slot {',
        '  contentLength = 0;',
        '  requests = 0;',
        '  bodyText = "";',
        '  lookedUp = 0;',
        '  stored = 0;',
        '  sliced = 0;',
        '  nativeSocket = 0;',
        '  ab = 0;',
        '  constructor(private readonly keeper: number) {}',
        '  keepAliveNow(): boolean { return this.keeper > 0; }',
        '  get headerCount(): number { return 0; }',
        '  answered(): void {}',
        '  saved() { return { stored: this.stored }; }',
        '  slice(): void {}',
        "  find(o: Record<string, number>) { return o['lookedUp']; }",
        '  capacityLeft = 0;',
        '  committed = 0;',
        '}',
        // Words of a message are not keys: a computed access reads a whole string.
        "export const MESSAGE = 'sliced, then headerCount: a message';",
      ].join('\n'),
    );
    writeFileSync(join(root, 'firmware/espruino/types/engine.ts'), 'export interface Socket { nativeSocket: number }');
    // The package's API: an exported class's public members keep their names, its private ones do not.
    writeFileSync(join(root, 'package.json'), JSON.stringify({ exports: { '.': './src/index.ts' } }));
    writeFileSync(
      join(root, 'src/index.ts'),
      "export { Api } from './api.ts';\nexport type { Slot } from './core.ts';",
    );
    // Not bundled: a module imported only for its types, and one another script (an OTA module) holds.
    writeFileSync(join(root, 'src/types-only.ts'), 'export interface Target { capacityLeft: number }');
    writeFileSync(
      join(root, 'firmware/espruino/record.ts'),
      'export const record = (n: number) => ({ committed: n });',
    );
    writeFileSync(join(root, 'src/base.ts'), 'export class Base { baseThing = 1; private basePrivate = 2; }');
    writeFileSync(
      join(root, 'src/api.ts'),
      [
        "import { Base } from './base.ts';",
        'export class Api extends Base {',
        '  constructor(readonly openedAt: number, private readonly hiddenAt: number) {}',
        '  statistics(): number { return this.hiddenAt; }',
        '  private internalCount = 0;',
        '}',
      ].join('\n'),
    );
    const app = join(tmp, 'app.ts');
    // The app's comments and the words of its messages do not keep a name; its identifiers do.
    writeFileSync(
      app,
      "// saved, keepAliveNow\nexport const text = (c: { bodyText: string }) => c.bodyText + ' contentLength';",
    );
    const inputs = ['src/core.ts', 'src/api.ts', 'src/base.ts'].map((f) => join(root, f));
    const { names, cache } = shortNamesFor(root, [...inputs, app], 'x.keepAliveNow(); x.keepAliveNow(); x.saved();');
    expect([...names].sort()).to.deep.equal([
      'basePrivate',
      'contentLength',
      'headerCount',
      'internalCount',
      'keepAliveNow',
      'saved',
      'sliced',
    ]);
    // The most used name gets the first short name; every short name is $ and letters, and unique.
    expect(cache.keepAliveNow).to.equal('$a');
    expect(cache.saved).to.equal('$b');
    const shorts = Object.values(cache);
    expect(new Set(shorts).size).to.equal(shorts.length);
    for (const short of shorts) expect(short).to.match(/^\$[A-Za-z0-9]{1,2}$/);
    // Kept: requests and answered (an interface's members), bodyText (the app names it), lookedUp (a string of that one word),
    // stored (an object literal's key), slice (a built-in's member), nativeSocket (the engine's API), ab (short),
    // openedAt and statistics (the public API of a class the package exports; Slot is exported only as a type),
    // keeper and hiddenAt (parameter properties), baseThing (a public member of the class it extends), capacityLeft and committed (an interface member and an
    // object literal's key in files the bundle does not hold).
  });

  it('the default app: internal names are short in the boot code and in the OTA module alike; the API keeps its names', async () => {
    const out = join(tmp, 'dashboard');
    const built = await buildEspruino({ entry: join(ROOT, 'firmware/app/main.ts'), out, env: {}, projectDir: tmp });
    // The boot code with the cold functions' bodies (toolchain/espruino/cold.ts), which it makes at each call.
    const boot =
      detokenise(readFileSync(join(out, 'storage/.bootcde'))) +
      detokenise(readFileSync(join(out, 'storage/chipweb.cold')));
    const ota = detokenise(readFileSync(join(out, 'storage/chipweb.ota')));
    const names = built.shortNames?.names ?? [];
    // The OTA commit record's keys (ota-target.ts, only in the OTA module) stay: the installer reads them.
    expect(names).to.not.include('files');
    expect(names).to.include.members([
      'keepAliveNow',
      'contentLength',
      'bodyComplete',
      'minorVersion',
      'delimiterLength',
    ]);
    for (const name of ['keepAliveNow', 'contentLength', 'bodyComplete', 'minorVersion'])
      expect(boot, name).to.not.match(new RegExp(`[.]${name}\\b`));
    for (const name of ['json', 'text', 'header', 'param', 'requests', 'write', 'toString', 'stats', 'listeningPort'])
      expect(boot, name).to.match(new RegExp(`[.]${name}\\b`));

    // The OTA module (lowered apart) uses the boot code's short names: the multipart parser's names, which the
    // boot code's list holds, are written with the boot code's mapping, not one chosen for the module alone.
    const module = { entry: join(ROOT, 'firmware/espruino/ota-module.ts'), substitutes: standIns(true, false) };
    const longNamed = (await lowerForEspruino({ ...module, shortNames: null })).code;
    const cache = built.shortNames?.cache ?? {};
    for (const name of ['delimiterLength', 'delimiter']) {
      expect(longNamed, name).to.match(new RegExp(`[.]${name}\\b`));
      expect(ota, name).to.not.match(new RegExp(`[.]${name}\\b`));
      expect(ota, name).to.include(`.${cache[name]}`);
    }
    for (const name of names) {
      expect(boot, name).to.not.match(new RegExp(`[.]${name}\\b`));
      expect(ota, name).to.not.match(new RegExp(`[.]${name}\\b`));
    }
  });

  it("an app's own file keeps every name it uses", async () => {
    const lowered = await lowerForEspruino({ entry: join(ROOT, 'test/espruino/fixtures/lowerable.ts') });
    expect(lowered.shortNames?.names).to.deep.equal([]);
  });

  it('an unminified build keeps every name', async () => {
    const lowered = await lowerForEspruino({ entry: join(ROOT, 'firmware/espruino/ota-module.ts'), minify: false });
    expect(lowered.shortNames).to.equal(null);
    expect(lowered.code).to.match(/[.]delimiterLength\b/);
  });
});
