/**
 * On a machine without Chromium the browser suite fails at once, says how
 * to install it, and lets the test process end (nothing left listening).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the browser tests without Chromium', () => {
  it('fail with the install hint, and the process ends', function () {
    this.timeout(60000);
    const result = spawnSync(
      process.execPath,
      // Without the project's .mocharc (whose spec would include this file):
      // mocha's default of waiting for the event loop to empty is what is tested.
      [
        'node_modules/mocha/bin/mocha.js',
        '--no-config',
        '--node-option',
        'import=tsx',
        '--reporter',
        'dot',
        'test/ui/dashboard.test.ts',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
        encoding: 'utf8',
        timeout: 55000,
      },
    );
    expect(result.signal, 'the process was still running after 55 s').to.equal(null);
    expect(result.status).to.not.equal(0);
    expect(result.stdout + result.stderr).to.include('apt-get install -y chromium');
  });
});
