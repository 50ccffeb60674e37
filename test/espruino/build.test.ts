/**
 * `chipweb build --target espruino` and `chipweb flash --target espruino`
 * without an Espruino binary or a board: the files the build writes, the
 * route table compiled in Node, the size report in variables (and the
 * build failing on a board with too few), refusals with file:line, and the
 * upload refusing clearly when the tool, the port or the build is missing.
 */
import * as acorn from 'acorn';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build as buildCommand, flash as flashCommand } from '../../cli/espruino.ts';
import { compileRoutes } from '../../src/router/index.ts';
import { answerBlockSize, writeAnswerBlock } from '../../src/http/response.ts';
import { buildEspruino } from '../../toolchain/espruino/build.ts';
import { espruinoSyntaxProblems } from '../../toolchain/espruino/lower.ts';
import { detokenise } from '../../toolchain/espruino/pretokenise.ts';
import { uploadArgs } from '../../toolchain/espruino/flash.ts';
import { createDashboard } from '../../firmware/app/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = join(ROOT, 'firmware/app/main.ts');

/** Runs a CLI function, capturing what it prints. */
async function captured(run: (io: { log(l: string): void; error(l: string): void }) => Promise<number>) {
  let out = '';
  let err = '';
  const code = await run({ log: (l) => void (out += `${l}\n`), error: (l) => void (err += `${l}\n`) });
  return { code, out, err };
}

describe('espruino: chipweb build --target espruino', function () {
  this.timeout(60000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'chipweb-espruino-build-'));
    // The apps written here are ES modules, as in a project chipweb init makes.
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes the Storage files, the route table compiled in Node and the size report', async () => {
    const out = join(tmp, 'dashboard');
    const result = await buildEspruino({ entry: ENTRY, out, env: {}, projectDir: tmp });
    const listed = JSON.parse(readFileSync(join(out, 'storage.json'), 'utf8')) as { name: string; path: string }[];
    expect(listed.map((f) => f.name)).to.include.members(['routes.bin', 'answers.bin', 'index.html.gz', '.bootcde']);
    expect(listed[listed.length - 1].name, 'boot code last').to.equal('.bootcde');
    for (const f of listed) expect(existsSync(join(out, f.path)), f.path).to.equal(true);

    const table = readFileSync(join(out, 'storage/routes.bin'));
    expect(Buffer.compare(table, Buffer.from(compileRoutes(createDashboard().routes())))).to.equal(0);
    // The server's own answers, encoded here as the core encodes them at start on other engines.
    const answers = readFileSync(join(out, 'storage/answers.bin'));
    const core = writeAnswerBlock(new Uint8Array(answerBlockSize()));
    expect(Buffer.compare(answers, Buffer.from(core))).to.equal(0);
    expect(answers.toString('latin1')).to.include('HTTP/1.1 503 Service Unavailable\r\n');
    const page = readFileSync(join(out, 'storage/index.html.gz'));
    expect(page[0]).to.equal(0x1f); // gzip
    expect(page[1]).to.equal(0x8b);

    const boot = detokenise(readFileSync(join(out, 'storage/.bootcde')));
    expect(() => acorn.parse(boot, { ecmaVersion: 2015 })).not.to.throw();
    expect(espruinoSyntaxProblems(boot)).to.deep.equal([]);
    expect(boot).to.not.include('__chipweb_forbidden_');
    expect(boot).to.include('routes.bin');
    expect(boot).to.include('answers.bin');
    // Strict, though no tsconfig.json lies above this --out (the generated entry brings its own).
    expect(boot).to.match(/^"use strict";/);
    expect(readdirSync(out)).to.not.include.members(['entry.ts', 'tsconfig.json']);

    const report = JSON.parse(readFileSync(join(out, 'size-report.json'), 'utf8'));
    expect(report.target).to.equal('espruino');
    expect(report.problems).to.deep.equal([]);
    expect(report.startVariables).to.be.greaterThan(report.loadVariables);
    expect(report.loadVariables).to.be.greaterThan(1000);
    expect(report.variables).to.equal(16383);
    expect(result.report.storageBytes).to.equal(listed.reduce((n, f) => n + readFileSync(join(out, f.path)).length, 0));

    // What runs only at boot or on failure waits in flash (cold.ts): every function marked 'cold' moved.
    expect(result.cold.left).to.deep.equal([]);
    expect(result.cold.moved).to.be.greaterThan(40);
    // Each call's place and parameters' names make, from the file, a function Espruino parses.
    const coldFile = readFileSync(join(out, 'storage/chipweb.cold'));
    // Calls are in the boot code and in cold functions: every moved function is called from one of them.
    const calls = [...`${boot}${detokenise(coldFile)}`.matchAll(/\$cold\((\d+),\s*(\d+)((?:,\s*"[^"]*")*)\)/g)];
    for (const [call, place, length, names] of calls) {
      const body = detokenise(coldFile.subarray(Number(place), Number(place) + Number(length)));
      const fn = `(function(${names.replace(/["\s]/g, '').slice(1)}){${body}})`;
      expect(espruinoSyntaxProblems(fn), call).to.deep.equal([]);
    }
    expect(new Set(calls.map((c) => c[1])).size).to.equal(result.cold.moved - result.cold.dropped);
    expect(boot).to.match(/function \$cold\(/);
    expect(boot).to.not.include('__chipwebColdDefs');
    expect(boot).to.not.include("'cold'");
    expect(boot).to.not.include('"cold"');
  });

  it("puts Espruino's stand-ins in the core's place: the OTA session in its own module, no WebSocket code for an app without WebSocket routes", async () => {
    const built = await buildEspruino({
      entry: ENTRY,
      out: join(tmp, 'stand-ins-dashboard'),
      env: {},
      projectDir: tmp,
    });
    const dashboard = detokenise(readFileSync(join(built.out, 'storage/.bootcde')));
    // The boot code loads the core's OTA session from Storage when an upload starts: none of its code at boot.
    expect(built.ota).to.equal(true);
    expect(dashboard).to.include('chipweb.ota');
    expect(dashboard).to.not.include('an update is already being received');
    expect(dashboard).to.not.include('chipweb-espruino 1');
    const module = detokenise(readFileSync(join(built.out, 'storage/chipweb.ota')));
    expect(module).to.include('an update is already being received');
    expect(module).to.include('chipweb-espruino 1');
    expect(espruinoSyntaxProblems(module)).to.deep.equal([]);
    expect(module).to.not.include('__chipweb_forbidden_');
    const names = built.files.map((f) => f.name);
    expect(names.slice(-5)).to.deep.equal(['chipweb.ota', 'chipweb.otainst', '.boot0', 'chipweb.cold', '.bootcde']);
    // The dashboard has a WebSocket route: its session waits in the cold file until the first one opens.
    const cold = detokenise(readFileSync(join(built.out, 'storage/chipweb.cold')));
    expect(built.cold.classes).to.include('WsSession');
    expect(built.files.find((f) => f.name === 'chipweb.cold')?.note).to.match(
      new RegExp(`and ${built.cold.classes.length} cold classes \\(made at their first use, then kept\\)$`),
    );
    expect(cold, 'the dashboard has a WebSocket route').to.include('ws.send takes a string');
    expect(dashboard).to.not.include('ws.send takes a string');
    expect(dashboard).to.include('505 HTTP Version Not Supported'); // the reason table, in a function body
    const plain = join(tmp, 'plain-app.ts');
    writeFileSync(
      plain,
      `import { App } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};\nconst app = new App();\napp.get('/', (c) => c.text('hi'));\nexport default app;\n`,
    );
    const plainBuild = await buildEspruino({
      entry: plain,
      out: join(tmp, 'stand-ins-plain'),
      env: {},
      projectDir: tmp,
      assets: null,
    });
    const boot = detokenise(readFileSync(join(plainBuild.out, 'storage/.bootcde')));
    expect(boot).to.not.include('ws.send takes a string');
    expect(boot).to.include('this build has no WebSocket routes');
    // No OtaSession in the app: no OTA module, installer or boot hook.
    expect(plainBuild.ota).to.equal(false);
    expect(plainBuild.files.map((f) => f.name)).to.deep.equal([
      'routes.bin',
      'answers.bin',
      'chipweb.cold',
      '.bootcde',
    ]);
  });

  it('prints the over-the-air image (update.bin) with its SHA-256', async () => {
    const out = join(tmp, 'cli-image');
    const entry = join(ROOT, 'test/espruino/fixtures/conformance-entry.ts');
    const printed = await captured((io) =>
      buildCommand([entry, '--target', 'espruino', '--out', out, '--no-assets'], io),
    );
    expect(printed.code, printed.err).to.equal(0);
    const sha = createHash('sha256')
      .update(readFileSync(join(out, 'update.bin')))
      .digest('hex');
    expect(printed.out).to.include(`update.bin (${readFileSync(join(out, 'update.bin')).length} B, SHA-256 ${sha})`);
    // The conformance app has no update route: its image can be sent to a board that has one.
    expect(printed.out).to.include('this app takes no updates itself');
  });

  it('fails the build on a board with too few variables, saying what to change', async () => {
    const budget = JSON.parse(readFileSync(join(ROOT, 'firmware/espruino/budget.json'), 'utf8'));
    budget.variables = 4095;
    const file = join(tmp, 'small-board.json');
    writeFileSync(file, JSON.stringify(budget));
    const { code, out, err } = await captured((io) =>
      buildCommand([ENTRY, '--target', 'espruino', '--out', join(tmp, 'small'), '--budget', file], io),
    );
    expect(code).to.equal(1);
    expect(out).to.match(/Variables: ~\d+ after load/);
    expect(err).to.match(/over the espruino budget/);
    expect(err).to.match(/variables: about \d+ after start plus \d+ headroom is more than the board's 4095/);
  });

  it('refuses an app the lowering cannot handle, naming file:line', async () => {
    const app = join(tmp, 'labelled-app.ts');
    writeFileSync(
      app,
      [
        `import { App } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};`,
        'const app = new App();',
        "app.get('/', (c) => {",
        '  outer: for (let i = 0; i < 2; i++) { if (i) break outer; }',
        "  c.text('x');",
        '});',
        'export default app;',
        '',
      ].join('\n'),
    );
    const { code, err } = await captured((io) =>
      buildCommand([app, '--target', 'espruino', '--out', join(tmp, 'labelled'), '--no-assets'], io),
    );
    expect(code).to.equal(1);
    expect(err).to.include('labelled-app.ts:4: label "outer:"');
  });

  it('refuses an app that reaches a host global', async () => {
    const { code, err } = await captured((io) =>
      buildCommand(
        [
          join(ROOT, 'test/firmware/fixtures/bad-globals.ts'),
          '--target',
          'espruino',
          '--out',
          join(tmp, 'bad'),
          '--no-assets',
        ],
        io,
      ),
    );
    expect(code).to.equal(1);
    expect(err).to.match(/the global "setTimeout"/);
  });

  it('flash: says what is missing (build, port, tool) and runs nothing', async () => {
    const bare = { PATH: join(tmp, 'empty-bin') };
    mkdirSync(bare.PATH, { recursive: true });
    const none = await captured((io) =>
      flashCommand(['--target', 'espruino', '--out', join(tmp, 'nothing')], bare, io),
    );
    expect(none.code).to.equal(1);
    expect(none.err).to.include("run 'chipweb build ENTRY --target espruino' first");
    expect(none.err).to.include('no --port given');
    const noDevice = await captured((io) =>
      flashCommand(
        ['--target', 'espruino', '--out', join(tmp, 'dashboard'), '--port', '/dev/chipweb-no-such-port'],
        bare,
        io,
      ),
    );
    expect(noDevice.code).to.equal(1);
    expect(noDevice.err).to.include('the serial port /dev/chipweb-no-such-port (no such device)');
    expect(noDevice.err).to.not.include('storage.json');
  });

  it('flash: uploads every Storage file, the boot code last, then restarts into it', () => {
    const out = join(tmp, 'dashboard');
    const files = JSON.parse(readFileSync(join(out, 'storage.json'), 'utf8'));
    const args = uploadArgs(out, '/dev/ttyUSB0', files);
    expect(args.slice(0, 3)).to.deep.equal(['--no-ble', '--port', '/dev/ttyUSB0']);
    const storage = args.filter((_a, i) => args[i - 1] === '--storage');
    expect(storage.map((s) => s.split(':')[0])).to.deep.equal(files.map((f: { name: string }) => f.name));
    expect(storage[storage.length - 1]).to.equal(`.bootcde:${join(out, 'storage/.bootcde')}`);
    expect(args.slice(-2)).to.deep.equal(['-e', 'load()']);
  });
});
