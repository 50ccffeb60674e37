/**
 * `chipweb flash` without the Moddable SDK or a board toolchain: it names
 * every missing piece with how to install it, and exits 1 before running
 * anything; the command it would run for each target; usage errors.
 *
 * Never: fake the SDK or its tools; run with MODDABLE, IDF_PATH and
 * PICO_SDK_DIR unset (and a PATH without the tools).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../../toolchain/build.ts';
import { checkEnvironment, flashCommand, hostPlatform } from '../../toolchain/moddable-tools.ts';
import { flash } from '../../cli/flash.ts';
import { TARGETS } from '../../toolchain/templates.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const APP = join(HERE, 'fixtures', 'app.ts');

describe('firmware: chipweb flash with the SDK missing', function () {
  this.timeout(30000);
  let tmp: string;
  let emptyBin: string;
  /** The environment of a machine without the Moddable SDK or a toolchain. */
  let bare: NodeJS.ProcessEnv;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'chipweb-flash-'));
    emptyBin = join(tmp, 'bin');
    mkdirSync(emptyBin);
    bare = { PATH: emptyBin, HOME: tmp };
    for (const target of TARGETS) {
      await build({
        entry: APP,
        target,
        out: join(tmp, 'build', target),
        assets: null,
        env: { PATH: emptyBin },
        projectDir: tmp,
      });
    }
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  async function flashed(
    args: string[],
    env: NodeJS.ProcessEnv = bare,
  ): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await flash(args, env, {
      log: (line) => void (out += line + '\n'),
      error: (line) => void (err += line + '\n'),
    });
    return { code, out, err };
  }

  it('esp32: names MODDABLE and IDF_PATH, with how to install each, and exits 1', async () => {
    const { code, out, err } = await flashed([
      '--target',
      'esp32',
      '--out',
      join(tmp, 'build', 'esp32'),
      '--port',
      '/dev/ttyUSB0',
    ]);
    expect(code).to.equal(1);
    expect(out).to.equal(''); // nothing was run
    expect(err).to.include('chipweb flash: cannot flash the esp32; missing:');
    expect(err).to.include('MODDABLE is not set: the Moddable SDK is not installed or not in this shell');
    expect(err).to.include('npm install -g xs-dev && xs-dev setup');
    expect(err).to.include('source ~/.local/share/xs-dev-export.sh');
    expect(err).to.include('IDF_PATH is not set: ESP-IDF (the ESP32 toolchain) is not installed');
    expect(err).to.include('xs-dev setup --device esp32');
  });

  it('pico_w: names MODDABLE, the Pico SDK, the ARM compiler and cmake', async () => {
    const { code, err } = await flashed(['--target', 'pico_w', '--out', join(tmp, 'build', 'pico_w')]);
    expect(code).to.equal(1);
    expect(err).to.include('MODDABLE is not set');
    expect(err).to.include('PICO_SDK_DIR is not set (and ~/pico/pico-sdk does not exist)');
    expect(err).to.include('xs-dev setup --device pico');
    expect(err).to.include('arm-none-eabi-gcc is not on PATH');
    expect(err).to.include('cmake is not on PATH');
  });

  it('moddable-sim: needs only the SDK', async () => {
    const { code, err } = await flashed(['--target', 'moddable-sim', '--out', join(tmp, 'build', 'moddable-sim')]);
    expect(code).to.equal(1);
    expect(err).to.include('chipweb flash: cannot run the simulator; missing:');
    expect(err).to.include('MODDABLE is not set');
    expect(err).to.not.include('IDF_PATH');
    expect(err).to.not.include('PICO_SDK_DIR');
  });

  it('says when MODDABLE points nowhere, or the SDK tools are not built', async () => {
    expect(checkEnvironment('moddable-sim', { ...bare, MODDABLE: join(tmp, 'nope') })).to.deep.equal([
      {
        what: `MODDABLE is ${join(tmp, 'nope')}, which is not a folder`,
        fix: 'point MODDABLE at your Moddable SDK checkout, or install it with xs-dev: npm install -g xs-dev && xs-dev setup, then run: source ~/.local/share/xs-dev-export.sh (or follow https://github.com/Moddable-OpenSource/moddable/blob/public/documentation/Moddable%20SDK%20-%20Getting%20Started.md)',
      },
    ]);
    const [missing] = checkEnvironment('moddable-sim', { ...bare, MODDABLE: tmp });
    expect(missing.what).to.equal(
      `mcconfig was not found (neither in $MODDABLE/build/bin/${hostPlatform()}/release nor on PATH)`,
    );
    expect(missing.fix).to.include(`cd $MODDABLE/build/makefiles/${hostPlatform()} && make`);
    const esp = checkEnvironment('esp32', { ...bare, IDF_PATH: tmp }).map((m) => m.what);
    expect(esp).to.include('idf.py is not on PATH: the ESP-IDF environment is not active in this shell');
  });

  it('with --xs-dev: says how to install xs-dev', async () => {
    const { code, err } = await flashed(['--target', 'esp32', '--xs-dev', '--out', join(tmp, 'build', 'esp32')]);
    expect(code).to.equal(1);
    expect(err).to.include('xs-dev is not installed');
    expect(err).to.include('npm install -g xs-dev   (then: xs-dev setup --device esp32)');
  });

  it('asks for a build first when there is no manifest', async () => {
    const { code, err } = await flashed(['--target', 'pico_w', '--out', join(tmp, 'nothing-here')]);
    expect(code).to.equal(1);
    expect(err).to.include("manifest.json does not exist: run 'chipweb build ENTRY --target pico_w' first");
  });

  it('rejects a missing or unknown target and a port for the simulator', async () => {
    expect((await flashed([])).code).to.equal(2);
    const unknown = await flashed(['--target', 'esp8266']);
    expect(unknown.code).to.equal(2);
    expect(unknown.err).to.include("--target must be one of esp32, pico_w, moddable-sim, espruino, not 'esp8266'");
    const port = await flashed(['--target', 'moddable-sim', '--port', '/dev/ttyUSB0']);
    expect(port.code).to.equal(2);
    expect(port.err).to.include('--port is for boards');
  });

  it('would run mcconfig -d -m -p <platform> on the manifest (UPLOAD_PORT for --port), or xs-dev', () => {
    const manifest = join(tmp, 'build', 'esp32', 'manifest.json');
    const esp = flashCommand(
      'esp32',
      manifest,
      { port: '/dev/ttyUSB0', mcPlatform: 'esp32', outDir: join(tmp, 'mc') },
      bare,
    );
    expect(esp.command).to.equal('mcconfig');
    expect(esp.args).to.deep.equal(['-d', '-m', '-p', 'esp32', '-o', join(tmp, 'mc'), manifest]);
    expect(esp.env.UPLOAD_PORT).to.equal('/dev/ttyUSB0');
    const pico = flashCommand(
      'pico_w',
      manifest,
      { release: true, mcPlatform: 'pico/pico_w', outDir: join(tmp, 'mc') },
      bare,
    );
    expect(pico.args).to.deep.equal(['-m', '-p', 'pico/pico_w', '-o', join(tmp, 'mc'), manifest]);
    const sim = flashCommand('moddable-sim', manifest, { mcPlatform: 'host', outDir: join(tmp, 'mc') }, bare);
    expect(sim.args.slice(0, 4)).to.deep.equal(['-d', '-m', '-p', hostPlatform()]);
    const xsdev = flashCommand(
      'esp32',
      manifest,
      { xsDev: true, port: '/dev/ttyUSB0', mcPlatform: 'esp32', outDir: join(tmp, 'mc') },
      bare,
    );
    expect([xsdev.command, ...xsdev.args]).to.deep.equal([
      'xs-dev',
      'run',
      '--device',
      'esp32',
      '--port',
      '/dev/ttyUSB0',
    ]);
    expect(xsdev.cwd).to.equal(join(tmp, 'build', 'esp32'));
  });

  it('through the chipweb command, in a shell without the SDK', () => {
    const result = spawnSync(
      process.execPath,
      [join(ROOT, 'cli', 'chipweb.js'), 'flash', '--target', 'esp32', '--out', join(tmp, 'build', 'esp32')],
      {
        env: { PATH: process.env.PATH, HOME: tmp },
        encoding: 'utf8',
      },
    );
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('MODDABLE is not set');
    expect(result.stderr).to.include('IDF_PATH is not set');
  });
});
