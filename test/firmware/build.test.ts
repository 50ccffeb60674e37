/**
 * `chipweb build`: the manifest generated for each target (structure,
 * includes, modules, resources, preload, creation, config), the resources
 * (route table, gzipped assets with ETags), the bundle (only Moddable module
 * names, no Node built-in or host global), credentials handling, the size
 * report and its budget check, clear errors; and the built main.js itself
 * running on the real XS engine against the ECMA-419 fake, with nothing its
 * preloaded modules made at load time modified at run time.
 *
 * Never: touch a real board or the Moddable SDK; write outside temp folders.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { build, BuildError, bundleProblems, isModdableModule, type BuildResult } from '../../toolchain/build.ts';
import { run, wifiNote } from '../../cli/build.ts';
import { strongEtag } from '../../toolchain/assets.ts';
import { formatReport } from '../../toolchain/size-report.ts';

/**
 * Slot-heap slots the board code holds on xsnap with the ECMA-419 fake: a
 * fixed part plus a part per connection slot. A regression bound for the
 * objects the core makes; the size report uses the figures measured on the
 * real engine (manifests/measured/, npm run measure:xs32).
 */
import { loadTemplate, TARGETS, type Target } from '../../toolchain/templates.ts';
import { compileRoutes, routesHash, tableHash } from '../../src/router/index.ts';
import { artifactBundle, XsBoard } from './xs-board.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const APP = join(HERE, 'fixtures', 'app.ts');
const NO_CREDENTIALS = { PATH: process.env.PATH };

/**
 * Live XS slots the board firmware may hold at boot on xsnap (64-bit XS):
 * a regression bound, fixed + per connection slot, and what WebSocket
 * routes add (a session for half the slots, the default wsSlots: half a
 * session per connection slot, made at the upgrades that need them: the
 * WebSocket figures are after one socket per session). Measured 2026-11-30
 * (this test, 2 and 6 slots): 581 fixed, 128 per connection; with WebSocket
 * routes 616 fixed, 155.5 per connection (sessions made at boot then: 633,
 * 132; 668, 160.5; before the sessions were bounded and the spare
 * context, the async callbacks and the c.set() values made on first use:
 * 712, 157; 747, 226). The size report's budget comes from the 32-bit
 * measurement (manifests/measured/, npm run measure:xs32).
 */
const XSNAP_SLOT_BOUNDS = { fixed: 660, perConnection: 140, webSocketFixed: 40, perWebSocketConnection: 30 };

/** Runs `fn` with console output captured. */
async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; out: string; err: string }> {
  const log = console.log;
  const error = console.error;
  let out = '';
  let err = '';
  console.log = (...args: unknown[]) => void (out += args.join(' ') + '\n');
  console.error = (...args: unknown[]) => void (err += args.join(' ') + '\n');
  try {
    return { value: await fn(), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('firmware: chipweb build', function () {
  this.timeout(60000);
  let tmp: string;
  let assets: string;
  const INDEX = '<!doctype html><title>t</title>' + '<p>chipweb dashboard</p>'.repeat(80);
  const PNG = new Uint8Array(600);

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'chipweb-build-'));
    assets = join(tmp, 'ui');
    mkdirSync(join(assets, 'css'), { recursive: true });
    writeFileSync(join(assets, 'index.html'), INDEX);
    writeFileSync(join(assets, 'css', 'site.css'), 'body{margin:0}'.repeat(20));
    writeFileSync(join(assets, 'tiny.txt'), 'ok');
    let x = 12345;
    for (let i = 0; i < PNG.length; i++) PNG[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    writeFileSync(join(assets, 'logo.png'), PNG);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const results = new Map<Target, BuildResult>();
  async function built(target: Target): Promise<BuildResult> {
    let result = results.get(target);
    if (!result) {
      result = await build({
        entry: APP,
        target,
        out: join(tmp, 'build', target),
        assets,
        env: NO_CREDENTIALS,
        projectDir: tmp,
      });
      results.set(target, result);
    }
    return result;
  }

  describe('the generated manifest', () => {
    for (const target of TARGETS) {
      it(`${target}: template + modules, resources, preload, creation, config, platform identifiers`, async () => {
        const { manifest, template } = await built(target);
        expect(manifest).to.not.have.property('chipweb');
        // The app (main) runs at boot; the core (chipweb and its chunks) is preloaded into flash.
        const modules = (manifest.modules as { '*': string[] })['*'];
        expect(modules).to.include('./main');
        expect(modules).to.include('./chipweb');
        for (const m of modules) expect(m).to.match(/^\.\/(main|chipweb(-[A-Z0-9]+)?)$/);
        expect(
          readdirSync(join(tmp, 'build', target))
            .filter((f) => f.endsWith('.js'))
            .sort(),
        ).to.deep.equal(modules.map((m) => `${m.slice(2)}.js`).sort());
        expect(manifest.preload).to.deep.equal(modules.filter((m) => m !== './main').map((m) => m.slice(2)));
        expect(manifest.resources).to.deep.equal({ '*': ['./resources/*'] });
        const creation = manifest.creation as typeof template.creation;
        expect(creation).to.deep.equal(template.creation);
        expect(creation.chunk.incremental).to.equal(0);
        expect(creation.heap.incremental).to.equal(0);
        expect(creation.main).to.equal('main');

        const include = manifest.include as string[];
        for (const m of [
          '$(MODDABLE)/examples/manifest_base.json',
          '$(MODDABLE)/examples/manifest_net.json',
          '$(MODDABLE)/modules/network/wifi/manifest.json',
          '$(MODDABLE)/modules/network/mdns/manifest.json',
          '$(MODDABLE)/modules/files/preference/manifest.json',
          '$(MODDABLE)/modules/base/instrumentation/manifest.json',
        ]) {
          expect(include).to.include(m);
        }
        const platforms = manifest.platforms as Record<string, Record<string, any>>;
        expect(platforms['...'].error).to.include(`'chipweb build --target ${target}'`);
        const config = manifest.config as Record<string, unknown>;
        expect(config).to.not.have.property('ssid');
        expect(config).to.not.have.property('password');
        expect(config.deviceName).to.equal(template.budget.device.name);

        if (target === 'esp32') {
          expect(include).to.include('$(MODDABLE)/modules/io/manifest.json');
          expect(Object.keys(platforms)).to.deep.equal(['esp32', '...']);
          expect(platforms.esp32.modules['~']).to.deep.equal(['$(BUILD)/devices/esp32/setup/network']);
          expect(config.ledPin).to.equal(2);
        } else if (target === 'pico_w') {
          // Moddable's generic io manifest has no sockets for "pico": the Pico W's network one does.
          expect(include).to.not.include('$(MODDABLE)/modules/io/manifest.json');
          expect(Object.keys(platforms)).to.deep.equal(['pico/pico_w', '...']);
          expect(platforms['pico/pico_w'].include).to.deep.equal([
            '$(MODDABLE)/modules/io/manifests/pico/manifest_net.json',
          ]);
          expect(platforms['pico/pico_w'].modules['~']).to.deep.equal(['$(BUILD)/devices/pico/setup/network']);
          expect(config.ledPin).to.equal(32);
        } else {
          expect(include).to.include('$(MODDABLE)/modules/io/manifest.json');
          expect(Object.keys(platforms)).to.deep.equal(['lin', 'mac', 'win', '...']);
          expect(config).to.not.have.property('ledPin');
        }
        // What is on disk is what build() returned.
        expect(JSON.parse(readFileSync(join(tmp, 'build', target, 'manifest.json'), 'utf8'))).to.deep.equal(manifest);
      });
    }

    it('esp32: writes a partition table with two app slots and otadata, names it in the manifest, and builds in the OTA target; pico_w has none', async () => {
      const esp32 = await built('esp32');
      const platforms = esp32.manifest.platforms as Record<string, Record<string, any>>;
      expect(platforms.esp32.build).to.deep.equal({ PARTITIONS_FILE: './partitions.csv' });
      expect(platforms.esp32.include).to.deep.equal(['$(BUILD)/devices/esp32/modules/ota/manifest.json']);
      const rows = readFileSync(join(tmp, 'build', 'esp32', 'partitions.csv'), 'utf8')
        .split('\n')
        .filter((line) => line.trim() && !line.startsWith('#'))
        .map((line) => line.split(',').map((cell) => cell.trim()));
      const byName = new Map(rows.map((r) => [r[0], r]));
      expect([...byName.keys()]).to.include.members(['nvs', 'otadata', 'ota_0', 'ota_1']);
      expect(byName.has('factory')).to.equal(false);
      expect(byName.get('otadata')?.slice(1, 3)).to.deep.equal(['data', 'ota']);
      let end = 0;
      for (const slot of ['ota_0', 'ota_1']) {
        const [, type, subtype, offset, size] = byName.get(slot) as string[];
        expect([type, subtype]).to.deep.equal(['app', slot]);
        expect(Number(offset) % 0x10000, `${slot} on a 64 KB boundary`).to.equal(0);
        expect(Number(size)).to.equal(esp32.template.budget.ota?.appSlot);
        end = Math.max(end, Number(offset) + Number(size));
      }
      expect(end).to.be.at.most(4 * 1024 * 1024);
      const core = readdirSync(join(tmp, 'build', 'esp32'))
        .filter((f) => f.startsWith('chipweb'))
        .map((f) => readFileSync(join(tmp, 'build', 'esp32', f), 'utf8'))
        .join('\n');
      expect(core).to.match(/from\s*"ota"/);
      expect(core).to.contain('appSlot');

      const pico = await built('pico_w');
      expect(pico.template.budget.ota).to.equal(null);
      expect(readdirSync(join(tmp, 'build', 'pico_w'))).to.not.include('partitions.csv');
      const picoCore = readdirSync(join(tmp, 'build', 'pico_w'))
        .filter((f) => f.startsWith('chipweb'))
        .map((f) => readFileSync(join(tmp, 'build', 'pico_w', f), 'utf8'))
        .join('\n');
      expect(picoCore).to.not.match(/from\s*"ota"/);
    });

    it('puts Wi-Fi credentials from CHIPWEB_SSID/CHIPWEB_PASSWORD into config, and only there', async () => {
      const out = join(tmp, 'creds');
      const result = await build({
        entry: APP,
        target: 'esp32',
        out,
        assets: null,
        env: { CHIPWEB_SSID: 'home net', CHIPWEB_PASSWORD: 'hunter22' },
        projectDir: tmp,
      });
      expect(result.credentials).to.equal('environment');
      expect((result.manifest.config as Record<string, unknown>).ssid).to.equal('home net');
      expect((result.manifest.config as Record<string, unknown>).password).to.equal('hunter22');
      expect(readFileSync(join(out, 'main.js'), 'utf8')).to.not.include('hunter22');
    });

    it('says what each board does without Wi-Fi credentials: the ESP32 starts an access point, the Pico W cannot', async () => {
      const notes: Record<string, string> = {};
      for (const target of ['esp32', 'pico_w', 'moddable-sim'] as const) {
        const result = await build({
          entry: APP,
          target,
          out: join(tmp, `wifi-${target}`),
          assets: null,
          env: NO_CREDENTIALS,
          projectDir: tmp,
        });
        notes[target] = wifiNote(result);
      }
      expect(notes.esp32).to.include('starts its own access point');
      expect(notes.pico_w).to.include('cannot start an access point').and.include('CHIPWEB_SSID');
      expect(notes['moddable-sim']).to.include('managed by the computer');
    });

    it('reads credentials from a git-ignored .env, and refuses a .env git would commit', async () => {
      const project = join(tmp, 'project');
      mkdirSync(project);
      writeFileSync(join(project, '.env'), '# wifi\nCHIPWEB_SSID="cafe"\nexport CHIPWEB_PASSWORD=latte123 # comment\n');
      const plain = await build({
        entry: APP,
        target: 'pico_w',
        out: join(project, 'build'),
        assets: null,
        env: NO_CREDENTIALS,
        projectDir: project,
      });
      expect(plain.credentials).to.equal('.env');
      expect(plain.manifest.config).to.deep.include({ ssid: 'cafe', password: 'latte123' });

      expect(spawnSync('git', ['init', '-q'], { cwd: project }).status).to.equal(0);
      let message = '';
      try {
        await build({
          entry: APP,
          target: 'pico_w',
          out: join(project, 'build'),
          assets: null,
          env: NO_CREDENTIALS,
          projectDir: project,
        });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).to.include('git would commit it: add ".env" to .gitignore');
      writeFileSync(join(project, '.gitignore'), '.env\nbuild/\n');
      const ignored = await build({
        entry: APP,
        target: 'pico_w',
        out: join(project, 'build'),
        assets: null,
        env: NO_CREDENTIALS,
        projectDir: project,
      });
      expect(ignored.credentials).to.equal('.env');
    });
  });

  describe('resources', () => {
    it('ships the route table compiled from the app, in registration order', async () => {
      const { out, routes } = await built('esp32');
      const table = new Uint8Array(readFileSync(join(out, 'resources', 'routes.bin')));
      expect(routes).to.deep.equal([
        ['GET', '/'],
        ['GET', '/users/:id'],
        ['POST', '/led/:state'],
        ['GET', '/wifi'],
      ]);
      expect([...table]).to.deep.equal([...compileRoutes(routes)]);
      expect(tableHash(table)).to.equal(routesHash(routes));
    });

    it('preloads the route matcher generated from the same table with the core, not with the app', async () => {
      const { out, routes, manifest } = await built('esp32');
      const preload = (manifest as { preload: string[] }).preload;
      const holding = readdirSync(out).filter(
        (f) => f.endsWith('.js') && readFileSync(join(out, f), 'utf8').includes(`hash:${routesHash(routes)},search(`),
      );
      expect(holding).to.have.length(1);
      expect(preload).to.include(holding[0].replace(/\.js$/, ''));
    });

    it('with --router table leaves the matcher out and routes by walking the table', async () => {
      const result = await build({
        entry: APP,
        target: 'esp32',
        out: join(tmp, 'walk'),
        assets: null,
        env: NO_CREDENTIALS,
        projectDir: tmp,
        router: 'table',
      });
      const code = readdirSync(result.out)
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(join(result.out, f), 'utf8'))
        .join('\n');
      expect(code).not.to.include(`hash:${routesHash(result.routes)}`);
      expect(result.report.routeMatcher).to.equal(0);
      expect(formatReport(result.report)).to.include('walked by the core (--router table)');
      const fast = await captured(() => run([APP, '--target', 'esp32', '--router', 'fast']));
      expect(fast.value).to.equal(2);
      expect(fast.err).to.include("--router must be code or table, not 'fast'");
    });

    it('walks the table, and says why, when the route tree is too deep for a generated matcher', async () => {
      const deep = join(HERE, 'fixtures', 'deep-app.ts');
      const result = await build({
        entry: deep,
        target: 'esp32',
        out: join(tmp, 'deep'),
        assets: null,
        env: NO_CREDENTIALS,
        projectDir: tmp,
      });
      expect(result.routes).to.have.length(120);
      expect(result.report.routeMatcher).to.equal(0);
      expect(formatReport(result.report)).to.include(
        'walked by the core (the route tree is too deep for generated code)',
      );
      const { value, err } = await captured(() =>
        run([deep, '--target', 'esp32', '--out', join(tmp, 'deep-cli'), '--no-assets', '--quiet']),
      );
      expect(value).to.equal(0);
      expect(err).to.include(
        'warning: no generated route matcher (the route tree is too deep for generated code); the board walks the route table',
      );
    });

    it('gzips assets with strong ETags, keeps incompressible ones raw, and names them so mcconfig leaves them alone', async () => {
      const { out, assets: packed } = await built('esp32');
      const files = readdirSync(join(out, 'resources')).sort();
      expect(files).to.deep.equal(['css~site.css.gz', 'index.html.gz', 'logo.png.raw', 'routes.bin', 'tiny.txt.raw']);
      const index = packed.find((a) => a.name === 'index.html')!;
      const stored = readFileSync(join(out, 'resources', 'index.html.gz'));
      expect(gunzipSync(stored).toString()).to.equal(INDEX);
      expect(index).to.deep.include({
        resource: 'index.html.gz',
        type: 'text/html; charset=utf-8',
        encoding: 'gzip',
        size: INDEX.length,
        etag: strongEtag(stored),
      });
      expect(index.etag).to.match(/^"[A-Za-z0-9_-]{16}"$/);
      expect(packed.find((a) => a.name === 'logo.png')).to.deep.include({
        resource: 'logo.png.raw',
        encoding: '',
        type: 'image/png',
      });
      expect([...readFileSync(join(out, 'resources', 'logo.png.raw'))]).to.deep.equal([...PNG]);
      // Same input, same bytes: a rebuild does not change ETags.
      const again = await build({
        entry: APP,
        target: 'esp32',
        out: join(tmp, 'again'),
        assets,
        env: NO_CREDENTIALS,
        projectDir: tmp,
      });
      expect(again.assets.map((a) => a.etag)).to.deep.equal(packed.map((a) => a.etag));
    });
  });

  describe('the bundle', () => {
    for (const target of TARGETS) {
      it(`${target}: imports only Moddable module names and reaches no Node built-in or host global`, async () => {
        const { out } = await built(target);
        const files = readdirSync(out).filter((f) => f.endsWith('.js'));
        const own = files.map((f) => f.slice(0, -3));
        const code = files.map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
        const imports = [...code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[\w$*{}\s,]+from\s*)?["']([^"']+)["']/g)].map(
          (m) => m[1],
        );
        expect(imports.filter((s) => !own.includes(s)).length).to.be.greaterThan(5);
        // Between its own modules the bundle uses the bare names the manifest gives them.
        for (const specifier of imports)
          expect(isModdableModule(specifier) || own.includes(specifier), specifier).to.equal(true);
        expect(readFileSync(join(out, 'main.js'), 'utf8')).to.match(/from\s*"chipweb(-[A-Z0-9]+)?"/);
        expect(imports.filter((s) => s.startsWith('node:'))).to.deep.equal([]);
        expect(
          bundleProblems(
            code,
            imports.filter((s) => !own.includes(s)),
          ),
        ).to.deep.equal([]);
        for (const name of ['Buffer', 'process', 'setTimeout', 'require('])
          expect(code).to.not.match(new RegExp(`(^|[^.\\w$])${name.replace('(', '\\(')}`));
        expect(readFileSync(join(out, 'main.js'), 'utf8')).to.match(/export\s*\{\s*\w+ as default\s*\}/);
        if (target === 'moddable-sim') expect(imports).to.not.include('embedded:io/digital');
        else expect(imports).to.include('embedded:io/digital');
      });
    }

    it('preloads the app module when it declares preload = true, unless the command line says otherwise', async () => {
      const entry = join(HERE, 'fixtures', 'preload-app.ts');
      const preloadList = async (preloadApp: boolean | undefined, out: string) => {
        const result = await build({
          entry,
          target: 'esp32',
          out: join(tmp, out),
          assets: null,
          env: NO_CREDENTIALS,
          preloadApp,
        });
        const mainFile = result.report.code.files.find((f) => f.name === 'main.js')!;
        return { preload: (result.manifest as { preload: string[] }).preload, mainPreloaded: mainFile.preloaded };
      };
      const declared = await preloadList(undefined, 'declared');
      expect(declared.preload).to.include('main');
      expect(declared.mainPreloaded).to.equal(true);
      const refused = await preloadList(false, 'refused');
      expect(refused.preload).to.not.include('main');
      expect(refused.mainPreloaded).to.equal(false);
      // An app that declares nothing stays in RAM.
      expect((await built('esp32')).manifest.preload).to.not.include('main');
    });

    /** The BuildError message of building the fixture `name` for esp32 ('' when it builds). */
    const refusal = async (name: string): Promise<string> => {
      try {
        await build({
          entry: join(HERE, 'fixtures', `${name}.ts`),
          target: 'esp32',
          out: join(tmp, name),
          assets: null,
          env: NO_CREDENTIALS,
        });
      } catch (error) {
        expect(error).to.be.instanceOf(BuildError);
        return (error as Error).message;
      }
      return '';
    };

    it('refuses a preload export that is not a boolean, saying what it must be', async () => {
      const message = await refusal('bad-preload');
      expect(message).to.include('exports preload = "yes"');
      expect(message).to.include('it must be true');
    });

    it('refuses an app that reaches setTimeout, process or Buffer, saying what to use instead', async () => {
      const message = await refusal('bad-globals');
      expect(message).to.include('cannot run on the board');
      for (const name of ['setTimeout', 'process', 'Buffer']) expect(message).to.include(`the global "${name}"`);
      expect(message).to.include('use the Platform');
    });

    it('says what is wrong with an entry that does not default-export an App, or does not exist, and with both preload flags', async () => {
      const codes: number[] = [];
      const { err } = await captured(async () => {
        codes.push(await run([join(HERE, 'fixtures', 'not-an-app.ts'), '--target', 'esp32', '--out', join(tmp, 'x')]));
        codes.push(await run([join(tmp, 'missing.ts'), '--target', 'esp32', '--out', join(tmp, 'x')]));
        codes.push(await run([APP, '--target', 'esp8266']));
        codes.push(await run(['--target', 'esp32']));
        codes.push(await run([APP, '--target', 'esp32', '--preload-app', '--no-preload-app']));
      });
      expect(codes).to.deep.equal([1, 1, 2, 2, 2]);
      expect(err).to.include('give --preload-app or --no-preload-app, not both');
      expect(err).to.include('must default-export a chipweb App');
      expect(err).to.include('missing.ts does not exist');
      expect(err).to.include("--target must be one of esp32, pico_w, moddable-sim, espruino, not 'esp8266'");
      expect(err).to.include('no app given');
    });

    it("reads the routes of an app that imports 'chipweb' where chipweb is not installed, as sim runs it", async () => {
      const bare = join(tmp, 'bare-app');
      mkdirSync(bare, { recursive: true });
      writeFileSync(join(bare, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(
        join(bare, 'app.ts'),
        "import { App } from 'chipweb';\nconst app = new App();\napp.get('/hi', (c) => c.text('hi'));\nexport default app;\n",
      );
      const result = await build({
        entry: join(bare, 'app.ts'),
        target: 'esp32',
        out: join(bare, 'build'),
        assets: null,
        env: NO_CREDENTIALS,
        projectDir: bare,
      });
      expect(result.routes).to.deep.equal([['GET', '/hi']]);
    });

    it('empties only an output folder a build made: --out of a folder with other files (the project itself) is refused, each file kept', async () => {
      const project = join(tmp, 'not-a-build');
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, 'notes.txt'), 'mine');
      const { err } = await captured(async () => {
        expect(await run([APP, '--target', 'esp32', '--out', project, '--no-assets'])).to.equal(1);
        expect(await run([APP, '--target', 'espruino', '--out', project, '--no-assets'])).to.equal(1);
      });
      expect(err).to.include(`--out ${project} holds files chipweb did not write`);
      expect(readdirSync(project)).to.deep.equal(['notes.txt']);
      // A folder an earlier build made (marked, or with its size report from before the mark) is emptied and
      // written again: nothing stale stays.
      const older = join(tmp, 'older-build');
      mkdirSync(older);
      writeFileSync(join(older, 'size-report.json'), '{}');
      writeFileSync(join(older, 'stale.bin'), 'old');
      await build({ entry: APP, target: 'esp32', out: older, assets, env: NO_CREDENTIALS, projectDir: tmp });
      expect(readdirSync(older)).to.not.include('stale.bin');
      const out = join(tmp, 'again');
      await build({ entry: APP, target: 'esp32', out, assets, env: NO_CREDENTIALS, projectDir: tmp });
      writeFileSync(join(out, 'resources', 'stale.txt'), 'old');
      await build({ entry: APP, target: 'esp32', out, assets, env: NO_CREDENTIALS, projectDir: tmp });
      expect(readdirSync(join(out, 'resources'))).to.not.include('stale.txt');
    });
  });

  describe('the size report', () => {
    it('states code (raw, gzip), each resource, and the RAM budget against the limit', async () => {
      const { report, template } = await built('esp32');
      const b = template.budget;
      const c = template.creation;
      const js = readdirSync(join(tmp, 'build', 'esp32'))
        .filter((f) => f.endsWith('.js'))
        .sort();
      expect(report.code.files.map((f) => f.name).sort()).to.deep.equal(js);
      expect(report.code.bytes).to.equal(
        js.reduce((n, f) => n + readFileSync(join(tmp, 'build', 'esp32', f)).length, 0),
      );
      expect(report.code.gzip).to.be.within(1, report.code.bytes - 1);
      expect(report.code.files.find((f) => f.name === 'main.js')!.preloaded).to.equal(false);
      expect(report.code.files.find((f) => f.name === 'chipweb.js')!.preloaded).to.equal(true);
      expect(report.resources.map((r) => r.name)).to.deep.equal([
        'routes.bin',
        'css~site.css.gz',
        'index.html.gz',
        'logo.png.raw',
        'tiny.txt.raw',
      ]);
      expect(report.ram.total).to.equal(
        c.chunk.initial + (c.heap.initial + c.stack) * b.slotBytes + c.keys.initial * b.keyBytes,
      );
      expect(report.ram.pool).to.equal(b.server.slots * (b.server.slotSize + b.server.outputSize));
      expect(report.ram.routeTable).to.equal(0);
      expect(report.ram.limit).to.equal(b.ramLimit);
      expect(report.problems).to.deep.equal([]);
      const text = formatReport(report);
      expect(text).to.match(/main\.js\s+[\d,]+ B\s+gzip [\d,]+ B, app, runs at boot/);
      expect(text).to.match(/chipweb\.js\s+[\d,]+ B\s+gzip [\d,]+ B, preloaded/);
      expect(text).to.match(/code total\s+[\d,]+ B\s+gzip [\d,]+ B/);
      expect(text).to.match(/route table\s+0 B\s+in flash/);
      expect(text).to.match(/total\s+[\d,]+ B\s+of [\d,]+ B \(\d+%\) ok/);
      expect(JSON.parse(readFileSync(join(tmp, 'build', 'esp32', 'size-report.json'), 'utf8')).ram.total).to.equal(
        report.ram.total,
      );
    });

    it('fails the build with a clear message when the budget is exceeded', async () => {
      const raw = JSON.parse(readFileSync(join(ROOT, 'manifests', 'pico_w.json'), 'utf8'));
      raw.chipweb.ramLimit = 65536;
      raw.chipweb.server.slots = 20;
      const file = join(tmp, 'tight.json');
      writeFileSync(file, JSON.stringify(raw));
      const { value, out, err } = await captured(() =>
        run([APP, '--target', 'pico_w', '--template', file, '--out', join(tmp, 'tight'), '--no-assets']),
      );
      expect(value).to.equal(1);
      expect(out).to.include('OVER BUDGET');
      expect(err).to.include('over the pico_w budget');
      expect(err).to.match(/needs [\d,]+ B of RAM .* but pico_w allows 65,536 B: lower creation\.chunk\.initial/);
      expect(err).to.match(/the pool, 20 slots x/);
    });

    it('checks the templates themselves: a broken field is named', async () => {
      const raw = JSON.parse(readFileSync(join(ROOT, 'manifests', 'esp32.json'), 'utf8'));
      raw.chipweb.staging = 1000;
      const file = join(tmp, 'broken.json');
      writeFileSync(file, JSON.stringify(raw));
      expect(() => loadTemplate('esp32', file)).to.throw('chipweb.staging must be a power of two');
    });
  });

  describe('the built firmware on XS (main.js as the board runs it)', () => {
    async function boot(result: BuildResult, config: Record<string, unknown> = {}): Promise<XsBoard> {
      const board = await XsBoard.startScript(await artifactBundle(result.out));
      for (const file of readdirSync(join(result.out, 'resources'))) {
        await board.cmd('resource', {
          name: file,
          data: readFileSync(join(result.out, 'resources', file)).toString('latin1'),
        });
      }
      await board.cmd('config', { values: { ...(result.manifest.config as object), ...config } });
      expect(await board.cmd<number>('main')).to.be.greaterThan(0);
      await board.settle();
      return board;
    }

    it('boots from its main(), serves the app with the device, and modifies nothing preloaded', async () => {
      const result = await build({
        entry: APP,
        target: 'esp32',
        out: join(tmp, 'xs-esp32'),
        assets,
        env: { CHIPWEB_SSID: 'home', CHIPWEB_PASSWORD: 'password1' },
        projectDir: tmp,
      });
      const board = await boot(result);
      try {
        const stats = await board.cmd<{ log: string[]; wifi: { connects: unknown[] } }>('stats');
        // Routed by the generated matcher the build preloaded.
        expect(stats.log.join('')).to.include('serving 4 routes on port 80 (esp32, 6 slots, --router code)');
        expect(stats.wifi.connects).to.deep.equal([{ ssid: 'home', password: 'password1' }]);
        const home = await board.exchange(80, 'GET / HTTP/1.1\r\nHost: chipweb.local\r\n\r\n');
        expect(home.response).to.match(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nfixture home$/);
        const led = await board.exchange(80, 'POST /led/on HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n');
        expect(led.response.endsWith('{"led":true}')).to.equal(true);
        const pins = new Map((await board.cmd<{ pins: [number, number][] }>('stats')).pins);
        expect(pins.get(2)).to.equal(1);
        expect(await board.cmd('preload')).to.deep.equal([]);
      } finally {
        await board.close();
      }
    });

    it('with --router table, boots and routes by walking the table', async () => {
      const result = await build({
        entry: APP,
        target: 'esp32',
        out: join(tmp, 'xs-walk'),
        assets: null,
        env: NO_CREDENTIALS,
        projectDir: tmp,
        router: 'table',
      });
      const board = await boot(result);
      try {
        const stats = await board.cmd<{ log: string[] }>('stats');
        expect(stats.log.join('')).to.include('serving 4 routes on port 80 (esp32, 6 slots, --router table)');
        const user = await board.exchange(80, 'GET /users/7 HTTP/1.1\r\nHost: d\r\n\r\n');
        expect(user.response.endsWith('{"id":"7"}')).to.equal(true);
        const wrong = await board.exchange(80, 'DELETE /users/7 HTTP/1.1\r\nHost: d\r\n\r\n');
        expect(wrong.response).to.match(/^HTTP\/1\.1 405 Method Not Allowed\r\n[\s\S]*Allow: GET, HEAD\r\n/);
      } finally {
        await board.close();
      }
    });

    it("uses no more slot heap at boot than the size report's estimate (fixed + per connection), with WebSocket routes too", async () => {
      const WS_UPGRADE =
        'GET /ws HTTP/1.1\r\nHost: d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
      /** Live slots the firmware of `entry` holds after boot and a few requests, with `slots` connection slots. */
      async function footprint(slots: number, entry = APP): Promise<number> {
        const raw = JSON.parse(readFileSync(join(ROOT, 'manifests', 'esp32.json'), 'utf8'));
        raw.chipweb.server.slots = slots;
        const file = join(tmp, `slots-${slots}.json`);
        writeFileSync(file, JSON.stringify(raw));
        const result = await build({
          entry,
          target: 'esp32',
          out: join(tmp, `slots-${slots}-${entry === APP ? 'http' : 'ws'}`),
          template: file,
          assets: null,
          env: NO_CREDENTIALS,
          projectDir: tmp,
        });
        const board = await XsBoard.startScript(await artifactBundle(result.out));
        try {
          for (const f of readdirSync(join(result.out, 'resources'))) {
            await board.cmd('resource', {
              name: f,
              data: readFileSync(join(result.out, 'resources', f)).toString('latin1'),
            });
          }
          await board.cmd('config', { values: result.manifest.config });
          // Two collections: the first after loading a large script leaves some of its garbage.
          await board.worker.gc();
          await board.worker.gc();
          const before = (await board.raw({ op: 'pump' })).heapCount;
          await board.cmd('main');
          await board.settle();
          // One request on a connection that then closes (the fake keeps ~35 slots per closed connection).
          const r = await board.exchange(80, 'GET /users/1 HTTP/1.1\r\nHost: d\r\n\r\n');
          await board.cmd('fin', { id: r.id });
          await board.settle();
          if (entry !== APP) {
            // WebSocket sessions are made at the upgrades that find none free: one socket per session
            // (wsSlots, half the slots) at once makes all of them, then each closes; the sessions are kept.
            const sockets: number[] = [];
            for (let i = 0; i < Math.floor(slots / 2); i++) {
              const ws = await board.exchange(80, WS_UPGRADE);
              expect(ws.response).to.match(/^HTTP\/1\.1 101 /);
              sockets.push(ws.id);
            }
            for (const id of sockets) await board.cmd('fin', { id });
            await board.settle();
            // The fake keeps what each closed connection was: one more closed request measures it, and the
            // upgrades' share of it is left out (the server holds nothing more for a closed connection).
            await board.worker.gc();
            await board.worker.gc();
            const made = (await board.raw({ op: 'pump' })).heapCount;
            const extra = await board.exchange(80, 'GET /users/1 HTTP/1.1\r\nHost: d\r\n\r\n');
            await board.cmd('fin', { id: extra.id });
            await board.settle();
            await board.worker.gc();
            await board.worker.gc();
            const perClosed = (await board.raw({ op: 'pump' })).heapCount - made;
            return made - before - perClosed * sockets.length;
          }
          await board.worker.gc();
          await board.worker.gc();
          return (await board.raw({ op: 'pump' })).heapCount - before;
        } finally {
          await board.close();
        }
      }
      const two = await footprint(2);
      const six = await footprint(6);
      const perConnection = (six - two) / 4;
      const fixed = two - 2 * perConnection;
      expect(perConnection, 'slots per connection').to.be.at.most(XSNAP_SLOT_BOUNDS.perConnection);
      expect(fixed, 'fixed slots').to.be.at.most(XSNAP_SLOT_BOUNDS.fixed);
      // An app with app.ws holds a WebSocket session for half the slots (wsSlots) once each has been used: the report's estimate counts them.
      const WS_APP = join(HERE, 'fixtures', 'ws-app.ts');
      const wsTwo = await footprint(2, WS_APP);
      const wsSix = await footprint(6, WS_APP);
      const wsPerConnection = (wsSix - wsTwo) / 4;
      const h = XSNAP_SLOT_BOUNDS;
      expect(wsPerConnection, 'slots per connection with WebSocket routes').to.be.at.most(
        h.perConnection + h.perWebSocketConnection,
      );
      expect(wsPerConnection - perConnection, 'what a WebSocket session adds per slot').to.be.greaterThan(0);
      expect(wsTwo - 2 * wsPerConnection, 'fixed slots with WebSocket routes').to.be.at.most(
        h.fixed + h.webSocketFixed,
      );
    });

    it('the default app on the esp32 takes a 1 MB update through the server on XS, into the ota module', async () => {
      const result = await build({
        entry: join(ROOT, 'firmware', 'app', 'main.ts'),
        target: 'esp32',
        out: join(tmp, 'default-update'),
        env: { ...NO_CREDENTIALS, CHIPWEB_ADMIN_PASSWORD: 'correct horse' },
        projectDir: tmp,
      });
      expect((result.manifest.config as Record<string, unknown>).adminPassword).to.equal('correct horse');
      const board = await boot(result);
      try {
        const image = Buffer.from(Uint8Array.from({ length: 1024 * 1024 }, (_, i) => (i * 131 + (i >> 9)) & 255));
        const sha = createHash('sha256').update(image).digest('hex');
        // Seeded at boot from the build: changing it now needs the current one.
        const password = '{"password":"another one"}';
        const set = await board.exchange(
          80,
          `POST /api/password HTTP/1.1\r\nHost: chipweb.local\r\nContent-Length: ${password.length}\r\n\r\n${password}`,
        );
        expect(set.response).to.match(/^HTTP\/1\.1 401 /);
        const auth = Buffer.from('admin:correct horse').toString('base64');
        const head =
          `POST /api/update HTTP/1.1\r\nHost: chipweb.local\r\nAuthorization: Basic ${auth}\r\n` +
          `X-Image-SHA256: ${sha}\r\nContent-Length: ${image.length}\r\n\r\n`;
        const update = await board.upload(80, head, image);
        expect(update, update.slice(0, 300)).to.match(/^HTTP\/1\.1 200 /);
        await board.cmd('advance', { ms: 1500 });
        await board.settle();
        const ota = (await board.cmd<{ ota: Record<string, number> }>('stats')).ota;
        let h = 0x811c9dc5;
        for (let i = 0; i < image.length; i++) h = Math.imul(h ^ image[i], 0x01000193);
        expect(ota).to.deep.include({ begins: 1, completes: 1, cancels: 0, restarts: 1, bootLength: image.length });
        expect(ota.bootFnv).to.equal(h >>> 0);
      } finally {
        await board.close();
      }
    });

    for (const target of TARGETS) {
      it(`the default firmware app (firmware/app/main.ts) builds for ${target} within budget and answers on XS`, async () => {
        const result = await build({
          entry: join(ROOT, 'firmware', 'app', 'main.ts'),
          target,
          out: join(tmp, `default-${target}`),
          env: NO_CREDENTIALS,
          projectDir: tmp,
        });
        expect(result.report.problems).to.deep.equal([]);
        const board = await boot(result);
        try {
          const port = result.template.budget.server.port;
          // The device's own name: with no Wi-Fi credentials the esp32 serves its access point,
          // where captivePortal() redirects other hosts to the setup page.
          const status = await board.exchange(port, 'GET / HTTP/1.1\r\nHost: chipweb.local\r\n\r\n');
          expect(status.response).to.match(/^HTTP\/1\.1 200 OK\r\n/);
          const portal = await board.exchange(port, 'GET /generate_204 HTTP/1.1\r\nHost: d\r\n\r\n');
          expect(portal.response).to.match(
            target === 'esp32'
              ? /^HTTP\/1\.1 302 Found\r\n[\s\S]*Location: http:\/\/192\.168\.4\.1\/\r\n/
              : /^HTTP\/1\.1 404 /,
          );
          const about = await board.exchange(port, 'GET /api/about HTTP/1.1\r\nHost: chipweb.local\r\n\r\n');
          expect(about.response.slice(about.response.indexOf('\r\n\r\n') + 4)).to.contain(`"target":"${target}"`);
          expect(await board.cmd('preload')).to.deep.equal([]);
        } finally {
          await board.close();
        }
      });
    }
  });
});
