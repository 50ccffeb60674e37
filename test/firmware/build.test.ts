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
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { build, BuildError, bundleProblems, isModdableModule, type BuildResult } from '../../toolchain/build.ts';
import { run } from '../../cli/build.ts';
import { strongEtag } from '../../toolchain/assets.ts';
import { formatReport } from '../../toolchain/size-report.ts';

/**
 * Slot-heap slots the board code holds on xsnap with the ECMA-419 fake: a
 * fixed part plus a part per connection slot. A regression bound for the
 * objects the core makes; the size report uses the figures measured on the
 * real engine (manifests/measured/, npm run measure:xs32).
 */
const XSNAP_SLOT_BOUNDS = { fixed: 600, perConnection: 240 };
import { loadTemplate, TARGETS, type Target } from '../../toolchain/templates.ts';
import { compileRoutes, routesHash, tableHash } from '../../src/router/index.ts';
import { artifactBundle, XsBoard } from './xs-board.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const APP = join(HERE, 'fixtures', 'app.ts');
const NO_CREDENTIALS = { PATH: process.env.PATH };

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
      expect(await run([APP, '--target', 'esp32', '--router', 'fast'])).to.equal(2);
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

    it('refuses an app that reaches setTimeout, process or Buffer, saying what to use instead', async () => {
      let message = '';
      try {
        await build({
          entry: join(HERE, 'fixtures', 'bad-globals.ts'),
          target: 'esp32',
          out: join(tmp, 'bad'),
          assets: null,
          env: NO_CREDENTIALS,
        });
      } catch (error) {
        expect(error).to.be.instanceOf(BuildError);
        message = (error as Error).message;
      }
      expect(message).to.include('cannot run on the board');
      for (const name of ['setTimeout', 'process', 'Buffer']) expect(message).to.include(`the global "${name}"`);
      expect(message).to.include('use the Platform');
    });

    it('says what is wrong with an entry that does not default-export an App, or does not exist', async () => {
      const codes: number[] = [];
      const { err } = await captured(async () => {
        codes.push(await run([join(HERE, 'fixtures', 'not-an-app.ts'), '--target', 'esp32', '--out', join(tmp, 'x')]));
        codes.push(await run([join(tmp, 'missing.ts'), '--target', 'esp32', '--out', join(tmp, 'x')]));
        codes.push(await run([APP, '--target', 'esp8266']));
        codes.push(await run(['--target', 'esp32']));
      });
      expect(codes).to.deep.equal([1, 1, 2, 2]);
      expect(err).to.include('must default-export a chipweb App');
      expect(err).to.include('missing.ts does not exist');
      expect(err).to.include("--target must be one of esp32, pico_w, moddable-sim, not 'esp8266'");
      expect(err).to.include('no app given');
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

    it('uses no more slot heap at boot than its bound on xsnap (fixed + per connection)', async () => {
      /** Live slots the firmware holds after boot and a few requests, with `slots` connection slots. */
      async function footprint(slots: number): Promise<number> {
        const raw = JSON.parse(readFileSync(join(ROOT, 'manifests', 'esp32.json'), 'utf8'));
        raw.chipweb.server.slots = slots;
        const file = join(tmp, `slots-${slots}.json`);
        writeFileSync(file, JSON.stringify(raw));
        const result = await build({
          entry: APP,
          target: 'esp32',
          out: join(tmp, `slots-${slots}`),
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
          const status = await board.exchange(port, 'GET / HTTP/1.1\r\nHost: d\r\n\r\n');
          expect(status.response).to.match(/^HTTP\/1\.1 200 OK\r\n/);
          const about = await board.exchange(port, 'GET /api/about HTTP/1.1\r\nHost: d\r\n\r\n');
          expect(about.response.slice(about.response.indexOf('\r\n\r\n') + 4)).to.contain(`"target":"${target}"`);
          expect(await board.cmd('preload')).to.deep.equal([]);
        } finally {
          await board.close();
        }
      });
    }
  });
});
