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
import { shortenableNames } from '../../toolchain/espruino/short-names.ts';

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
        '}',
      ].join('\n'),
    );
    writeFileSync(join(root, 'firmware/espruino/types/engine.ts'), 'export interface Socket { nativeSocket: number }');
    // The package's API: an exported class's public members keep their names, its private ones do not.
    writeFileSync(join(root, 'package.json'), JSON.stringify({ exports: { '.': './src/index.ts' } }));
    writeFileSync(
      join(root, 'src/index.ts'),
      "export { Api } from './api.ts';\nexport type { Slot } from './core.ts';",
    );
    writeFileSync(
      join(root, 'src/api.ts'),
      [
        'export class Api {',
        '  constructor(readonly openedAt: number, private readonly hiddenAt: number) {}',
        '  statistics(): number { return this.hiddenAt; }',
        '  private internalCount = 0;',
        '}',
      ].join('\n'),
    );
    const app = join(tmp, 'app.ts');
    writeFileSync(app, 'export const text = (c: { bodyText: string }) => c.bodyText;');
    const names = shortenableNames(root, [join(root, 'src/core.ts'), join(root, 'src/api.ts'), app]);
    expect(names).to.deep.equal([
      'contentLength',
      'headerCount',
      'hiddenAt',
      'internalCount',
      'keepAliveNow',
      'keeper',
      'saved',
      'sliced',
    ]);
    // Kept: requests and answered (an interface's members), bodyText (the app names it), lookedUp (in a string),
    // stored (an object literal's key), slice (a built-in's member), nativeSocket (the engine's API), ab (short),
    // openedAt and statistics (the public API of a class the package exports; Slot is exported only as a type).
  });

  it('the default app: internal names are short in the boot code and in the OTA module alike; the API keeps its names', async () => {
    const out = join(tmp, 'dashboard');
    const built = await buildEspruino({ entry: join(ROOT, 'firmware/app/main.ts'), out, env: {}, projectDir: tmp });
    const boot = readFileSync(join(out, 'storage/.bootcde'), 'utf8');
    const ota = readFileSync(join(out, 'storage/chipweb.ota'), 'utf8');
    const names = built.shortNames?.names ?? [];
    expect(names).to.include.members(['keepAliveNow', 'contentLength', 'bodyComplete', 'minorVersion', 'scanPreamble']);
    for (const name of ['keepAliveNow', 'contentLength', 'bodyComplete', 'minorVersion'])
      expect(boot, name).to.not.match(new RegExp(`[.]${name}\\b`));
    for (const name of ['json', 'text', 'header', 'param', 'requests', 'write', 'toString', 'stats', 'listeningPort'])
      expect(boot, name).to.match(new RegExp(`[.]${name}\\b`));

    // The OTA module: its own lowering would keep the multipart parser's names in this list, but short.
    const module = { entry: join(ROOT, 'firmware/espruino/ota-module.ts'), substitutes: standIns(true, false) };
    const longNamed = (await lowerForEspruino({ ...module, shortNames: null })).code;
    expect(longNamed).to.match(/[.]scanPreamble\b/);
    expect(ota).to.not.match(/[.]scanPreamble\b/);
    // Lowered with the boot code's names, every name becomes what it became in the boot code.
    const alike = await lowerForEspruino({ ...module, shortNames: built.shortNames });
    const bootCache = built.shortNames?.cache ?? {};
    for (const [name, short] of Object.entries(alike.shortNames?.cache ?? {}))
      if (name in bootCache) expect(short, name).to.equal(bootCache[name]);
  });

  it("an app's own file keeps every name it uses", async () => {
    const lowered = await lowerForEspruino({ entry: join(ROOT, 'test/espruino/fixtures/lowerable.ts') });
    expect(lowered.shortNames?.names).to.deep.equal([]);
  });

  it('an unminified build keeps every name', async () => {
    const lowered = await lowerForEspruino({ entry: join(ROOT, 'firmware/espruino/ota-module.ts'), minify: false });
    expect(lowered.shortNames).to.equal(null);
    expect(lowered.code).to.match(/[.]scanPreamble\b/);
  });
});
