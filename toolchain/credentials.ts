/**
 * Wi-Fi credentials for the firmware (CHIPWEB_SSID and CHIPWEB_PASSWORD) and
 * the admin password for its first boot (CHIPWEB_ADMIN_PASSWORD), from the
 * environment, else from a `.env` file in the project folder. They go into
 * build/<target>/manifest.json (git-ignored) and nowhere else.
 *
 * Never: read credentials from a file git would commit; print a password.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/** Credentials and where they came from. */
export interface WifiCredentials {
  ssid: string;
  password: string;
  /** "environment", ".env" or "" when none are set. */
  source: string;
  /** The admin password for the first boot ('' when none; readAdminPassword()). */
  adminPassword?: string;
}

/**
 * Whether git would commit `file` (it is inside a work tree and not
 * ignored). False when git is not installed or `dir` is not a repository.
 */
export function committable(dir: string, file: string): boolean {
  const inside = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, encoding: 'utf8' });
  if (inside.status !== 0 || inside.stdout.trim() !== 'true') return false;
  const ignored = spawnSync('git', ['check-ignore', '-q', file], { cwd: dir });
  return ignored.status === 1;
}

/**
 * Reads the credentials. The environment wins over `.env`; a `.env` that git
 * would commit is refused with an Error saying how to fix it.
 */
export function readCredentials(projectDir: string, env: NodeJS.ProcessEnv = process.env): WifiCredentials {
  if (env.CHIPWEB_SSID) return { ssid: env.CHIPWEB_SSID, password: env.CHIPWEB_PASSWORD ?? '', source: 'environment' };
  const file = join(projectDir, '.env');
  if (!existsSync(file)) return { ssid: '', password: '', source: '' };
  if (committable(projectDir, '.env')) {
    throw new Error(
      `${file} holds Wi-Fi credentials but git would commit it: add ".env" to .gitignore (credentials never go in the repo)`,
    );
  }
  const values = parseEnv(readFileSync(file, 'utf8'));
  if (!values.CHIPWEB_SSID) return { ssid: '', password: '', source: '' };
  return { ssid: values.CHIPWEB_SSID, password: values.CHIPWEB_PASSWORD ?? '', source: '.env' };
}

/**
 * The device's admin password for its first boot (CHIPWEB_ADMIN_PASSWORD,
 * from the environment, else from `.env`), or '' when none is set. Refuses
 * a `.env` git would commit, as readCredentials() does.
 */
export function readAdminPassword(projectDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHIPWEB_ADMIN_PASSWORD) return env.CHIPWEB_ADMIN_PASSWORD;
  const file = join(projectDir, '.env');
  if (!existsSync(file)) return '';
  const values = parseEnv(readFileSync(file, 'utf8'));
  if (!values.CHIPWEB_ADMIN_PASSWORD) return '';
  if (committable(projectDir, '.env')) {
    throw new Error(`${file} holds the admin password but git would commit it: add ".env" to .gitignore`);
  }
  return values.CHIPWEB_ADMIN_PASSWORD;
}
