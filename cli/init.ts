/**
 * `chipweb init [DIR]`: starts a chipweb project in DIR (default: here) with
 * package.json ("type": "module", chipweb as a dependency, scripts for
 * start/sim, build, flash, test and typecheck), tsconfig.json, app.ts (the
 * README's example), app.test.ts (in memory, through request()), .gitignore
 * and a short README. Then `npm install && npm start` serves the app and
 * `npm test` passes.
 *
 * Never: overwrite a file. When any of them exists, it refuses, naming them,
 * and writes nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE, type CommandIO, parseCommand } from './arguments.ts';

const USAGE = `usage: chipweb init [DIR] [--chipweb SPEC]

Writes a new chipweb project into DIR (default: the current folder):
package.json, tsconfig.json, app.ts, app.test.ts, .gitignore, README.md.
Existing files are never overwritten: if any is there, nothing is written.

options:
  --chipweb SPEC   how package.json depends on chipweb (default: this copy:
                   "file:<its folder>" for a clone, "^<version>" for an
                   installed package); e.g. --chipweb ./chipweb-0.1.0.tgz (a path
                   from where init runs)`;

/** The chipweb package this command runs from. */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '');
const TEMPLATE = join(PACKAGE_ROOT, 'cli', 'init-template');

/** The files init writes, by name in the project. */
export const PROJECT_FILES = ['package.json', 'tsconfig.json', 'app.ts', 'app.test.ts', '.gitignore', 'README.md'];

/** The dependency spec for this copy of chipweb. */
export function defaultSpec(root = PACKAGE_ROOT): string {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  // Installed (npm, npx, a tarball): depend on the version. A clone: on its folder.
  return root.split(/[\\/]/).includes('node_modules') ? `^${version}` : `file:${root}`;
}

/**
 * `spec` as the new project's package.json must say it: a local path
 * (`./x.tgz`, `../chipweb`, `file:x`) is given from where init runs, but npm
 * reads it from the project's folder, so it is rewritten relative to `dir`.
 * Anything else (a version, a URL) is kept.
 */
export function specFrom(spec: string, dir: string, cwd = process.cwd()): string {
  const path = spec.startsWith('file:') ? spec.slice(5) : spec;
  const local = spec.startsWith('file:') || /^\.{1,2}([\\/]|$)/.test(path) || isAbsolute(path) || path.endsWith('.tgz');
  if (!local) return spec;
  const target = relative(dir, resolve(cwd, path)).split(sep).join('/');
  return `file:${target.startsWith('.') || target === '' ? target || '.' : `./${target}`}`;
}

/** A package name npm accepts, made from a folder name. */
function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name || 'chipweb-app';
}

/** The contents of every project file, by name. */
export function projectFiles(dir: string, spec: string): Record<string, string> {
  const name = packageName(dir);
  const chipweb = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
    dependencies: Record<string, string>;
  };
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      start: 'chipweb sim app.ts',
      sim: 'chipweb sim app.ts',
      build: 'chipweb build app.ts --target esp32',
      flash: 'chipweb flash --target esp32',
      test: 'node --import tsx --test app.test.ts',
      typecheck: 'tsc --noEmit',
    },
    dependencies: { chipweb: spec },
    devDependencies: {
      '@types/node': chipweb.devDependencies?.['@types/node'] ?? '^20.19.0',
      tsx: chipweb.dependencies.tsx,
      typescript: chipweb.devDependencies?.typescript ?? '^5.9.0',
    },
  };
  const template = (file: string) => readFileSync(join(TEMPLATE, file), 'utf8');
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': template('tsconfig.json'),
    'app.ts': readFileSync(join(PACKAGE_ROOT, 'examples', 'app.ts'), 'utf8'),
    'app.test.ts': template('app.test.ts'),
    // npm drops files named .gitignore from packages, so the template's has no dot.
    '.gitignore': template('gitignore'),
    'README.md': template('README.md').split('{{name}}').join(name),
  };
}

/** Runs `chipweb init`; returns the exit code (0, 1 when files exist, 2 on a usage error). */
export async function run(args: string[], io: CommandIO = CONSOLE): Promise<number> {
  const parsed = parseCommand('init', args, { chipweb: { type: 'string' } }, USAGE, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    io.error(`chipweb init: give one folder, not ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const dir = resolve(positionals[0] ?? '.');
  const present = PROJECT_FILES.filter((file) => existsSync(join(dir, file)));
  const shown = relative(process.cwd(), dir) || '.';
  if (present.length > 0) {
    io.error(
      `chipweb init: ${shown} already has ${present.join(', ')}; nothing was written. ` +
        'Run it in a new folder (chipweb init my-app), or move those files away first.',
    );
    return 1;
  }
  const given = values.chipweb as string | undefined;
  const files = projectFiles(dir, given === undefined ? defaultSpec() : specFrom(given, dir));
  mkdirSync(dir, { recursive: true });
  for (const file of PROJECT_FILES) writeFileSync(join(dir, file), files[file], { flag: 'wx' });
  io.log(`chipweb init: wrote ${PROJECT_FILES.join(', ')} in ${shown}`);
  io.log(
    `next:\n${shown === '.' ? '' : `  cd ${shown}\n`}  npm install\n  npm start     # http://127.0.0.1:8080\n  npm test`,
  );
  return 0;
}
