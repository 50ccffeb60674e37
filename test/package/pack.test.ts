/**
 * The package as a user gets it: `npm pack`, installed into a new folder;
 * `chipweb init` there; then the project's own `npm install`, `npm test`,
 * `npm run typecheck`, `npm run build` and `chipweb sim` work.
 *
 * Installs come from npm's cache when it has them (npm ci filled it), so
 * this needs the registry only on a machine that never installed chipweb.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCli } from '../support/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/** Runs a command; fails the test with its output when it does not exit 0. */
function sh(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

describe('the packed package, installed into a new folder', function () {
  this.timeout(180000);
  let tmp: string;
  let tarball: string;
  let app: string;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'chipweb-pack-'));
    sh('npm', ['pack', '--pack-destination', tmp, '--loglevel=error'], ROOT);
    tarball = join(tmp, readdirSync(tmp).find((f) => f.endsWith('.tgz')) as string);
    const tool = join(tmp, 'tool');
    sh('npm', ['install', '--prefix', tool, tarball, ...NPM_QUIET], tmp);
    app = join(tmp, 'my-app');
    sh(join(tool, 'node_modules', '.bin', 'chipweb'), ['init', app, '--chipweb', `file:${tarball}`], tmp);
    sh('npm', ['install', ...NPM_QUIET], app);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('ships the sources, types and license, and no tests or benchmarks', () => {
    const pkg = join(app, 'node_modules', 'chipweb');
    for (const file of ['src/index.ts', 'host-sim/index.ts', 'cli/chipweb.js', 'manifests/esp32.json', 'LICENSE'])
      expect(existsSync(join(pkg, file)), file).to.equal(true);
    for (const folder of ['test', 'bench', 'docs']) expect(existsSync(join(pkg, folder)), folder).to.equal(false);
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(manifest.types).to.equal('./src/index.ts');
    expect(Object.keys(manifest.dependencies)).to.not.include.members(['fastify', 'express', 'hono', 'autocannon']);
  });

  it("passes the new project's own tests and type-check", () => {
    expect(sh('npm', ['test'], app)).to.match(/# pass 3\n# fail 0/);
    sh('npm', ['run', 'typecheck'], app);
  });

  it('builds the firmware', () => {
    expect(sh('npm', ['run', 'build'], app)).to.include('wrote build/esp32/');
    expect(existsSync(join(app, 'build', 'esp32', 'manifest.json'))).to.equal(true);
  });

  it('prints its version, and init takes a tarball path given from where it runs', () => {
    const bin = join(tmp, 'tool', 'node_modules', '.bin', 'chipweb');
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(sh(bin, ['--version'], tmp)).to.equal(`chipweb ${version}\n`);
    sh(bin, ['init', 'app2', '--chipweb', `./${basename(tarball)}`], tmp);
    const manifest = JSON.parse(readFileSync(join(tmp, 'app2', 'package.json'), 'utf8'));
    expect(manifest.dependencies.chipweb).to.equal(`file:../${basename(tarball)}`);
  });

  it('serves the app in the simulator', async () => {
    const bin = join(app, 'node_modules', 'chipweb', 'cli', 'chipweb.js');
    const sim = await startCli(['sim', 'app.ts', '--port', '0'], app, 15000, bin);
    try {
      const invalid = await fetch(`${sim.url}/users`, { method: 'POST', body: '{}' });
      expect(invalid.status).to.equal(422);
    } finally {
      await sim.stop();
    }
  });
});
