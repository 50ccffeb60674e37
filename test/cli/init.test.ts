/**
 * `chipweb init`: what it writes, and that it never overwrites. (The
 * project it writes is installed and run by test/package/pack.test.ts.)
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSpec, PROJECT_FILES, run, specFrom } from '../../cli/init.ts';

describe('chipweb init', () => {
  let tmp: string;
  let out: string[];
  let err: string[];
  const io = { log: (line: string) => out.push(line), error: (line: string) => err.push(line) };
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'chipweb-init-'));
    out = [];
    err = [];
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes an ES-module project whose app is the README example', async () => {
    const dir = join(tmp, 'My App');
    expect(await run([dir, '--chipweb', `file:${join(tmp, 'chipweb.tgz')}`], io)).to.equal(0);
    expect(readdirSync(dir).sort()).to.deep.equal([...PROJECT_FILES].sort());
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).to.include({ name: 'my-app', type: 'module', private: true });
    expect(pkg.dependencies).to.deep.equal({ chipweb: 'file:../chipweb.tgz' });
    expect(Object.keys(pkg.scripts)).to.include.members(['start', 'sim', 'build', 'flash', 'test', 'typecheck']);
    expect(readFileSync(join(dir, 'app.ts'), 'utf8')).to.equal(
      readFileSync(new URL('../../examples/app.ts', import.meta.url), 'utf8'),
    );
    expect(readFileSync(join(dir, '.gitignore'), 'utf8'))
      .to.include('.env')
      .and.include('build/');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).to.match(/^# my-app\n/);
    expect(out.join('\n')).to.include('npm install');
  });

  it('refuses a folder that has any of its files, names them, and writes nothing', async () => {
    mkdirSync(join(tmp, 'p'));
    writeFileSync(join(tmp, 'p', 'app.ts'), 'mine');
    writeFileSync(join(tmp, 'p', 'README.md'), 'mine too');
    expect(await run([join(tmp, 'p')], io)).to.equal(1);
    expect(err.join('\n')).to.include('already has app.ts, README.md; nothing was written');
    expect(readdirSync(join(tmp, 'p')).sort()).to.deep.equal(['README.md', 'app.ts']);
    expect(readFileSync(join(tmp, 'p', 'app.ts'), 'utf8')).to.equal('mine');
  });

  it('depends on a clone by its folder, and on an installed copy by its version', () => {
    const clone = join(tmp, 'chipweb');
    const installed = join(tmp, 'proj', 'node_modules', 'chipweb');
    for (const root of [clone, installed]) {
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, 'package.json'), '{"version":"1.2.3"}');
    }
    expect(defaultSpec(clone)).to.equal(`file:${clone}`);
    expect(defaultSpec(installed)).to.equal('^1.2.3');
  });

  it('takes a --chipweb path from where init runs, and writes it as the new folder sees it', () => {
    const cwd = '/work/here';
    expect(specFrom('./chipweb-0.1.0.tgz', '/work/here/app2', cwd)).to.equal('file:../chipweb-0.1.0.tgz');
    expect(specFrom('chipweb-0.1.0.tgz', '/work/here/app2', cwd)).to.equal('file:../chipweb-0.1.0.tgz');
    expect(specFrom('file:../chipweb', '/work/here/deep/app', cwd)).to.equal('file:../../../chipweb');
    expect(specFrom('/opt/chipweb', '/work/here/app', cwd)).to.equal('file:../../../opt/chipweb');
    expect(specFrom('./vendor/chipweb', '/work/here', cwd)).to.equal('file:./vendor/chipweb');
    expect(specFrom('^0.1.0', '/work/here/app', cwd)).to.equal('^0.1.0');
    expect(specFrom('github:me/chipweb', '/work/here/app', cwd)).to.equal('github:me/chipweb');
  });

  it('says how to use it on a usage error', async () => {
    expect(await run(['a', 'b'], io)).to.equal(2);
    expect(err.join('\n')).to.include('usage: chipweb init');
  });
});
