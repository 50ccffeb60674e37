/**
 * An app in a CommonJS package gets a message saying what to change, from
 * `chipweb build` (both kinds) and `chipweb sim`, instead of Node's "Cannot
 * require() ES Module … in a cycle".
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as sim } from '../../cli/sim.ts';
import { build, BuildError } from '../../toolchain/build.ts';
import { buildEspruino } from '../../toolchain/espruino/build.ts';
import { moduleTypeProblem } from '../../toolchain/module-type.ts';

describe('the module type of an app', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'chipweb-type-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function project(name: string, manifest: object | null): string {
    const dir = join(tmp, name);
    mkdirSync(join(dir, 'src'), { recursive: true });
    if (manifest) writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'src', 'app.ts'), "import { App } from 'chipweb';\nexport default new App();\n");
    return join(dir, 'src', 'app.ts');
  }

  it('is fine in a "type": "module" package, or as .mts', () => {
    expect(moduleTypeProblem(project('esm', { type: 'module' }))).to.equal(null);
    expect(moduleTypeProblem(join(tmp, 'esm', 'app.mts'))).to.equal(null);
  });

  it('names the package.json and the fix when it is CommonJS', async () => {
    const entry = project('cjs', { type: 'commonjs' });
    expect(moduleTypeProblem(entry)).to.include('has "type": "commonjs"').and.include('set "type": "module"');
    expect(moduleTypeProblem(project('untyped', { name: 'x' }))).to.include('has no "type"');
    const error = await build({ entry, target: 'esp32', out: join(tmp, 'out') }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(BuildError);
    expect((error as Error).message).to.include('set "type": "module"');
    const printed: string[] = [];
    const original = console.error;
    console.error = (line: string) => printed.push(line);
    try {
      expect(await sim([entry, '--port', '0'])).to.equal(2);
    } finally {
      console.error = original;
    }
    expect(printed.join('\n')).to.include('chipweb sim:').and.include('set "type": "module"');
  });

  it('is named by the Espruino build too, and a folder given as the entry is named as one', async () => {
    const entry = project('cjs-espruino', { type: 'commonjs' });
    const error = await buildEspruino({ entry, out: join(tmp, 'out-espruino') }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(BuildError);
    expect((error as Error).message).to.include('set "type": "module"');
    const folder = await build({ entry: join(tmp, 'cjs-espruino'), target: 'esp32', out: join(tmp, 'out') }).catch(
      (e: unknown) => e,
    );
    expect((folder as Error).message).to.include('is a folder: give the app module');
  });
});
